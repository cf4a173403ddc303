package report

import (
	"reflect"
	"strings"
	"testing"
)

const (
	canary20    = `{"Strategy": "CANARY", "BakeTimeInMinutes": 20, "CanaryConfiguration": {"CanaryPercent": 10, "CanaryBakeTimeInMinutes": 10}}`
	fargateSpot = `[{"CapacityProvider": "FARGATE", "Base": 3, "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`
)

// gated analyses albWeb(o) in an environment and returns the findings of its gate as strings.
func gated(t *testing.T, env string, production bool, o albOpts) []string {
	t.Helper()
	w := one(t, envOf(t, env, "Services", albWeb(o)), "web")
	var got []string
	for _, f := range Gate([]Workload{w}, production, DefaultThresholds()) {
		got = append(got, string(f.Severity)+" "+f.Rule+" "+f.Message)
	}
	return got
}

// TestSpotInterruptionGate: the stop-before-drain constraint holds only where Spot is in the
// strategy (an interruption sends SIGTERM as the drain starts); a planned stop drains first.
func TestSpotInterruptionGate(t *testing.T) {
	// Production, canary and autoshift: only the Spot rule can speak.
	base := albOpts{deploy: canary20, autoshift: "ENABLED"}
	cases := []struct {
		name       string
		strategy   string
		drain      int
		stop       int
		production bool
		want       []string
	}{
		{"no Spot: a 30 s stop behind a 60 s drain is a planned stop, drain then stop", "", 60, 30, true, nil},
		{"no Spot: a 300 s drain", "", 300, 30, true, nil},
		{"Spot, stop covers the drain within the notice", fargateSpot, 60, 60, true, nil},
		{"Spot, stop shorter than the drain", fargateSpot, 60, 30, true, []string{
			"ERROR spotInterruption prod/web: runs on Spot (FARGATE_SPOT), where an interruption sends SIGTERM as the drain starts and ends the task 120 s later: " +
				"its stop timeout 30 s is shorter than the deregistration delay 60 s, so the task is killed 30 s before its in-flight requests drain; " +
				"raise the container's StopTimeout to 60 s or lower the deregistration delay to 30 s, or take Spot out of its capacity strategy"}},
		{"Spot, a drain longer than the notice", fargateSpot, 300, 30, true, []string{
			"ERROR spotInterruption prod/web: runs on Spot (FARGATE_SPOT), where an interruption sends SIGTERM as the drain starts and ends the task 120 s later: " +
				"its stop timeout 30 s is shorter than the deregistration delay 300 s, so the task is killed 270 s before its in-flight requests drain, and the deregistration delay 300 s outlasts the 120 s notice; " +
				"lower the deregistration delay to 30 s, or to at most 120 s with StopTimeout raised to match, or take Spot out of its capacity strategy"}},
		{"Spot, the stop covers a drain the notice does not", fargateSpot, 150, 150, true, []string{
			"ERROR spotInterruption prod/web: runs on Spot (FARGATE_SPOT), where an interruption sends SIGTERM as the drain starts and ends the task 120 s later: " +
				"the deregistration delay 150 s outlasts the 120 s notice; lower the deregistration delay to at most 120 s, or take Spot out of its capacity strategy"}},
		{"Spot outside production: a warning", fargateSpot, 60, 30, false, []string{
			"WARNING spotInterruption dev/web: runs on Spot (FARGATE_SPOT), where an interruption sends SIGTERM as the drain starts and ends the task 120 s later: " +
				"its stop timeout 30 s is shorter than the deregistration delay 60 s, so the task is killed 30 s before its in-flight requests drain; " +
				"raise the container's StopTimeout to 60 s or lower the deregistration delay to 30 s, or take Spot out of its capacity strategy"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base
			o.strategy, o.drain, o.stop = c.strategy, c.drain, c.stop
			env := "prod"
			if !c.production {
				env = "dev"
			}
			if got := gated(t, env, c.production, o); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestProductionGates: in production a load-balanced web service deploys progressively and its
// internet-facing load balancer has autoshift, unless the metadata records why not.
func TestProductionGates(t *testing.T) {
	rolling := "ERROR progressiveDeploy prod/web: deploys ROLLING in production, so a regression reaches a whole wave of tasks with no small first exposure and no listener-rule rollback; " +
		"set services.web[].deployment.strategy to canary, linear or blueGreen (DeploymentConfiguration.Strategy CANARY, LINEAR or BLUE_GREEN), " +
		"or record why it must roll with services.web[].deployment.rollingReason"
	fix := ", so an impaired zone keeps its traffic until someone shifts it away by hand, and no practice run ever tests the zones' spare capacity; " +
		"set zonalShift.autoshift to true (an AWS::ARCZonalShift::ZonalAutoshiftConfiguration ENABLED with practice runs, and zonal_shift.config.enabled on the load balancer), " +
		"or record why with zonalShift.optOutReason"
	cases := []struct {
		name       string
		o          albOpts
		production bool
		want       []string
	}{
		{"canary with autoshift: nothing to say", albOpts{deploy: canary20, autoshift: "ENABLED"}, true, nil},
		{"linear and blue/green are progressive too", albOpts{deploy: `{"Strategy": "LINEAR", "BakeTimeInMinutes": 5}`, autoshift: "ENABLED"}, true, nil},
		{"blue/green", albOpts{deploy: `{"Strategy": "BLUE_GREEN", "BakeTimeInMinutes": 5}`, autoshift: "ENABLED"}, true, nil},
		{"rolling in production", albOpts{deploy: `{"Strategy": "ROLLING", "BakeTimeInMinutes": 5}`, autoshift: "ENABLED"}, true, []string{rolling}},
		{"no strategy is rolling", albOpts{autoshift: "ENABLED"}, true, []string{rolling}},
		{"rolling with a reason", albOpts{deploy: `{"Strategy": "ROLLING"}`, autoshift: "ENABLED", meta: `, "rollingReason": "one writer: the app holds a lock"`}, true, nil},
		{"no autoshift configuration", albOpts{deploy: canary20}, true, []string{
			"ERROR autoshift prod/web: its internet-facing load balancer ALB has no zonal autoshift ENABLED" + fix}},
		{"autoshift DISABLED", albOpts{deploy: canary20, autoshift: "DISABLED"}, true, []string{
			"ERROR autoshift prod/web: its internet-facing load balancer ALB has zonal autoshift DISABLED" + fix}},
		{"autoshift without zonal shift on the load balancer", albOpts{deploy: canary20, autoshift: "ENABLED", zonalShift: "false"}, true, []string{
			"ERROR autoshift prod/web: its internet-facing load balancer ALB has autoshift ENABLED but not the attribute zonal_shift.config.enabled, so ARC cannot shift it" + fix}},
		{"no autoshift with a reason", albOpts{deploy: canary20, meta: `, "autoshiftOptOutReason": "single-zone dependency"`}, true, nil},
		{"an internal load balancer is not gated", albOpts{deploy: canary20, scheme: "internal"}, true, nil},
		{"both missing", albOpts{}, true, []string{rolling, "ERROR autoshift prod/web: its internet-facing load balancer ALB has no zonal autoshift ENABLED" + fix}},
		{"both missing outside production: no finding", albOpts{}, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := "prod"
			if !c.production {
				env = "stg"
			}
			got := gated(t, env, c.production, c.o)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
	t.Run("a web service without a load balancer is not gated", func(t *testing.T) {
		w := one(t, envOf(t, "prod", "Services", webTemplate("", `"DesiredCount": 9, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": `+refs3+`}}`, "")), "web")
		if f := Gate([]Workload{w}, true, DefaultThresholds()); len(f) != 0 {
			t.Errorf("%v", f)
		}
	})
	t.Run("the reasons show in the report", func(t *testing.T) {
		w := one(t, envOf(t, "prod", "Services", albWeb(albOpts{meta: `, "rollingReason": "one writer", "autoshiftOptOutReason": "single-zone dependency"`})), "web")
		if w.Deploy.RollingReason != "one writer" || w.Evacuation.OptOutReason != "single-zone dependency" {
			t.Errorf("rolling %q autoshift %q", w.Deploy.RollingReason, w.Evacuation.OptOutReason)
		}
		containsAll(t, w.Evacuation.Summary, "autoshift off (opted out: single-zone dependency)")
		r := &Report{Environments: []EnvironmentReport{{Name: "prod", Production: true, Workloads: []Workload{w}}}}
		var b strings.Builder
		if err := WriteText(&b, r, false); err != nil {
			t.Fatal(err)
		}
		containsAll(t, b.String(), "rolls in production because: one writer")
	})
}

// TestEvacuation reads zone-evacuation readiness: zonal shift and autoshift on the service's
// load balancer, the practice runs, what it keeps with a zone shifted away, and its groups.
func TestEvacuation(t *testing.T) {
	t.Run("autoshift ENABLED with practice runs", func(t *testing.T) {
		practice := `{"OutcomeAlarms": [
				{"AlarmIdentifier": {"Fn::GetAtt": ["Healthy", "Arn"]}, "Type": "CLOUDWATCH"},
				{"AlarmIdentifier": {"Fn::GetAtt": ["Named", "Arn"]}, "Type": "CLOUDWATCH"},
				{"AlarmIdentifier": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":cloudwatch:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, ":alarm:team-latency"]]}, "Type": "CLOUDWATCH"}],
			"BlockedWindows": ["Sat:00:00-Sat:08:00"], "BlockedDates": ["2026-12-31"]}`
		extra := `"Named": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": "web-5xx", "Period": 60, "EvaluationPeriods": 3}}`
		ev := one(t, envOf(t, "prod", "Services", albWeb(albOpts{autoshift: "ENABLED", practice: practice, extra: extra})), "web").Evacuation
		want := Evacuation{LoadBalancer: "prod/Services/ALB", InternetFacing: true, ZonalShift: true, Autoshift: "ENABLED", AutoshiftConfiguration: "prod/Services/Autoshift",
			OutcomeAlarms: []string{"prod/Services/Healthy", "web-5xx", "team-latency"}, BlockedWindows: []string{"Sat:00:00-Sat:08:00"}, BlockedDates: []string{"2026-12-31"},
			ShiftedZoneTasks: 3, KeptTasks: 6, Peak: 6, KeepsPercent: 100, Groups: []GroupZonalShift{}}
		got := *ev
		got.Summary, got.Assumptions = "", nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		if ev.Summary != "zonal shift on; autoshift ENABLED, practice runs stop on Healthy, web-5xx, team-latency, blocked Sat:00:00-Sat:08:00, 2026-12-31 (UTC); "+
			"with a zone shifted away 6 of 6 peak tasks serve (the zone's own 3 keep running, without traffic)" {
			t.Errorf("summary %q", ev.Summary)
		}
		containsAll(t, strings.Join(ev.Assumptions, "\n"), "ECS is not told of a zonal shift: the shifted zone's tasks keep running", "practice runs")
	})
	t.Run("no autoshift; a zone shifted by hand leaves less than the peak", func(t *testing.T) {
		tmpl := strings.Replace(albWeb(albOpts{}), `"DesiredCount": 9`, `"DesiredCount": 6`, 1)
		ev := one(t, envOf(t, "dev", "Services", tmpl), "web").Evacuation
		if ev.Autoshift != "" || !ev.ZonalShift || ev.KeptTasks != 4 || ev.ShiftedZoneTasks != 2 {
			t.Errorf("%+v", ev)
		}
		containsAll(t, ev.Summary, "zonal shift on; autoshift off; with a zone shifted away 4 of 6 peak tasks serve (the zone's own 2 keep running, without traffic)")
	})
	t.Run("zonal shift off on the load balancer", func(t *testing.T) {
		ev := one(t, envOf(t, "dev", "Services", albWeb(albOpts{zonalShift: "false"})), "web").Evacuation
		if ev.Summary != "zonal shift off on ALB: no zone can be shifted away from it" {
			t.Errorf("%q", ev.Summary)
		}
	})
	t.Run("a load balancer not in the templates", func(t *testing.T) {
		tmpl := `{"Resources": {` + subnets3 + `, ` + plainTask + `, "TG": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {}},
			"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "webservice", "name": "web", "peakTasks": 2}},
				"Properties": {"TaskDefinition": {"Ref": "Task"}, "DesiredCount": 3, "LoadBalancers": [{"ContainerName": "app", "TargetGroupArn": {"Ref": "TG"}}]}}}}`
		w := one(t, envOf(t, "prod", "Services", tmpl), "web")
		if w.Evacuation.LoadBalancer != "" {
			t.Errorf("%+v", w.Evacuation)
		}
		containsAll(t, w.Evacuation.Summary, "its load balancer is not in the templates")
		for _, f := range Gate([]Workload{w}, true, DefaultThresholds()) {
			if f.Rule == "autoshift" {
				t.Errorf("an unknown load balancer is not gated: %v", f)
			}
		}
	})
	t.Run("EC2 capacity group", func(t *testing.T) {
		svc := `{"Resources": {` + plainTask + `,
			"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "worker", "name": "jobs"}},
				"Properties": {"TaskDefinition": {"Ref": "Task"}, "DesiredCount": 2,
					"CapacityProviderStrategy": [{"CapacityProvider": {"Fn::ImportValue": "prod-Platform:Cp"}, "Weight": 1}]}}}}`
		for _, c := range []struct {
			policy, want string
			follows      bool
		}{
			{`, "AvailabilityZoneImpairmentPolicy": {"ZonalShiftEnabled": true, "ImpairedZoneHealthCheckBehavior": "IgnoreUnhealthy"}`,
				"EC2 capacity Asg follows zonal shifts (IgnoreUnhealthy, balanced-only): it launches outside a shifted zone", true},
			{"", "EC2 capacity Asg does not follow zonal shifts: it may launch into a shifted zone", false},
		} {
			ev := one(t, envOf(t, "prod", "Platform", platform(`"MinSize": 3, "MaxSize": 6`+c.policy), "Services", svc), "jobs").Evacuation
			if ev == nil || len(ev.Groups) != 1 || ev.Groups[0].FollowsZonalShift != c.follows || ev.Groups[0].AutoScalingGroup != "prod/Platform/Asg" {
				t.Fatalf("%+v", ev)
			}
			if ev.Summary != c.want {
				t.Errorf("%q\nwant %q", ev.Summary, c.want)
			}
		}
	})
	t.Run("auto-heal group", func(t *testing.T) {
		tmpl := `{"Resources": {"Host": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Metadata": {"okiagari": {"kind": "autoheal", "name": "chat"}},
			"Properties": {"MinSize": 1, "MaxSize": 1, "AvailabilityZoneImpairmentPolicy": {"ZonalShiftEnabled": true, "ImpairedZoneHealthCheckBehavior": "ReplaceUnhealthy"},
				"AvailabilityZoneDistribution": {"CapacityDistributionStrategy": "balanced-best-effort"}}}}}`
		ev := one(t, envOf(t, "prod", "AutoHeal", tmpl), "chat").Evacuation
		if ev.Summary != "Host follows zonal shifts (ReplaceUnhealthy, balanced-best-effort): it launches outside a shifted zone" ||
			len(ev.Groups) != 1 || ev.Groups[0].Distribution != "balanced-best-effort" {
			t.Errorf("%+v", ev)
		}
	})
	t.Run("a worker on Fargate has no evacuation figure", func(t *testing.T) {
		if ev := one(t, envOf(t, "prod", "Services", webTemplate(`{"kind": "worker", "name": "web"}`, `"DesiredCount": 2`, "")), "web").Evacuation; ev != nil {
			t.Errorf("%+v", ev)
		}
	})
}
