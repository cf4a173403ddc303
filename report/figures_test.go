package report

import (
	"reflect"
	"strings"
	"testing"
)

func TestCrossStackResolution(t *testing.T) {
	network := `{"Resources": {` + subnets3 + `},
		"Outputs": {
			"A": {"Value": {"Ref": "SubnetA"}, "Export": {"Name": "prod-Network:SubnetA"}},
			"C": {"Value": {"Ref": "SubnetC"}, "Export": {"Name": {"Fn::Join": [":", [{"Ref": "AWS::StackName"}, "SubnetC"]]}}},
			"D": {"Value": {"Ref": "SubnetD"}}}}`
	// Platform re-exports subnet A: an import whose output is itself an import.
	platform := `{"Resources": {}, "Outputs": {
			"Again": {"Value": {"Fn::ImportValue": "prod-Network:SubnetA"}, "Export": {"Name": {"Fn::Sub": "again-a"}}}}}`
	services := func(subnets string) string {
		return `{"Resources": {` + plainTask + `,
			"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "webservice", "name": "web", "peakTasks": 2}},
				"Properties": {"DesiredCount": 3, "TaskDefinition": {"Ref": "Task"},
					"NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + subnets + `}}}}}}`
	}
	cases := []struct {
		name, subnets string
		want          []string
	}{
		{"ImportValue of a plain export name", `[{"Fn::ImportValue": "prod-Network:SubnetA"}]`, []string{"ap-northeast-1a"}},
		{"export name built with Fn::Join and AWS::StackName", `[{"Fn::ImportValue": "prod-Network:SubnetC"}]`, []string{"ap-northeast-1c"}},
		{"CDK weak reference Fn::GetStackOutput", `[{"Fn::GetStackOutput": {"StackName": "prod-Network", "Region": "ap-northeast-1", "OutputName": "D"}}]`, []string{"ap-northeast-1d"}},
		{"import of a re-export", `[{"Fn::ImportValue": "again-a"}, {"Fn::ImportValue": "prod-Network:SubnetC"}]`, []string{"ap-northeast-1a", "ap-northeast-1c"}},
		{"list export through Fn::Split", `{"Fn::Split": [",", {"Fn::GetStackOutput": {"StackName": "prod-Platform", "OutputName": "List"}}]}`, []string{"ap-northeast-1a", "ap-northeast-1c"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plat := platform
			if strings.Contains(c.subnets, "Split") {
				plat = `{"Resources": {}, "Outputs": {"List": {"Value": {"Fn::Join": [",", [
					{"Fn::ImportValue": "prod-Network:SubnetA"}, {"Fn::ImportValue": "prod-Network:SubnetC"}]]}}}}`
			}
			e := envOf(t, "prod", "Network", network, "Platform", plat, "Services", services(c.subnets))
			w := one(t, e, "web")
			if !reflect.DeepEqual(w.AZLoss.AZs, c.want) {
				t.Errorf("AZs %v, want %v (assumptions %v)", w.AZLoss.AZs, c.want, w.AZLoss.Assumptions)
			}
		})
	}
	t.Run("unresolvable import counts as an AZ of its own and says so", func(t *testing.T) {
		e := envOf(t, "prod", "Network", network, "Services", services(`[{"Fn::ImportValue": "elsewhere:Subnet"}, "subnet-0123"]`))
		w := one(t, e, "web")
		if len(w.AZLoss.AZs) != 2 || !strings.HasPrefix(w.AZLoss.AZs[1], "unknown AZ of subnet-0123") {
			t.Errorf("AZs %v", w.AZLoss.AZs)
		}
		containsAll(t, strings.Join(w.AZLoss.Assumptions, "\n"), "subnet-0123 is not defined in the templates")
	})
}

func TestAZLoss(t *testing.T) {
	target := func(min int) string {
		return `"Target": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {"MinCapacity": ` + itoa(min) + `, "MaxCapacity": 30,
			"ScalableDimension": "ecs:service:DesiredCount", "ServiceNamespace": "ecs",
			"ResourceId": {"Fn::Join": ["", ["service/", "cluster", "/", {"Fn::GetAtt": ["Svc", "Name"]}]]}}}`
	}
	cases := []struct {
		name, metadata, props, extra string
		wantPerAZ                    []int
		wantLeft, wantKept, wantPct  int
		wantFloorForPeak             int
		wantSummary                  string
	}{
		{"static stability: 9 over 3 AZs keeps all of 6", "", `"DesiredCount": 9, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs3 + `}}`, "",
			[]int{3, 3, 3}, 6, 6, 100, 9, "3 AZs, floor 9 tasks (3+3+3): losing ap-northeast-1a leaves 6; keeps 100 % of peak (6 of 6)"},
		{"6 over 3 AZs keeps 4 of 6", "", `"DesiredCount": 6, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs3 + `}}`, "",
			[]int{2, 2, 2}, 4, 4, 67, 9, "keeps 67 % of peak (4 of 6)"},
		{"uneven floor: the first AZs take the remainder", "", `"DesiredCount": 7, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs3 + `}}`, "",
			[]int{3, 2, 2}, 4, 4, 67, 9, "(3+2+2)"},
		{"two-AZ service", "", `"DesiredCount": 6, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs2 + `}}`, "",
			[]int{3, 3}, 3, 3, 50, 12, "2 AZs"},
		{"single-AZ service keeps nothing", "", `"DesiredCount": 6, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs1 + `}}`, "",
			[]int{6}, 0, 0, 0, 0, "1 AZ, floor 6 tasks (6): losing ap-northeast-1a leaves 0; keeps 0 % of peak (0 of 6)"},
		{"floor is the scalable target's MinCapacity, not DesiredCount", "", `"DesiredCount": 6, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs3 + `}}`, target(9),
			[]int{3, 3, 3}, 6, 6, 100, 9, "floor 9 tasks"},
		{"two subnets in one AZ count once", "", `"DesiredCount": 6, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": [{"Ref": "SubnetA"}, {"Ref": "SubnetA2"}, {"Ref": "SubnetC"}]}}`,
			`"SubnetA2": {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZone": "ap-northeast-1a"}}`,
			[]int{3, 3}, 3, 3, 50, 12, "2 AZs"},
		{"metadata without a peak: desired count is the peak", `{"kind": "webservice", "name": "web"}`, `"DesiredCount": 3, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs3 + `}}`, "",
			[]int{1, 1, 1}, 2, 2, 67, 5, "keeps 67 % of peak (2 of 3)"},
		{"DesiredCount absent and no scalable target: 1 task", "", `"NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs3 + `}}`, "",
			[]int{1, 0, 0}, 0, 0, 0, 9, "floor 1 tasks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := one(t, envOf(t, "prod", "Services", webTemplate(c.metadata, c.props, c.extra)), "web")
			a := w.AZLoss
			var per []int
			for _, p := range a.PerAZ {
				per = append(per, p.Count)
			}
			if !reflect.DeepEqual(per, c.wantPerAZ) || a.Left != c.wantLeft || a.Kept != c.wantKept ||
				a.KeepsPercent != c.wantPct || a.FloorForPeak != c.wantFloorForPeak {
				t.Errorf("perAZ %v left %d kept %d %d %% floorForPeak %d; want %v %d %d %d %% %d",
					per, a.Left, a.Kept, a.KeepsPercent, a.FloorForPeak, c.wantPerAZ, c.wantLeft, c.wantKept, c.wantPct, c.wantFloorForPeak)
			}
			containsAll(t, a.Summary, c.wantSummary)
		})
	}
	t.Run("a service without okiagari metadata is reported and says its peak is assumed", func(t *testing.T) {
		tmpl := `{"Resources": {` + subnets3 + `, ` + plainTask + `,
			"Plain": {"Type": "AWS::ECS::Service", "Properties": {"ServiceName": "legacy", "DesiredCount": 4, "TaskDefinition": {"Ref": "Task"},
				"NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs3 + `}}}}}}`
		w := one(t, envOf(t, "prod", "Services", tmpl), "legacy")
		if w.Kind != KindService || w.AZLoss.Peak != 4 {
			t.Errorf("kind %s peak %d", w.Kind, w.AZLoss.Peak)
		}
		containsAll(t, strings.Join(w.Notes, "\n"), "desired count 4 taken as the peak")
	})
}

func TestDetection(t *testing.T) {
	lb := `"LoadBalancers": [{"ContainerName": "app", "ContainerPort": 80, "TargetGroupArn": {"Ref": "TG"}}], "DesiredCount": 3`
	t.Run("explicit settings", func(t *testing.T) {
		tmpl := `{"Resources": {` + subnets3 + `,
			"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [
				{"Name": "app", "HealthCheck": {"Command": ["CMD", "true"], "Interval": 10, "Timeout": 4, "Retries": 2, "StartPeriod": 60}},
				{"Name": "helper", "Essential": false, "HealthCheck": {"Command": ["CMD", "true"], "Interval": 300}}]}},
			"TG": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {"HealthCheckIntervalSeconds": 10, "HealthCheckTimeoutSeconds": 5, "UnhealthyThresholdCount": 3, "HealthyThresholdCount": 2}},
			"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "webservice", "name": "web", "peakTasks": 2}},
				"Properties": {"TaskDefinition": {"Ref": "Task"}, ` + lb + `}}}}`
		d := one(t, envOf(t, "prod", "Services", tmpl), "web").Detection
		if len(d.LoadBalancer) != 1 || d.LoadBalancer[0].UnhealthySeconds != 35 || d.LoadBalancer[0].HealthySeconds != 20 {
			t.Errorf("load balancer %+v", d.LoadBalancer)
		}
		if len(d.Containers) != 1 || d.Containers[0].UnhealthySeconds != 24 || d.Containers[0].UnhealthyAtStartSeconds != 84 {
			t.Errorf("containers %+v (the non-essential helper must be left out)", d.Containers)
		}
		containsAll(t, d.Summary, "load balancer 35 s (10 s × 3 + 5 s)", "container app 24 s when running (10 s × 2 + 4 s), 84 s at start (+60 s start period)")
	})
	t.Run("AWS defaults when the template says nothing", func(t *testing.T) {
		tmpl := `{"Resources": {` + subnets3 + `,
			"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"Name": "app", "HealthCheck": {"Command": ["CMD", "true"]}}]}},
			"TG": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {"Port": 80}},
			"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "webservice", "name": "web", "peakTasks": 2}},
				"Properties": {"TaskDefinition": {"Ref": "Task"}, ` + lb + `}}}}`
		d := one(t, envOf(t, "prod", "Services", tmpl), "web").Detection
		tg := d.LoadBalancer[0]
		if tg.IntervalSeconds != 30 || tg.TimeoutSeconds != 5 || tg.UnhealthyThreshold != 2 || tg.HealthyThreshold != 5 || tg.UnhealthySeconds != 65 || tg.HealthySeconds != 150 {
			t.Errorf("target group defaults %+v", tg)
		}
		c := d.Containers[0]
		if c.IntervalSeconds != 30 || c.TimeoutSeconds != 5 || c.Retries != 3 || c.StartPeriodSeconds != 0 || c.UnhealthySeconds != 95 || c.UnhealthyAtStartSeconds != 95 {
			t.Errorf("container defaults %+v", c)
		}
	})
	t.Run("no load balancer, no health check", func(t *testing.T) {
		d := one(t, envOf(t, "prod", "Services", webTemplate("", `"DesiredCount": 3`, "")), "web").Detection
		if len(d.LoadBalancer) != 0 {
			t.Errorf("load balancer %+v", d.LoadBalancer)
		}
		containsAll(t, d.Summary, "no load balancer", "no container health check")
	})
}

func TestDrain(t *testing.T) {
	// tmpl is a web service behind one target group with the given containers, target group
	// attributes and capacity provider strategy ("" for the FARGATE launch type).
	tmpl := func(containers, attrs, strategy string) string {
		capacity := `"LaunchType": "FARGATE"`
		if strategy != "" {
			capacity = `"CapacityProviderStrategy": ` + strategy
		}
		return `{"Resources": {` + subnets3 + `,
			"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": ` + containers + `}},
			"TG": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {"TargetGroupAttributes": ` + attrs + `}},
			"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "webservice", "name": "web", "peakTasks": 2}},
				"Properties": {"TaskDefinition": {"Ref": "Task"}, "DesiredCount": 3, ` + capacity + `,
					"LoadBalancers": [{"ContainerName": "app", "ContainerPort": 80, "TargetGroupArn": {"Ref": "TG"}}]}}}}`
	}
	drain60 := `[{"Key": "deregistration_delay.timeout_seconds", "Value": "60"}]`
	spot := `[{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`
	cases := []struct {
		name, containers, attrs, strategy string
		drain, stop, planned              int
		spot                              []string // nil: no interruption figure
		outlives, within                  bool
		summary                           string
	}{
		{"no Spot: only the planned stop, drain then stop", `[{"Name": "app", "StopTimeout": 30}]`, drain60, "",
			60, 30, 90, nil, false, false,
			"planned stop ≤ 90 s (drain 60 s, then SIGTERM and up to 30 s to exit); no Spot in its capacity strategy"},
		{"Spot, stop timeout covers the drain", `[{"Name": "app", "StopTimeout": 60}]`, `[{"Key": "deregistration_delay.timeout_seconds", "Value": 60}]`, spot,
			60, 60, 120, []string{"FARGATE_SPOT"}, true, true,
			"planned stop ≤ 120 s (drain 60 s, then SIGTERM and up to 60 s to exit); Spot interruption: SIGTERM as the 60 s drain starts; the container outlives it (stop 60 s) within the 120 s notice"},
		{"Spot, stop timeout shorter than the drain", `[{"Name": "app", "StopTimeout": 30}]`, drain60, spot,
			60, 30, 90, []string{"FARGATE_SPOT"}, false, true,
			"Spot interruption: SIGTERM as the 60 s drain starts: killed 30 s before it ends"},
		{"Spot, defaults: 30 s stop, 300 s drain", `[{"Name": "app"}]`, `[]`, spot,
			300, 30, 330, []string{"FARGATE_SPOT"}, false, false,
			"Spot interruption: SIGTERM as the 300 s drain starts: killed 270 s before it ends, and it outlasts the 120 s notice"},
		{"the container behind the load balancer decides, not a sidecar", `[{"Name": "app", "StopTimeout": 120}, {"Name": "xray", "StopTimeout": 2}]`, drain60, "",
			60, 120, 180, nil, false, false, "planned stop ≤ 180 s (drain 60 s, then SIGTERM and up to 120 s to exit)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := one(t, envOf(t, "prod", "Services", tmpl(c.containers, c.attrs, c.strategy)), "web").Drain
			if d.DeregistrationDelaySeconds != c.drain || d.StopTimeoutSeconds != c.stop || d.PlannedStopSeconds != c.planned {
				t.Errorf("drain %d stop %d planned %d; want %d %d %d", d.DeregistrationDelaySeconds, d.StopTimeoutSeconds, d.PlannedStopSeconds, c.drain, c.stop, c.planned)
			}
			switch in := d.Interruption; {
			case c.spot == nil && in != nil:
				t.Errorf("interruption %+v without Spot in the strategy", in)
			case c.spot != nil && in == nil:
				t.Errorf("no interruption figure with Spot %v", c.spot)
			case in != nil && (!reflect.DeepEqual(in.SpotProviders, c.spot) || in.StopOutlivesDrain != c.outlives || in.DrainWithinNotice != c.within ||
				in.Safe != (c.outlives && c.within) || in.NoticeSeconds != 120):
				t.Errorf("interruption %+v; want Spot %v outlives %v within %v", in, c.spot, c.outlives, c.within)
			}
			containsAll(t, d.Summary, c.summary)
		})
	}
	t.Run("no load balancer: nothing to drain", func(t *testing.T) {
		d := one(t, envOf(t, "prod", "Services", webTemplate("", `"DesiredCount": 3`, "")), "web").Drain
		if d.DeregistrationDelaySeconds != 0 || d.StopTimeoutSeconds != 30 || d.PlannedStopSeconds != 30 || d.Interruption != nil {
			t.Errorf("%+v", d)
		}
		containsAll(t, d.Summary, "no load balancer to drain: a planned stop sends SIGTERM, then SIGKILL after 30 s")
	})
	t.Run("an EC2 capacity provider whose group runs Spot", func(t *testing.T) {
		svc := `{"Resources": {` + subnets3 + `,
			"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"Name": "app", "StopTimeout": 60}]}},
			"TG": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {"TargetGroupAttributes": ` + drain60 + `}},
			"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "webservice", "name": "web", "peakTasks": 2}},
				"Properties": {"TaskDefinition": {"Ref": "Task"}, "DesiredCount": 3,
					"CapacityProviderStrategy": [{"CapacityProvider": {"Fn::ImportValue": "prod-Platform:Cp"}, "Weight": 1}],
					"LoadBalancers": [{"ContainerName": "app", "TargetGroupArn": {"Ref": "TG"}}]}}}}`
		for _, c := range []struct {
			name, asg string
			spot      bool
		}{
			{"mixed instances with Spot above the base", `"MinSize": 2, "MaxSize": 6, "MixedInstancesPolicy": {"InstancesDistribution": {"OnDemandBaseCapacity": 2, "OnDemandPercentageAboveBaseCapacity": 0}}`, true},
			{"mixed instances, all On-Demand", `"MinSize": 2, "MaxSize": 6, "MixedInstancesPolicy": {"InstancesDistribution": {"OnDemandBaseCapacity": 1, "OnDemandPercentageAboveBaseCapacity": 100}}`, false},
			{"a base that covers MaxSize", `"MinSize": 2, "MaxSize": 2, "MixedInstancesPolicy": {"InstancesDistribution": {"OnDemandBaseCapacity": 2, "OnDemandPercentageAboveBaseCapacity": 0}}`, false},
			{"a Spot launch template", `"MinSize": 2, "MaxSize": 4, "LaunchTemplate": {"LaunchTemplateId": {"Ref": "LT"}}`, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				d := one(t, envOf(t, "prod", "Platform", platform(c.asg), "Services", svc), "web").Drain
				if got := d.Interruption != nil; got != c.spot {
					t.Fatalf("interruption %+v, want Spot %v", d.Interruption, c.spot)
				}
				if c.spot {
					if !reflect.DeepEqual(d.Interruption.SpotProviders, []string{"prod/Platform/Cp"}) || !d.Interruption.Safe {
						t.Errorf("%+v", d.Interruption)
					}
					containsAll(t, strings.Join(d.Assumptions, "\n"), "EC2 Spot interruption sets the container instance to DRAINING")
				}
			})
		}
	})
}

const scalableTarget = `"Target": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {"MinCapacity": 3, "MaxCapacity": 12,
	"ScalableDimension": "ecs:service:DesiredCount", "ServiceNamespace": "ecs",
	"ResourceId": {"Fn::Join": ["", ["service/", {"Ref": "Cluster"}, "/", {"Fn::GetAtt": ["Svc", "Name"]}]]},
	"ScheduledActions": [{"ScheduledActionName": "night", "Schedule": "cron(0 22 * * ? *)", "ScalableTargetAction": {"MinCapacity": 3}}]}},
	"Cluster": {"Type": "AWS::ECS::Cluster"}`

func TestScaling(t *testing.T) {
	policies := `
		"TT": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"PolicyType": "TargetTrackingScaling", "ScalingTargetId": {"Ref": "Target"},
			"TargetTrackingScalingPolicyConfiguration": {"PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}, "TargetValue": 70, "ScaleOutCooldown": 60}}},
		"TTDefault": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"PolicyType": "TargetTrackingScaling", "ScalingTargetId": {"Ref": "Target"},
			"TargetTrackingScalingPolicyConfiguration": {"CustomizedMetricSpecification": {"Metrics": [{"Id": "m1", "Expression": "cpu + mem"}]}, "TargetValue": 1}}},
		"StepUp": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"PolicyType": "StepScaling", "ScalingTargetId": {"Ref": "Target"},
			"StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "Cooldown": 30, "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 2}]}}},
		"Slow": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmActions": [{"Ref": "StepUp"}], "Period": 60, "EvaluationPeriods": 3}},
		"Fast": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmActions": [{"Ref": "Topic"}, {"Ref": "StepUp"}], "Period": 10, "EvaluationPeriods": 5, "DatapointsToAlarm": 2}},
		"MathPolicy": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"PolicyType": "StepScaling", "ScalingTargetId": {"Ref": "Target"},
			"StepScalingPolicyConfiguration": {"StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]}}},
		"MathAlarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmActions": [{"Ref": "MathPolicy"}], "EvaluationPeriods": 2,
			"Metrics": [{"Id": "e", "Expression": "m1 + m2"}, {"Id": "m1", "MetricStat": {"Period": 30}}, {"Id": "m2", "MetricStat": {"Period": 60}}]}},
		"StepDown": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"PolicyType": "StepScaling", "ScalingTargetId": {"Ref": "Target"},
			"StepScalingPolicyConfiguration": {"StepAdjustments": [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}]}}},
		"DownAlarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmActions": [{"Ref": "StepDown"}], "Period": 5, "EvaluationPeriods": 1}},
		"Orphan": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"PolicyType": "StepScaling", "ScalingTargetId": {"Ref": "Target"},
			"StepScalingPolicyConfiguration": {"StepAdjustments": [{"ScalingAdjustment": 1}]}}},
		"Topic": {"Type": "AWS::SNS::Topic"},
		"OtherTarget": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {"ResourceId": "service/c/other", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 2}},
		"OtherPolicy": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"PolicyType": "TargetTrackingScaling", "ScalingTargetId": {"Ref": "OtherTarget"},
			"TargetTrackingScalingPolicyConfiguration": {"TargetValue": 5}}}`
	sc := one(t, envOf(t, "prod", "Services", webTemplate("", `"DesiredCount": 3`, scalableTarget+","+policies)), "web").Scaling
	if sc.MinCapacity != 3 || sc.MaxCapacity != 12 {
		t.Errorf("capacity %d–%d", sc.MinCapacity, sc.MaxCapacity)
	}
	got := map[string]Policy{}
	for _, p := range sc.Policies {
		got[shortID(p.LogicalID)] = p
	}
	if _, ok := got["OtherPolicy"]; ok || len(got) != 6 {
		t.Fatalf("policies %v: want the six on this service's target", reflect.ValueOf(got).MapKeys())
	}
	check := func(id string, first, cooldown, next int, dir string) {
		t.Helper()
		p := got[id]
		if p.FirstActionSeconds != first || p.CooldownSeconds != cooldown || p.NextActionSeconds != next || p.Direction != dir {
			t.Errorf("%s: first %d cooldown %d next %d %s; want %d %d %d %s", id, p.FirstActionSeconds, p.CooldownSeconds, p.NextActionSeconds, p.Direction, first, cooldown, next, dir)
		}
	}
	check("TT", 180, 60, 240, "both")
	check("TTDefault", 180, 300, 480, "both") // no ScaleOutCooldown: the ECS default 300 s
	check("StepUp", 20, 30, 50, "out")        // two alarms: 60 s × 3 and 10 s × 2 of 5; the fastest counts
	check("MathPolicy", 60, 300, 360, "out")  // metric math alarm: shortest metric period 30 s × 2
	check("StepDown", 5, 300, 305, "in")      // scale-in does not count for the fastest scale-out
	check("Orphan", 0, 300, 0, "out")         // no alarm: never acts
	if len(got["StepUp"].Alarms) != 2 || got["TTDefault"].Metric != "metric math" {
		t.Errorf("StepUp alarms %+v, TTDefault metric %q", got["StepUp"].Alarms, got["TTDefault"].Metric)
	}
	if sc.FastestScaleOutSeconds != 20 {
		t.Errorf("fastest scale-out %d, want 20", sc.FastestScaleOutSeconds)
	}
	containsAll(t, got["StepUp"].Summary, "Fast 20 s (10 s × 2)", "Slow 180 s (60 s × 3)")
	containsAll(t, got["Orphan"].Summary, "never acts")
	containsAll(t, strings.Join(got["TTDefault"].Assumptions, "\n"), "ScaleOutCooldown absent: 300 s")
	if len(sc.Scheduled) != 1 || sc.Scheduled[0].Timezone != "UTC" || *sc.Scheduled[0].MinCapacity != 3 || sc.Scheduled[0].MaxCapacity != nil {
		t.Errorf("scheduled %+v", sc.Scheduled)
	}

	t.Run("a literal ResourceId and a policy naming it directly", func(t *testing.T) {
		extra := `"Target": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {"ResourceId": "service/main/shop", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 4, "MaxCapacity": 8}},
			"Direct": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"PolicyType": "TargetTrackingScaling", "ResourceId": "service/main/shop",
				"TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50, "ScaleOutCooldown": 0, "DisableScaleIn": true}}}`
		w := one(t, envOf(t, "prod", "Services", webTemplate("", `"ServiceName": "shop", "DesiredCount": 3`, extra)), "web")
		if w.AZLoss.Floor != 4 || len(w.Scaling.Policies) != 1 || w.Scaling.Policies[0].Direction != "out" || w.Scaling.FastestScaleOutSeconds != 180 {
			t.Errorf("floor %d, scaling %+v", w.AZLoss.Floor, w.Scaling)
		}
	})
	t.Run("no scalable target", func(t *testing.T) {
		sc := one(t, envOf(t, "prod", "Services", webTemplate("", `"DesiredCount": 3`, "")), "web").Scaling
		if sc.MinCapacity != 3 || sc.MaxCapacity != 3 || len(sc.Policies) != 0 {
			t.Errorf("%+v", sc)
		}
		containsAll(t, sc.Summary, "task count is fixed")
	})
}

func TestDeploy(t *testing.T) {
	cases := []struct {
		name                    string
		desired                 int
		config                  string
		extra, stoppable, waves int
		summary                 string
	}{
		{"100/200: all new tasks at once", 6, `{"MinimumHealthyPercent": 100, "MaximumPercent": 200}`, 6, 0, 1, "1 wave"},
		{"50/100: half stopped first", 6, `{"MinimumHealthyPercent": 50, "MaximumPercent": 100}`, 0, 3, 2, "2 waves"},
		{"100/150", 6, `{"MinimumHealthyPercent": 100, "MaximumPercent": 150}`, 3, 0, 2, "2 waves"},
		{"max rounds down: 5 × 150 % = 7.5 → 7", 5, `{"MinimumHealthyPercent": 100, "MaximumPercent": 150}`, 2, 0, 3, "3 waves"},
		{"min rounds up: 4 × 75 % = 3", 4, `{"MinimumHealthyPercent": 75, "MaximumPercent": 125}`, 1, 1, 2, "2 waves"},
		{"100/100 cannot progress", 6, `{"MinimumHealthyPercent": 100, "MaximumPercent": 100}`, 0, 0, 0, "the deploy cannot progress"},
		{"defaults 100/200", 6, `{}`, 6, 0, 1, "min 100 % / max 200 %"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := `"DesiredCount": ` + itoa(c.desired) + `, "DeploymentConfiguration": ` + c.config
			d := one(t, envOf(t, "prod", "Services", webTemplate("", props, "")), "web").Deploy
			if d.ExtraTasks != c.extra || d.StoppableTasks != c.stoppable || d.Waves != c.waves {
				t.Errorf("extra %d stoppable %d waves %d; want %d %d %d", d.ExtraTasks, d.StoppableTasks, d.Waves, c.extra, c.stoppable, c.waves)
			}
			containsAll(t, d.Summary, c.summary)
		})
	}
	t.Run("duration and rollback with a load balancer", func(t *testing.T) {
		tmpl := `{"Resources": {` + plainTask + `,
			"TG": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {"HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 3,
				"TargetGroupAttributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "45"}]}},
			"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "webservice", "name": "web", "peakTasks": 4}},
				"Properties": {"TaskDefinition": {"Ref": "Task"}, "DesiredCount": 6,
					"LoadBalancers": [{"ContainerName": "app", "TargetGroupArn": {"Ref": "TG"}}],
					"DeploymentConfiguration": {"MinimumHealthyPercent": 100, "MaximumPercent": 150,
						"DeploymentCircuitBreaker": {"Enable": true, "Rollback": true},
						"Alarms": {"Enable": true, "Rollback": false, "AlarmNames": ["prod-web-5xx"]}}}}}}`
		d := one(t, envOf(t, "prod", "Services", tmpl), "web").Deploy
		// A wave: start 60 + healthy 10 × 3 + drain 45, then up to the default stop timeout 30.
		// Bake absent: ECS's 180 minutes for a rolling deployment.
		if d.WaveSeconds != 60+30+45+30 || d.BakeSeconds != 180*60 || d.CompleteSeconds != 2*165+180*60 {
			t.Errorf("wave %d bake %d complete %d; want 165, 10800, 11130", d.WaveSeconds, d.BakeSeconds, d.CompleteSeconds)
		}
		if !d.CircuitBreaker || !d.CircuitBreakerRollback || !d.AlarmsEnabled || d.AlarmRollback || !reflect.DeepEqual(d.AlarmNames, []string{"prod-web-5xx"}) {
			t.Errorf("%+v", d)
		}
		containsAll(t, d.Summary, "2 waves of ≤ 2 min 45 s (start 60 + healthy 30 + drain 45 + stop ≤ 30 s)", "bake 180 min", "done ≤ 185 min 30 s")
		containsAll(t, d.RollbackSummary, "deployment alarms without rollback", "circuit breaker with rollback")
		containsAll(t, strings.Join(d.Assumptions, "\n"), "BakeTimeInMinutes absent: 180 minutes", "deployment alarm prod-web-5xx is not defined in the templates")
	})
	t.Run("no load balancer: healthy after the first container health check", func(t *testing.T) {
		tmpl := `{"Resources": {"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"Name": "app", "HealthCheck": {"Command": ["CMD", "true"], "Interval": 15}}]}},
			"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "worker", "name": "jobs"}}, "Properties": {"TaskDefinition": {"Ref": "Task"}, "DesiredCount": 2}}}}`
		d := one(t, envOf(t, "prod", "Services", tmpl), "jobs").Deploy
		if d.WaveSeconds != 60+15+30 || d.DrainSeconds != 0 || d.CircuitBreaker {
			t.Errorf("%+v", d)
		}
	})
	t.Run("CodeDeploy controller is not estimated", func(t *testing.T) {
		d := one(t, envOf(t, "prod", "Services", webTemplate("", `"DesiredCount": 6, "DeploymentController": {"Type": "CODE_DEPLOY"}`, "")), "web").Deploy
		if d.Waves != 0 || d.CompleteSeconds != 0 {
			t.Errorf("%+v", d)
		}
		containsAll(t, d.Summary, "CODE_DEPLOY")
	})
}
