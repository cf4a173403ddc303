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

// maxBakeRules is the number of rules one stage condition may hold; the bake condition has one
// rule per alarm.
const maxBakeRules = 5

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
	alarms := 0
	for i, s := range p.Services {
		if !serviceName.MatchString(s.Name) {
			c.Addf("Services[%d].Name %q must be 1 to 40 letters, digits or hyphens, starting with a letter", i, s.Name)
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
		alarms += len(s.Alarms)
	}

	bake := *p.BakeTime
	if bake < 0 || bake > time.Hour || bake%time.Minute != 0 {
		c.Addf("BakeTime %s must be a whole number of minutes between 0 and 60", bake)
	} else if bake > 0 {
		switch {
		case alarms == 0 && len(p.Services) > 0:
			c.Addf("BakeTime %s needs alarms to watch, but no service has Alarms; give services Alarms or set BakeTime to 0", bake)
		case alarms > maxBakeRules:
			c.Addf("Services have %d alarms in all, but the bake condition takes at most %d (one rule per alarm); combine some into a composite alarm", alarms, maxBakeRules)
		}
	}
	if t := *p.DeploymentTimeout; t < time.Minute || t > time.Hour || t%time.Minute != 0 {
		c.Addf("DeploymentTimeout %s must be a whole number of minutes between 1 and 60", t)
	}
	if *p.BuildContext == "" {
		c.Addf("BuildContext must not be empty; use \".\" for the repository root")
	}
	return c.Err()
}
