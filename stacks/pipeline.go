package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
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
// services first). When the deploy stage ends, its condition checks each web service's
// deployment alarms (5xx rate, unhealthy hosts) and rolls the stage back if one stays in ALARM.
func NewPipeline(scope constructs.Construct, env config.Environment, platform *Platform, services *Services) (*Pipeline, error) {
	p := env.Pipeline
	stack := newStack(scope, "Pipeline", env, "build, push and roll out the "+p.Repository+" image")
	var deploy []pipeline.Service
	target := func(name string, svc awsecs.BaseService, container awsecs.ContainerDefinition, td awsecs.TaskDefinition, alarms ...awscloudwatch.IAlarm) {
		deploy = append(deploy, pipeline.Service{
			Name: name, Service: svc, ContainerName: *container.ContainerName(),
			TaskRole: td.TaskRole(), ExecutionRole: td.ExecutionRole(), Alarms: alarms,
		})
	}
	for _, w := range env.Services.Web {
		if w.Repository == p.Repository {
			s := services.Web[w.Name]
			target(w.Name, s.Service, s.Container, s.TaskDefinition, s.Alarms.Target5xx, s.Alarms.UnhealthyHosts)
		}
	}
	for _, w := range env.Services.Workers {
		// No alarm of a worker gates the stage: its dead-letter alarm stays in ALARM until someone
		// empties the queue, which would roll back every release after one bad message.
		if w.Repository == p.Repository {
			s := services.Workers[w.Name]
			target(w.Name, s.Service, s.Container, s.TaskDefinition)
		}
	}
	props := &pipeline.PipelineProps{
		EnvironmentName:   env.Name,
		Repository:        platform.Registry.Repositories[p.Repository],
		Services:          deploy,
		ManualApproval:    p.ManualApproval,
		BakeTime:          minutes(p.BakeMinutes),
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
