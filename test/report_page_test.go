package test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/okiagari/okiagari/report"
)

// TestReportPageOfDefaultConfig writes the one-page report of the shipped cdk.json and reads it
// back as a person's browser would get it: well-formed, fetching nothing, a picture by zone and
// one with a zone lost for each of dev, stg and prod, every service drawn, and the same totals as
// the JSON. It then checks prod/web's monthly cost against the README's worked example.
func TestReportPageOfDefaultConfig(t *testing.T) {
	a, err := report.Load(*synthesized.assembly.Directory())
	if err != nil {
		t.Fatal(err)
	}
	r := report.Build(a, report.TemplateSettings(a))
	tables, err := report.PriceTables()
	if err != nil {
		t.Fatal(err)
	}
	as, err := report.DefaultCostAssumptions()
	if err != nil {
		t.Fatal(err)
	}
	r.AddCosts(a, tables, as)
	var page, js bytes.Buffer
	if err := report.WriteHTML(&page, a, r, tables, as); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var back report.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	p, err := report.ParsePage(page.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"dev", "stg", "prod"} {
		if p.Pictures[env] != 2 {
			t.Errorf("%s: %d pictures, want 2", env, p.Pictures[env])
		}
	}
	for _, problem := range report.ComparePage(&back, p) {
		t.Error(problem)
	}

	// README, "prod/web's monthly cost": 1 vCPU / 2 GB tasks, floor 9 = FARGATE 6 + Spot 3,
	// peak 24 = FARGATE 14 + Spot 10, 730 h, ap-northeast-1 at $0.05056 per vCPU-hour and
	// $0.005536 per GB-hour, Spot 70 % off; plus the ALB, 1 LCU, 25 alarm metrics, 2
	// high-resolution ones, 2 20-second ECS metrics, 12 Container Insights metrics and 5 GB of logs.
	const floor, peak = 345.17, 799.59
	var web *report.WorkloadCost
	for _, e := range back.Environments {
		if e.Name != "prod" {
			continue
		}
		for _, sc := range e.Cost.Stacks {
			for i := range sc.Workloads {
				if sc.Workloads[i].Name == "web" {
					web = &sc.Workloads[i]
				}
			}
		}
	}
	if web == nil {
		t.Fatal("no cost for prod/web in the JSON")
	}
	if web.FloorUSD != floor || web.PeakUSD != peak {
		t.Errorf("prod/web in the JSON: $%.2f at floor, $%.2f at peak; the README works out $%.2f and $%.2f", web.FloorUSD, web.PeakUSD, floor, peak)
	}
	if p.Money["cost-prod-web-floor"] != "345.17" || p.Money["cost-prod-web-peak"] != "799.59" {
		t.Errorf("prod/web on the page: %q at floor, %q at peak; the README works out $345.17 and $799.59",
			p.Money["cost-prod-web-floor"], p.Money["cost-prod-web-peak"])
	}
}
