package pipeline_test

import (
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/check"
	"github.com/okiagari/okiagari/constructs/pipeline"
	"github.com/okiagari/okiagari/testenv"
)

// fixture is what a pipeline needs from the rest of an environment: a repository and a few small
// Fargate services, built here so that the test does not depend on the service constructs.
type fixture struct {
	repo     awsecr.IRepository
	services []pipeline.Service
}

// newFixture adds to stack an ECR repository and n Fargate services named Web, Worker, ... whose
// deployments take at most 20, 25, 30 and 35 minutes.
func newFixture(t testing.TB, stack awscdk.Stack, n int) fixture {
	t.Helper()
	vpc := testenv.Vpc(t, stack)
	repo := awsecr.NewRepository(stack, jsii.String("Repo"), &awsecr.RepositoryProps{
		ImageTagMutability: awsecr.TagMutability_IMMUTABLE,
		ImageScanOnPush:    jsii.Bool(true),
	})
	cluster := awsecs.NewCluster(stack, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc:                 vpc,
		ContainerInsightsV2: awsecs.ContainerInsights_ENABLED,
	})
	f := fixture{repo: repo}
	for i, name := range []string{"Web", "Worker", "Cron", "Api"}[:n] {
		td := awsecs.NewFargateTaskDefinition(stack, jsii.String(name+"Task"), &awsecs.FargateTaskDefinitionProps{})
		td.AddContainer(jsii.String("app"), &awsecs.ContainerDefinitionOptions{
			ContainerName: jsii.String([]string{"web", "worker", "cron", "api"}[i]),
			Image:         awsecs.ContainerImage_FromEcrRepository(repo, jsii.String("bootstrap")),
			Logging:       awsecs.LogDrivers_AwsLogs(&awsecs.AwsLogDriverProps{StreamPrefix: jsii.String(name)}),
		})
		svc := awsecs.NewFargateService(stack, jsii.String(name), &awsecs.FargateServiceProps{
			Cluster:        cluster,
			TaskDefinition: td,
			VpcSubnets:     &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
			CircuitBreaker: &awsecs.DeploymentCircuitBreaker{Rollback: jsii.Bool(true)},
		})
		check.SuppressPolicy(td.ObtainExecutionRole(), check.Suppression{
			ID:        "AwsSolutions-IAM5",
			Reason:    "Test fixture: CDK's ecr:GetAuthorizationToken grant, which has no resource-level permissions.",
			AppliesTo: []string{"Resource::*"},
		})
		f.services = append(f.services, pipeline.Service{
			Name:          name,
			Service:       svc,
			ContainerName: *td.DefaultContainer().ContainerName(),
			TaskRole:      td.TaskRole(),
			ExecutionRole: td.ObtainExecutionRole(),
			// Made up, as webservice.Service.Timeline.Complete or worker.Worker.DeployWorstCase
			// would give them.
			DeployWorstCase: time.Duration(20+5*i) * time.Minute,
		})
	}
	return f
}

// connection is a valid Git source.
func connection() *pipeline.ConnectionSource {
	return &pipeline.ConnectionSource{
		ConnectionArn: "arn:aws:codeconnections:ap-northeast-1:123456789012:connection/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
		Repository:    "okiagari/app",
		Branch:        "main",
	}
}
