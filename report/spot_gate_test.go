package report

import (
	"reflect"
	"strings"
	"testing"
)

func TestSpot(t *testing.T) {
	cases := []struct {
		name, props, extra     string
		wantTasks              []int
		onSpot, left, kept, pc int
		summary                string
	}{
		{"base on FARGATE, the rest 1:3 by weight", `"DesiredCount": 10, "CapacityProviderStrategy": [
				{"CapacityProvider": "FARGATE", "Base": 2, "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 3}]`, "",
			[]int{4, 6}, 6, 4, 4, 67, "FARGATE 4 + FARGATE_SPOT 6 at the floor of 10: 60 % on Spot; if all Spot is reclaimed keeps 67 % of peak (4 of 6)"},
		{"Spot-only strategy keeps nothing", `"DesiredCount": 6, "CapacityProviderStrategy": [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`, "",
			[]int{6}, 6, 0, 0, 0, "100 % on Spot; if all Spot is reclaimed keeps 0 % of peak (0 of 6)"},
		{"uneven split: ties go to the provider listed first", `"DesiredCount": 3, "CapacityProviderStrategy": [
				{"CapacityProvider": "FARGATE", "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`, "",
			[]int{2, 1}, 1, 2, 2, 33, "FARGATE 2 + FARGATE_SPOT 1"},
		{"launch type FARGATE: no Spot", `"DesiredCount": 6, "LaunchType": "FARGATE"`, "",
			[]int{6}, 0, 6, 6, 100, "FARGATE launch type 6"},
		{"cluster default strategy", `"DesiredCount": 6, "Cluster": {"Ref": "Cluster"}`,
			`"Cluster": {"Type": "AWS::ECS::Cluster"},
			"Assoc": {"Type": "AWS::ECS::ClusterCapacityProviderAssociations", "Properties": {"Cluster": {"Ref": "Cluster"},
				"DefaultCapacityProviderStrategy": [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]}}`,
			[]int{6}, 6, 0, 0, 0, "FARGATE_SPOT 6"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sp := one(t, envOf(t, "prod", "Services", webTemplate("", c.props, c.extra)), "web").Spot
			var tasks []int
			for _, p := range sp.Providers {
				tasks = append(tasks, p.Tasks)
			}
			if !reflect.DeepEqual(tasks, c.wantTasks) || sp.OnSpot != c.onSpot || sp.Left != c.left || sp.Kept != c.kept || sp.KeepsPercent != c.pc {
				t.Errorf("tasks %v onSpot %d left %d kept %d %d %%; want %v %d %d %d %d %%", tasks, sp.OnSpot, sp.Left, sp.Kept, sp.KeepsPercent, c.wantTasks, c.onSpot, c.left, c.kept, c.pc)
			}
			containsAll(t, sp.Summary, c.summary)
		})
	}
}

// platform holds an EC2 capacity provider over a mixed-instances group; the service in another
// stack refers to it through an export.
func platform(asgProps string) string {
	return `{"Resources": {` + subnets3 + `,
		"Asg": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {` + asgProps + `, "VPCZoneIdentifier": ` + refs3 + `}},
		"LT": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"InstanceMarketOptions": {"MarketType": "spot"}}}},
		"Cp": {"Type": "AWS::ECS::CapacityProvider", "Properties": {"Name": "ec2-cp", "AutoScalingGroupProvider": {"AutoScalingGroupArn": {"Ref": "Asg"}}}}},
		"Outputs": {"Cp": {"Value": {"Ref": "Cp"}, "Export": {"Name": "prod-Platform:Cp"}},
			"A": {"Value": {"Ref": "SubnetA"}, "Export": {"Name": "prod-Platform:SubnetA"}}}}`
}

func TestEC2Capacity(t *testing.T) {
	svc := func(provider string) string {
		return `{"Resources": {` + plainTask + `,
			"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "webservice", "name": "web", "peakTasks": 4}},
				"Properties": {"TaskDefinition": {"Ref": "Task"}, "DesiredCount": 4,
					"CapacityProviderStrategy": [{"CapacityProvider": ` + provider + `, "Weight": 1}]}}}}`
	}
	t.Run("mixed instances: base 1, 50 % On-Demand above", func(t *testing.T) {
		e := envOf(t, "prod", "Platform", platform(`"MinSize": "4", "MaxSize": "8",
			"MixedInstancesPolicy": {"InstancesDistribution": {"OnDemandBaseCapacity": 1, "OnDemandPercentageAboveBaseCapacity": 50}}`),
			"Services", svc(`{"Fn::ImportValue": "prod-Platform:Cp"}`))
		w := one(t, e, "web")
		m := w.Spot.Instances
		// On-Demand = 1 + ceil(3 × 50 %) = 3; Spot 1. Tasks on Spot: 4 − floor(4 × 3/4) = 1.
		if m == nil || m.MinSize != 4 || m.OnDemand != 3 || m.Spot != 1 || w.Spot.OnSpot != 1 || w.Spot.Kept != 3 {
			t.Fatalf("instances %+v spot %+v", m, w.Spot)
		}
		// No awsvpc subnets: the tasks' AZs are the group's.
		if len(w.AZLoss.AZs) != 3 || w.AZLoss.Left != 2 {
			t.Errorf("task AZ loss %+v", w.AZLoss)
		}
		c := w.CapacityAZLoss
		if c == nil || c.Unit != "instances" || c.Floor != 4 || c.Left != 2 || c.Kept != 2 || c.KeepsPercent != 50 {
			t.Errorf("capacity AZ loss %+v", c)
		}
		containsAll(t, c.Summary, "prod/Platform/Asg: 3 AZs, floor 4 instances (2+1+1): losing ap-northeast-1a leaves 2; keeps 50 % of MinSize (2 of 4)")
	})
	t.Run("provider named by a literal; launch template on Spot only", func(t *testing.T) {
		e := envOf(t, "prod", "Platform", platform(`"MinSize": 2, "MaxSize": 4, "LaunchTemplate": {"LaunchTemplateId": {"Ref": "LT"}, "Version": "1"}`),
			"Services", svc(`"ec2-cp"`))
		w := one(t, e, "web")
		if m := w.Spot.Instances; m == nil || m.OnDemand != 0 || m.Spot != 2 || w.Spot.OnSpot != 4 || w.Spot.KeepsPercent != 0 {
			t.Errorf("instances %+v spot %+v", m, w.Spot)
		}
	})
	t.Run("no mixed instances policy: On-Demand", func(t *testing.T) {
		e := envOf(t, "prod", "Platform", platform(`"MinSize": 3, "MaxSize": 3`), "Services", svc(`{"Fn::ImportValue": "prod-Platform:Cp"}`))
		if m := one(t, e, "web").Spot.Instances; m == nil || m.OnDemand != 3 || m.Spot != 0 {
			t.Errorf("instances %+v", m)
		}
	})
}

func TestAutoHeal(t *testing.T) {
	asg := func(meta, props string) string {
		return `{"Resources": {` + subnets3 + `, "Host": {"Type": "AWS::AutoScaling::AutoScalingGroup",
			"Metadata": {"okiagari": ` + meta + `}, "Properties": {` + props + `}}}}`
	}
	t.Run("one writer over three AZs", func(t *testing.T) {
		w := one(t, envOf(t, "prod", "AutoHeal", asg(`{"kind": "autoheal", "name": "chat", "bootSeconds": 240}`,
			`"MinSize": "1", "MaxSize": "1", "DesiredCapacity": "1", "HealthCheckGracePeriod": 300, "VPCZoneIdentifier": `+refs3)), "chat")
		h := w.AutoHeal
		if !h.OneWriter || h.RecoverySeconds != 180+60+240 || h.FailedReplacementSeconds != 60+300+180 || len(h.AZs) != 3 || h.HealthCheckType != "EC2" {
			t.Errorf("%+v", h)
		}
		containsAll(t, h.Summary, "recovers in ~480 s (8.0 min) (detect 180 + launch 60 + boot 240 s)", "one writer", "over 3 AZs")
		if f := Gate([]Workload{w}, true, DefaultThresholds()); len(f) != 0 {
			t.Errorf("findings %v", f)
		}
	})
	t.Run("defaults, a single AZ, more than one writer", func(t *testing.T) {
		w := one(t, envOf(t, "dev", "AutoHeal", asg(`{"kind": "autoheal", "name": "chat", "graceSeconds": 120}`,
			`"MinSize": 1, "MaxSize": 2, "VPCZoneIdentifier": `+refs1)), "chat")
		h := w.AutoHeal
		if h.OneWriter || h.BootSeconds != 180 || h.GraceSeconds != 120 {
			t.Errorf("%+v", h)
		}
		containsAll(t, strings.Join(h.Assumptions, "\n"), "no bootSeconds in the okiagari metadata: 180 s assumed", "graceSeconds is used")
		containsAll(t, h.Summary, "NOT one writer", "in a single AZ")
		f := Gate([]Workload{w}, true, DefaultThresholds())
		if len(f) != 1 || f[0].Severity != Warning || f[0].Rule != "oneWriter" {
			t.Errorf("findings %v", f)
		}
	})
	t.Run("when a deploy restarts it", func(t *testing.T) {
		meta := `{"kind": "autoheal", "name": "chat", "bootSeconds": 240}`
		// host is a template with the group, its launch template (image) and its update policy.
		host := func(image, policy string) string {
			return `{"Parameters": {"Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64"}},
				"Resources": {"Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"ImageId": ` + image + `}}},
				"Host": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Metadata": {"okiagari": ` + meta + `}, ` + policy + `
				"Properties": {"MinSize": 1, "MaxSize": 1, "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Lt"}}}}}}`
		}
		rolling := `"UpdatePolicy": {"AutoScalingRollingUpdate": {"MinInstancesInService": 0, "MaxBatchSize": 1}},`
		cases := []struct {
			name, image, policy, wantImage string
			pinned                         bool
			want                           string
		}{
			{"latest AMI from SSM", `{"Ref": "Ami"}`, rolling, "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64", false,
				"a deploy restarts it (~300 s down: launch + boot) whenever its launch template changes, and at the first deploy after every new AMI behind " +
					"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64 (each Amazon Linux release); pin the AMI to choose when"},
			{"pinned AMI", `"ami-0123456789abcdef0"`, rolling, "ami-0123456789abcdef0", true,
				"a deploy restarts it (~300 s down: launch + boot) only when its launch template changes (instance type, user data, the pinned AMI ami-0123456789abcdef0)"},
			{"replacing update", `"ami-0123456789abcdef0"`, `"UpdatePolicy": {"AutoScalingReplacingUpdate": {"WillReplace": true}},`, "ami-0123456789abcdef0", true,
				"a deploy replaces the whole group (AutoScalingReplacingUpdate) and restarts it (~300 s down: launch + boot) only when its launch template changes (instance type, user data, the pinned AMI ami-0123456789abcdef0)"},
			{"no update policy", `{"Ref": "Ami"}`, "", "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64", false,
				"a deploy does not restart it: without an update policy a launch template change reaches only the next instance the group launches"},
			{"image the template does not say", `{"Fn::ImportValue": "elsewhere"}`, rolling, "", false,
				"a deploy restarts it (~300 s down: launch + boot) whenever its launch template changes; where its AMI comes from could not be read from the template"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				h := one(t, envOf(t, "prod", "AutoHeal", host(tc.image, tc.policy)), "chat").AutoHeal
				if h.Image != tc.wantImage || h.ImagePinned != tc.pinned || h.DeployRestart != tc.want {
					t.Errorf("image %q pinned %v\n  %s\nwant image %q pinned %v\n  %s", h.Image, h.ImagePinned, h.DeployRestart, tc.wantImage, tc.pinned, tc.want)
				}
			})
		}
	})
	t.Run("an Auto Scaling group without autoheal metadata is not a workload", func(t *testing.T) {
		ws := Analyze(envOf(t, "prod", "Platform", platform(`"MinSize": 3, "MaxSize": 3`)))
		if len(ws) != 0 {
			t.Errorf("workloads %v", ws)
		}
	})
}

func TestGate(t *testing.T) {
	web := func(env, meta, props string) Workload {
		return one(t, envOf(t, env, "Services", webTemplate(meta, props, "")), "web")
	}
	off := `{"kind": "webservice", "name": "web", "peakTasks": 6, "staticStability": false}`
	sixOver3 := `"DesiredCount": 6, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs3 + `}}`
	want := "prod/web: keeps 67 % of peak (4 of 6) after losing ap-northeast-1a; raise the floor to 9 tasks (peak × AZs / (AZs − 1)) or turn static stability back on"

	f := Gate([]Workload{web("prod", off, sixOver3)}, true, DefaultThresholds())
	if len(f) != 1 || f[0].Severity != Error || f[0].Message != want || f[0].Rule != "azLoss" || !HasErrors(f) {
		t.Fatalf("production: %v", f)
	}
	if got := f[0].String(); got != "ERROR "+want {
		t.Errorf("String() = %q", got)
	}
	f = Gate([]Workload{web("dev", off, sixOver3)}, false, DefaultThresholds())
	if len(f) != 1 || f[0].Severity != Warning || HasErrors(f) || !strings.HasPrefix(f[0].Message, "dev/web: keeps 67 %") {
		t.Errorf("not production: %v", f)
	}

	cases := []struct {
		name, meta, props string
		th                Thresholds
		want              []string
	}{
		{"static stability holds", "", `"DesiredCount": 9, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs3 + `}}`, DefaultThresholds(), nil},
		{"pinned to two AZs", "", `"DesiredCount": 9, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs2 + `}}`, DefaultThresholds(),
			[]string{"prod/web: keeps 67 % of peak (4 of 6) after losing ap-northeast-1a; raise the floor to 12 tasks (peak × AZs / (AZs − 1)) or spread it over 3 AZs with a floor of 9"}},
		{"single AZ", "", `"DesiredCount": 9, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs1 + `}}`, DefaultThresholds(),
			[]string{"prod/web: keeps 0 % of peak (0 of 6) after losing ap-northeast-1a; spread its subnets over at least 2 AZs and raise the floor to 12 tasks (3 AZs: 9)"}},
		{"lower threshold is met", "", sixOver3, Thresholds{MinPeakAfterAZLossPercent: 50}, nil},
		{"threshold 0 turns the check off", "", sixOver3, Thresholds{}, nil},
		{"threshold 80 %", "", `"DesiredCount": 3, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs3 + `}}`, Thresholds{MinPeakAfterAZLossPercent: 80},
			[]string{"prod/web: keeps 33 % of peak (2 of 6) after losing ap-northeast-1a, below the required 80 % (5 tasks); raise the floor to 8 tasks"}},
		{"subnets unknown", "", `"DesiredCount": 9`, DefaultThresholds(),
			[]string{"prod/web: the AZs of its subnets could not be resolved from the templates; AZ loss not checked"}},
		{"workers are not gated", `{"kind": "worker", "name": "web", "minTasks": 1}`, `"DesiredCount": 1, "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs1 + `}}`, DefaultThresholds(), nil},
		{"services without metadata are not gated", `{}`, `"DesiredCount": 1, "ServiceName": "web", "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs1 + `}}`, DefaultThresholds(), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, f := range Gate([]Workload{web("prod", c.meta, c.props)}, true, c.th) {
				got = append(got, f.Message)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestArithmetic(t *testing.T) {
	for _, c := range []struct{ need, k, want int }{{6, 3, 9}, {6, 2, 12}, {4, 3, 6}, {5, 3, 8}, {6, 6, 8}, {6, 1, 0}, {0, 3, 0}, {600, 6, 720}} {
		if got := floorForPeak(c.need, c.k); got != c.want {
			t.Errorf("floorForPeak(%d, %d) = %d, want %d", c.need, c.k, got, c.want)
		}
	}
	for _, c := range []struct{ kept, peak, want int }{{6, 6, 100}, {4, 6, 67}, {0, 6, 0}, {199, 200, 99}, {1, 3, 33}, {0, 0, 100}} {
		if got := keepsPercent(c.kept, c.peak); got != c.want {
			t.Errorf("keepsPercent(%d, %d) = %d, want %d", c.kept, c.peak, got, c.want)
		}
	}
	ps := []provider{{name: "a", base: 1, weight: 1}, {name: "b", weight: 2}}
	for _, c := range []struct {
		n    int
		want []int
	}{{0, []int{0, 0}}, {1, []int{1, 0}}, {4, []int{2, 2}}, {7, []int{3, 4}}} {
		if got := distribute(c.n, ps); !reflect.DeepEqual(got, c.want) {
			t.Errorf("distribute(%d) = %v, want %v", c.n, got, c.want)
		}
	}
	if got := distribute(3, []provider{{name: "a"}, {name: "b"}}); !reflect.DeepEqual(got, []int{3, 0}) {
		t.Errorf("all weights 0: %v", got)
	}
}
