package webservice

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/okiagari/okiagari/constructs/check"
)

// ECS's limits for DeploymentConfiguration (ECS API Reference: CanaryConfiguration,
// LinearConfiguration, DeploymentConfiguration) and CloudFormation's cap on a deployment it
// waits for (AWS::ECS::Service CanaryConfiguration / LinearConfiguration: 33 hours).
const (
	maxBake           = 1440 * time.Minute
	cloudFormationCap = 33 * time.Hour
)

// deploymentDefaults returns the deployment settings with the caller's laid over the defaults of
// a production or other service; the caller's struct is not written to.
func deploymentDefaults(production bool, q *DeploymentProps) *DeploymentProps {
	d := DeploymentProps{Strategy: Rolling, Bake: dur(5 * time.Minute)}
	if production {
		d = DeploymentProps{Strategy: Canary, Bake: dur(20 * time.Minute)}
	}
	if q != nil {
		if q.Strategy != "" {
			d.Strategy = q.Strategy
		}
		d.RollingReason = q.RollingReason
		d.CanaryPercent, d.CanaryBake = q.CanaryPercent, q.CanaryBake
		d.LinearStepPercent, d.LinearStepBake = q.LinearStepPercent, q.LinearStepBake
		d.Bake = or(q.Bake, d.Bake)
		d.Alarms = q.Alarms
	}
	switch d.Strategy {
	case Canary:
		d.CanaryPercent = or(d.CanaryPercent, ptr(10.0))
		d.CanaryBake = or(d.CanaryBake, dur(10*time.Minute))
	case Linear:
		d.LinearStepPercent = or(d.LinearStepPercent, ptr(25.0))
		d.LinearStepBake = or(d.LinearStepBake, dur(5*time.Minute))
	}
	return &d
}

// autoshiftDefaults returns the autoshift settings with the caller's laid over the defaults.
func autoshiftDefaults(production bool, q *AutoshiftProps) *AutoshiftProps {
	a := AutoshiftProps{Enabled: ptr(production)}
	if q != nil {
		a = *q
		a.Enabled = or(q.Enabled, ptr(production))
	}
	return &a
}

// progressive reports whether the strategy shifts traffic between two target groups.
func (s DeploymentStrategy) progressive() bool {
	return s == Canary || s == Linear || s == BlueGreen
}

var (
	blockedDate   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	blockedWindow = regexp.MustCompile(`^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d-(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d$`)
)

// validateDeployment records the problems of the deployment and autoshift settings.
func validateDeployment(c *check.Problems, p *ServiceProps) {
	d := p.Deployment
	if !slices.Contains([]DeploymentStrategy{Rolling, Canary, Linear, BlueGreen}, d.Strategy) {
		c.Addf("Deployment.Strategy %q must be ROLLING, CANARY, LINEAR or BLUE_GREEN", d.Strategy)
	}
	only := func(field string, set bool, want DeploymentStrategy) {
		if set && d.Strategy != want {
			c.Addf("Deployment.%s applies only to Strategy %s, got Strategy %s", field, want, d.Strategy)
		}
	}
	only("CanaryPercent", d.CanaryPercent != nil, Canary)
	only("CanaryBake", d.CanaryBake != nil, Canary)
	only("LinearStepPercent", d.LinearStepPercent != nil, Linear)
	only("LinearStepBake", d.LinearStepBake != nil, Linear)
	if d.RollingReason != nil && d.Strategy != Rolling {
		c.Addf("Deployment.RollingReason applies only to Strategy ROLLING, got Strategy %s", d.Strategy)
	}
	percent := func(field string, v *float64, lo float64) {
		if v == nil {
			return
		}
		// Multiples of 0.1, as ECS takes them.
		if *v < lo || *v > 100 || math.Abs(*v*10-math.Round(*v*10)) > 1e-9 {
			c.Addf("Deployment.%s must be between %g and 100 in steps of 0.1 (ECS), got %g", field, lo, *v)
		}
	}
	percent("CanaryPercent", d.CanaryPercent, 0.1)
	percent("LinearStepPercent", d.LinearStepPercent, 3)
	minutes := func(field string, v *time.Duration) {
		if v != nil && (*v < 0 || *v > maxBake || *v%time.Minute != 0) {
			c.Addf("Deployment.%s %s must be whole minutes between 0 and 1440 (ECS)", field, *v)
		}
	}
	minutes("Bake", d.Bake)
	minutes("CanaryBake", d.CanaryBake)
	minutes("LinearStepBake", d.LinearStepBake)
	if t := trafficShiftTime(d); d.Bake != nil && t+*d.Bake > cloudFormationCap {
		c.Addf("Deployment: %s of traffic shifting plus Bake %s is %s, over the 33h CloudFormation waits for a deployment (it rejects the template): shorten the bakes",
			t, *d.Bake, t+*d.Bake)
	}
	for i, a := range d.Alarms {
		if a == "" {
			c.Addf("Deployment.Alarms[%d] must name an alarm", i)
		}
	}
	if n := 2 + len(d.Alarms); n > 10 {
		c.Addf("Deployment.Alarms names %d alarms; with the service's own 2 that is %d, over the 10 ECS watches", len(d.Alarms), n)
	}

	a := p.ZonalAutoshift
	if len(a.BlockedDates) > 15 {
		c.Addf("ZonalAutoshift.BlockedDates lists %d dates; ARC takes at most 15", len(a.BlockedDates))
	}
	for i, date := range a.BlockedDates {
		if _, err := time.Parse("2006-01-02", date); err != nil || !blockedDate.MatchString(date) {
			c.Addf("ZonalAutoshift.BlockedDates[%d] %q must be a UTC date YYYY-MM-DD, e.g. 2026-12-31", i, date)
		}
	}
	if len(a.BlockedWindows) > 15 {
		c.Addf("ZonalAutoshift.BlockedWindows lists %d windows; ARC takes at most 15", len(a.BlockedWindows))
	}
	for i, w := range a.BlockedWindows {
		if !blockedWindow.MatchString(w) {
			c.Addf("ZonalAutoshift.BlockedWindows[%d] %q must be a weekly UTC window Day:HH:MM-Day:HH:MM, e.g. Sat:00:00-Sat:08:00", i, w)
		}
	}
	if n := 2 + len(a.OutcomeAlarms); n > 10 {
		c.Addf("ZonalAutoshift.OutcomeAlarms names %d alarms; with the service's own 2 that is %d, over the 10 ARC takes", len(a.OutcomeAlarms), n)
	}
	if !*a.Enabled && (len(a.BlockedDates)+len(a.BlockedWindows)+len(a.OutcomeAlarms) > 0) {
		c.Addf("ZonalAutoshift: BlockedDates, BlockedWindows and OutcomeAlarms configure practice runs, which run only with Enabled")
	}
	if *a.Enabled && a.OptOutReason != nil {
		c.Addf("ZonalAutoshift.OptOutReason applies only when autoshift is not Enabled")
	}
}

// trafficShiftTime is how long the strategy takes from the first shift of traffic to the last,
// counted as CloudFormation counts it for its 33-hour cap: the canary bake, or one step bake for
// each step before the last (AWS::ECS::Service LinearConfiguration).
func trafficShiftTime(d *DeploymentProps) time.Duration {
	switch d.Strategy {
	case Canary:
		if d.CanaryBake != nil {
			return *d.CanaryBake
		}
	case Linear:
		if d.LinearStepBake != nil && d.LinearStepPercent != nil && *d.LinearStepPercent > 0 {
			return time.Duration(linearSteps(*d.LinearStepPercent)) * *d.LinearStepBake
		}
	}
	return 0
}

// linearSteps is the number of step bakes of a linear deployment: (100 ÷ step) − 1 when the step
// divides 100, else the floor of 100 ÷ step (AWS::ECS::Service LinearConfiguration).
func linearSteps(step float64) int {
	n := 100 / step
	if math.Abs(n-math.Round(n)) < 1e-9 {
		return int(math.Round(n)) - 1
	}
	return int(math.Floor(n))
}

// describe says the strategy in a few words, for messages and metadata.
func (d *DeploymentProps) describe() string {
	switch d.Strategy {
	case Canary:
		return fmt.Sprintf("canary %g %% for %s, then all", *d.CanaryPercent, *d.CanaryBake)
	case Linear:
		return fmt.Sprintf("linear +%g %% every %s", *d.LinearStepPercent, *d.LinearStepBake)
	case BlueGreen:
		return "blue/green, all at once"
	}
	return "rolling"
}
