package stacks

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/constructs/pipeline"
)

// Pipeline is the stack holding an environment's delivery pipeline.
type Pipeline struct {
	awscdk.Stack
	Pipeline *pipeline.Pipeline
}

// NewPipeline creates the "Pipeline" stack of env: it builds the image of the configured
// repository and deploys every web service and worker that runs it, in config order (web
// services first). ECS watches each service's deployment alarms through the service's own bake
// and rolls a failing one back; the Deploy stage's last action waits until ECS reports every
// deployment complete before it records the release, and a failure rolls the whole stage back.
func NewPipeline(scope constructs.Construct, env config.Environment, platform *Platform, services *Services) (*Pipeline, error) {
	p := env.Pipeline
	stack := newStack(scope, "Pipeline", env, "build, push and roll out the "+p.Repository+" image")
	var deploy []pipeline.Service
	target := func(name string, svc awsecs.BaseService, container awsecs.ContainerDefinition, td awsecs.TaskDefinition, worst time.Duration) {
		deploy = append(deploy, pipeline.Service{
			Name: name, Service: svc, ContainerName: *container.ContainerName(),
			TaskRole: td.TaskRole(), ExecutionRole: td.ExecutionRole(), DeployWorstCase: worst,
		})
	}
	for _, w := range env.Services.Web {
		if w.Repository == p.Repository {
			s := services.Web[w.Name]
			target(w.Name, s.Service, s.Container, s.TaskDefinition, s.Timeline.Complete)
		}
	}
	for _, w := range env.Services.Workers {
		if w.Repository == p.Repository {
			s := services.Workers[w.Name]
			target(w.Name, s.Service, s.Container, s.TaskDefinition, s.DeployWorstCase)
		}
	}
	props := &pipeline.PipelineProps{
		EnvironmentName:   env.Name,
		Repository:        platform.Registry.Repositories[p.Repository],
		Services:          deploy,
		ManualApproval:    p.ManualApproval,
		DeploymentTimeout: minutes(p.DeploymentTimeoutMinutes),
		LogRetention:      retention(p.BuildLogRetentionDays),
		BuildContext:      p.BuildContext,
		ReleaseParameter:  platform.Registry.ReleaseTags[p.Repository],
	}
	if s := p.Source; s.ConnectionArn != "" || s.Repository != "" || s.Branch != "" {
		props.Connection = &pipeline.ConnectionSource{ConnectionArn: s.ConnectionArn, Repository: s.Repository, Branch: s.Branch}
	}
	if s := p.Source; s.S3Bucket != "" || s.S3ObjectKey != "" {
		props.S3Source = &pipeline.S3Source{BucketName: s.S3Bucket, ObjectKey: s.S3ObjectKey}
	}
	pl, err := pipeline.NewPipeline(stack, jsii.String("Pipeline"), props)
	return &Pipeline{Stack: stack, Pipeline: pl}, err
}
