package report

import (
	"math"
	"strings"
	"testing"
)

// testTable is a price table with round rates, so the expected figures can be worked by hand.
func testTable(region string) map[string]PriceTable {
	p := func(v float64) Price { return Price{USD: &v, Unit: "unit", Source: "test", Read: "2026-11-30"} }
	return map[string]PriceTable{region: {Region: region, Prices: map[string]Price{
		"fargate.vcpuHour":                        p(0.04),
		"fargate.gbHour":                          p(0.005),
		"ec2.m6i.large.hour":                      p(0.1),
		"cloudwatch.alarmMetricMonth":             p(0.1),
		"cloudwatch.highResAlarmMetricMonth":      p(0.3),
		"cloudwatch.ecsHighResolutionMetricMonth": p(0.3),
		"ec2.t3.small.hour":                       {Unit: "instance-hour", Source: "not found", Read: "2026-11-30"},
	}}}
}

func testAssumptions(t *testing.T) CostAssumptions {
	t.Helper()
	as, err := DefaultCostAssumptions()
	if err != nil {
		t.Fatal(err)
	}
	as.HoursPerMonth.Value = 100
	as.FargateSpotDiscountPercent.Value = 70
	as.EC2SpotDiscountPercent.Value = 50
	return as
}

// itemOf returns the workload's (or, with workload "", the stack's shared) item by name.
func itemOf(t *testing.T, c *EnvironmentCost, workload, item string) CostItem {
	t.Helper()
	for _, sc := range c.Stacks {
		items := sc.Shared
		for _, w := range sc.Workloads {
			if w.Name == workload {
				items = w.Items
			}
		}
		for _, it := range items {
			if strings.HasPrefix(it.Item, item) {
				return it
			}
		}
	}
	t.Fatalf("no item %q of %q in %+v", item, workload, c)
	return CostItem{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.005 }

func TestFargateCostAtFloorAndPeak(t *testing.T) {
	e := envOf(t, "prod", "Services", webTemplate("", `
		"NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": `+refs3+`}},
		"CapacityProviderStrategy": [{"CapacityProvider": "FARGATE", "Base": 3, "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`,
		`"Target": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {"MinCapacity": 9, "MaxCapacity": 24,
			"ScalableDimension": "ecs:service:DesiredCount", "ResourceId": {"Fn::Join": ["/", ["service", "c", {"Fn::GetAtt": ["Svc", "Name"]}]]}}}`))
	task := e.Stacks[0].Template.Resources["Task"]
	task.Properties["Cpu"], task.Properties["Memory"] = "1024", "2048"
	c := Costs(e, Analyze(e), testTable("ap-northeast-1"), testAssumptions(t))
	if !c.Priced {
		t.Fatalf("not priced: %s", c.Notice)
	}
	// Floor 9: base 3 on FARGATE, 6 split 1:1 → FARGATE 6, Spot 3. Peak 24: 3 + 21 split, ties to
	// the first → FARGATE 14, Spot 10. 1 vCPU, 2 GB, 100 h.
	cases := []struct {
		item        string
		floor, peak float64
	}{
		{"Fargate vCPU, On-Demand", 6 * 1 * 100 * 0.04, 14 * 1 * 100 * 0.04},
		{"Fargate memory, On-Demand", 6 * 2 * 100 * 0.005, 14 * 2 * 100 * 0.005},
		{"Fargate vCPU, Spot", 3 * 1 * 100 * 0.04 * 0.3, 10 * 1 * 100 * 0.04 * 0.3},
		{"Fargate memory, Spot", 3 * 2 * 100 * 0.005 * 0.3, 10 * 2 * 100 * 0.005 * 0.3},
	}
	var floor, peak float64
	for _, tc := range cases {
		it := itemOf(t, c, "web", tc.item)
		if !near(it.FloorUSD, tc.floor) || !near(it.PeakUSD, tc.peak) {
			t.Errorf("%s: floor %.2f peak %.2f, want %.2f and %.2f (%s | %s)", tc.item, it.FloorUSD, it.PeakUSD, tc.floor, tc.peak, it.FloorBasis, it.PeakBasis)
		}
		floor, peak = floor+tc.floor, peak+tc.peak
	}
	if it := itemOf(t, c, "web", "Fargate vCPU, Spot"); len(it.Assumptions) != 1 || it.Assumptions[0] != "fargateSpotDiscountPercent" {
		t.Errorf("the Spot item must name its assumption, got %v", it.Assumptions)
	}
	if !near(c.FloorUSD, floor) || !near(c.PeakUSD, peak) {
		t.Errorf("environment total %.2f / %.2f, want %.2f / %.2f", c.FloorUSD, c.PeakUSD, floor, peak)
	}
}

func TestEC2GroupSplitsOnDemandAndSpot(t *testing.T) {
	e := envOf(t, "stg", "Platform", `{"Resources": {`+subnets3+`,
		"LT": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {}}},
		"ASG": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {"MinSize": "3", "MaxSize": "6",
			"VPCZoneIdentifier": `+refs3+`,
			"MixedInstancesPolicy": {"InstancesDistribution": {"OnDemandBaseCapacity": 1, "OnDemandPercentageAboveBaseCapacity": 0},
				"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateId": {"Ref": "LT"}},
					"Overrides": [{"InstanceType": "m6i.large"}, {"InstanceType": "m7i.large"}]}}}}}}`)
	c := Costs(e, Analyze(e), testTable("ap-northeast-1"), testAssumptions(t))
	// MinSize 3: 1 On-Demand base + 0 % of 2 → 1 On-Demand, 2 Spot; MaxSize 6: 1 and 5.
	od := itemOf(t, c, "", "EC2 m6i.large On-Demand")
	if od.FloorQuantity != 100 || od.PeakQuantity != 100 || !near(od.FloorUSD, 10) {
		t.Errorf("On-Demand: %+v", od)
	}
	spot := itemOf(t, c, "", "EC2 Spot")
	if spot.FloorQuantity != 200 || spot.PeakQuantity != 500 || !near(spot.FloorUSD, 200*0.1*0.5) || !near(spot.PeakUSD, 500*0.1*0.5) {
		t.Errorf("Spot: %+v", spot)
	}
}

func TestMissingPriceIsNotGuessed(t *testing.T) {
	e := envOf(t, "dev", "AutoHeal", `{"Resources": {`+subnets3+`,
		"LT": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"InstanceType": "t3.small"}}},
		"ASG": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {"MinSize": "1", "MaxSize": "1",
			"VPCZoneIdentifier": `+refs3+`, "LaunchTemplate": {"LaunchTemplateId": {"Ref": "LT"}}},
			"Metadata": {"okiagari": {"kind": "autoheal", "name": "chat"}}}}}`)
	c := Costs(e, Analyze(e), testTable("ap-northeast-1"), testAssumptions(t))
	it := itemOf(t, c, "", "EC2 t3.small On-Demand")
	if it.Priced || it.UnitUSD != nil || it.FloorUSD != 0 || it.FloorQuantity != 100 {
		t.Errorf("an instance type without a price must count its hours and cost nothing: %+v", it)
	}
	if len(c.Unpriced) != 1 || !strings.Contains(c.Unpriced[0], "ec2.t3.small.hour") {
		t.Errorf("unpriced: %q", c.Unpriced)
	}
	if c.FloorUSD != 0 {
		t.Errorf("total %.2f includes an unpriced item", c.FloorUSD)
	}
}

func TestRegionWithoutPricesGetsANotice(t *testing.T) {
	e := envOf(t, "eu", "Services", webTemplate("", `"NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": `+refs3+`}}`, ""))
	for _, st := range e.Stacks {
		st.Region = "eu-west-3"
	}
	c := Costs(e, Analyze(e), testTable("ap-northeast-1"), testAssumptions(t))
	want := `no prices for region "eu-west-3": the report ships price tables for ap-northeast-1 only, so it shows no cost for eu; add report/prices/eu-west-3.json (see report/prices/README.md)`
	if c.Priced || c.Notice != want || len(c.Stacks) != 0 || c.FloorUSD != 0 {
		t.Errorf("got priced=%v notice %q stacks %d", c.Priced, c.Notice, len(c.Stacks))
	}
}

// TestShippedPriceTables checks that every shipped price names its source and date (PriceTables
// refuses one that does not) and that the config's region is there.
func TestShippedPriceTables(t *testing.T) {
	tables, err := PriceTables()
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"ap-northeast-1", "us-east-1"} {
		tb, ok := tables[region]
		if !ok {
			t.Fatalf("no price table for %s", region)
		}
		if p := tb.Prices["fargate.vcpuHour"]; p.USD == nil || !strings.HasPrefix(p.Source, "http") {
			t.Errorf("%s: the Fargate vCPU rate needs a value and a source URL: %+v", region, p)
		}
		for k, p := range tb.Prices {
			if p.USD == nil && strings.HasPrefix(p.Source, "http") && !strings.Contains(p.Source, "not found") {
				t.Errorf("%s %s: no price but a source: say why there is none", region, k)
			}
		}
	}
}

// TestHighResolutionMetricsCost: a service publishing CPU and memory at 20 seconds pays for two
// metrics, and target tracking on the 20-second CPU metric for two high-resolution alarms
// instead of two standard ones.
func TestHighResolutionMetricsCost(t *testing.T) {
	e := envOf(t, "prod", "Services", webTemplate("", `"NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": `+refs3+`}},
		"Monitoring": {"MetricConfigurations": [{"MetricNames": ["CPUUtilization", "MemoryUtilization"], "ResolutionSeconds": 20}]}`,
		scalableTarget+`,
		"Cpu": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"PolicyType": "TargetTrackingScaling", "ScalingTargetId": {"Ref": "Target"},
			"TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilizationHighResolution"}}}},
		"Mem": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"PolicyType": "TargetTrackingScaling", "ScalingTargetId": {"Ref": "Target"},
			"TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageMemoryUtilization"}}}}`))
	c := Costs(e, Analyze(e), testTable("ap-northeast-1"), testAssumptions(t))
	if it := itemOf(t, c, "web", "CloudWatch 20-second ECS metrics"); it.FloorQuantity != 2 || !near(it.FloorUSD, 0.6) {
		t.Errorf("20-second metrics: %+v", it)
	}
	if it := itemOf(t, c, "", "CloudWatch high-resolution alarms"); it.FloorQuantity != 2 || !near(it.FloorUSD, 0.6) {
		t.Errorf("high-resolution alarms: %+v", it)
	}
	if it := itemOf(t, c, "", "CloudWatch alarms"); it.FloorQuantity != 2 || !near(it.FloorUSD, 0.2) {
		t.Errorf("standard alarms (the memory policy's two): %+v", it)
	}
}
