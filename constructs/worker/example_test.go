package worker_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/network"
	"github.com/okiagari/okiagari/constructs/worker"
)

// A mailer that sends one mail in about 2 s, should have sent every mail within a minute, runs
// mostly on Fargate Spot and stops entirely when there is nothing to send.
func ExampleNewWorker() {
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
	cluster := awsecs.NewCluster(stack, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc: vpc.Vpc, ContainerInsightsV2: awsecs.ContainerInsights_ENABLED,
	})
	cluster.EnableFargateCapacityProviders()
	processing, latency, zero, maxTasks := 2*time.Second, time.Minute, 0, 20

	mailer, err := worker.NewWorker(stack, jsii.String("Mailer"), &worker.WorkerProps{
		Name:       jsii.String("mailer"),
		Cluster:    cluster,
		Repository: awsecr.Repository_FromRepositoryName(stack, jsii.String("MailerImages"), jsii.String("mailer")),
		ImageTag:   jsii.String("3f2c1d0"),
		CapacityProviders: []worker.CapacityProvider{
			{Name: worker.Fargate, Weight: 1},
			{Name: worker.FargateSpot, Weight: 3},
		},
		MessageProcessingTime: &processing, // backlog per task: 60 s ÷ 2 s = 30 messages
		LatencyTarget:         &latency,
		MinTasks:              &zero,
		MaxTasks:              &maxTasks,
		Queue:                 &worker.QueueProps{},
		AlarmTopic:            awssns.Topic_FromTopicArn(stack, jsii.String("Alarms"), jsii.String("arn:aws:sns:ap-northeast-1:123456789012:alarms")),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Producers send to the queue.
	_ = mailer.Queue.QueueUrl()
}
