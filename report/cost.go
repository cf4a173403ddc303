package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Definitions of the two columns of every cost figure. "Peak" here is the scaling maximum, not
// the peakTasks a web service declares for the AZ-loss figure.
const (
	FloorMeans = "floor: every scalable target at its MinCapacity (the static-stability floor) and every Auto Scaling group at its MinSize, running all month"
	PeakMeans  = "peak: every scalable target at its MaxCapacity and every Auto Scaling group at its MaxSize, running all month: the most the templates let AWS bill"
)

// EnvironmentCost is the monthly cost of one environment at its floor and at its peak, by stack,
// by workload and by item.
type EnvironmentCost struct {
	Region string `json:"region"`
	// Priced is false when the report ships no price table for Region; Notice then says so and
	// nothing else is filled in.
	Priced bool   `json:"priced"`
	Notice string `json:"notice,omitempty"`
	// FloorUSD and PeakUSD are the sums of the stacks' totals, in US dollars per month.
	FloorUSD   float64     `json:"floorUsd"`
	PeakUSD    float64     `json:"peakUsd"`
	FloorMeans string      `json:"floorMeans"`
	PeakMeans  string      `json:"peakMeans"`
	Stacks     []StackCost `json:"stacks"`
	// Unpriced lists the items left out of the totals because the price table has no rate for
	// them ("prod/Platform: EC2 m6i.large On-Demand: no ap-northeast-1 price").
	Unpriced []string `json:"unpriced"`
	// Assumptions are the usage assumptions the figures use (key → value), see CostAssumptions.
	Assumptions map[string]float64 `json:"assumptions"`
}

// StackCost is the monthly cost of one stack: its workloads and what they share.
type StackCost struct {
	Stack     string         `json:"stack"`
	FloorUSD  float64        `json:"floorUsd"`
	PeakUSD   float64        `json:"peakUsd"`
	Workloads []WorkloadCost `json:"workloads"`
	// Shared are the items that belong to no workload: NAT gateways, endpoints, the cluster,
	// the EC2 capacity group, keys.
	Shared []CostItem `json:"shared"`
}

// WorkloadCost is the monthly cost of one workload (a web service, a worker, an auto-heal host)
// with the resources under its construct.
type WorkloadCost struct {
	Name     string     `json:"name"`
	Kind     string     `json:"kind"`
	FloorUSD float64    `json:"floorUsd"`
	PeakUSD  float64    `json:"peakUsd"`
	Items    []CostItem `json:"items"`
}

// CostItem is one line of the bill: a rate times a monthly quantity, at the floor and at the
// peak.
type CostItem struct {
	// Item names the charge ("Fargate vCPU, On-Demand").
	Item string `json:"item"`
	// Price is the key of the rate in the price table ("fargate.vcpuHour").
	Price string `json:"price"`
	// UnitUSD is the rate used (after a Spot discount); nil when the table has none.
	UnitUSD *float64 `json:"unitUsd"`
	Unit    string   `json:"unit"`
	// FloorQuantity and PeakQuantity are monthly quantities in Unit; FloorBasis and PeakBasis
	// say how they were counted ("6 tasks × 1 vCPU × 730 h").
	FloorQuantity float64 `json:"floorQuantity"`
	PeakQuantity  float64 `json:"peakQuantity"`
	FloorBasis    string  `json:"floorBasis"`
	PeakBasis     string  `json:"peakBasis"`
	// FloorUSD and PeakUSD are quantity × rate, rounded to cents; 0 when not priced.
	FloorUSD float64 `json:"floorUsd"`
	PeakUSD  float64 `json:"peakUsd"`
	// Assumptions are the keys of the usage assumptions the item rests on; empty when the
	// quantity comes from the templates alone.
	Assumptions []string `json:"assumptions"`
	Priced      bool     `json:"priced"`
}

// AddCosts prices every environment of the report from its templates: tables by region (see
// PriceTables), usage assumptions for what the templates cannot tell. It fills
// EnvironmentReport.Cost and leaves every other figure as it is.
func (r *Report) AddCosts(a *Assembly, tables map[string]PriceTable, as CostAssumptions) {
	for i := range r.Environments {
		er := &r.Environments[i]
		env := a.Environment(er.Name)
		if env == nil {
			continue
		}
		er.Cost = Costs(env, er.Workloads, tables, as)
	}
}

// Costs prices one environment; ws are its workloads (Analyze).
func Costs(env *Environment, ws []Workload, tables map[string]PriceTable, as CostAssumptions) *EnvironmentCost {
	region := ""
	for _, st := range env.Stacks {
		if st.Region != "" {
			region = st.Region
			break
		}
	}
	c := &EnvironmentCost{Region: region, FloorMeans: FloorMeans, PeakMeans: PeakMeans, Stacks: []StackCost{}, Unpriced: []string{}, Assumptions: map[string]float64{}}
	table, ok := tables[region]
	if !ok {
		known := make([]string, 0, len(tables))
		for k := range tables {
			known = append(known, k)
		}
		sort.Strings(known)
		c.Notice = fmt.Sprintf("no prices for region %q: the report ships price tables for %s only, so it shows no cost for %s; add report/prices/%s.json (see report/prices/README.md)",
			region, strings.Join(known, ", "), env.Name, orUnknown(region))
		return c
	}
	c.Priced = true
	for _, n := range as.list() {
		c.Assumptions[n.Key] = n.Value
	}
	p := &pricer{e: env, table: table, as: as, hours: as.HoursPerMonth.Value}
	p.owners(ws)
	for _, st := range env.Stacks {
		sc := StackCost{Stack: st.Name, Workloads: []WorkloadCost{}, Shared: []CostItem{}}
		byOwner := map[string][]CostItem{}
		for _, item := range p.stackItems(st) {
			byOwner[item.owner] = append(byOwner[item.owner], item.CostItem)
		}
		for _, w := range ws {
			if w.Stack != st.Name {
				continue
			}
			wc := WorkloadCost{Name: w.Name, Kind: w.Kind, Items: byOwner[w.ID()]}
			if wc.Items == nil {
				wc.Items = []CostItem{}
			}
			wc.FloorUSD, wc.PeakUSD = sum(wc.Items)
			sc.Workloads = append(sc.Workloads, wc)
			delete(byOwner, w.ID())
		}
		// Items owned by a workload of another stack (alarms defined beside a service) stay in
		// the stack that defines them, as shared items: the bill is per stack.
		for _, owner := range sortedKeys(byOwner) {
			sc.Shared = append(sc.Shared, byOwner[owner]...)
		}
		f, pk := sum(sc.Shared)
		for _, w := range sc.Workloads {
			f, pk = f+w.FloorUSD, pk+w.PeakUSD
		}
		sc.FloorUSD, sc.PeakUSD = cents(f), cents(pk)
		for _, it := range allItems(sc) {
			if !it.Priced {
				c.Unpriced = append(c.Unpriced, fmt.Sprintf("%s: %s: no %s price for %s in report/prices/%s.json", st.Name, it.Item, region, it.Price, region))
			}
		}
		if len(sc.Workloads) > 0 || len(sc.Shared) > 0 {
			c.Stacks = append(c.Stacks, sc)
		}
	}
	for _, sc := range c.Stacks {
		c.FloorUSD += sc.FloorUSD
		c.PeakUSD += sc.PeakUSD
	}
	c.FloorUSD, c.PeakUSD = cents(c.FloorUSD), cents(c.PeakUSD)
	return c
}

func orUnknown(s string) string {
	if s == "" {
		return "REGION"
	}
	return s
}

func allItems(sc StackCost) []CostItem {
	out := append([]CostItem{}, sc.Shared...)
	for _, w := range sc.Workloads {
		out = append(out, w.Items...)
	}
	return out
}

func sum(items []CostItem) (floor, peak float64) {
	for _, it := range items {
		floor += it.FloorUSD
		peak += it.PeakUSD
	}
	return cents(floor), cents(peak)
}

// cents rounds to whole cents, so that every total is the exact sum of the lines shown.
func cents(x float64) float64 { return math.Round(x*100) / 100 }

// pricer turns the resources of an environment into cost items.
type pricer struct {
	e     *Environment
	table PriceTable
	as    CostAssumptions
	hours float64
	// roots maps a workload's construct path prefix ("prod/Services/Web") to its ID.
	roots map[string]string
	// byID finds a workload by the logical ID and stack of its primary resource.
	byID map[string]Workload
	// dataItems remembers which environment-wide traffic items were already added.
	dataItems map[string]bool
}

type ownedItem struct {
	owner string
	CostItem
}

func (p *pricer) owners(ws []Workload) {
	p.roots, p.byID, p.dataItems = map[string]string{}, map[string]Workload{}, map[string]bool{}
	for _, w := range ws {
		p.byID[w.Stack+"/"+w.LogicalID] = w
		parts := strings.Split(w.Path, "/")
		// The construct that holds the primary resource: "prod/Services/Web/Service/Service" →
		// "prod/Services/Web". A root as short as the stack would claim the whole stack.
		if len(parts) >= 5 {
			p.roots[strings.Join(parts[:len(parts)-2], "/")] = w.ID()
		}
	}
}

// ownerOf is the workload whose construct holds the resource at path, or "".
func (p *pricer) ownerOf(path string) string {
	best, owner := "", ""
	for root, id := range p.roots {
		if strings.HasPrefix(path, root+"/") && len(root) > len(best) {
			best, owner = root, id
		}
	}
	return owner
}

// item builds a cost item from a rate and monthly quantities; unitFactor scales the rate (a
// Spot discount).
func (p *pricer) item(name, key string, unitFactor, floorQ, peakQ float64, floorBasis, peakBasis string, assumptions ...string) CostItem {
	pr := p.table.Prices[key]
	it := CostItem{Item: name, Price: key, Unit: pr.Unit, FloorQuantity: floorQ, PeakQuantity: peakQ,
		FloorBasis: floorBasis, PeakBasis: peakBasis, Assumptions: assumptions}
	if it.Assumptions == nil {
		it.Assumptions = []string{}
	}
	if it.Unit == "" {
		it.Unit = "unit"
	}
	if pr.USD != nil {
		u := *pr.USD * unitFactor
		it.UnitUSD = &u
		it.Priced = true
		it.FloorUSD = cents(floorQ * u)
		it.PeakUSD = cents(peakQ * u)
	}
	return it
}

func (p *pricer) fixed(name, key string, q float64, basis string, assumptions ...string) CostItem {
	return p.item(name, key, 1, q, q, basis, basis, assumptions...)
}

// stackItems prices the resources of one stack, in logical-ID order, grouping the many small
// per-resource charges (alarms, log groups, keys) into one line per owner.
func (p *pricer) stackItems(st *Stack) []ownedItem {
	var out []ownedItem
	type group struct {
		n, metrics, highRes, tracking, highResTracking int
	}
	alarms, logs, keys, nats := map[string]*group{}, map[string]*group{}, map[string]*group{}, map[string]*group{}
	get := func(m map[string]*group, owner string) *group {
		if m[owner] == nil {
			m[owner] = &group{}
		}
		return m[owner]
	}
	h := p.hours
	for _, id := range sortedKeys(st.Template.Resources) {
		r := st.Template.Resources[id]
		path, _ := r.Metadata["aws:cdk:path"].(string)
		owner := p.ownerOf(path)
		add := func(items ...CostItem) {
			for _, it := range items {
				out = append(out, ownedItem{owner: owner, CostItem: it})
			}
		}
		switch r.Type {
		case "AWS::ECS::Service":
			if w, ok := p.byID[st.Name+"/"+id]; ok {
				owner = w.ID()
				add(p.serviceItems(st, id, r, w)...)
			}
			if n := p.highResolutionMetrics(st, r); n > 0 {
				add(p.fixed("CloudWatch 20-second ECS metrics", "cloudwatch.ecsHighResolutionMetricMonth", float64(n), fmt.Sprintf("%d metric%s", n, plural(n))))
			}
		case "AWS::ECS::Cluster":
			if p.insights(st, r) {
				n := p.as.ContainerInsightsMetricsPerCluster.Value
				add(p.fixed("Container Insights, cluster metrics", "cloudwatch.metricMonth", n, fmt.Sprintf("%s metrics", num(n)), "containerInsightsMetricsPerCluster"))
			}
		case "AWS::ElasticLoadBalancingV2::LoadBalancer":
			if t, _ := p.e.str(st, r.Properties["Type"]); t != "" && t != "application" {
				continue // network and gateway load balancers are priced differently: listed as not included
			}
			add(p.fixed("Application Load Balancer", "alb.hour", h, fmt.Sprintf("1 × %s h", num(h))))
			lcu := p.as.ALBLCUs.Value
			add(p.fixed("ALB capacity units (LCU)", "alb.lcuHour", lcu*h, fmt.Sprintf("%s LCU × %s h", num(lcu), num(h)), "albLCUs"))
		case "AWS::EC2::NatGateway":
			get(nats, owner).n++
		case "AWS::EC2::VPCEndpoint":
			if t, _ := p.e.str(st, r.Properties["VpcEndpointType"]); t != "Interface" {
				continue // gateway endpoints (S3, DynamoDB) are free
			}
			svc, _ := p.e.str(st, r.Properties["ServiceName"])
			azs := len(p.e.list(st, r.Properties["SubnetIds"]))
			if azs == 0 {
				azs = 1
			}
			add(p.fixed("Interface endpoint "+shortService(svc), "interfaceEndpoint.azHour", float64(azs)*h, fmt.Sprintf("%d AZs × %s h", azs, num(h))))
			if !p.dataItems["endpoint"] {
				p.dataItems["endpoint"] = true
				gb := p.as.InterfaceEndpointDataGBPerMonth.Value
				add(p.fixed("Interface endpoint data processed", "interfaceEndpoint.gb", gb, fmt.Sprintf("%s GB", num(gb)), "interfaceEndpointDataGBPerMonth"))
			}
		case "AWS::EFS::FileSystem":
			gb := p.as.EFSStandardGB.Value
			add(p.fixed("EFS Standard storage", "efs.standardGBMonth", gb, fmt.Sprintf("%s GB", num(gb)), "efsStandardGB"))
		case "AWS::AutoScaling::AutoScalingGroup":
			add(p.groupItems(st, r)...)
		case "AWS::CloudWatch::Alarm":
			g := get(alarms, owner)
			g.n++
			m := metricCount(r.Properties["Metrics"])
			if period, ok := p.e.intOr(st, r.Properties["Period"], 60); ok && period < 60 {
				g.highRes += m
			} else {
				g.metrics += m
			}
		case "AWS::ApplicationAutoScaling::ScalingPolicy":
			// Target tracking creates two alarms (scale out, scale in) that are billed but not in
			// the template, each on the policy's metrics.
			tt := obj(r.Properties["TargetTrackingScalingPolicyConfiguration"])
			if tt != nil {
				g := get(alarms, owner)
				// On a 20-second metric the two alarms evaluate 20-second periods: high-resolution
				// alarms (CloudWatch API Reference: PutMetricAlarm, Period).
				if t, _ := p.e.str(st, obj(tt["PredefinedMetricSpecification"])["PredefinedMetricType"]); strings.HasSuffix(t, "HighResolution") {
					g.highRes += 2
					g.highResTracking++
				} else {
					g.n += 2
					g.tracking++
					g.metrics += 2 * metricCount(obj(tt["CustomizedMetricSpecification"])["Metrics"])
				}
			}
		case "AWS::Logs::LogGroup":
			get(logs, owner).n++
		case "AWS::KMS::Key":
			get(keys, owner).n++
		}
	}
	for _, owner := range sortedKeys(nats) {
		n := float64(nats[owner].n)
		out = append(out, ownedItem{owner, p.fixed("NAT gateways", "natGateway.hour", n*h, fmt.Sprintf("%s × %s h", num(n), num(h)))})
		if !p.dataItems["nat"] {
			p.dataItems["nat"] = true
			gb := p.as.NATDataGBPerMonth.Value
			out = append(out, ownedItem{owner, p.fixed("NAT data processed", "natGateway.gb", gb, fmt.Sprintf("%s GB", num(gb)), "natDataGBPerMonth")})
		}
	}
	for _, owner := range sortedKeys(alarms) {
		g := alarms[owner]
		if g.metrics > 0 {
			basis := fmt.Sprintf("%d alarm metric%s (%d alarm%s", g.metrics, plural(g.metrics), g.n, plural(g.n))
			if g.tracking > 0 {
				basis += fmt.Sprintf(", of which %d made by %d target-tracking polic%s", 2*g.tracking, g.tracking, map[bool]string{true: "y", false: "ies"}[g.tracking == 1])
			}
			out = append(out, ownedItem{owner, p.fixed("CloudWatch alarms", "cloudwatch.alarmMetricMonth", float64(g.metrics), basis+")")})
		}
		if g.highRes > 0 {
			basis := fmt.Sprintf("%d alarm metric%s", g.highRes, plural(g.highRes))
			if g.highResTracking > 0 {
				basis += fmt.Sprintf(" (%d made by %d target-tracking polic%s on 20-second metrics)", 2*g.highResTracking, g.highResTracking, map[bool]string{true: "y", false: "ies"}[g.highResTracking == 1])
			}
			out = append(out, ownedItem{owner, p.fixed("CloudWatch high-resolution alarms", "cloudwatch.highResAlarmMetricMonth", float64(g.highRes), basis)})
		}
	}
	for _, owner := range sortedKeys(logs) {
		n := float64(logs[owner].n)
		gb := p.as.LogIngestGBPerLogGroupPerMonth.Value
		out = append(out, ownedItem{owner, p.fixed("Log ingestion", "logs.ingestGB", n*gb, fmt.Sprintf("%s log group%s × %s GB", num(n), plural(int(n)), num(gb)), "logIngestGBPerLogGroupPerMonth")})
	}
	for _, owner := range sortedKeys(keys) {
		n := float64(keys[owner].n)
		out = append(out, ownedItem{owner, p.fixed("KMS keys", "kms.keyMonth", n, fmt.Sprintf("%s key%s", num(n), plural(int(n))))})
	}
	return out
}

// highResolutionMetrics is how many of a service's metrics its Monitoring property publishes at
// 20 seconds.
func (p *pricer) highResolutionMetrics(st *Stack, r Resource) int {
	n := 0
	for _, mc := range p.e.list(st, obj(r.Properties["Monitoring"])["MetricConfigurations"]) {
		if res, _ := p.e.intOr(mc.st, obj(mc.x)["ResolutionSeconds"], 60); res < 60 {
			n += len(p.e.list(mc.st, obj(mc.x)["MetricNames"]))
		}
	}
	return n
}

// metricCount is how many metrics an alarm or a customized target-tracking metric bills for:
// the MetricStat entries of a metric-math list (expressions are free), else one.
func metricCount(metrics any) int {
	l, _ := metrics.([]any)
	n := 0
	for _, m := range l {
		if obj(m)["MetricStat"] != nil {
			n++
		}
	}
	if n == 0 {
		return 1
	}
	return n
}

func shortService(name string) string {
	parts := strings.Split(name, ".")
	if len(parts) > 3 {
		return strings.Join(parts[3:], ".")
	}
	return name
}

// insights says whether a cluster has Container Insights on ("enabled" or "enhanced").
func (p *pricer) insights(st *Stack, r Resource) bool {
	for _, s := range p.e.list(st, r.Properties["ClusterSettings"]) {
		o := obj(s.x)
		if n, _ := p.e.str(s.st, o["Name"]); n == "containerInsights" {
			v, _ := p.e.str(s.st, o["Value"])
			return v == "enabled" || v == "enhanced"
		}
	}
	return false
}

// TaskSize is the vCPU and memory of a task definition, as Fargate bills them.
type TaskSize struct {
	VCPU     float64
	MemoryGB float64
}

func (p *pricer) taskSize(st *Stack, props map[string]any) (TaskSize, bool) {
	td, ok := p.e.ref(st, props["TaskDefinition"])
	if !ok || td.resource().Type != "AWS::ECS::TaskDefinition" {
		return TaskSize{}, false
	}
	tp := td.resource().Properties
	cpu, ok1 := p.e.num(td.stack, tp["Cpu"])
	mem, ok2 := p.e.num(td.stack, tp["Memory"])
	if !ok1 || !ok2 {
		return TaskSize{}, false
	}
	return TaskSize{VCPU: cpu / 1024, MemoryGB: mem / 1024}, true
}

// TaskCounts are the tasks of a service per capacity provider at its floor and at its peak.
type TaskCounts struct {
	Floor, Peak int
	// Providers are the strategy's providers in order, with their task counts.
	Providers []ProviderTasks
}

// ProviderTasks is one capacity provider's share of a service's tasks.
type ProviderTasks struct {
	Provider string
	Kind     string // "fargate", "fargate-spot", "ec2"
	Floor    int
	Peak     int
}

// serviceTasks distributes a service's floor and peak over its capacity providers the way the
// Spot figure does (base first, then by weight).
func (e *Environment) serviceTasks(st *Stack, id string, r Resource, w Workload) TaskCounts {
	s := &service{e: e, ref: resRef{stack: st, id: id}, props: r.Properties, w: &Workload{}}
	floor, peak := 0, 0
	if w.AZLoss != nil {
		floor = w.AZLoss.Floor
	}
	peak = floor
	if w.Scaling != nil && w.Scaling.ScalableTarget != "" {
		floor, peak = w.Scaling.MinCapacity, w.Scaling.MaxCapacity
	}
	ps := s.strategy()
	if len(ps) == 0 {
		ps = []provider{{name: "EC2 launch type", weight: 1}}
	}
	tc := TaskCounts{Floor: floor, Peak: peak}
	fc, pc := distribute(floor, ps), distribute(peak, ps)
	for i, pv := range ps {
		kind := "ec2"
		switch {
		case pv.spot:
			kind = "fargate-spot"
		case pv.name == "FARGATE" || pv.name == "FARGATE launch type":
			kind = "fargate"
		}
		tc.Providers = append(tc.Providers, ProviderTasks{Provider: pv.name, Kind: kind, Floor: fc[i], Peak: pc[i]})
	}
	return tc
}

func (p *pricer) serviceItems(st *Stack, id string, r Resource, w Workload) []CostItem {
	tc := p.e.serviceTasks(st, id, r, w)
	size, sized := p.taskSize(st, r.Properties)
	h := p.hours
	var out []CostItem
	spotFactor := 1 - p.as.FargateSpotDiscountPercent.Value/100
	for _, pv := range tc.Providers {
		if pv.Floor == 0 && pv.Peak == 0 {
			continue
		}
		switch pv.Kind {
		case "fargate", "fargate-spot":
			label, factor, as := "On-Demand", 1.0, []string{}
			if pv.Kind == "fargate-spot" {
				label, factor, as = "Spot", spotFactor, []string{"fargateSpotDiscountPercent"}
			}
			if !sized {
				it := p.item("Fargate "+label+": task size not resolvable in the templates", "fargate.vcpuHour", factor, 0, 0, "", "", as...)
				it.Priced, it.UnitUSD = false, nil
				out = append(out, it)
				continue
			}
			basis := func(n int, per float64, unit string) string {
				return fmt.Sprintf("%d task%s × %s %s × %s h", n, plural(n), num(per), unit, num(h))
			}
			out = append(out,
				p.item("Fargate vCPU, "+label, "fargate.vcpuHour", factor,
					float64(pv.Floor)*size.VCPU*h, float64(pv.Peak)*size.VCPU*h,
					basis(pv.Floor, size.VCPU, "vCPU"), basis(pv.Peak, size.VCPU, "vCPU"), as...),
				p.item("Fargate memory, "+label, "fargate.gbHour", factor,
					float64(pv.Floor)*size.MemoryGB*h, float64(pv.Peak)*size.MemoryGB*h,
					basis(pv.Floor, size.MemoryGB, "GB"), basis(pv.Peak, size.MemoryGB, "GB"), as...))
		default:
			// Tasks on EC2 capacity cost nothing themselves: the instances are billed with the
			// group (Platform stack).
			it := CostItem{Item: fmt.Sprintf("%d–%d tasks on %s: billed with its instances", pv.Floor, pv.Peak, pv.Provider), Price: "", Unit: "task",
				FloorQuantity: float64(pv.Floor), PeakQuantity: float64(pv.Peak), FloorBasis: fmt.Sprintf("%d tasks", pv.Floor), PeakBasis: fmt.Sprintf("%d tasks", pv.Peak),
				Assumptions: []string{}, Priced: true}
			zero := 0.0
			it.UnitUSD = &zero
			out = append(out, it)
		}
	}
	if cl, ok := p.e.ref(st, r.Properties["Cluster"]); ok && cl.resource().Type == "AWS::ECS::Cluster" && p.insights(cl.stack, *cl.resource()) {
		n := p.as.ContainerInsightsMetricsPerService.Value
		out = append(out, p.fixed("Container Insights, service metrics", "cloudwatch.metricMonth", n, fmt.Sprintf("%s metrics", num(n)), "containerInsightsMetricsPerService"))
	}
	return out
}

// InstanceGroup is an Auto Scaling group's instances at MinSize (floor) and MaxSize (peak),
// split into On-Demand and Spot the way Auto Scaling launches them.
type InstanceGroup struct {
	// Type is the instance type On-Demand instances launch as: the first override, as the
	// "prioritized" On-Demand allocation strategy picks it. Types are all the overrides.
	Type                          string
	Types                         []string
	MinSize, MaxSize              int
	OnDemandBase, OnDemandPercent int
	FloorOnDemand, FloorSpot      int
	PeakOnDemand, PeakSpot        int
	AZs                           []string
	SpotAllocation                string
}

func (e *Environment) instanceGroup(st *Stack, r Resource) InstanceGroup {
	p := r.Properties
	g := InstanceGroup{OnDemandPercent: defaultOnDemandPercentAbove}
	g.MinSize, _ = e.intOr(st, p["MinSize"], 0)
	g.MaxSize, _ = e.intOr(st, p["MaxSize"], g.MinSize)
	lt := obj(p["LaunchTemplate"])
	if mip := obj(p["MixedInstancesPolicy"]); mip != nil {
		dist := obj(mip["InstancesDistribution"])
		g.OnDemandBase, _ = e.intOr(st, dist["OnDemandBaseCapacity"], 0)
		g.OnDemandPercent, _ = e.intOr(st, dist["OnDemandPercentageAboveBaseCapacity"], defaultOnDemandPercentAbove)
		g.SpotAllocation, _ = e.str(st, dist["SpotAllocationStrategy"])
		mlt := obj(mip["LaunchTemplate"])
		for _, o := range e.list(st, mlt["Overrides"]) {
			if t, ok := e.str(o.st, obj(o.x)["InstanceType"]); ok {
				g.Types = append(g.Types, t)
			}
		}
		lt = obj(mlt["LaunchTemplateSpecification"])
	}
	if ltRef, ok := e.ref(st, lt["LaunchTemplateId"]); ok {
		data := obj(ltRef.resource().Properties["LaunchTemplateData"])
		if t, ok := e.str(ltRef.stack, data["InstanceType"]); ok && len(g.Types) == 0 {
			g.Types = []string{t}
		}
		if mt, _ := e.str(ltRef.stack, obj(data["InstanceMarketOptions"])["MarketType"]); mt == "spot" {
			g.OnDemandPercent = 0
		}
	}
	if len(g.Types) > 0 {
		g.Type = g.Types[0]
	}
	split := func(n int) (od, spot int) {
		base := min(g.OnDemandBase, n)
		od = base + ceilDiv((n-base)*g.OnDemandPercent, 100)
		return od, n - od
	}
	g.FloorOnDemand, g.FloorSpot = split(g.MinSize)
	g.PeakOnDemand, g.PeakSpot = split(g.MaxSize)
	var notes []string
	g.AZs = e.subnetAZs(e.list(st, p["VPCZoneIdentifier"]), &notes)
	return g
}

func (p *pricer) groupItems(st *Stack, r Resource) []CostItem {
	g := p.e.instanceGroup(st, r)
	h := p.hours
	if g.Type == "" {
		it := CostItem{Item: "EC2 instances: instance type not resolvable in the templates", Price: "ec2", Unit: "instance-hour", Assumptions: []string{}}
		return []CostItem{it}
	}
	key := "ec2." + g.Type + ".hour"
	basis := func(n int) string { return fmt.Sprintf("%d × %s h", n, num(h)) }
	var out []CostItem
	if g.FloorOnDemand > 0 || g.PeakOnDemand > 0 {
		name := "EC2 " + g.Type + " On-Demand"
		if g.OnDemandBase > 0 || g.OnDemandPercent < 100 {
			name += fmt.Sprintf(" (base %d + %d %% above)", g.OnDemandBase, g.OnDemandPercent)
		}
		out = append(out, p.item(name, key, 1, float64(g.FloorOnDemand)*h, float64(g.PeakOnDemand)*h, basis(g.FloorOnDemand), basis(g.PeakOnDemand)))
	}
	if g.FloorSpot > 0 || g.PeakSpot > 0 {
		factor := 1 - p.as.EC2SpotDiscountPercent.Value/100
		out = append(out, p.item("EC2 Spot (priced as "+g.Type+")", key, factor, float64(g.FloorSpot)*h, float64(g.PeakSpot)*h, basis(g.FloorSpot), basis(g.PeakSpot), "ec2SpotDiscountPercent"))
	}
	return out
}

// num prints a quantity without trailing zeros: 730, 0.25, 2.
func num(x float64) string {
	s := fmt.Sprintf("%.4f", x)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
