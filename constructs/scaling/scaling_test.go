package scaling_test

import (
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	appscaling "github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/scaling"
	"github.com/okiagari/okiagari/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const serviceArn = "arn:aws:ecs:ap-northeast-1:123456789012:service/main/web"

var services = map[awscdk.Stack]awsecs.IBaseService{}

// service imports the ECS service "web" of cluster "main", once per stack.
func service(stack awscdk.Stack) awsecs.IBaseService {
	if s, ok := services[stack]; ok {
		return s
	}
	s := awsecs.BaseService_FromServiceArnWithCluster(stack, jsii.String("Svc"), jsii.String(serviceArn))
	services[stack] = s
	return s
}

func target(t *testing.T, stack awscdk.Stack, lo, hi int) appscaling.ScalableTarget {
	t.Helper()
	tg, err := scaling.NewServiceTarget(stack, jsii.String("Target"), service(stack), &scaling.ServiceTargetProps{MinCapacity: lo, MaxCapacity: hi})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func d(s int) *time.Duration { v := time.Duration(s) * time.Second; return &v }
func f(v float64) *float64   { return &v }
func i(v int) *int           { return &v }

// TestAllPolicies puts every kind of policy on one target and checks each in the template.
func TestAllPolicies(t *testing.T) {
	stack := testenv.Stack(t)
	svc := service(stack)
	tgt := target(t, stack, 2, 10)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := scaling.TrackCpu(tgt, jsii.String("Cpu"), nil)
	must(err)
	_, err = scaling.TrackMemory(tgt, jsii.String("Memory"), &scaling.TrackingProps{Target: f(80), ScaleOutCooldown: d(30), ScaleInCooldown: d(600)})
	must(err)
	_, err = scaling.TrackMetricMath(tgt, jsii.String("Combined"), &scaling.MetricMathProps{
		Metrics: scaling.ServiceUtilization(svc), Expression: jsii.String(scaling.MaxCpuMemory), Target: f(65),
	})
	must(err)
	_, err = scaling.TrackMetricMath(tgt, jsii.String("Busy"), &scaling.MetricMathProps{
		Metrics: map[string]scaling.Stat{"busy": {
			Namespace: "App", MetricName: "BusyPercent", Dimensions: map[string]*string{"Service": jsii.String("web")},
		}},
		Target: f(60), DisableScaleIn: jsii.Bool(true),
	})
	must(err)
	step, err := scaling.AddStep(tgt, jsii.String("CpuStep"), &scaling.StepProps{
		Metric: scaling.ServiceMetric(svc, "CPUUtilization"), Threshold: f(85),
	})
	must(err)
	if step.Action == nil || step.Alarm == nil {
		t.Fatal("step policy not exported")
	}
	must(scaling.Schedule(tgt, jsii.String("Morning"), &scaling.ScheduleProps{
		Cron: "cron(0 8 ? * MON-FRI *)", TimeZone: jsii.String("Asia/Tokyo"), MinCapacity: i(5), MaxCapacity: i(20),
	}))

	tpl := testenv.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalableTarget"), map[string]any{
		"MinCapacity": 2, "MaxCapacity": 10, "ScalableDimension": "ecs:service:DesiredCount", "ServiceNamespace": "ecs",
		"ResourceId": "service/main/web",
		"RoleARN":    "arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
		"ScheduledActions": []any{map[string]any{
			"Schedule": "cron(0 8 ? * MON-FRI *)", "Timezone": "Asia/Tokyo",
			"ScalableTargetAction": map[string]any{"MinCapacity": 5, "MaxCapacity": 20},
			"ScheduledActionName":  "Morning",
		}},
	})
	tpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(0))
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"PolicyType": "TargetTrackingScaling",
		"TargetTrackingScalingPolicyConfiguration": map[string]any{
			"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
			"TargetValue":                   70, "ScaleOutCooldown": 60, "ScaleInCooldown": 300,
		},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"TargetTrackingScalingPolicyConfiguration": map[string]any{
			"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ECSServiceAverageMemoryUtilization"},
			"TargetValue":                   80, "ScaleOutCooldown": 30, "ScaleInCooldown": 600,
			// Memory tracking scales out only unless told otherwise: memory seldom falls as
			// tasks are added, and a policy that never agrees to scale in blocks the others.
			"DisableScaleIn": true,
		},
	})
	// The L1 metric-math policy: stats without ReturnData, then the expression that returns.
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"PolicyType": "TargetTrackingScaling",
		"TargetTrackingScalingPolicyConfiguration": map[string]any{
			"TargetValue": 65, "ScaleOutCooldown": 60, "ScaleInCooldown": 300,
			"CustomizedMetricSpecification": map[string]any{"Metrics": []any{
				map[string]any{"Id": "cpu", "ReturnData": false, "MetricStat": map[string]any{
					"Stat": "Average",
					"Metric": map[string]any{"Namespace": "AWS/ECS", "MetricName": "CPUUtilization", "Dimensions": []any{
						map[string]any{"Name": "ClusterName", "Value": "main"}, map[string]any{"Name": "ServiceName", "Value": "web"},
					}},
				}},
				map[string]any{"Id": "mem", "ReturnData": false, "MetricStat": assertions.Match_ObjectLike(&map[string]any{
					"Metric": assertions.Match_ObjectLike(&map[string]any{"MetricName": "MemoryUtilization"}),
				})},
				map[string]any{"Id": "result", "Expression": "MAX([cpu,mem])", "Label": "scaling metric", "ReturnData": true},
			}},
		},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"TargetTrackingScalingPolicyConfiguration": map[string]any{
			"TargetValue": 60, "DisableScaleIn": true,
			"CustomizedMetricSpecification": map[string]any{"Metrics": []any{
				map[string]any{"Id": "busy", "ReturnData": true, "MetricStat": assertions.Match_ObjectLike(&map[string]any{
					"Metric": map[string]any{"Namespace": "App", "MetricName": "BusyPercent", "Dimensions": []any{map[string]any{"Name": "Service", "Value": "web"}}},
				})},
			}},
		},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"PolicyType": "StepScaling",
		"StepScalingPolicyConfiguration": map[string]any{
			"AdjustmentType": "ChangeInCapacity", "Cooldown": 60, "MetricAggregationType": "Maximum",
			"StepAdjustments": []any{
				map[string]any{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 1},
				map[string]any{"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2},
			},
		},
	})
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "CPUUtilization", "Namespace": "AWS/ECS", "Period": 60, "Threshold": 85,
		"ComparisonOperator": "GreaterThanOrEqualToThreshold", "EvaluationPeriods": 3, "DatapointsToAlarm": 2,
		"TreatMissingData": "missing",
		"AlarmActions":     []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("TargetCpuStep"))}},
	})
	tpl.ResourceCountIs(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), jsii.Number(5))
}

func TestStepCustom(t *testing.T) {
	stack := testenv.Stack(t)
	tgt := target(t, stack, 0, 50)
	_, err := scaling.AddStep(tgt, jsii.String("Backlog"), &scaling.StepProps{
		Metric:    scaling.ServiceMetric(service(stack), "CPUUtilization"),
		Threshold: f(100),
		Steps: []scaling.Step{
			{Lower: 0, Upper: f(100), Change: 1}, {Lower: 100, Upper: f(500), Change: 3}, {Lower: 500, Change: 10},
		},
		EvaluationPeriods: i(1),
		TreatMissingData:  awscloudwatch.TreatMissingData_BREACHING,
		Cooldown:          d(0),
	})
	if err != nil {
		t.Fatal(err)
	}
	tpl := testenv.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"StepScalingPolicyConfiguration": map[string]any{
			"Cooldown": 0,
			"StepAdjustments": []any{
				map[string]any{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 100, "ScalingAdjustment": 1},
				map[string]any{"MetricIntervalLowerBound": 100, "MetricIntervalUpperBound": 500, "ScalingAdjustment": 3},
				map[string]any{"MetricIntervalLowerBound": 500, "ScalingAdjustment": 10},
			},
		},
	})
	// One evaluation period lowers the default 2 datapoints to 1.
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"EvaluationPeriods": 1, "DatapointsToAlarm": 1, "TreatMissingData": "breaching",
	})
}

// targetGroup is an IP target group behind a load balancer's listener, as request-count
// scaling needs.
func targetGroup(t *testing.T, stack awscdk.Stack) elbv2.ApplicationTargetGroup {
	t.Helper()
	vpc := testenv.Vpc(t, stack)
	lb := elbv2.NewApplicationLoadBalancer(stack, jsii.String("Lb"), &elbv2.ApplicationLoadBalancerProps{Vpc: vpc})
	tg := elbv2.NewApplicationTargetGroup(stack, jsii.String("Tg"), &elbv2.ApplicationTargetGroupProps{
		Vpc: vpc, Port: jsii.Number(80), TargetType: elbv2.TargetType_IP,
	})
	lb.AddListener(jsii.String("Http"), &elbv2.BaseApplicationListenerProps{Port: jsii.Number(80), DefaultTargetGroups: &[]elbv2.IApplicationTargetGroup{tg}})
	return tg
}

func TestRequestCount(t *testing.T) {
	stack := testenv.Stack(t)
	tg := targetGroup(t, stack)
	tgt := target(t, stack, 1, 4)
	if _, err := scaling.TrackRequestCount(tgt, jsii.String("Requests"), tg, &scaling.TrackingProps{Target: f(1000)}); err != nil {
		t.Fatal(err)
	}
	testenv.Template(stack).HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"TargetTrackingScalingPolicyConfiguration": map[string]any{
			"PredefinedMetricSpecification": map[string]any{
				"PredefinedMetricType": "ALBRequestCountPerTarget",
				"ResourceLabel":        assertions.Match_ObjectLike(&map[string]any{"Fn::Join": assertions.Match_AnyValue()}),
			},
			"TargetValue": 1000,
		},
	})
}

func TestInvalid(t *testing.T) {
	const p = `scaling "Test/Target/`
	cases := []struct {
		name string
		run  func(tgt appscaling.ScalableTarget) error
		want string
	}{
		{"cpu target out of range", func(tgt appscaling.ScalableTarget) error {
			_, err := scaling.TrackCpu(tgt, jsii.String("Cpu"), &scaling.TrackingProps{Target: f(120)})
			return err
		}, p + `Cpu": Target must be between 1 and 100, got 120`},
		{"negative cooldowns", func(tgt appscaling.ScalableTarget) error {
			_, err := scaling.TrackMemory(tgt, jsii.String("Mem"), &scaling.TrackingProps{ScaleOutCooldown: d(-1), ScaleInCooldown: d(-60)})
			return err
		}, p + `Mem": ScaleOutCooldown must be >= 0s, got -1s` + "\n" + p + `Mem": ScaleInCooldown must be >= 0s, got -60s`},
		{"fractional cooldown", func(tgt appscaling.ScalableTarget) error {
			v := 1500 * time.Millisecond
			_, err := scaling.TrackCpu(tgt, jsii.String("Cpu"), &scaling.TrackingProps{ScaleOutCooldown: &v})
			return err
		}, p + `Cpu": ScaleOutCooldown must be a whole number of seconds, got 1.5s`},
		{"request count without target", func(tgt appscaling.ScalableTarget) error {
			_, err := scaling.TrackRequestCount(tgt, jsii.String("Req"), nil, nil)
			return err
		}, p + `Req": targetGroup must be set`},
		{"math without expression", func(tgt appscaling.ScalableTarget) error {
			_, err := scaling.TrackMetricMath(tgt, jsii.String("Math"), &scaling.MetricMathProps{
				Metrics: scaling.ServiceUtilization(service(tgt.Stack())), Target: f(50),
			})
			return err
		}, p + `Math": Expression must be set to combine 2 metrics ["cpu" "mem"]`},
		{"math bad id, no target", func(tgt appscaling.ScalableTarget) error {
			_, err := scaling.TrackMetricMath(tgt, jsii.String("Math"), &scaling.MetricMathProps{
				Metrics: map[string]scaling.Stat{"CPU": scaling.ServiceStat(service(tgt.Stack()), "CPUUtilization")},
			})
			return err
		}, p + `Math": Metrics: ID "CPU" must start with a lowercase letter followed by letters, digits or underscores` + "\n" + p + `Math": Target must be set`},
		{"metric without a name", func(tgt appscaling.ScalableTarget) error {
			_, err := scaling.TrackMetricMath(tgt, jsii.String("Math"), &scaling.MetricMathProps{
				Metrics: map[string]scaling.Stat{"x": {Namespace: "App"}},
				Target:  f(1),
			})
			return err
		}, p + `Math": Metrics["x"] must name a Namespace and a MetricName`},
		{"no metrics", func(tgt appscaling.ScalableTarget) error {
			_, err := scaling.TrackMetricMath(tgt, jsii.String("Math"), &scaling.MetricMathProps{Target: f(-1)})
			return err
		}, p + `Math": Metrics must name at least one metric` + "\n" + p + `Math": Target must be > 0, got -1`},
		{"overlapping steps", func(tgt appscaling.ScalableTarget) error {
			_, err := scaling.AddStep(tgt, jsii.String("Step"), &scaling.StepProps{
				Metric: scaling.ServiceMetric(service(tgt.Stack()), "CPUUtilization"), Threshold: f(80),
				Steps: []scaling.Step{{Lower: 0, Upper: f(20), Change: 1}, {Lower: 10, Change: 2}},
			})
			return err
		}, p + `Step": Steps[1].Lower 10 must equal Steps[0].Upper 20: steps must neither overlap nor leave a gap`},
		{"bad steps", func(tgt appscaling.ScalableTarget) error {
			_, err := scaling.AddStep(tgt, jsii.String("Step"), &scaling.StepProps{
				Steps: []scaling.Step{{Lower: 5, Change: 0}, {Lower: 20, Upper: f(10), Change: 1}},
			})
			return err
		}, p + `Step": Metric must be set` + "\n" +
			p + `Step": Threshold must be set` + "\n" +
			p + `Step": Steps[0].Lower must be 0 (the alarm threshold), got 5` + "\n" +
			p + `Step": Steps[0].Upper must be set: only the last step is unbounded` + "\n" +
			p + `Step": Steps[0].Change must be >= 1 task, got 0` + "\n" +
			p + `Step": Steps[1].Upper must be unset: the last step covers everything above 20`},
		{"step alarm datapoints", func(tgt appscaling.ScalableTarget) error {
			_, err := scaling.AddStep(tgt, jsii.String("Step"), &scaling.StepProps{
				Metric: scaling.ServiceMetric(service(tgt.Stack()), "CPUUtilization"), Threshold: f(80),
				EvaluationPeriods: i(3), DatapointsToAlarm: i(4), Cooldown: d(-5),
			})
			return err
		}, p + `Step": DatapointsToAlarm must be between 1 and EvaluationPeriods 3, got 4` + "\n" + p + `Step": Cooldown must be >= 0s, got -5s`},
		{"cron with 5 fields", func(tgt appscaling.ScalableTarget) error {
			return scaling.Schedule(tgt, jsii.String("S"), &scaling.ScheduleProps{Cron: "cron(0 8 * * ?)", MinCapacity: i(1)})
		}, p + `S": Cron "cron(0 8 * * ?)" has 5 fields, want 6 (minute hour day-of-month month day-of-week year), e.g. cron(0 8 * * ? *)`},
		{"cron both days", func(tgt appscaling.ScalableTarget) error {
			return scaling.Schedule(tgt, jsii.String("S"), &scaling.ScheduleProps{Cron: "cron(0 8 * * * *)", MinCapacity: i(1)})
		}, p + `S": Cron "cron(0 8 * * * *)" exactly one of day-of-month "*" and day-of-week "*" must be "?", e.g. cron(0 8 * * ? *)`},
		{"cron hour out of range", func(tgt appscaling.ScalableTarget) error {
			return scaling.Schedule(tgt, jsii.String("S"), &scaling.ScheduleProps{Cron: "cron(0 24 * * ? *)", MinCapacity: i(1)})
		}, p + `S": Cron "cron(0 24 * * ? *)" hour "24": "24" is not 0-23, e.g. cron(0 8 * * ? *)`},
		{"not cron, bad zone, min > max", func(tgt appscaling.ScalableTarget) error {
			return scaling.Schedule(tgt, jsii.String("S"), &scaling.ScheduleProps{Cron: "0 8 * * ? *", TimeZone: jsii.String("Tokyo"), MinCapacity: i(5), MaxCapacity: i(2)})
		}, p + `S": Cron "0 8 * * ? *" must have the form cron(minute hour day-of-month month day-of-week year), e.g. cron(0 8 * * ? *)` + "\n" +
			p + `S": TimeZone "Tokyo" is not an IANA time zone such as "Asia/Tokyo" or "UTC"` + "\n" +
			p + `S": MinCapacity 5 must be <= MaxCapacity 2`},
		{"schedule changes nothing", func(tgt appscaling.ScalableTarget) error {
			return scaling.Schedule(tgt, jsii.String("S"), &scaling.ScheduleProps{Cron: "cron(0 8 * * ? *)"})
		}, p + `S": MinCapacity or MaxCapacity must be set`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			tgt := target(t, stack, 1, 4)
			before := len(*tgt.Node().Children())
			err := tc.run(tgt)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, tc.want)
			}
			if len(*tgt.Node().Children()) != before {
				t.Fatal("invalid props must create nothing")
			}
		})
	}
}

func TestServiceTargetInvalid(t *testing.T) {
	cases := []struct {
		props scaling.ServiceTargetProps
		want  string
	}{
		{scaling.ServiceTargetProps{MinCapacity: -1, MaxCapacity: 0},
			`scaling "Test/Target": MinCapacity must be >= 0, got -1` + "\n" + `scaling "Test/Target": MaxCapacity must be >= 1, got 0`},
		{scaling.ServiceTargetProps{MinCapacity: 5, MaxCapacity: 3}, `scaling "Test/Target": MinCapacity 5 must be <= MaxCapacity 3`},
	}
	for _, tc := range cases {
		stack := testenv.Stack(t)
		svc := service(stack)
		n := len(*stack.Node().Children())
		tgt, err := scaling.NewServiceTarget(stack, jsii.String("Target"), svc, &tc.props)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got error\n  %v\nwant\n  %s", err, tc.want)
		}
		if tgt != nil || len(*stack.Node().Children()) != n {
			t.Error("invalid props must create nothing")
		}
	}
}

func TestValidateCron(t *testing.T) {
	for _, ok := range []string{
		"cron(0 8 * * ? *)", "cron(0/15 9-17 ? * MON-FRI *)", "cron(30 2 L * ? *)", "cron(0 0 ? * 6#3 *)",
		"cron(0 0 15W * ? 2030)", "cron(0 0 ? JAN,JUL 2L *)", "cron(5,35 * 1 * ? *)",
	} {
		if err := scaling.ValidateCron(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"cron(60 8 * * ? *)", "cron(0 8 ? * ? *)", "cron(0 8 32 * ? *)", "cron(0 8 * 13 ? *)", "cron(0 8 ? * 8 *)",
		"cron(0 8 * * ? 1969)", "cron(0 ? * * ? *)", "cron(0/0 8 * * ? *)", "cron(0 8 ? * MON#6 *)", "rate(5 minutes)",
		"cron(0,,1 8 * * ? *)",
	} {
		if scaling.ValidateCron(bad) == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestNag(t *testing.T) {
	stack := testenv.Stack(t)
	tgt := target(t, stack, 1, 4)
	if _, err := scaling.TrackCpu(tgt, jsii.String("Cpu"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := scaling.AddStep(tgt, jsii.String("Step"), &scaling.StepProps{Metric: scaling.ServiceMetric(service(stack), "CPUUtilization"), Threshold: f(85)}); err != nil {
		t.Fatal(err)
	}
	if _, err := scaling.Predict(tgt, jsii.String("Forecast"), nil); err != nil {
		t.Fatal(err)
	}
	for _, finding := range testenv.NagFindings(stack) {
		t.Error(finding)
	}
}
