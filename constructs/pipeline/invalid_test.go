package pipeline_test

import (
	"testing"
	"time"

	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/pipeline"
	"github.com/okiagari/okiagari/testenv"
)

func TestPipelineInvalid(t *testing.T) {
	// One stack serves every case: an invalid pipeline returns before it creates anything.
	stack := testenv.Stack(t)
	f := newFixture(t, stack, 3)
	valid := func() pipeline.PipelineProps {
		return pipeline.PipelineProps{EnvironmentName: "prod", Repository: f.repo, Services: f.services[:2], Connection: connection()}
	}
	with := func(change func(p *pipeline.PipelineProps)) pipeline.PipelineProps {
		p := valid()
		p.Services = append([]pipeline.Service{}, p.Services...)
		change(&p)
		return p
	}
	seconds := func(n int) *time.Duration { d := time.Duration(n) * time.Second; return &d }
	const prefix = `pipeline "Test/Pipeline": `
	cases := []struct {
		name  string
		props pipeline.PipelineProps
		want  string
	}{
		{"both sources", with(func(p *pipeline.PipelineProps) {
			p.S3Source = &pipeline.S3Source{BucketName: "releases", ObjectKey: "a.zip"}
		}),
			prefix + `exactly one of Connection and S3Source must be set, got both`},
		{"no source", with(func(p *pipeline.PipelineProps) { p.Connection = nil }),
			prefix + `exactly one of Connection and S3Source must be set, got neither`},
		{"no services", with(func(p *pipeline.PipelineProps) { p.Services = nil }),
			prefix + `Services must name at least 1 service`},
		{"duplicate service name", with(func(p *pipeline.PipelineProps) { p.Services[1].Name = "Web"; p.Services[1].ContainerName = "other" }),
			prefix + `Services[1].Name "Web" is already used by Services[0]; each name once`},
		{"duplicate container name", with(func(p *pipeline.PipelineProps) { p.Services[1].ContainerName = "web" }),
			prefix + `Services[1].ContainerName "web" is already used by Services[0]; imagedefinitions.json has one entry per container`},
		{"bad service name", with(func(p *pipeline.PipelineProps) { p.Services[0].Name = "web service" }),
			prefix + `Services[0].Name "web service" must be 1 to 40 letters, digits or hyphens, starting with a letter`},
		{"bad container name", with(func(p *pipeline.PipelineProps) { p.Services[0].ContainerName = "" }),
			prefix + `Services[0].ContainerName "" must be 1 to 255 letters, digits, hyphens or underscores`},
		{"missing service and roles", with(func(p *pipeline.PipelineProps) {
			p.Services[0].Service, p.Services[0].TaskRole, p.Services[0].ExecutionRole = nil, nil, nil
		}),
			prefix + "Services[0].Service must be set\n" +
				prefix + "Services[0].TaskRole must be set: the deploy role may pass only the services' roles\n" +
				prefix + "Services[0].ExecutionRole must be set: the deploy role may pass only the services' roles"},
		{"release as a service name", with(func(p *pipeline.PipelineProps) { p.Services[0].Name = "Release" }),
			prefix + `Services[0].Name "Release" is the name of the Deploy stage's last action, which waits for ECS and records the release; choose another`},
		{"worst case missing", with(func(p *pipeline.PipelineProps) { p.Services[1].DeployWorstCase = 0 }),
			prefix + `Services[1].DeployWorstCase must be > 0, got 0s: the longest a successful deployment of "Worker" takes, bake included ` +
				`(webservice.Service.Timeline.Complete, worker.Worker.DeployWorstCase); the deploy and release timeouts are sized by it`},
		{"worst case over the action's maximum", with(func(p *pipeline.PipelineProps) { p.Services[0].DeployWorstCase = 73 * time.Minute }),
			prefix + `Services[0] "Web": DeployWorstCase 1h13m0s is longer than 60 minutes, the longest an ECS deploy action may take: ` +
				`shorten the service's bakes (deployment bake, canary or linear step bake) or, for a worker, its ProtectionExpiry, until it fits`},
		{"timeout shorter than a service's worst case", with(func(p *pipeline.PipelineProps) {
			p.DeploymentTimeout = minutes(24)
			p.Services[1].DeployWorstCase = 24*time.Minute + 30*time.Second
		}),
			prefix + `DeploymentTimeout 24m0s is shorter than Services[1] "Worker"'s DeployWorstCase 24m30s, the longest its successful deployment takes: ` +
				`the deploy action would fail a deployment ECS is still carrying out; set DeploymentTimeout to at least 25m0s ` +
				`(default 60 minutes, the most the action allows), or shorten the service's deployment (its bakes; for a worker also ` +
				`ProtectionExpiry, during which a busy task holds the deployment back, and StopTimeout)`},
		{"deployment timeout zero", with(func(p *pipeline.PipelineProps) { p.DeploymentTimeout = minutes(0) }),
			prefix + `DeploymentTimeout 0s must be a whole number of minutes between 1 and 60`},
		{"deployment timeout not whole minutes", with(func(p *pipeline.PipelineProps) { p.DeploymentTimeout = seconds(1830) }),
			prefix + `DeploymentTimeout 30m30s must be a whole number of minutes between 1 and 60`},
		{"deployment timeout too long", with(func(p *pipeline.PipelineProps) { p.DeploymentTimeout = minutes(61) }),
			prefix + `DeploymentTimeout 1h1m0s must be a whole number of minutes between 1 and 60`},
		{"empty branch", with(func(p *pipeline.PipelineProps) { c := *connection(); c.Branch = ""; p.Connection = &c }),
			prefix + `Connection.Branch must not be empty`},
		{"malformed connection arn", with(func(p *pipeline.PipelineProps) {
			c := *connection()
			c.ConnectionArn = "arn:aws:codeconnections:ap-northeast-1:123456789012:connection/main"
			p.Connection = &c
		}),
			prefix + `Connection.ConnectionArn "arn:aws:codeconnections:ap-northeast-1:123456789012:connection/main" is not a connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<uuid>)`},
		{"malformed repository", with(func(p *pipeline.PipelineProps) { c := *connection(); c.Repository = "app"; p.Connection = &c }),
			prefix + `Connection.Repository "app" must be "owner/name"`},
		{"bad s3 source", with(func(p *pipeline.PipelineProps) {
			p.Connection, p.S3Source = nil, &pipeline.S3Source{BucketName: "Releases_Bucket"}
		}),
			prefix + `S3Source.BucketName "Releases_Bucket" is not a valid S3 bucket name (3 to 63 lowercase letters, digits, dots or hyphens)` + "\n" +
				prefix + `S3Source.ObjectKey must not be empty`},
		{"no environment or repository", with(func(p *pipeline.PipelineProps) { p.EnvironmentName, p.Repository = "", nil }),
			prefix + `EnvironmentName "" must be 1 to 32 letters, digits or hyphens` + "\n" +
				prefix + `Repository must be set: the ECR repository the image is pushed to`},
		{"empty build context", with(func(p *pipeline.PipelineProps) { p.BuildContext = jsii.String("") }),
			prefix + `BuildContext must not be empty; use "." for the repository root`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pipeline.NewPipeline(stack, jsii.String("Pipeline"), &tc.props)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, tc.want)
			}
			if p != nil || stack.Node().TryFindChild(jsii.String("Pipeline")) != nil {
				t.Fatal("an invalid pipeline must create nothing")
			}
		})
	}
	// The caller's props are never written to.
	p := valid()
	before := p
	if _, err := pipeline.NewPipeline(stack, jsii.String("Valid"), &p); err != nil {
		t.Fatal(err)
	}
	if p.DeploymentTimeout != before.DeploymentTimeout || p.LogRetention != before.LogRetention || p.BuildContext != before.BuildContext {
		t.Error("NewPipeline wrote to the caller's props")
	}
}
