package report

import (
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
)

// The price tables and the usage assumptions ship inside the binary, so the report prices an
// assembly offline and the same way on every machine. prices/README.md says how to add a region.
//
//go:embed prices/*.json
var priceFiles embed.FS

// Price is one rate of a price table, with where it was read.
type Price struct {
	// USD is the rate in US dollars per Unit; nil when no source was found, and the items that
	// need it are then reported as not priced rather than guessed.
	USD *float64 `json:"usd"`
	// Unit is what one USD buys ("vCPU-hour", "GB", "key-month").
	Unit string `json:"unit"`
	// What says which AWS charge this is.
	What string `json:"what"`
	// Source is the page the rate was read from, or why there is none.
	Source string `json:"source"`
	// Read is the date the source was read (YYYY-MM-DD).
	Read string `json:"read"`
	Note string `json:"note,omitempty"`
}

// PriceTable holds the rates of one region.
type PriceTable struct {
	Region   string           `json:"region"`
	Name     string           `json:"name"`
	Currency string           `json:"currency"`
	Note     string           `json:"note"`
	Prices   map[string]Price `json:"prices"`
}

// Assumption is a usage figure the templates cannot tell (traffic, data kept, discounts), with
// the reason for its default. The page and the JSON label every cost that uses one.
type Assumption struct {
	Value float64 `json:"value"`
	Why   string  `json:"why"`
}

// CostAssumptions are the usage assumptions of the cost figures. Replace them with your own
// through a JSON file of the same shape (LoadCostAssumptions).
type CostAssumptions struct {
	Note                               string     `json:"note,omitempty"`
	HoursPerMonth                      Assumption `json:"hoursPerMonth"`
	FargateSpotDiscountPercent         Assumption `json:"fargateSpotDiscountPercent"`
	EC2SpotDiscountPercent             Assumption `json:"ec2SpotDiscountPercent"`
	NATDataGBPerMonth                  Assumption `json:"natDataGBPerMonth"`
	InterfaceEndpointDataGBPerMonth    Assumption `json:"interfaceEndpointDataGBPerMonth"`
	ALBLCUs                            Assumption `json:"albLCUs"`
	LogIngestGBPerLogGroupPerMonth     Assumption `json:"logIngestGBPerLogGroupPerMonth"`
	EFSStandardGB                      Assumption `json:"efsStandardGB"`
	ContainerInsightsMetricsPerService Assumption `json:"containerInsightsMetricsPerService"`
	ContainerInsightsMetricsPerCluster Assumption `json:"containerInsightsMetricsPerCluster"`
}

// PriceTables returns the shipped price tables by region.
func PriceTables() (map[string]PriceTable, error) {
	entries, err := priceFiles.ReadDir("prices")
	if err != nil {
		return nil, err
	}
	out := map[string]PriceTable{}
	for _, e := range entries {
		if e.Name() == "assumptions.json" || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := priceFiles.ReadFile(path.Join("prices", e.Name()))
		if err != nil {
			return nil, err
		}
		var t PriceTable
		if err := strictJSON(data, &t); err != nil {
			return nil, fmt.Errorf("report: price table prices/%s: %w", e.Name(), err)
		}
		if want := strings.TrimSuffix(e.Name(), ".json"); t.Region != want {
			return nil, fmt.Errorf("report: price table prices/%s says region %q: name the file after its region", e.Name(), t.Region)
		}
		for k, p := range t.Prices {
			if p.Source == "" || p.Read == "" {
				return nil, fmt.Errorf("report: price table prices/%s: %s has no source or read date: every price names the page it was read from and when", e.Name(), k)
			}
		}
		out[t.Region] = t
	}
	return out, nil
}

// DefaultCostAssumptions returns the shipped assumptions (prices/assumptions.json).
func DefaultCostAssumptions() (CostAssumptions, error) {
	data, err := priceFiles.ReadFile("prices/assumptions.json")
	if err != nil {
		return CostAssumptions{}, err
	}
	var a CostAssumptions
	if err := strictJSON(data, &a); err != nil {
		return CostAssumptions{}, fmt.Errorf("report: prices/assumptions.json: %w", err)
	}
	return a, nil
}

// LoadCostAssumptions reads assumptions from a JSON file shaped like prices/assumptions.json;
// keys left out keep their shipped value.
func LoadCostAssumptions(file string) (CostAssumptions, error) {
	a, err := DefaultCostAssumptions()
	if err != nil {
		return a, err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return a, fmt.Errorf("cost assumptions: %w", err)
	}
	if err := strictJSON(data, &a); err != nil {
		return a, fmt.Errorf("cost assumptions %s: %w (keys and shape as in report/prices/assumptions.json)", file, err)
	}
	return a, nil
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// list returns the assumptions in a fixed order with their JSON keys, for the page.
func (a CostAssumptions) list() []namedAssumption {
	return []namedAssumption{
		{"hoursPerMonth", a.HoursPerMonth},
		{"fargateSpotDiscountPercent", a.FargateSpotDiscountPercent},
		{"ec2SpotDiscountPercent", a.EC2SpotDiscountPercent},
		{"natDataGBPerMonth", a.NATDataGBPerMonth},
		{"interfaceEndpointDataGBPerMonth", a.InterfaceEndpointDataGBPerMonth},
		{"albLCUs", a.ALBLCUs},
		{"logIngestGBPerLogGroupPerMonth", a.LogIngestGBPerLogGroupPerMonth},
		{"efsStandardGB", a.EFSStandardGB},
		{"containerInsightsMetricsPerService", a.ContainerInsightsMetricsPerService},
		{"containerInsightsMetricsPerCluster", a.ContainerInsightsMetricsPerCluster},
	}
}

type namedAssumption struct {
	Key string
	Assumption
}

func sortedPriceKeys(t PriceTable) []string {
	keys := make([]string, 0, len(t.Prices))
	for k := range t.Prices {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
