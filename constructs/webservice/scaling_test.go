package webservice_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/scaling"
	"github.com/okiagari/okiagari/constructs/webservice"
	"github.com/okiagari/okiagari/testenv"
)

// policyDisablesScaleIn maps each target-tracking policy of the template, by the last part of its
// construct path, to its DisableScaleIn.
func policyDisablesScaleIn(t *testing.T, stack awscdk.Stack) map[string]any {
	t.Helper()
	out := map[string]any{}
	found := testenv.Template(stack).FindResources(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), nil)
	for _, r := range *found {
		m := *r
		tt, _ := m["Properties"].(map[string]any)["TargetTrackingScalingPolicyConfiguration"].(map[string]any)
		if tt == nil {
			continue
		}
		// ".../ScalableTarget/CpuTracking/Resource" (an L2 policy) or ".../UtilizationTracking"
		path := strings.TrimSuffix(m["Metadata"].(map[string]any)["aws:cdk:path"].(string), "/Resource")
		out[path[strings.LastIndex(path, "/")+1:]] = tt["DisableScaleIn"]
	}
	return out
}

// TestScaleInDefaults: CPU scales both ways; memory, the CPU-and-memory expression and an
// app-published metric scale out only unless the props say they scale in.
func TestScaleInDefaults(t *testing.T) {
	busy := func(disable *bool) *scaling.MetricMathProps {
		return &scaling.MetricMathProps{
			Metrics: map[string]scaling.Stat{"busy": {Namespace: "App", MetricName: "BusyPercent"}}, Target: f(70), DisableScaleIn: disable,
		}
	}
	for _, tc := range []struct {
		name   string
		modify func(*webservice.ServiceProps)
		want   map[string]any
	}{
		{"defaults", func(p *webservice.ServiceProps) {},
			map[string]any{"CpuTracking": false, "MemoryTracking": true, "UtilizationTracking": true, "CustomMetricTracking": true}},
		{"opted in", func(p *webservice.ServiceProps) {
			p.MemoryScalesIn, p.UtilizationScalesIn, p.CustomMetric = jsii.Bool(true), jsii.Bool(true), busy(jsii.Bool(false))
		}, map[string]any{"CpuTracking": false, "MemoryTracking": false, "UtilizationTracking": false, "CustomMetricTracking": false}},
		{"request count scales in for CPU", func(p *webservice.ServiceProps) {
			p.CpuScalesIn, p.RequestsPerTarget = jsii.Bool(false), f(1000)
		}, map[string]any{"CpuTracking": true, "MemoryTracking": true, "UtilizationTracking": true, "CustomMetricTracking": true, "RequestCountTracking": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			p := base(t, stack)
			p.MemoryTarget, p.UtilizationTarget, p.CustomMetric = f(80), f(75), busy(nil)
			tc.modify(p)
			newService(t, stack, p)
			got := policyDisablesScaleIn(t, stack)
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s DisableScaleIn %v, want %v (all: %v)", k, got[k], v, got)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("policies %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPredictiveAndHighResolution: the service publishes 20-second CPU and memory, CPU tracking
// reads them, and a forecast-only CPU policy sits on the service's scalable target; request
// count forecasts the service's own target group when it deploys rolling.
func TestPredictiveAndHighResolution(t *testing.T) {
	stack := testenv.Stack(t)
	p := base(t, stack)
	p.HighResolutionMetrics = jsii.Bool(true)
	p.Predictive = &scaling.PredictiveProps{}
	s := newService(t, stack, p)
	if s.PredictiveScaling == nil {
		t.Fatal("PredictiveScaling not exported")
	}
	tpl := testenv.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
		"Monitoring": map[string]any{"MetricConfigurations": []any{map[string]any{
			"MetricNames": []any{"CPUUtilization", "MemoryUtilization"}, "ResolutionSeconds": 20,
		}}},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"TargetTrackingScalingPolicyConfiguration": like(map[string]any{
			"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ECSServiceAverageCPUUtilizationHighResolution"},
		}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"PolicyType": "PredictiveScaling",
		"PredictiveScalingPolicyConfiguration": like(map[string]any{
			"Mode":                 "ForecastOnly",
			"MetricSpecifications": []any{like(map[string]any{"PredefinedMetricPairSpecification": map[string]any{"PredefinedMetricType": "ECSServiceCPUUtilization"}})},
		}),
	})

	rolling := testenv.Stack(t)
	q := base(t, rolling)
	q.Predictive = &scaling.PredictiveProps{Metric: scaling.PredictRequestCount, Target: f(1000)}
	newService(t, rolling, q)
	testenv.Template(rolling).HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"PredictiveScalingPolicyConfiguration": like(map[string]any{
			"MetricSpecifications": []any{like(map[string]any{"PredefinedMetricPairSpecification": map[string]any{
				"PredefinedMetricType": "ALBRequestCount",
				"ResourceLabel":        like(map[string]any{"Fn::Join": with(with(like(map[string]any{"Fn::GetAtt": with(assertions.Match_StringLikeRegexp(jsii.String("^WebTargetGroup")), "TargetGroupFullName")})))}),
			}})},
		}),
	})
}

func TestInvalidScaling(t *testing.T) {
	const p = `webservice "Test/Web": `
	cases := []struct {
		name   string
		modify func(*webservice.ServiceProps)
		want   string
	}{
		{"nothing scales in", func(s *webservice.ServiceProps) { s.CpuScalesIn, s.MemoryTarget = jsii.Bool(false), f(80) },
			p + "CpuScalesIn is false and no other target-tracking policy scales in: the task count would never fall; let CPU (CpuScalesIn true) or request count (RequestsPerTarget) scale in"},
		{"predictive request count with a canary", func(s *webservice.ServiceProps) {
			s.Production = jsii.Bool(true)
			s.CertificateArn = jsii.String("arn:aws:acm:ap-northeast-1:123456789012:certificate/0b5ad4ed-2f0c-4b35-a6f0-8c2f0b6fd9a1")
			s.Predictive = &scaling.PredictiveProps{Metric: scaling.PredictRequestCount, Target: f(1000)}
		}, p + "Predictive.Metric ALBRequestCount reads one target group, and a CANARY deployment moves the traffic to the other: predict on ECSServiceCPUUtilization or ECSServiceMemoryUtilization, or deploy ROLLING"},
		{"unknown predictive mode", func(s *webservice.ServiceProps) {
			s.Predictive = &scaling.PredictiveProps{Metric: scaling.PredictCpu, Mode: "Scale"}
		}, p + `Predictive.Mode "Scale" is not a predictive scaling mode; allowed: ForecastOnly, ForecastAndScale`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			props := base(t, stack)
			tc.modify(props)
			before := len(*stack.Node().Children())
			s, err := webservice.NewService(stack, jsii.String("Web"), props)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, tc.want)
			}
			if s != nil || len(*stack.Node().Children()) != before {
				t.Fatal("invalid props must create nothing")
			}
		})
	}
}
