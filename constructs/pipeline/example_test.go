package pipeline_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/pipeline"
)

// A production pipeline for one web service: builds every push to main, waits for approval,
// deploys, and rolls back when the service's 5xx alarm is still in ALARM 30 minutes later.
func ExampleNewPipeline() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipeline"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("ap-northeast-1")},
	})
	// In the app these come from the Platform and Services stacks.
	var (
		repo     awsecr.IRepository
		web      awsecs.FargateService
		web5xx   awscloudwatch.IAlarm
		taskRole awsiam.IRole
		execRole awsiam.IRole
	)
	bake := 30 * time.Minute
	p, err := pipeline.NewPipeline(stack, jsii.String("Release"), &pipeline.PipelineProps{
		EnvironmentName: "prod",
		Repository:      repo,
		Services: []pipeline.Service{{
			Name: "Web", Service: web, ContainerName: "web",
			TaskRole: taskRole, ExecutionRole: execRole,
			Alarms: []awscloudwatch.IAlarm{web5xx},
		}},
		Connection: &pipeline.ConnectionSource{
			ConnectionArn: "arn:aws:codeconnections:ap-northeast-1:333333333333:connection/00000000-0000-0000-0000-000000000000",
			Repository:    "okiagari/app",
			Branch:        "main",
		},
		ManualApproval: true,
		BakeTime:       &bake,
	})
	if err != nil {
		fmt.Println(err) // one line per problem, e.g. pipeline "Pipeline/Release": Connection.Branch must not be empty
		return
	}
	_ = p.Pipeline.PipelineName()
}
