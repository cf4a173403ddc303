package scaling_test

import (
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	appscaling "github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/scaling"
	"github.com/okiagari/okiagari/testenv"
)

// TestPredict writes the L1 predictive policy: forecast only on CPU by default, with every
// setting written out; on request count with the target group's label; forecast and scale with
// a raised maximum.
func TestPredict(t *testing.T) {
	stack := testenv.Stack(t)
	tg := targetGroup(t, stack)
	tgt := target(t, stack, 2, 10)
	policy, err := scaling.Predict(tgt, jsii.String("Forecast"), nil)
	if err != nil || policy == nil {
		t.Fatal(policy, err)
	}
	if _, err := scaling.Predict(tgt, jsii.String("Requests"), &scaling.PredictiveProps{
		Metric: scaling.PredictRequestCount, Target: f(900), TargetGroup: tg,
		Mode: scaling.ForecastAndScale, SchedulingBuffer: d(600),
		MaxCapacityBreach: scaling.IncreaseMaxCapacity, MaxCapacityBuffer: f(20),
	}); err != nil {
		t.Fatal(err)
	}
	tpl := testenv.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"PolicyType":      "PredictiveScaling",
		"ScalingTargetId": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Target"))},
		"PredictiveScalingPolicyConfiguration": map[string]any{
			"MetricSpecifications": []any{map[string]any{
				"TargetValue":                       70,
				"PredefinedMetricPairSpecification": map[string]any{"PredefinedMetricType": "ECSServiceCPUUtilization"},
			}},
			"Mode": "ForecastOnly", "SchedulingBufferTime": 300, "MaxCapacityBreachBehavior": "HonorMaxCapacity",
		},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"PolicyType": "PredictiveScaling",
		"PredictiveScalingPolicyConfiguration": map[string]any{
			"MetricSpecifications": []any{map[string]any{
				"TargetValue": 900,
				"PredefinedMetricPairSpecification": map[string]any{
					"PredefinedMetricType": "ALBRequestCount",
					"ResourceLabel":        assertions.Match_ObjectLike(&map[string]any{"Fn::Join": assertions.Match_AnyValue()}),
				},
			}},
			"Mode": "ForecastAndScale", "SchedulingBufferTime": 600,
			"MaxCapacityBreachBehavior": "IncreaseMaxCapacity", "MaxCapacityBuffer": 20,
		},
	})
}

// TestHighResolution tracks the 20-second metrics, which CDK 2.270's enum lacks, and the
// service's Monitoring property publishes them.
func TestHighResolution(t *testing.T) {
	stack := testenv.Stack(t)
	tgt := target(t, stack, 1, 4)
	for id, track := range map[string]func(appscaling.ScalableTarget, *string, *scaling.TrackingProps) (appscaling.TargetTrackingScalingPolicy, error){
		"Cpu": scaling.TrackCpu, "Memory": scaling.TrackMemory,
	} {
		if _, err := track(tgt, jsii.String(id), &scaling.TrackingProps{HighResolution: jsii.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	cfn := awsecs.NewCfnService(stack, jsii.String("Service"), &awsecs.CfnServiceProps{Monitoring: scaling.HighResolutionMonitoring()})
	if cfn == nil {
		t.Fatal("no service")
	}
	tpl := testenv.Template(stack)
	for metric, scalesIn := range map[string]bool{scaling.CpuHighResolution: false, scaling.MemoryHighResolution: true} {
		tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
			"TargetTrackingScalingPolicyConfiguration": map[string]any{
				"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": metric},
				"DisableScaleIn":                scalesIn,
			},
		})
	}
	tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
		"Monitoring": map[string]any{"MetricConfigurations": []any{map[string]any{
			"MetricNames": []any{"CPUUtilization", "MemoryUtilization"}, "ResolutionSeconds": 20,
		}}},
	})
}

func TestPredictInvalid(t *testing.T) {
	const p = `scaling "Test/Target/P": `
	hour := time.Hour
	cases := []struct {
		name  string
		props scaling.PredictiveProps
		want  string
	}{
		{"unknown pair", scaling.PredictiveProps{Metric: "ECSServiceAverageCPUUtilization"},
			p + `Metric "ECSServiceAverageCPUUtilization" is not a predictive metric pair for ECS services; allowed: ECSServiceCPUUtilization, ECSServiceMemoryUtilization, ALBRequestCount`},
		{"unknown mode, breach", scaling.PredictiveProps{Mode: "ForecastAndScaleIn", MaxCapacityBreach: "Ignore"},
			p + `Mode "ForecastAndScaleIn" is not a predictive scaling mode; allowed: ForecastOnly, ForecastAndScale` + "\n" +
				p + `MaxCapacityBreach "Ignore" is not a max-capacity behaviour; allowed: HonorMaxCapacity, IncreaseMaxCapacity`},
		{"buffer of an hour", scaling.PredictiveProps{SchedulingBuffer: &hour},
			p + `SchedulingBuffer must be whole seconds from 0s to less than 3600s (the forecast interval), got 3600s`},
		{"negative buffer", scaling.PredictiveProps{SchedulingBuffer: d(-1)},
			p + `SchedulingBuffer must be whole seconds from 0s to less than 3600s (the forecast interval), got -1s`},
		{"cpu target over 100", scaling.PredictiveProps{Target: f(150)}, p + `Target must be between 1 and 100, got 150`},
		{"request count without target or target group", scaling.PredictiveProps{Metric: scaling.PredictRequestCount},
			p + `Target (requests per task per minute) must be set for ALBRequestCount` + "\n" +
				p + `TargetGroup must be set for ALBRequestCount: the requests of which target group to forecast`},
		{"capacity buffer with honor", scaling.PredictiveProps{MaxCapacityBuffer: f(10)},
			p + `MaxCapacityBuffer applies to IncreaseMaxCapacity only, got 10 with HonorMaxCapacity`},
		{"increase without buffer", scaling.PredictiveProps{MaxCapacityBreach: scaling.IncreaseMaxCapacity},
			p + `MaxCapacityBuffer (0–100 % above the forecast) must be set with IncreaseMaxCapacity`},
		{"buffer over 100", scaling.PredictiveProps{MaxCapacityBreach: scaling.IncreaseMaxCapacity, MaxCapacityBuffer: f(101)},
			p + `MaxCapacityBuffer must be between 0 and 100, got 101`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			tgt := target(t, stack, 1, 4)
			before := len(*tgt.Node().Children())
			_, err := scaling.Predict(tgt, jsii.String("P"), &tc.props)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, tc.want)
			}
			if len(*tgt.Node().Children()) != before {
				t.Fatal("invalid props must create nothing")
			}
		})
	}
}
