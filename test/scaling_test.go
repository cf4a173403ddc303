package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/okiagari/okiagari/config"
)

// scaleInBlocker reads the templates independently of the report's own classifier (report's
// scaleInBlocker), so that this test and TestResilienceReportOfDefaultConfig check each other.
// It says why a target-tracking policy may never agree to scale in, or "": its metric
// reads memory, which seldom falls as tasks are added, or a metric the application publishes,
// which has no data when the application stops publishing (Application Auto Scaling scales in
// only when every target-tracking policy with scale-in enabled is ready to).
func scaleInBlocker(tt any) string {
	if m, _ := dig(tt, "PredefinedMetricSpecification", "PredefinedMetricType").(string); strings.Contains(m, "Memory") {
		return "memory (" + m + ")"
	}
	spec := dig(tt, "CustomizedMetricSpecification")
	metrics := asList(dig(spec, "Metrics"))
	if spec != nil && len(metrics) == 0 {
		metrics = []any{map[string]any{"MetricStat": map[string]any{"Metric": spec}}}
	}
	for _, q := range metrics {
		m := dig(q, "MetricStat", "Metric")
		if m == nil {
			continue
		}
		ns, _ := dig(m, "Namespace").(string)
		name, _ := dig(m, "MetricName").(string)
		switch {
		case name == "MemoryUtilization":
			return "memory (" + ns + " " + name + ")"
		case !strings.HasPrefix(ns, "AWS/") && ns != "ECS/ContainerInsights":
			return "an app-published metric (" + ns + " " + name + ")"
		}
	}
	return ""
}

// webScalesInOptIn is what the config says explicitly about a web service's scale-in: the
// policies (by construct ID) it lets scale in.
func webScalesInOptIn(w config.WebService) map[string]bool {
	yes := func(b *bool) bool { return b != nil && *b }
	return map[string]bool{
		"MemoryTracking":       yes(w.Scaling.MemoryScalesIn),
		"UtilizationTracking":  yes(w.Scaling.UtilizationScalesIn),
		"CustomMetricTracking": w.Scaling.BusyMetric != nil && yes(w.Scaling.BusyMetric.ScalesIn),
	}
}

// TestNoStickyScaleIn holds every scalable target of every environment to two rules: a
// target-tracking policy on memory or on an app-published metric scales out only, unless the
// config says explicitly it scales in; and some target-tracking policy scales in, or the task
// count could never fall.
func TestNoStickyScaleIn(t *testing.T) {
	checked, blockers := 0, 0
	for i, env := range synthesized.envs {
		optIn := map[string]bool{} // construct path of a policy → the config lets it scale in
		for _, w := range env.Services.Web {
			svc := synthesized.built[i].Services.Web[w.Name]
			for id, yes := range webScalesInOptIn(w) {
				optIn[*svc.ScalableTarget.Node().Path()+"/"+id] = yes
			}
		}
		for _, target := range propResources(env, "AWS::ApplicationAutoScaling::ScalableTarget") {
			tracking, scalesIn := 0, 0
			for _, p := range propPolicies(env, target) {
				tt := p.props["TargetTrackingScalingPolicyConfiguration"]
				if tt == nil {
					continue
				}
				tracking++
				disabled := dig(tt, "DisableScaleIn") == true
				if !disabled {
					scalesIn++
				}
				why := scaleInBlocker(tt)
				if why == "" {
					continue
				}
				blockers++
				path, _ := dig(p.res, "Metadata", "aws:cdk:path").(string)
				if !disabled && !optIn[strings.TrimSuffix(path, "/Resource")] {
					t.Errorf("%s: target tracking on %s scales in (DisableScaleIn %v) and the config does not say so: it can hold the task count at its highest", p, why, dig(tt, "DisableScaleIn"))
				}
			}
			if tracking > 0 && scalesIn == 0 {
				t.Errorf("%s: none of its %d target-tracking policies scales in: the task count would never fall", target, tracking)
			}
			checked++
		}
	}
	if checked == 0 || blockers == 0 {
		t.Fatalf("%d scalable targets and %d memory or app-metric policies checked; want some of each (dev, stg and prod track MAX([cpu,mem]), stg a busy metric)", checked, blockers)
	}
}

// TestScaleInOptIn: the config's explicit opt-in is what lets a memory policy scale in, and
// with CPU's scale-in off and nothing else scaling in the app refuses the config.
func TestScaleInOptIn(t *testing.T) {
	ctx := mutate(t, func(c map[string]any) {
		sc := web(c, "stg")["scaling"].(map[string]any)
		sc["utilizationScalesIn"] = true
		sc["busyMetric"].(map[string]any)["scalesIn"] = true
	})
	tpl := synthEnv(t, ctx, "stg")["stg/Services"]
	got := map[string]any{}
	for _, r := range dig(tpl, "Resources").(map[string]any) {
		if tt := dig(r, "Properties", "TargetTrackingScalingPolicyConfiguration"); tt != nil {
			path, _ := dig(r, "Metadata", "aws:cdk:path").(string)
			path = strings.TrimSuffix(path, "/Resource") // an L2 policy's L1 is its child "Resource"
			got[path[strings.LastIndex(path, "/")+1:]] = dig(tt, "DisableScaleIn")
		}
	}
	want := map[string]any{"CpuTracking": false, "UtilizationTracking": false, "CustomMetricTracking": false}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("stg/web %s DisableScaleIn %v, want %v (all policies: %v)", k, got[k], v, got)
		}
	}
}

// TestPredictiveScaling: prod/web forecasts its CPU in forecast-only mode on its own scalable
// target, and every predictive policy of the app is one Application Auto Scaling accepts.
func TestPredictiveScaling(t *testing.T) {
	var prod []string
	for _, env := range synthesized.envs {
		for _, p := range propResources(env, "AWS::ApplicationAutoScaling::ScalingPolicy") {
			if p.props["PolicyType"] != "PredictiveScaling" {
				continue
			}
			c := p.props["PredictiveScalingPolicyConfiguration"]
			specs := asList(dig(c, "MetricSpecifications"))
			if len(specs) != 1 {
				t.Errorf("%s: %d metric specifications, want 1 (Application Auto Scaling takes one)", p, len(specs))
				continue
			}
			pair, _ := dig(specs[0], "PredefinedMetricPairSpecification", "PredefinedMetricType").(string)
			if !slices.Contains([]string{"ECSServiceCPUUtilization", "ECSServiceMemoryUtilization", "ALBRequestCount"}, pair) {
				t.Errorf("%s: metric pair %q, want one of ECS's", p, pair)
			}
			if label := dig(specs[0], "PredefinedMetricPairSpecification", "ResourceLabel"); (pair == "ALBRequestCount") != (label != nil) {
				t.Errorf("%s: metric pair %s with ResourceLabel %v: request count needs the target group's label, the others none", p, pair, label)
			}
			if b, ok := propNum(dig(c, "SchedulingBufferTime")); !ok || b < 0 || b >= 3600 {
				t.Errorf("%s: SchedulingBufferTime %v, want 0 to less than 3600", p, dig(c, "SchedulingBufferTime"))
			}
			target, ok := propResolveRes(p.stack, p.props["ScalingTargetId"], "AWS::ApplicationAutoScaling::ScalableTarget")
			if !ok {
				t.Errorf("%s: ScalingTargetId %v is not a scalable target of the app", p, p.props["ScalingTargetId"])
			}
			if env.Name == "prod" && target.id == "WebScalableTarget1D4579CA" {
				prod = append(prod, fmt.Sprintf("%v %v %v", pair, dig(c, "Mode"), dig(specs[0], "TargetValue")))
			}
		}
	}
	if want := []string{"ECSServiceCPUUtilization ForecastOnly 70"}; !slices.Equal(prod, want) {
		t.Errorf("prod/web's predictive policies %q, want %q", prod, want)
	}
}

// TestHighResolutionMetrics: a policy that tracks a 20-second metric is on a service that
// publishes it at 20 seconds (else the policy has no data); prod/web does.
func TestHighResolutionMetrics(t *testing.T) {
	var highRes []string
	for _, env := range synthesized.envs {
		for _, svc := range propResources(env, "AWS::ECS::Service") {
			published := map[string]bool{}
			for _, mc := range asList(dig(svc.props, "Monitoring", "MetricConfigurations")) {
				if r, _ := propNum(dig(mc, "ResolutionSeconds")); r == 20 {
					for _, n := range asList(dig(mc, "MetricNames")) {
						published[n.(string)] = true
					}
				}
			}
			target, ok := propScalableTarget(t, env, svc)
			if !ok {
				continue
			}
			for _, p := range propPolicies(env, target) {
				m, _ := dig(p.props, "TargetTrackingScalingPolicyConfiguration", "PredefinedMetricSpecification", "PredefinedMetricType").(string)
				base, ok := strings.CutSuffix(m, "HighResolution")
				if !ok {
					continue
				}
				name := map[string]string{"ECSServiceAverageCPUUtilization": "CPUUtilization", "ECSServiceAverageMemoryUtilization": "MemoryUtilization"}[base]
				if !published[name] {
					t.Errorf("%s tracks %s, but %s publishes %q at 20 seconds only %v", p, m, svc.id, name, published)
				}
				highRes = append(highRes, env.Name+"/"+svc.id+" "+m)
			}
		}
	}
	if want := []string{"prod/WebServiceD04B5F3E ECSServiceAverageCPUUtilizationHighResolution"}; !slices.Equal(highRes, want) {
		t.Errorf("high-resolution policies %q, want %q", highRes, want)
	}
}

// invalidScaling are broken scaling settings, each with its exact message, checked in-process
// by TestInvalidScaling and through the built app by TestCommandLine.
var invalidScaling = []invalidCase{
	{"unknown predictive metric pair", func(c map[string]any) {
		web(c, "prod")["scaling"].(map[string]any)["predictive"].(map[string]any)["metric"] = "ECSServiceAverageCPUUtilization"
	}, `env "prod": services.web[0].scaling.predictive.metric: "ECSServiceAverageCPUUtilization" is not one of cpu, memory, requestCount`},
	{"unknown predictive mode", func(c map[string]any) {
		web(c, "prod")["scaling"].(map[string]any)["predictive"].(map[string]any)["mode"] = "forecastAndScaleIn"
	}, `env "prod": services.web[0].scaling.predictive.mode: "forecastAndScaleIn" is not one of forecastOnly, forecastAndScale`},
	{"scheduling buffer of an hour", func(c map[string]any) {
		web(c, "prod")["scaling"].(map[string]any)["predictive"].(map[string]any)["schedulingBufferSeconds"] = 3600.0
	}, `webservice "prod/Services/Web": Predictive.SchedulingBuffer must be whole seconds from 0s to less than 3600s (the forecast interval), got 3600s`},
	{"max-capacity buffer without increaseMaxCapacity", func(c map[string]any) {
		web(c, "prod")["scaling"].(map[string]any)["predictive"].(map[string]any)["maxCapacityBufferPercent"] = 10.0
	}, `webservice "prod/Services/Web": Predictive.MaxCapacityBuffer applies to IncreaseMaxCapacity only, got 10 with HonorMaxCapacity`},
	{"max-capacity buffer above 100", func(c map[string]any) {
		pr := web(c, "prod")["scaling"].(map[string]any)["predictive"].(map[string]any)
		pr["maxCapacityBreach"], pr["maxCapacityBufferPercent"] = "increaseMaxCapacity", 150.0
	}, `webservice "prod/Services/Web": Predictive.MaxCapacityBuffer must be between 0 and 100, got 150`},
	{"predictive request count with a canary", func(c map[string]any) {
		pr := web(c, "prod")["scaling"].(map[string]any)["predictive"].(map[string]any)
		pr["metric"], pr["target"] = "requestCount", 1000.0
	}, `webservice "prod/Services/Web": Predictive.Metric ALBRequestCount reads one target group, and a CANARY deployment moves the traffic to the other: predict on ECSServiceCPUUtilization or ECSServiceMemoryUtilization, or deploy ROLLING`},
	{"no policy scales in", func(c map[string]any) {
		web(c, "stg")["scaling"].(map[string]any)["cpuScalesIn"] = false
	}, `webservice "stg/Services/Web": CpuScalesIn is false and no other target-tracking policy scales in: the task count would never fall; let CPU (CpuScalesIn true) or request count (RequestsPerTarget) scale in`},
}

// TestInvalidScaling checks each broken scaling setting gives exactly its message.
func TestInvalidScaling(t *testing.T) {
	for _, tc := range invalidScaling {
		t.Run(tc.name, func(t *testing.T) { wantBuildError(t, tc) })
	}
}
