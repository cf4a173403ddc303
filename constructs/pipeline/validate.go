package pipeline

import (
	"regexp"
	"time"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/okiagari/okiagari/constructs/check"
)

var (
	environmentName = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)
	serviceName     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,39}$`)
	containerName   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	// Connections made since 2024 are codeconnections ARNs; older ones codestar-connections.
	connectionArn  = regexp.MustCompile(`^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]{36}$`)
	repositoryName = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	bucketName     = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// validate checks p after defaults were applied.
func validate(scope constructs.Construct, id *string, p *PipelineProps) error {
	c := check.For("pipeline", scope, *id)
	if !environmentName.MatchString(p.EnvironmentName) {
		c.Addf("EnvironmentName %q must be 1 to 32 letters, digits or hyphens", p.EnvironmentName)
	}
	if p.Repository == nil {
		c.Addf("Repository must be set: the ECR repository the image is pushed to")
	}

	switch {
	case p.Connection != nil && p.S3Source != nil:
		c.Addf("exactly one of Connection and S3Source must be set, got both")
	case p.Connection == nil && p.S3Source == nil:
		c.Addf("exactly one of Connection and S3Source must be set, got neither")
	}
	if s := p.Connection; s != nil {
		if !connectionArn.MatchString(s.ConnectionArn) {
			c.Addf("Connection.ConnectionArn %q is not a connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<uuid>)", s.ConnectionArn)
		}
		if !repositoryName.MatchString(s.Repository) {
			c.Addf("Connection.Repository %q must be \"owner/name\"", s.Repository)
		}
		if s.Branch == "" {
			c.Addf("Connection.Branch must not be empty")
		}
	}
	if s := p.S3Source; s != nil {
		if !bucketName.MatchString(s.BucketName) {
			c.Addf("S3Source.BucketName %q is not a valid S3 bucket name (3 to 63 lowercase letters, digits, dots or hyphens)", s.BucketName)
		}
		if s.ObjectKey == "" {
			c.Addf("S3Source.ObjectKey must not be empty")
		}
	}

	if len(p.Services) == 0 {
		c.Addf("Services must name at least 1 service")
	}
	names, containers := map[string]int{}, map[string]int{}
	for i, s := range p.Services {
		if !serviceName.MatchString(s.Name) {
			c.Addf("Services[%d].Name %q must be 1 to 40 letters, digits or hyphens, starting with a letter", i, s.Name)
		} else if s.Name == releaseAction {
			c.Addf("Services[%d].Name %q is the name of the Deploy stage's last action, which waits for ECS and records the release; choose another", i, s.Name)
		} else if j, dup := names[s.Name]; dup {
			c.Addf("Services[%d].Name %q is already used by Services[%d]; each name once", i, s.Name, j)
		} else {
			names[s.Name] = i
		}
		if !containerName.MatchString(s.ContainerName) {
			c.Addf("Services[%d].ContainerName %q must be 1 to 255 letters, digits, hyphens or underscores", i, s.ContainerName)
		} else if j, dup := containers[s.ContainerName]; dup {
			c.Addf("Services[%d].ContainerName %q is already used by Services[%d]; imagedefinitions.json has one entry per container", i, s.ContainerName, j)
		} else {
			containers[s.ContainerName] = i
		}
		if s.Service == nil {
			c.Addf("Services[%d].Service must be set", i)
		}
		if s.TaskRole == nil {
			c.Addf("Services[%d].TaskRole must be set: the deploy role may pass only the services' roles", i)
		}
		if s.ExecutionRole == nil {
			c.Addf("Services[%d].ExecutionRole must be set: the deploy role may pass only the services' roles", i)
		}
	}

	timeout := *p.DeploymentTimeout
	timeoutOK := timeout >= time.Minute && timeout <= MaxDeploymentTimeout && timeout%time.Minute == 0
	if !timeoutOK {
		c.Addf("DeploymentTimeout %s must be a whole number of minutes between 1 and 60", timeout)
	}
	for i, s := range p.Services {
		switch worst := s.DeployWorstCase; {
		case worst <= 0:
			c.Addf("Services[%d].DeployWorstCase must be > 0, got %s: the longest a successful deployment of %q takes, bake included "+
				"(webservice.Service.Timeline.Complete, worker.Worker.DeployWorstCase); the deploy and release timeouts are sized by it", i, worst, s.Name)
		case worst > MaxDeploymentTimeout:
			c.Addf("Services[%d] %q: DeployWorstCase %s is longer than 60 minutes, the longest an ECS deploy action may take: "+
				"shorten the service's bakes (deployment bake, canary or linear step bake) or, for a worker, its ProtectionExpiry, until it fits", i, s.Name, worst)
		case timeoutOK && worst > timeout:
			c.Addf("DeploymentTimeout %s is shorter than Services[%d] %q's DeployWorstCase %s, the longest its successful deployment takes: "+
				"the deploy action would fail a deployment ECS is still carrying out; set DeploymentTimeout to at least %s "+
				"(default 60 minutes, the most the action allows), or shorten the service's deployment (its bakes; for a worker also "+
				"ProtectionExpiry, during which a busy task holds the deployment back, and StopTimeout)",
				timeout, i, s.Name, worst, (worst + time.Minute - 1).Truncate(time.Minute))
		}
	}
	if *p.BuildContext == "" {
		c.Addf("BuildContext must not be empty; use \".\" for the repository root")
	}
	return c.Err()
}
