package webservice_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/network"
	"github.com/okiagari/okiagari/constructs/scaling"
	"github.com/okiagari/okiagari/constructs/webservice"
)

// A production web service that needs 6 tasks at peak, over 3 zones: it runs 9 so that losing a
// zone still leaves 6, on FARGATE for the base and FARGATE_SPOT for the rest, and raises its
// floor for the working day in Tokyo.
func ExampleNewService() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Services"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("ap-northeast-1")},
	})
	vpc, err := network.NewVpc(stack, jsii.String("Network"), &network.VpcProps{
		AvailabilityZones: []string{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	cluster := awsecs.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awsecs.ClusterAttributes{
		ClusterName: jsii.String("main"), Vpc: vpc.Vpc,
	})
	topic := awssns.Topic_FromTopicArn(stack, jsii.String("Alarms"), jsii.String("arn:aws:sns:ap-northeast-1:123456789012:alarms"))
	drain, stop := 30*time.Second, 60*time.Second
	nine, twenty, six, port := 9, 20, 6, 80

	web, err := webservice.NewService(stack, jsii.String("Web"), &webservice.ServiceProps{
		Name:                "web",
		Vpc:                 vpc.Vpc,
		Cluster:             cluster,
		AlarmTopic:          topic,
		Production:          jsii.Bool(true),
		CertificateArn:      jsii.String("arn:aws:acm:ap-northeast-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"),
		Image:               jsii.String("public.ecr.aws/nginx/nginx:1.27"),
		ContainerPort:       &port,
		CapacityProviders:   []webservice.CapacityProvider{{Name: webservice.Fargate, Base: 2, Weight: 1}, {Name: webservice.FargateSpot, Weight: 3}},
		DeregistrationDelay: &drain,
		StopTimeout:         &stop,
		PeakTasks:           6,
		MaxTasks:            &twenty,
		UtilizationTarget:   jsii.Number(75),
		CpuStep:             &webservice.CpuStep{},
		Schedules: []scaling.ScheduleProps{
			{Cron: "cron(0 8 ? * MON-FRI *)", TimeZone: jsii.String("Asia/Tokyo"), MinCapacity: &nine, MaxCapacity: &twenty},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("floor", web.Floor, "min", web.MinTasks, "max", web.MaxTasks, "alarms", len(web.Alarms.All()))

	_, err = webservice.NewService(stack, jsii.String("Bad"), &webservice.ServiceProps{
		Name: "bad", Vpc: vpc.Vpc, Cluster: cluster, AlarmTopic: topic,
		Image: jsii.String("public.ecr.aws/nginx/nginx:1.27"), PeakTasks: 6, MaxTasks: &six,
	})
	fmt.Println(err)
	// Output:
	// floor 9 min 9 max 20 alarms 6
	// webservice "Services/Bad": MaxTasks 6 must be >= the static-stability floor 9 (ceil(6 × 3 / 2))
}
