package worker

import (
	"strings"
	"time"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/check"
	"github.com/okiagari/okiagari/constructs/scaling"
)

// validate checks p and reports whether the strategy runs the tasks on EC2.
func validate(scope constructs.Construct, id *string, p *WorkerProps) (bool, error) {
	c := check.For("worker", scope, *id)
	if *p.Name == "" {
		c.Addf("Name must not be empty")
	}
	if p.Cluster == nil {
		c.Addf("Cluster is required")
	}
	if (p.Repository == nil) == (p.Image == nil) {
		c.Addf("exactly one of Repository and Image must be set, got %s", bothOrNeither(p.Repository != nil))
	}
	// No default tag: the pipeline pushes commit tags and the repositories refuse to move a tag,
	// so a "latest" the worker would pull need not exist.
	switch {
	case p.Repository != nil && (p.ImageTag == nil || *p.ImageTag == ""):
		c.Addf("ImageTag must be set with Repository")
	case p.Image != nil && p.ImageTag != nil:
		c.Addf("ImageTag must not be set with Image; put the tag in Image")
	}
	if (p.Queue == nil) == (p.ExternalMetric == nil) {
		c.Addf("exactly one of Queue and ExternalMetric must be set, got %s", bothOrNeither(p.Queue != nil))
	}

	capacity.CheckHardening(c, p.hardening())
	stop := *p.StopTimeout
	whole(c, "StopTimeout", stop)
	if stop < 2*time.Second || stop > 120*time.Second {
		c.Addf("StopTimeout %s must be between 2s and 120s (the ECS maximum)", scaling.Seconds(stop))
	}
	if d := *p.MessageProcessingTime; d <= 0 {
		c.Addf("MessageProcessingTime %s must be > 0s", scaling.Seconds(d))
	}
	if d := *p.LatencyTarget; d <= 0 {
		c.Addf("LatencyTarget %s must be > 0s", scaling.Seconds(d))
	}
	if *p.MinTasks < 0 {
		c.Addf("MinTasks must be >= 0, got %d", *p.MinTasks)
	}
	if *p.MaxTasks < 1 {
		c.Addf("MaxTasks must be >= 1, got %d", *p.MaxTasks)
	} else if *p.MinTasks > *p.MaxTasks {
		c.Addf("MinTasks %d must be <= MaxTasks %d", *p.MinTasks, *p.MaxTasks)
	}
	scaling.Cooldown(c, "ScaleOutCooldown", *p.ScaleOutCooldown)
	scaling.Cooldown(c, "ScaleInCooldown", *p.ScaleInCooldown)

	if q := p.Queue; q != nil {
		vis := *q.VisibilityTimeout
		whole(c, "Queue.VisibilityTimeout", vis)
		switch {
		case vis <= stop:
			c.Addf("Queue.VisibilityTimeout %s must be > StopTimeout %s, or a message a stopping worker is finishing is delivered again", scaling.Seconds(vis), scaling.Seconds(stop))
		case vis > 12*time.Hour:
			c.Addf("Queue.VisibilityTimeout %s must be <= 43200s (12 hours)", scaling.Seconds(vis))
		}
		r := *q.RetentionPeriod
		whole(c, "Queue.RetentionPeriod", r)
		switch {
		case r < time.Minute || r > 14*24*time.Hour:
			c.Addf("Queue.RetentionPeriod %s must be between 60s and 1209600s (14 days)", scaling.Seconds(r))
		case r >= deadLetterRetention:
			c.Addf("Queue.RetentionPeriod %s must be shorter than the dead-letter queue's %s (14 days, the SQS maximum): a message keeps its original enqueue time when it moves to the dead-letter queue, so with the same retention it expires there at once; use at most %s (13 days)",
				scaling.Seconds(r), scaling.Seconds(deadLetterRetention), scaling.Seconds(deadLetterRetention-24*time.Hour))
		}
		if n := *q.MaxReceiveCount; n < 1 || n > 1000 {
			c.Addf("Queue.MaxReceiveCount must be between 1 and 1000, got %d", n)
		}
		// Derived from LatencyTarget unless set: report it only when that is valid.
		if a := *p.OldestMessageAgeThreshold; a <= 0 && *p.LatencyTarget > 0 {
			c.Addf("OldestMessageAgeThreshold %s must be > 0s", scaling.Seconds(a))
		}
	}
	if e := p.ExternalMetric; e != nil {
		if e.Namespace == "" || e.MetricName == "" {
			c.Addf("ExternalMetric needs a Namespace and a MetricName, got %q and %q", e.Namespace, e.MetricName)
		}
		if strings.HasPrefix(e.Namespace, "AWS/") {
			c.Addf("ExternalMetric.Namespace %q must not start with \"AWS/\" (reserved for AWS services)", e.Namespace)
		}
		if len(e.Dimensions) > 30 {
			c.Addf("ExternalMetric.Dimensions has %d dimensions, at most 30 allowed", len(e.Dimensions))
		}
	}

	if e := *p.ProtectionExpiry; e < time.Minute || e > 48*time.Hour || e%time.Minute != 0 {
		c.Addf("ProtectionExpiry %s must be whole minutes between 1m and 2880m (ECS task scale-in protection)", e)
	}
	if b := *p.Bake; b < 0 || b > 24*time.Hour || b%time.Minute != 0 {
		c.Addf("Bake %s must be whole minutes between 0 and 1440 (ECS)", b)
	}
	for i, a := range p.DeploymentAlarms {
		if a == "" {
			c.Addf("DeploymentAlarms[%d] must name an alarm", i)
		}
	}

	ec2Names := capacity.Ec2Providers(c, "Ec2CapacityProviders", p.Cluster, p.Ec2CapacityProviders)
	ec2Mode := capacity.CheckStrategy(c, "CapacityProviders", p.CapacityProviders, ec2Names)
	capacity.CheckTaskSize(c, ec2Mode, *p.Cpu, *p.MemoryMiB)
	return ec2Mode, c.Err()
}

// deadLetterRetention is how long the dead-letter queue keeps a message: 14 days, the SQS maximum.
const deadLetterRetention = 14 * 24 * time.Hour

// whole records a problem when d is not a whole number of seconds (the unit of every AWS field).
func whole(c *check.Problems, field string, d time.Duration) {
	if d%time.Second != 0 {
		c.Addf("%s must be a whole number of seconds, got %s", field, scaling.Seconds(d))
	}
}

func bothOrNeither(first bool) string {
	if first {
		return "both"
	}
	return "neither"
}
