package scaling_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/scaling"
)

// A service that holds 70 % CPU, also never lets its busier resource (CPU or memory) pass 80 %,
// adds tasks in steps on a CPU spike, and raises its floor for the working day in Tokyo.
func ExampleNewServiceTarget() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	svc := awsecs.BaseService_FromServiceArnWithCluster(stack, jsii.String("Web"),
		jsii.String("arn:aws:ecs:ap-northeast-1:123456789012:service/main/web"))

	target, err := scaling.NewServiceTarget(stack, jsii.String("Scaling"), svc, &scaling.ServiceTargetProps{MinCapacity: 3, MaxCapacity: 20})
	if err != nil {
		fmt.Println(err)
		return
	}
	inCooldown := 10 * time.Minute
	if _, err := scaling.TrackCpu(target, jsii.String("Cpu"), &scaling.TrackingProps{ScaleInCooldown: &inCooldown}); err != nil {
		fmt.Println(err)
	}
	if _, err := scaling.TrackMetricMath(target, jsii.String("CpuOrMemory"), &scaling.MetricMathProps{
		Metrics:    scaling.ServiceUtilization(svc),
		Expression: jsii.String(scaling.MaxCpuMemory),
		Target:     jsii.Number(80),
	}); err != nil {
		fmt.Println(err)
	}
	if _, err := scaling.AddStep(target, jsii.String("CpuSpike"), &scaling.StepProps{
		Metric:    scaling.ServiceMetric(svc, "CPUUtilization"),
		Threshold: jsii.Number(85),
	}); err != nil {
		fmt.Println(err)
	}
	lo, hi := 6, 20
	err = scaling.Schedule(target, jsii.String("WorkingDay"), &scaling.ScheduleProps{
		Cron: "cron(0 8 ? * MON-FRI *)", TimeZone: jsii.String("Asia/Tokyo"), MinCapacity: &lo, MaxCapacity: &hi,
	})
	fmt.Println(err)

	err = scaling.Schedule(target, jsii.String("Bad"), &scaling.ScheduleProps{Cron: "cron(0 8 * * * *)", MinCapacity: &lo})
	fmt.Println(err)
	// Output:
	// <nil>
	// scaling "Example/Scaling/Bad": Cron "cron(0 8 * * * *)" exactly one of day-of-month "*" and day-of-week "*" must be "?", e.g. cron(0 8 * * ? *)
}

// A web service that forecasts its daily CPU peak and, once the forecast has been compared with
// the real load for a while, raises its task count ahead of it; tasks come off through CPU
// target tracking, since predictive scaling never scales in.
func ExamplePredict() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	svc := awsecs.BaseService_FromServiceArnWithCluster(stack, jsii.String("Web"),
		jsii.String("arn:aws:ecs:ap-northeast-1:123456789012:service/main/web"))
	target, err := scaling.NewServiceTarget(stack, jsii.String("Scaling"), svc, &scaling.ServiceTargetProps{MinCapacity: 3, MaxCapacity: 20})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := scaling.TrackCpu(target, jsii.String("Cpu"), nil); err != nil {
		fmt.Println(err)
	}
	buffer := 10 * time.Minute
	_, err = scaling.Predict(target, jsii.String("Forecast"), &scaling.PredictiveProps{
		Metric: scaling.PredictCpu, Mode: scaling.ForecastAndScale, SchedulingBuffer: &buffer,
	})
	fmt.Println(err)

	_, err = scaling.Predict(target, jsii.String("Bad"), &scaling.PredictiveProps{Mode: "ForecastOnlyPlease"})
	fmt.Println(err)
	// Output:
	// <nil>
	// scaling "Example/Scaling/Bad": Mode "ForecastOnlyPlease" is not a predictive scaling mode; allowed: ForecastOnly, ForecastAndScale
}
