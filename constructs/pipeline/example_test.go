package pipeline_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/pipeline"
)

// A production pipeline for one web service: builds every push to main, waits for approval,
// deploys, waits until ECS reports the deployment complete (its canary and bake included), and
// only then records the tag; a failure rolls the Deploy stage back to the previous release.
func ExampleNewPipeline() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipeline"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("ap-northeast-1")},
	})
	// In the app these come from the Platform and Services stacks.
	var (
		repo     awsecr.IRepository
		release  awsssm.IStringParameter
		web      awsecs.FargateService
		taskRole awsiam.IRole
		execRole awsiam.IRole
	)
	// webservice.Service.Timeline.Complete: a 10 % canary for 10 minutes, a 20-minute bake, the
	// old tasks drained and stopped.
	webWorstCase := 33 * time.Minute
	p, err := pipeline.NewPipeline(stack, jsii.String("Release"), &pipeline.PipelineProps{
		EnvironmentName: "prod",
		Repository:      repo,
		Services: []pipeline.Service{{
			Name: "Web", Service: web, ContainerName: "web",
			TaskRole: taskRole, ExecutionRole: execRole,
			DeployWorstCase: webWorstCase,
		}},
		Connection: &pipeline.ConnectionSource{
			ConnectionArn: "arn:aws:codeconnections:ap-northeast-1:333333333333:connection/00000000-0000-0000-0000-000000000000",
			Repository:    "okiagari/app",
			Branch:        "main",
		},
		ManualApproval:   true,
		ReleaseParameter: release,
	})
	if err != nil {
		fmt.Println(err) // one line per problem, e.g. pipeline "Pipeline/Release": Connection.Branch must not be empty
		return
	}
	_ = p.Pipeline.PipelineName()
}
