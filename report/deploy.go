package report

import (
	"fmt"
	"math"
	"strings"
)

// ECS's values when the template leaves them out (ECS API Reference: CanaryConfiguration,
// LinearConfiguration; CloudFormation: AWS::ECS::Service DeploymentConfiguration).
const (
	defaultCanaryPercent         = 5.0
	defaultCanaryBakeMinutes     = 10
	defaultLinearStepPercent     = 10.0
	defaultLinearStepBakeMinutes = 6
	defaultRollingBakeMinutes    = 180
)

const (
	aRollingWaves   = "ECS rounds MaximumPercent down and MinimumHealthyPercent up to whole tasks; one wave replaces extra + stoppable tasks (ECS Developer Guide: Deploy Amazon ECS services by replacing tasks)"
	aTaskStart      = "a new task takes about 60 s to pull its image and start (an estimate, the same the webservice construct's DeployTimeline uses; measure yours)"
	aHealthy        = "a new task is healthy after interval × healthy threshold of its target group (without a load balancer, after the first container health check interval); the health check grace period only delays how soon a failing new task is noticed"
	aWaveStop       = "each wave then stops the replaced tasks as a planned stop: their drain (the deregistration delay), then SIGTERM and up to the stop timeout (ECS Best Practices Guide: Load balancer connection draining)"
	aProgressive    = "a progressive deployment starts the new revision at full size behind the alternate target group; once its tasks are healthy ECS shifts production traffic by rewriting the production listener rule's weights: CANARY the canary percent, then the rest after the canary bake; LINEAR a step after each step bake; BLUE_GREEN all at once (ECS Developer Guide: Amazon ECS blue/green, linear and canary deployments)"
	aLinearSteps    = "a LINEAR deployment waits one step bake after each shift but the last: (100 ÷ step) − 1 step bakes when the step divides 100, else floor(100 ÷ step) (CloudFormation: AWS::ECS::Service LinearConfiguration)"
	aBake           = "after the last shift ECS keeps the old revision running for BakeTimeInMinutes while the deployment alarms watch, then stops it (drain, then stop timeout) and calls the deployment complete (CloudFormation: AWS::ECS::Service DeploymentConfiguration, BakeTimeInMinutes)"
	aRollingBake    = "a rolling deployment watches the deployment alarms for BakeTimeInMinutes after its last wave; absent, 180 minutes (CloudFormation: AWS::ECS::Service DeploymentConfiguration, BakeTimeInMinutes)"
	aRuleRollback   = "a progressive rollback is a change of the production listener rule back to the old revision, whose tasks still run until the bake ends: the old revision serves again within seconds"
	aRollingRevert  = "a rolling rollback is a new rollout of the old revision: it serves all traffic again after the same waves (start + healthy per wave)"
	aAlarmDetection = "a deployment alarm sees a regression after period × datapoints of sustained breach (CloudWatch User Guide: Evaluating an alarm); CloudWatch's metric delay (about a minute for load balancer metrics) comes on top"
)

// deploy works out the course of one deployment under the service's strategy.
func (s *service) deploy() *Deploy {
	e, st := s.e, s.ref.stack
	dc := obj(s.props["DeploymentConfiguration"])
	d := &Deploy{Controller: "ECS", Strategy: "ROLLING", DesiredCount: s.desired, RollingReason: s.m.rollingReason,
		AlarmNames: []string{}, Alarms: []Alarm{}}
	if c, ok := e.str(st, obj(s.props["DeploymentController"])["Type"]); ok {
		d.Controller = c
	}
	if v, ok := e.str(st, dc["Strategy"]); ok {
		d.Strategy = strings.ToUpper(v)
	}
	switch d.Strategy {
	case "CANARY", "LINEAR", "BLUE_GREEN":
		d.Progressive = true
	case "ROLLING":
	default:
		d.Assumptions = append(d.Assumptions, fmt.Sprintf("strategy %q is not one ECS documents; modelled as ROLLING", d.Strategy))
	}
	var ok bool
	d.MinimumHealthyPercent, ok = e.intOr(st, dc["MinimumHealthyPercent"], defaultMinHealthyPercent)
	if !ok && !d.Progressive {
		d.Assumptions = append(d.Assumptions, "MinimumHealthyPercent absent: 100 %, the ECS default for a replica service")
	}
	d.MaximumPercent, ok = e.intOr(st, dc["MaximumPercent"], defaultMaxPercent)
	if !ok && !d.Progressive {
		d.Assumptions = append(d.Assumptions, "MaximumPercent absent: 200 %, the ECS default for a replica service")
	}
	cb := obj(dc["DeploymentCircuitBreaker"])
	d.CircuitBreaker = e.boolOr(st, cb["Enable"], false)
	d.CircuitBreakerRollback = d.CircuitBreaker && e.boolOr(st, cb["Rollback"], false)
	s.deploymentAlarms(d, obj(dc["Alarms"]))
	if adv := s.advanced; adv != nil {
		if r, ok := e.ref(s.advSt, adv["AlternateTargetGroupArn"]); ok {
			d.AlternateTargetGroup = r.String()
		}
		if r, ok := e.ref(s.advSt, adv["ProductionListenerRule"]); ok {
			d.ProductionListenerRule = r.String()
		}
	}

	d.TaskStartSeconds = estimatedTaskStart
	for _, h := range append(append([]TargetGroupHealth{}, s.tgs...), s.alt...) {
		d.HealthySeconds = max(d.HealthySeconds, h.HealthySeconds)
	}
	if len(s.tgs) == 0 {
		for _, c := range s.containers {
			if c.HasHealthCheck {
				d.HealthySeconds = max(d.HealthySeconds, c.IntervalSeconds)
			}
		}
	}
	if dr := s.w.Drain; dr != nil {
		d.DrainSeconds, d.StopSeconds = dr.DeregistrationDelaySeconds, dr.StopTimeoutSeconds
	}
	if s.w.Kind == KindWorker && s.m.protectionMinutes != nil {
		d.ProtectionSeconds = *s.m.protectionMinutes * 60
		d.Assumptions = append(d.Assumptions, fmt.Sprintf("a worker's task protects itself while it works a message, for at most protectionExpiryMinutes (%d min): a deployment does not stop a protected task, so each wave may wait that long (ECS Developer Guide: Protect your Amazon ECS tasks from being terminated by scale-in events)", *s.m.protectionMinutes))
	}
	bake, hasBake := e.intOr(st, dc["BakeTimeInMinutes"], 0)
	switch {
	case !hasBake && !d.Progressive:
		bake = defaultRollingBakeMinutes
		d.Assumptions = append(d.Assumptions, "BakeTimeInMinutes absent: 180 minutes, what ECS applies to a rolling deployment (CloudFormation: AWS::ECS::Service DeploymentConfiguration)")
	case !hasBake:
		d.Assumptions = append(d.Assumptions, "BakeTimeInMinutes absent: the template does not state the bake (ECS requires it for BLUE_GREEN); 0 assumed")
	}
	d.BakeSeconds = bake * 60
	d.Assumptions = append(d.Assumptions, aTaskStart, aHealthy)

	if d.Controller != "ECS" {
		d.Summary = fmt.Sprintf("deployment controller %s: not an ECS-managed deployment, not estimated", d.Controller)
		return d
	}
	if d.DesiredCount == 0 {
		d.Summary = "desired count 0: nothing to replace"
		return d
	}
	if d.Progressive {
		s.progressive(d, dc)
	} else {
		s.rolling(d)
	}
	d.RollbackSummary = rollbackText(d)
	return d
}

// deploymentAlarms reads DeploymentConfiguration.Alarms and finds each alarm in the templates:
// by reference (Ref of an alarm is its name), else by its literal AlarmName.
func (s *service) deploymentAlarms(d *Deploy, al map[string]any) {
	e, st := s.e, s.ref.stack
	d.AlarmsEnabled = e.boolOr(st, al["Enable"], false)
	d.AlarmRollback = d.AlarmsEnabled && e.boolOr(st, al["Rollback"], false)
	for _, n := range e.list(st, al["AlarmNames"]) {
		if r, ok := e.ref(n.st, n.x); ok && r.resource().Type == "AWS::CloudWatch::Alarm" {
			a := e.alarm(r)
			d.AlarmNames = append(d.AlarmNames, orString(a.Name, r.String()))
			d.Alarms = append(d.Alarms, a)
			continue
		}
		name, ok := e.str(n.st, n.x)
		if !ok {
			continue
		}
		d.AlarmNames = append(d.AlarmNames, name)
		if r, ok := e.resourceNamed("AWS::CloudWatch::Alarm", "AlarmName", name); ok {
			d.Alarms = append(d.Alarms, e.alarm(r))
		} else {
			d.Assumptions = append(d.Assumptions, fmt.Sprintf("deployment alarm %s is not defined in the templates: how fast it fires is unknown", name))
		}
	}
	for i, a := range d.Alarms {
		if i == 0 || a.ReactionSeconds < d.AlarmDetectSeconds {
			d.AlarmDetectSeconds = a.ReactionSeconds
		}
	}
	if len(d.Alarms) > 0 {
		d.Assumptions = append(d.Assumptions, aAlarmDetection)
	}
}

// resourceNamed finds the resource of the environment of type typ whose property prop is name
// (an alarm by its AlarmName, a capacity provider by its Name).
func (e *Environment) resourceNamed(typ, prop, name string) (resRef, bool) {
	for _, st := range e.stacks() {
		for _, id := range sortedKeys(st.Template.Resources) {
			r := st.Template.Resources[id]
			if r.Type != typ {
				continue
			}
			if n, ok := e.str(st, r.Properties[prop]); ok && n == name {
				return resRef{stack: st, id: id}, true
			}
		}
	}
	return resRef{}, false
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// rolling is today's rolling update: waves of new tasks, each followed by the planned stop of
// the tasks it replaces, then the bake.
func (s *service) rolling(d *Deploy) {
	n := d.DesiredCount
	maxTasks := int(math.Floor(float64(n*d.MaximumPercent) / 100))
	minTasks := int(math.Ceil(float64(n*d.MinimumHealthyPercent) / 100))
	d.ExtraTasks = max(maxTasks-n, 0)
	d.StoppableTasks = max(n-minTasks, 0)
	batch := d.ExtraTasks + d.StoppableTasks
	d.Assumptions = append(d.Assumptions, aRollingWaves, aWaveStop, aRollingBake, aRollingRevert)
	if batch == 0 {
		d.Summary = fmt.Sprintf("rolling (min %d %% / max %d %% of %d tasks): neither an extra nor a stopped task is allowed, the deploy cannot progress",
			d.MinimumHealthyPercent, d.MaximumPercent, n)
		return
	}
	d.Waves = ceilDiv(n, batch)
	d.WaveSeconds = d.TaskStartSeconds + d.HealthySeconds + d.DrainSeconds + d.ProtectionSeconds + d.StopSeconds
	d.FirstExposureSeconds = d.TaskStartSeconds + d.HealthySeconds
	// The first wave's new tasks serve beside the old ones that are not stopped up front.
	first := min(batch, n)
	d.FirstExposurePercent = math.Round(1000*float64(first)/float64(first+n-d.StoppableTasks)) / 10
	d.FullTrafficSeconds = (d.Waves-1)*d.WaveSeconds + d.FirstExposureSeconds
	d.CompleteSeconds = d.Waves*d.WaveSeconds + d.BakeSeconds
	d.RollbackSeconds = d.FullTrafficSeconds

	parts := []string{fmt.Sprintf("start %d", d.TaskStartSeconds)}
	if d.HealthySeconds > 0 {
		parts = append(parts, fmt.Sprintf("healthy %d", d.HealthySeconds))
	}
	if d.DrainSeconds > 0 {
		parts = append(parts, fmt.Sprintf("drain %d", d.DrainSeconds))
	}
	if d.ProtectionSeconds > 0 {
		parts = append(parts, fmt.Sprintf("protection ≤ %d", d.ProtectionSeconds))
	}
	parts = append(parts, fmt.Sprintf("stop ≤ %d", d.StopSeconds))
	exposure := fmt.Sprintf("%g %% of traffic at %s, all at %s", d.FirstExposurePercent, clock(d.FirstExposureSeconds), clock(d.FullTrafficSeconds))
	if len(s.tgs) == 0 {
		exposure = fmt.Sprintf("new tasks at %s, all at %s", clock(d.FirstExposureSeconds), clock(d.FullTrafficSeconds))
	}
	d.Summary = fmt.Sprintf("rolling (min %d %% / max %d %% of %d task%s): %d wave%s of ≤ %s (%s s); %s; %s; done ≤ %s",
		d.MinimumHealthyPercent, d.MaximumPercent, n, plural(n), d.Waves, plural(d.Waves), clock(d.WaveSeconds), strings.Join(parts, " + "),
		exposure, bakeText(d.BakeSeconds), clock(d.CompleteSeconds))
}

// progressive is a CANARY, LINEAR or BLUE_GREEN deployment: the new revision in full behind the
// alternate target group, production traffic shifted to it, the bake, then the old revision's
// planned stop.
func (s *service) progressive(d *Deploy, dc map[string]any) {
	e, st := s.e, s.ref.stack
	d.Waves = 1
	d.FirstExposureSeconds = d.TaskStartSeconds + d.HealthySeconds
	d.FullTrafficSeconds = d.FirstExposureSeconds
	shift := ""
	switch d.Strategy {
	case "CANARY":
		c := obj(dc["CanaryConfiguration"])
		pct, ok := e.num(st, c["CanaryPercent"])
		if !ok {
			pct = defaultCanaryPercent
			d.Assumptions = append(d.Assumptions, "CanaryPercent absent: 5 %, the ECS default (ECS API Reference: CanaryConfiguration)")
		}
		bake, ok := e.intOr(st, c["CanaryBakeTimeInMinutes"], defaultCanaryBakeMinutes)
		if !ok {
			d.Assumptions = append(d.Assumptions, "CanaryBakeTimeInMinutes absent: 10 minutes, the ECS default (ECS API Reference: CanaryConfiguration)")
		}
		d.CanaryPercent, d.CanaryBakeSeconds = pct, bake*60
		d.FirstExposurePercent = pct
		d.FullTrafficSeconds += d.CanaryBakeSeconds
		shift = fmt.Sprintf(" (+ canary bake %s)", clock(d.CanaryBakeSeconds))
	case "LINEAR":
		c := obj(dc["LinearConfiguration"])
		pct, ok := e.num(st, c["StepPercent"])
		if !ok {
			pct = defaultLinearStepPercent
			d.Assumptions = append(d.Assumptions, "StepPercent absent: 10 %, the ECS default (ECS API Reference: LinearConfiguration)")
		}
		bake, ok := e.intOr(st, c["StepBakeTimeInMinutes"], defaultLinearStepBakeMinutes)
		if !ok {
			d.Assumptions = append(d.Assumptions, "StepBakeTimeInMinutes absent: 6 minutes, the ECS default (ECS API Reference: LinearConfiguration)")
		}
		d.LinearStepPercent, d.LinearStepBakeSeconds, d.LinearSteps = pct, bake*60, linearSteps(pct)
		d.FirstExposurePercent = pct
		d.FullTrafficSeconds += d.LinearSteps * d.LinearStepBakeSeconds
		d.Assumptions = append(d.Assumptions, aLinearSteps)
		shift = fmt.Sprintf(" (+ %d step bake%s of %s)", d.LinearSteps, plural(d.LinearSteps), clock(d.LinearStepBakeSeconds))
	default:
		d.FirstExposurePercent = 100
	}
	d.CompleteSeconds = d.FullTrafficSeconds + d.BakeSeconds + d.DrainSeconds + d.StopSeconds
	d.RollbackSeconds = 0
	d.Assumptions = append(d.Assumptions, aProgressive, aBake, aRuleRollback)
	if len(s.tgs) == 0 {
		d.Assumptions = append(d.Assumptions, "a progressive strategy shifts traffic of a load balancer (or Service Connect), and this service has none in the templates")
	}

	name := map[string]string{"CANARY": "canary", "LINEAR": fmt.Sprintf("linear +%g %% every %s", d.LinearStepPercent, clock(d.LinearStepBakeSeconds)), "BLUE_GREEN": "blue/green"}[d.Strategy]
	first := fmt.Sprintf("%g %% of traffic at %s (start %d + healthy %d), ", d.FirstExposurePercent, clock(d.FirstExposureSeconds), d.TaskStartSeconds, d.HealthySeconds)
	if d.Strategy == "BLUE_GREEN" {
		first = ""
	}
	full := fmt.Sprintf("all at %s%s", clock(d.FullTrafficSeconds), shift)
	if d.Strategy == "BLUE_GREEN" {
		full = fmt.Sprintf("all traffic at %s (start %d + healthy %d)", clock(d.FullTrafficSeconds), d.TaskStartSeconds, d.HealthySeconds)
	}
	d.Summary = fmt.Sprintf("%s: %s%s; %s, then the old revision's planned stop (drain %d + stop ≤ %d s): done ≤ %s",
		name, first, full, bakeText(d.BakeSeconds), d.DrainSeconds, d.StopSeconds, clock(d.CompleteSeconds))
}

// linearSteps is the number of step bakes of a LINEAR deployment: (100 ÷ step) − 1 when the step
// divides 100, else floor(100 ÷ step) (CloudFormation: AWS::ECS::Service LinearConfiguration).
func linearSteps(step float64) int {
	if step <= 0 {
		return 0
	}
	n := 100 / step
	if math.Abs(n-math.Round(n)) < 1e-9 {
		return int(math.Round(n)) - 1
	}
	return int(math.Floor(n))
}

// rollbackText says how fast a rollback restores the old revision and what watches the
// deployment.
func rollbackText(d *Deploy) string {
	var parts []string
	switch {
	case d.Progressive:
		parts = append(parts, "rollback: a listener-rule change back to the old revision, which runs until the bake ends")
	case d.Waves > 0 && d.DrainSeconds == 0:
		parts = append(parts, fmt.Sprintf("rollback: a new rollout of the old revision, all its tasks back at %s", clock(d.RollbackSeconds)))
	case d.Waves > 0:
		parts = append(parts, fmt.Sprintf("rollback: a new rollout of the old revision, serving all traffic again at %s", clock(d.RollbackSeconds)))
	}
	switch {
	case len(d.Alarms) > 0 && d.AlarmsEnabled:
		fastest := d.Alarms[0]
		for _, a := range d.Alarms {
			if a.ReactionSeconds < fastest.ReactionSeconds {
				fastest = a
			}
		}
		verdict := "rollback on"
		if !d.AlarmRollback {
			verdict = "NO rollback"
		}
		parts = append(parts, fmt.Sprintf("alarms see a regression after %s (%s %d × %d s; %d alarm%s, %s)",
			clock(d.AlarmDetectSeconds), shortName(orString(fastest.Name, fastest.LogicalID)), fastest.DatapointsToAlarm, fastest.PeriodSeconds,
			len(d.AlarmNames), plural(len(d.AlarmNames)), verdict))
	case d.AlarmsEnabled && d.AlarmRollback:
		parts = append(parts, fmt.Sprintf("alarm rollback on (%d alarm%s, none defined in the templates)", len(d.AlarmNames), plural(len(d.AlarmNames))))
	case d.AlarmsEnabled:
		parts = append(parts, "deployment alarms without rollback")
	default:
		parts = append(parts, "no deployment alarms")
	}
	switch {
	case d.CircuitBreakerRollback:
		parts = append(parts, "circuit breaker with rollback")
	case d.CircuitBreaker:
		parts = append(parts, "circuit breaker without rollback")
	default:
		parts = append(parts, "circuit breaker off")
	}
	return strings.Join(parts, "; ")
}

func bakeText(sec int) string {
	if sec == 0 {
		return "no bake"
	}
	return "bake " + clock(sec)
}

// clock writes a duration for a reader: "80 s", "11 min 20 s", "20 min".
func clock(sec int) string {
	if sec < 120 {
		return fmt.Sprintf("%d s", sec)
	}
	if sec%60 == 0 {
		return fmt.Sprintf("%d min", sec/60)
	}
	return fmt.Sprintf("%d min %d s", sec/60, sec%60)
}

// shortName drops the stack from "prod/Services/WebTarget5xxAlarm7BF86FB8" and the hash CDK
// appends to logical IDs, for the text report.
func shortName(id string) string {
	id = shortID(id)
	if len(id) > 8 {
		tail := id[len(id)-8:]
		hex := true
		for _, c := range tail {
			hex = hex && (c >= '0' && c <= '9' || c >= 'A' && c <= 'F')
		}
		if hex {
			return id[:len(id)-8]
		}
	}
	return id
}
