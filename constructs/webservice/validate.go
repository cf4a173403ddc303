package webservice

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/check"
	"github.com/okiagari/okiagari/constructs/scaling"
)

func defaults() ServiceProps {
	return ServiceProps{
		Production:          jsii.Bool(false),
		AccessLogExpiration: dur(90 * 24 * time.Hour),
		HealthCheckPath:     jsii.String("/health"),
		HealthCheckInterval: dur(10 * time.Second),
		HealthCheckTimeout:  dur(5 * time.Second),
		HealthyThreshold:    ptr(2),
		UnhealthyThreshold:  ptr(2),
		DeregistrationDelay: dur(30 * time.Second),
		SlowStart:           dur(0),
		CapacityProviders:   []CapacityProvider{{Name: Fargate, Weight: 1}},
		Cpu:                 ptr(512),
		MemoryMiB:           ptr(1024),
		ContainerPort:       ptr(8080),
		LogRetention:        awslogs.RetentionDays_THREE_MONTHS,
		// 30 s: long enough for a typical runtime to boot and warm up, short enough that a task
		// that never becomes healthy is replaced within a minute or so.
		HealthCheckStartPeriod: dur(30 * time.Second),
		StopTimeout:            dur(60 * time.Second),
		XRay:                   jsii.Bool(false),
		EnableExec:             jsii.Bool(false),
		HealthCheckGracePeriod: dur(60 * time.Second),
		StaticStability:        jsii.Bool(true),
		CpuTarget:              ptr(scaling.DefaultTargetPercent),
		CpuScalesIn:            jsii.Bool(true),
		HighResolutionMetrics:  jsii.Bool(false),
		MemoryScalesIn:         jsii.Bool(false),
		UtilizationScalesIn:    jsii.Bool(false),
		ScaleOutCooldown:       dur(scaling.DefaultScaleOutCooldown),
		ScaleInCooldown:        dur(scaling.DefaultScaleInCooldown),
		UtilizationExpression:  jsii.String(scaling.MaxCpuMemory),
		Alarms: &AlarmThresholds{
			CpuPercent:       ptr(85.0),
			MemoryPercent:    ptr(85.0),
			Target5xxPercent: ptr(5.0),
			P99ResponseTime:  dur(2 * time.Second),
		},
	}
}

// overlay returns the defaults with the caller's props laid over them. The caller's props are
// not written to.
func overlay(props *ServiceProps) ServiceProps {
	p := defaults()
	if props == nil {
		return p
	}
	q := *props
	p.Name, p.Vpc, p.Cluster, p.AlarmTopic = q.Name, q.Vpc, q.Cluster, q.AlarmTopic
	p.Production = or(q.Production, p.Production)
	p.CertificateArn = q.CertificateArn
	p.AccessLogExpiration = or(q.AccessLogExpiration, p.AccessLogExpiration)
	p.HealthCheckPath = or(q.HealthCheckPath, p.HealthCheckPath)
	p.HealthCheckInterval = or(q.HealthCheckInterval, p.HealthCheckInterval)
	p.HealthCheckTimeout = or(q.HealthCheckTimeout, p.HealthCheckTimeout)
	p.HealthyThreshold = or(q.HealthyThreshold, p.HealthyThreshold)
	p.UnhealthyThreshold = or(q.UnhealthyThreshold, p.UnhealthyThreshold)
	p.DeregistrationDelay = or(q.DeregistrationDelay, p.DeregistrationDelay)
	p.SlowStart = or(q.SlowStart, p.SlowStart)
	if q.CapacityProviders != nil {
		p.CapacityProviders = q.CapacityProviders
	}
	p.Ec2CapacityProviders = q.Ec2CapacityProviders
	p.Cpu = or(q.Cpu, p.Cpu)
	p.MemoryMiB = or(q.MemoryMiB, p.MemoryMiB)
	p.Repository, p.ImageTag, p.Image = q.Repository, q.ImageTag, q.Image
	p.ContainerPort = or(q.ContainerPort, p.ContainerPort)
	p.Environment, p.SsmSecrets, p.SecretsManagerSecrets = q.Environment, q.SsmSecrets, q.SecretsManagerSecrets
	if q.LogRetention != "" {
		p.LogRetention = q.LogRetention
	}
	p.HealthCheckCommand = q.HealthCheckCommand
	p.ImageHasCurl = or(q.ImageHasCurl, jsii.Bool(false))
	if p.HealthCheckCommand == nil {
		p.defaultHealthCheck = true
		// The URL is single-quoted as well as validated (HealthCheckPath allows no quote), so the
		// shell never reads & ; | or spaces in it.
		p.HealthCheckCommand = []string{"CMD-SHELL", fmt.Sprintf("curl -fs 'http://localhost:%d%s' || exit 1", *p.ContainerPort, *p.HealthCheckPath)}
	}
	p.HealthCheckStartPeriod = or(q.HealthCheckStartPeriod, p.HealthCheckStartPeriod)
	p.StopTimeout = or(q.StopTimeout, p.StopTimeout)
	p.User, p.ReadonlyRootFilesystem, p.WritablePaths = q.User, q.ReadonlyRootFilesystem, q.WritablePaths
	p.XRay = or(q.XRay, p.XRay)
	p.EnableExec = or(q.EnableExec, p.EnableExec)
	p.HealthCheckGracePeriod = or(q.HealthCheckGracePeriod, p.HealthCheckGracePeriod)
	p.PeakTasks = q.PeakTasks
	p.StaticStability = or(q.StaticStability, p.StaticStability)
	p.MinTasks, p.MaxTasks = q.MinTasks, q.MaxTasks
	p.CpuTarget = or(q.CpuTarget, p.CpuTarget)
	p.ScaleOutCooldown = or(q.ScaleOutCooldown, p.ScaleOutCooldown)
	p.ScaleInCooldown = or(q.ScaleInCooldown, p.ScaleInCooldown)
	p.MemoryTarget, p.RequestsPerTarget, p.UtilizationTarget = q.MemoryTarget, q.RequestsPerTarget, q.UtilizationTarget
	p.UtilizationExpression = or(q.UtilizationExpression, p.UtilizationExpression)
	p.CpuScalesIn = or(q.CpuScalesIn, p.CpuScalesIn)
	p.HighResolutionMetrics = or(q.HighResolutionMetrics, p.HighResolutionMetrics)
	p.MemoryScalesIn = or(q.MemoryScalesIn, p.MemoryScalesIn)
	p.UtilizationScalesIn = or(q.UtilizationScalesIn, p.UtilizationScalesIn)
	if q.CustomMetric != nil {
		m := *q.CustomMetric
		m.DisableScaleIn = or(m.DisableScaleIn, jsii.Bool(true))
		p.CustomMetric = &m
	}
	p.Predictive = q.Predictive
	if q.CpuStep != nil {
		s := CpuStep{
			Threshold:         ptr(DefaultCpuStepThreshold),
			Steps:             DefaultCpuSteps(),
			EvaluationPeriods: ptr(3),
			DatapointsToAlarm: ptr(2),
			TreatMissingData:  awscloudwatch.TreatMissingData_BREACHING,
			Cooldown:          dur(scaling.DefaultScaleOutCooldown),
		}
		s.Threshold = or(q.CpuStep.Threshold, s.Threshold)
		if q.CpuStep.Steps != nil {
			s.Steps = q.CpuStep.Steps
		}
		s.EvaluationPeriods = or(q.CpuStep.EvaluationPeriods, s.EvaluationPeriods)
		s.DatapointsToAlarm = or(q.CpuStep.DatapointsToAlarm, s.DatapointsToAlarm)
		if q.CpuStep.DatapointsToAlarm == nil && *s.DatapointsToAlarm > *s.EvaluationPeriods {
			s.DatapointsToAlarm = s.EvaluationPeriods
		}
		if q.CpuStep.TreatMissingData != "" {
			s.TreatMissingData = q.CpuStep.TreatMissingData
		}
		s.Cooldown = or(q.CpuStep.Cooldown, s.Cooldown)
		p.CpuStep = &s
	}
	p.Schedules = q.Schedules
	p.Deployment = deploymentDefaults(*p.Production, q.Deployment)
	p.ZonalAutoshift = autoshiftDefaults(*p.Production, q.ZonalAutoshift)
	if q.Alarms != nil {
		a := *p.Alarms
		a.CpuPercent = or(q.Alarms.CpuPercent, a.CpuPercent)
		a.MemoryPercent = or(q.Alarms.MemoryPercent, a.MemoryPercent)
		a.Target5xxPercent = or(q.Alarms.Target5xxPercent, a.Target5xxPercent)
		a.P99ResponseTime = or(q.Alarms.P99ResponseTime, a.P99ResponseTime)
		p.Alarms = &a
	}
	return p
}

// DefaultCpuStepThreshold is CpuStep.Threshold's default, 75 %: above the 70 % CPU target that
// target tracking holds, so the two never fight (below it, the step policy would add tasks that
// target tracking then removes, over and over), and low enough that DefaultCpuSteps' second step
// (+2 at 90 %) can fire.
const DefaultCpuStepThreshold = 75.0

// DefaultCpuSteps are CpuStep.Steps' default: +1 task for 0–15 above the threshold, +2 beyond
// (75–90 % and >= 90 % with the default threshold). Report 1's steps were +1 for 0–20 and +2
// beyond, on a threshold of 85 %: their second step needed CPU >= 105 % and could never fire.
func DefaultCpuSteps() []scaling.Step {
	return []scaling.Step{{Lower: 0, Upper: ptr(15.0), Change: 1}, {Lower: 15, Change: 2}}
}

var (
	serviceName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	envName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// healthCheckPath allows RFC 3986 unreserved characters, / and percent-escapes: no query
	// string, and nothing a shell would interpret in the container health check.
	healthCheckPath = regexp.MustCompile(`^/[A-Za-z0-9._~/%-]*$`)
	certificateArn  = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate/[0-9a-zA-Z-]+$`)
)

// hardening is how the application container runs.
func (p *ServiceProps) hardening() capacity.Hardening {
	return capacity.Hardening{User: p.User, ReadonlyRootFilesystem: p.ReadonlyRootFilesystem, WritablePaths: p.WritablePaths}
}

// spotNotice is the warning Fargate Spot and EC2 Spot give before they reclaim capacity.
const spotNotice = 2 * time.Minute

// taskCount is what validation works out about the task count and where the tasks run.
type taskCount struct {
	zones, floor, min, max int
	ec2                    bool
}

// Floor is the task count a service always runs: peak, or with static stability
// ceil(peak × zones / (zones − 1)), so that losing one of the zones still leaves peak tasks
// (6 over 3 zones → 9; 6 over 2 zones → 12). It is peak when zones < 2.
func Floor(peak, zones int, staticStability bool) int {
	if !staticStability || zones < 2 {
		return peak
	}
	return (peak*zones + zones - 2) / (zones - 1)
}

// validate checks p; region is the stack's region, "" when unknown (an unresolved token).
func validate(c *check.Problems, p *ServiceProps, region string) taskCount {
	var k taskCount
	if !serviceName.MatchString(p.Name) {
		c.Addf("Name %q must be 1–32 lowercase letters, digits or hyphens, starting with a letter", p.Name)
	}
	if p.Vpc == nil {
		c.Addf("Vpc must be set")
	} else {
		k.zones = len(*p.Vpc.AvailabilityZones())
	}
	if p.Cluster == nil {
		c.Addf("Cluster must be set")
	}
	if p.AlarmTopic == nil {
		c.Addf("AlarmTopic must be set")
	}

	// Load balancer and target group.
	if region == "" {
		c.Addf("the stack must have an explicit region (StackProps.Env.Region): the load balancer's access logs need it")
	}
	if a := p.CertificateArn; a != nil && !check.Unresolved(a) {
		m := certificateArn.FindStringSubmatch(*a)
		switch {
		case m == nil:
			c.Addf("CertificateArn %q must be an ACM certificate ARN, arn:aws:acm:<region>:<12-digit account>:certificate/<id>", *a)
		case region != "" && m[1] != region: // "" is reported above
			why := ""
			if m[1] == "us-east-1" {
				why = " (us-east-1 certificates are for CloudFront)"
			}
			c.Addf("CertificateArn %q is in %s but must be in the stack's region %s: a load balancer can use only ACM certificates of its own region%s",
				*a, m[1], region, why)
		}
	}
	wholeDays(c, "AccessLogExpiration", *p.AccessLogExpiration)
	if !healthCheckPath.MatchString(*p.HealthCheckPath) {
		c.Addf("HealthCheckPath %q must be / followed only by letters, digits and . _ ~ / %% -: no query string, and nothing the container health check's shell would interpret", *p.HealthCheckPath)
	}
	between(c, "HealthCheckInterval", *p.HealthCheckInterval, 5, 300)
	between(c, "HealthCheckTimeout", *p.HealthCheckTimeout, 2, 120)
	if *p.HealthCheckTimeout >= *p.HealthCheckInterval {
		c.Addf("HealthCheckTimeout %s must be < HealthCheckInterval %s", scaling.Seconds(*p.HealthCheckTimeout), scaling.Seconds(*p.HealthCheckInterval))
	}
	intRange(c, "HealthyThreshold", *p.HealthyThreshold, 2, 10)
	intRange(c, "UnhealthyThreshold", *p.UnhealthyThreshold, 2, 10)
	between(c, "DeregistrationDelay", *p.DeregistrationDelay, 0, 3600)
	if s := *p.SlowStart; s != 0 && (s < 30*time.Second || s > 900*time.Second) || s%time.Second != 0 {
		c.Addf("SlowStart %s must be 0 (off) or whole seconds between 30s and 900s", scaling.Seconds(s))
	}

	// Capacity providers.
	ec2Names := capacity.Ec2Providers(c, "Ec2CapacityProviders", p.Cluster, p.Ec2CapacityProviders)
	k.ec2 = capacity.CheckStrategy(c, "CapacityProviders", p.CapacityProviders, ec2Names)
	capacity.CheckTaskSize(c, k.ec2, *p.Cpu, *p.MemoryMiB)

	// Image and container.
	switch {
	case p.Repository != nil && p.Image != nil:
		c.Addf("exactly one of Repository and Image must be set, got both")
	case p.Repository == nil && p.Image == nil:
		c.Addf("exactly one of Repository and Image must be set, got neither")
	case p.Repository != nil && (p.ImageTag == nil || *p.ImageTag == ""):
		c.Addf("ImageTag must be set with Repository")
	case p.Image != nil && p.ImageTag != nil:
		c.Addf("ImageTag must not be set with Image; put the tag in Image")
	case p.Image != nil && *p.Image == "":
		c.Addf("Image must not be empty")
	}
	intRange(c, "ContainerPort", *p.ContainerPort, 1, 65535)
	seen := map[string]string{}
	for _, m := range []struct {
		field string
		vars  map[string]string
	}{{"Environment", p.Environment}, {"SsmSecrets", p.SsmSecrets}, {"SecretsManagerSecrets", p.SecretsManagerSecrets}} {
		for _, name := range sortedKeys(m.vars) {
			if !envName.MatchString(name) {
				c.Addf("%s: %q is not a valid environment variable name", m.field, name)
			}
			if other, ok := seen[name]; ok {
				c.Addf("%s: %q is also set in %s; set each variable once", m.field, name, other)
			}
			seen[name] = m.field
			if m.vars[name] == "" {
				c.Addf("%s[%q] must name a parameter or secret", m.field, name)
			}
		}
	}
	if len(p.HealthCheckCommand) == 0 {
		c.Addf("HealthCheckCommand must not be empty")
	}
	between(c, "HealthCheckStartPeriod", *p.HealthCheckStartPeriod, 0, 300)
	capacity.CheckHardening(c, p.hardening())
	between(c, "StopTimeout", *p.StopTimeout, 2, 120)
	// A planned stop (deployment, scale-in) drains the target first and only then sends SIGTERM,
	// so StopTimeout and the drain are independent. A Fargate Spot interruption sends SIGTERM as
	// the drain starts, and reclaims the task two minutes after the notice: the container must
	// outlive the drain, and the drain must end within the notice (README, "How a task stops").
	if hasProvider(p.CapacityProviders, FargateSpot) {
		switch {
		case *p.DeregistrationDelay > spotNotice:
			c.Addf("DeregistrationDelay %s must be <= %s on FARGATE_SPOT: a Spot interruption reclaims the task two minutes after its notice, before a longer drain ends",
				scaling.Seconds(*p.DeregistrationDelay), scaling.Seconds(spotNotice))
		case *p.StopTimeout < *p.DeregistrationDelay:
			c.Addf("StopTimeout %s must be >= DeregistrationDelay %s on FARGATE_SPOT: a Spot interruption sends SIGTERM as the drain starts, so a container that exits sooner drops the requests still draining",
				scaling.Seconds(*p.StopTimeout), scaling.Seconds(*p.DeregistrationDelay))
		}
	}
	between(c, "HealthCheckGracePeriod", *p.HealthCheckGracePeriod, 0, 1800)

	// Task count.
	if p.PeakTasks < 1 {
		c.Addf("PeakTasks must be >= 1, got %d", p.PeakTasks)
	}
	if *p.StaticStability && p.Vpc != nil && k.zones < 2 {
		c.Addf("StaticStability needs a VPC over at least 2 zones, got %d", k.zones)
	}
	k.floor = Floor(max(p.PeakTasks, 1), k.zones, *p.StaticStability)
	floorWhy := fmt.Sprintf("the floor %d", k.floor)
	if *p.StaticStability && k.zones >= 2 {
		floorWhy = fmt.Sprintf("the static-stability floor %d (ceil(%d × %d / %d))", k.floor, p.PeakTasks, k.zones, k.zones-1)
	}
	k.min = k.floor
	if p.MinTasks != nil {
		if *p.MinTasks < 0 {
			c.Addf("MinTasks must be >= 0, got %d", *p.MinTasks)
		}
		k.min = max(k.floor, *p.MinTasks)
	}
	k.max = 2 * k.min
	if p.MaxTasks != nil {
		k.max = *p.MaxTasks
		if k.max < k.floor {
			c.Addf("MaxTasks %d must be >= %s", k.max, floorWhy)
		} else if k.max < k.min {
			c.Addf("MaxTasks %d must be >= MinTasks %d", k.max, k.min)
		}
	}

	// Scaling.
	c.Range("CpuTarget", *p.CpuTarget, 1, 100)
	scaling.Cooldown(c, "ScaleOutCooldown", *p.ScaleOutCooldown)
	scaling.Cooldown(c, "ScaleInCooldown", *p.ScaleInCooldown)
	if p.MemoryTarget != nil {
		c.Range("MemoryTarget", *p.MemoryTarget, 1, 100)
	}
	if p.RequestsPerTarget != nil && *p.RequestsPerTarget <= 0 {
		c.Addf("RequestsPerTarget must be > 0, got %g", *p.RequestsPerTarget)
	}
	if p.UtilizationTarget != nil {
		c.Range("UtilizationTarget", *p.UtilizationTarget, 1, 100)
		if *p.UtilizationExpression == "" {
			c.Addf("UtilizationExpression must not be empty")
		}
	}
	if m := p.CustomMetric; m != nil {
		if len(m.Metrics) == 0 {
			c.Addf("CustomMetric.Metrics must name at least one metric")
		}
		if m.Target == nil || *m.Target <= 0 {
			c.Addf("CustomMetric.Target must be set and > 0")
		}
	}
	// Application Auto Scaling scales in only when every target-tracking policy is ready to.
	scalesIn := *p.CpuScalesIn || p.RequestsPerTarget != nil ||
		(p.MemoryTarget != nil && *p.MemoryScalesIn) ||
		(p.UtilizationTarget != nil && *p.UtilizationScalesIn) ||
		(p.CustomMetric != nil && !*p.CustomMetric.DisableScaleIn)
	if !scalesIn {
		c.Addf("CpuScalesIn is false and no other target-tracking policy scales in: the task count would never fall; let CPU (CpuScalesIn true) or request count (RequestsPerTarget) scale in")
	}
	if pr := p.Predictive; pr != nil {
		if pr.TargetGroup != nil {
			c.Addf("Predictive.TargetGroup must be unset: predictive scaling on request count reads the service's own target group")
		}
		scaling.ValidatePredictive(c, "Predictive.", *pr, pr.Metric == scaling.PredictRequestCount)
		if s := p.Deployment.Strategy; pr.Metric == scaling.PredictRequestCount && s != Rolling {
			c.Addf("Predictive.Metric %s reads one target group, and a %s deployment moves the traffic to the other: predict on %s or %s, or deploy ROLLING",
				pr.Metric, s, scaling.PredictCpu, scaling.PredictMemory)
		}
	}
	if s := p.CpuStep; s != nil {
		c.Range("CpuStep.Threshold", *s.Threshold, 1, 100)
		if *s.Threshold <= *p.CpuTarget {
			c.Addf("CpuStep.Threshold %g must be > CpuTarget %g: at or below the target-tracking target the step policy adds tasks that target tracking then removes, and the two fight",
				*s.Threshold, *p.CpuTarget)
		}
		scaling.ValidateSteps(c, "CpuStep.Steps", s.Steps)
		// Fargate caps a task's CPU at its size, so the service's CPU utilisation never exceeds
		// 100 %. On EC2 a container's Cpu is a reservation it may burst above, so any step can fire.
		for i, st := range s.Steps {
			if at := *s.Threshold + st.Lower; !k.ec2 && *s.Threshold <= 100 && at >= 100 {
				c.Addf("CpuStep.Steps[%d] needs CPU >= %g %% (CpuStep.Threshold %g + Lower %g) and can never fire: Fargate caps CPU utilisation at 100 %%; every step must start below 100 %%",
					i, at, *s.Threshold, st.Lower)
			}
		}
		if n := *s.EvaluationPeriods; n < 1 || n > 10 {
			c.Addf("CpuStep.EvaluationPeriods must be between 1 and 10, got %d", n)
		} else if d := *s.DatapointsToAlarm; d < 1 || d > n {
			c.Addf("CpuStep.DatapointsToAlarm must be between 1 and CpuStep.EvaluationPeriods %d, got %d", n, d)
		}
		scaling.Cooldown(c, "CpuStep.Cooldown", *s.Cooldown)
	}
	for i, s := range p.Schedules {
		prefix := fmt.Sprintf("Schedules[%d].", i)
		scaling.ValidateSchedule(c, prefix, s)
		if s.MinCapacity != nil && *s.MinCapacity < k.floor {
			c.Addf("%sMinCapacity %d must be >= %s", prefix, *s.MinCapacity, floorWhy)
		}
		if s.MaxCapacity != nil && *s.MaxCapacity < k.floor {
			c.Addf("%sMaxCapacity %d must be >= %s", prefix, *s.MaxCapacity, floorWhy)
		}
	}

	validateDeployment(c, p)

	// Alarms.
	a := p.Alarms
	c.Range("Alarms.CpuPercent", *a.CpuPercent, 1, 100)
	c.Range("Alarms.MemoryPercent", *a.MemoryPercent, 1, 100)
	if v := *a.Target5xxPercent; v <= 0 || v > 100 {
		c.Addf("Alarms.Target5xxPercent must be > 0 and <= 100, got %g", v)
	}
	if *a.P99ResponseTime <= 0 {
		c.Addf("Alarms.P99ResponseTime must be > 0s, got %s", scaling.Seconds(*a.P99ResponseTime))
	}
	return k
}

func between(c *check.Problems, field string, d time.Duration, lo, hi int) {
	if d < time.Duration(lo)*time.Second || d > time.Duration(hi)*time.Second || d%time.Second != 0 {
		c.Addf("%s %s must be whole seconds between %ds and %ds", field, scaling.Seconds(d), lo, hi)
	}
}

func wholeDays(c *check.Problems, field string, d time.Duration) {
	if d < 24*time.Hour || d%(24*time.Hour) != 0 {
		c.Addf("%s %s must be a whole number of days, at least 1", field, d)
	}
}

func intRange(c *check.Problems, field string, v, lo, hi int) {
	if v < lo || v > hi {
		c.Addf("%s must be between %d and %d, got %d", field, lo, hi, v)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func or[T any](v, def *T) *T {
	if v != nil {
		return v
	}
	return def
}

func ptr[T any](v T) *T { return &v }

func dur(d time.Duration) *time.Duration { return &d }
