package report

import (
	"strings"
	"testing"
)

// tracking is a target-tracking policy on the scalable target of scalableTarget.
func tracking(id, config string) string {
	return `"` + id + `": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Metadata": {"aws:cdk:path": "prod/Services/Web/ScalableTarget/` + id + `"},
		"Properties": {"PolicyType": "TargetTrackingScaling", "ScalingTargetId": {"Ref": "Target"},
			"TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70, "ScaleOutCooldown": 60, ` + config + `}}}`
}

const (
	cpuTracking   = `"PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}`
	memTracking   = `"PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageMemoryUtilization"}`
	busyTracking  = `"CustomizedMetricSpecification": {"Metrics": [{"Id": "m", "ReturnData": true, "MetricStat": {"Stat": "Average", "Metric": {"Namespace": "okiagari/app", "MetricName": "BusyWorkersPercent"}}}]}`
	utilTracking  = `"CustomizedMetricSpecification": {"Metrics": [{"Id": "cpu", "ReturnData": false, "MetricStat": {"Stat": "Average", "Metric": {"Namespace": "AWS/ECS", "MetricName": "CPUUtilization"}}}, {"Id": "mem", "ReturnData": false, "MetricStat": {"Stat": "Average", "Metric": {"Namespace": "AWS/ECS", "MetricName": "MemoryUtilization"}}}, {"Id": "r", "Expression": "MAX([cpu,mem])", "ReturnData": true}]}`
	backlogMetric = `"CustomizedMetricSpecification": {"Metrics": [{"Id": "v", "ReturnData": false, "MetricStat": {"Stat": "Average", "Metric": {"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible"}}}, {"Id": "n", "ReturnData": false, "MetricStat": {"Stat": "Average", "Metric": {"Namespace": "ECS/ContainerInsights", "MetricName": "RunningTaskCount"}}}, {"Id": "r", "Expression": "v / n", "ReturnData": true}]}`
)

// TestScaleIn: which policies scale in, which can block it, and the scaleIn gate.
func TestScaleIn(t *testing.T) {
	cases := []struct {
		name     string
		policies []string
		scalesIn string // the ScaleIn list
		blockers string // the ScaleInBlockers, "; "-joined
		findings string // the Gate's messages, "\n"-joined
	}{
		{"CPU scales in, memory, busy and MAX([cpu,mem]) scale out only",
			[]string{tracking("Cpu", cpuTracking), tracking("Mem", memTracking+`, "DisableScaleIn": true`),
				tracking("Busy", busyTracking+`, "DisableScaleIn": true`), tracking("Util", utilTracking+`, "DisableScaleIn": true`)},
			"Cpu", "", ""},
		{"memory, busy and MAX([cpu,mem]) scaling in block it",
			[]string{tracking("Cpu", cpuTracking), tracking("Mem", memTracking), tracking("Busy", busyTracking), tracking("Util", utilTracking)},
			"Busy, Cpu, Mem, Util",
			"Busy: reads okiagari/app BusyWorkersPercent, which the application publishes: without data the policy never agrees to scale in; " +
				"Mem: tracks memory (ECSServiceAverageMemoryUtilization), which seldom falls as tasks are added; " +
				"Util: reads memory (AWS/ECS MemoryUtilization), which seldom falls as tasks are added",
			"WARNING prod/web: target-tracking policy Busy scales in and reads okiagari/app BusyWorkersPercent, which the application publishes: without data the policy never agrees to scale in; Application Auto Scaling scales in only when every target-tracking policy is ready to, so it can hold the task count at its highest: let it scale out only (DisableScaleIn; in cdk.json leave memoryScalesIn, utilizationScalesIn and busyMetric.scalesIn unset) and let CPU or request count scale in\n" +
				"WARNING prod/web: target-tracking policy Mem scales in and tracks memory (ECSServiceAverageMemoryUtilization), which seldom falls as tasks are added; Application Auto Scaling scales in only when every target-tracking policy is ready to, so it can hold the task count at its highest: let it scale out only (DisableScaleIn; in cdk.json leave memoryScalesIn, utilizationScalesIn and busyMetric.scalesIn unset) and let CPU or request count scale in\n" +
				"WARNING prod/web: target-tracking policy Util scales in and reads memory (AWS/ECS MemoryUtilization), which seldom falls as tasks are added; Application Auto Scaling scales in only when every target-tracking policy is ready to, so it can hold the task count at its highest: let it scale out only (DisableScaleIn; in cdk.json leave memoryScalesIn, utilizationScalesIn and busyMetric.scalesIn unset) and let CPU or request count scale in"},
		{"a backlog per task over AWS and Container Insights metrics blocks nothing",
			[]string{tracking("Backlog", backlogMetric)}, "Backlog", "", ""},
		{"nothing scales in",
			[]string{tracking("Cpu", cpuTracking+`, "DisableScaleIn": true`), tracking("Mem", memTracking+`, "DisableScaleIn": true`)},
			"", "",
			"ERROR prod/web: none of its 2 scaling policies scales in, so the task count never falls from its highest; let CPU or request-count target tracking scale in (cpuScalesIn true, or requestsPerTarget)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := one(t, envOf(t, "prod", "Services", webTemplate("", `"DesiredCount": 9`, scalableTarget+","+strings.Join(c.policies, ","))), "web")
			sc := w.Scaling
			if got := strings.Join(sc.ScaleIn, ", "); got != c.scalesIn {
				t.Errorf("scales in by %q, want %q", got, c.scalesIn)
			}
			if got := strings.Join(sc.ScaleInBlockers, "; "); got != c.blockers {
				t.Errorf("blockers\n%s\nwant\n%s", got, c.blockers)
			}
			var fs []string
			for _, f := range Gate([]Workload{w}, true, Thresholds{}) {
				if f.Rule == "scaleIn" {
					fs = append(fs, f.String())
				}
			}
			if got := strings.Join(fs, "\n"); got != c.findings {
				t.Errorf("findings\n%s\nwant\n%s", got, c.findings)
			}
		})
	}
}

// TestPredictiveAndHighResolution: the 20-second CPU metric scales out in 3 × 20 s; a predictive
// policy is listed with its pair, target and mode and takes no part in the fastest scale-out.
func TestPredictiveAndHighResolution(t *testing.T) {
	predictive := func(id, mode string) string {
		return `"` + id + `": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {"PolicyType": "PredictiveScaling", "ScalingTargetId": {"Ref": "Target"},
			"PredictiveScalingPolicyConfiguration": {"MetricSpecifications": [{"TargetValue": 70, "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ECSServiceCPUUtilization"}}]` + mode + `}}}`
	}
	extra := strings.Join([]string{scalableTarget,
		tracking("Cpu", `"PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilizationHighResolution"}`),
		predictive("Forecast", ""),
		predictive("Act", `, "Mode": "ForecastAndScale", "SchedulingBufferTime": 600`),
	}, ",")
	sc := one(t, envOf(t, "prod", "Services", webTemplate("", `"DesiredCount": 9`, extra)), "web").Scaling
	got := map[string]Policy{}
	for _, p := range sc.Policies {
		got[p.Name] = p
	}
	if p := got["Cpu"]; !p.HighResolution || p.FirstActionSeconds != 60 || p.NextActionSeconds != 120 {
		t.Errorf("20-second CPU tracking: %+v", p)
	}
	containsAll(t, strings.Join(got["Cpu"].Assumptions, "\n"), "3 × 20 s, about 60 s", "363 s to 86 s")
	if p := got["Forecast"]; p.Mode != "ForecastOnly" || p.SchedulingBufferSeconds != 300 || p.Direction != "out" || p.FirstActionSeconds != 0 ||
		p.Summary != "Forecast: predictive scaling ECSServiceCPUUtilization 70, forecast only: makes forecasts to compare with the real load, changes no capacity" {
		t.Errorf("forecast only: %+v", p)
	}
	containsAll(t, strings.Join(got["Forecast"].Assumptions, "\n"), "Mode absent: ForecastOnly", "SchedulingBufferTime absent: 300 s", "needs at least 24 hours")
	if p := got["Act"]; p.Summary != "Act: predictive scaling ECSServiceCPUUtilization 70, forecast and scale: raises the capacity 600 s before each forecast hour, never lowers it" {
		t.Errorf("forecast and scale: %s", p.Summary)
	}
	if sc.FastestScaleOutSeconds != 60 || strings.Join(sc.ScaleIn, ",") != "Cpu" ||
		sc.Summary != "3–12 tasks; fastest scale-out 60 s; scales in by Cpu; nothing blocks scale-in; predictive ECSServiceCPUUtilization 70, forecast and scale; ECSServiceCPUUtilization 70, forecast only" {
		t.Errorf("summary %q", sc.Summary)
	}
}
