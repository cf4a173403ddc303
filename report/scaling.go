package report

import (
	"fmt"
	"math"
	"strings"
)

const aTargetTracking = "target tracking scales out when the alarm Application Auto Scaling creates for it breaches: 3 datapoints of 60 s, about 180 s from the start of the breach (its AlarmHigh alarm; ECS Developer Guide: Use a target metric to scale Amazon ECS services; Application Auto Scaling User Guide: How target tracking scaling works)"

// scaling reads the policies and scheduled actions of the service's scalable target.
func (s *service) scaling() *Scaling {
	e := s.e
	sc := &Scaling{Policies: []Policy{}, Scheduled: []ScheduledAction{}, Assumptions: []string{
		"times run from the start of a sustained breach; CloudWatch's metric publication delay (about a minute for ECS metrics) and the task start come on top",
	}}
	if s.target == nil {
		sc.Summary = "no scalable target: the task count is fixed"
		sc.MinCapacity, sc.MaxCapacity = s.desired, s.desired
		return sc
	}
	t := *s.target
	tp := t.resource().Properties
	sc.ScalableTarget = t.String()
	sc.MinCapacity, _ = e.intOr(t.stack, tp["MinCapacity"], 0)
	sc.MaxCapacity, _ = e.intOr(t.stack, tp["MaxCapacity"], 0)
	for _, a := range e.list(t.stack, tp["ScheduledActions"]) {
		o := obj(a.x)
		act := ScheduledAction{Timezone: "UTC"}
		act.Name, _ = e.str(a.st, o["ScheduledActionName"])
		act.Schedule, _ = e.str(a.st, o["Schedule"])
		if tz, ok := e.str(a.st, o["Timezone"]); ok {
			act.Timezone = tz
		}
		sta := obj(o["ScalableTargetAction"])
		if v, ok := e.intOr(a.st, sta["MinCapacity"], 0); ok {
			act.MinCapacity = &v
		}
		if v, ok := e.intOr(a.st, sta["MaxCapacity"], 0); ok {
			act.MaxCapacity = &v
		}
		sc.Scheduled = append(sc.Scheduled, act)
	}
	for _, st := range e.Stacks {
		for _, id := range sortedKeys(st.Template.Resources) {
			r := st.Template.Resources[id]
			if r.Type != "AWS::ApplicationAutoScaling::ScalingPolicy" {
				continue
			}
			if !s.policyTargets(st, r) {
				continue
			}
			sc.Policies = append(sc.Policies, e.policy(resRef{stack: st, id: id}, r))
		}
	}
	var parts []string
	for _, p := range sc.Policies {
		if p.FirstActionSeconds > 0 && p.Direction != "in" &&
			(sc.FastestScaleOutSeconds == 0 || p.FirstActionSeconds < sc.FastestScaleOutSeconds) {
			sc.FastestScaleOutSeconds = p.FirstActionSeconds
		}
		parts = append(parts, p.Summary)
	}
	head := fmt.Sprintf("%d–%d tasks", sc.MinCapacity, sc.MaxCapacity)
	switch {
	case len(sc.Policies) == 0:
		sc.Summary = head + "; no scaling policy"
	case sc.FastestScaleOutSeconds == 0:
		sc.Summary = head + "; no policy scales out"
	default:
		sc.Summary = fmt.Sprintf("%s; fastest scale-out %d s", head, sc.FastestScaleOutSeconds)
	}
	return sc
}

// policyTargets says whether a scaling policy acts on the service's scalable target: through
// ScalingTargetId, or by naming the same ResourceId itself.
func (s *service) policyTargets(st *Stack, r Resource) bool {
	e := s.e
	if id, ok := r.Properties["ScalingTargetId"]; ok {
		ref, ok := e.ref(st, id)
		return ok && sameRes(ref, *s.target)
	}
	svc := Resource{Properties: s.props}
	return r.Properties["ResourceId"] != nil && e.resourceIDNames(st, r.Properties["ResourceId"], s.ref, svc)
}

func (e *Environment) policy(ref resRef, r Resource) Policy {
	st := ref.stack
	p := Policy{LogicalID: ref.String(), Alarms: []Alarm{}}
	p.Type, _ = e.str(st, r.Properties["PolicyType"])
	switch p.Type {
	case "TargetTrackingScaling":
		c := obj(r.Properties["TargetTrackingScalingPolicyConfiguration"])
		if pm := obj(c["PredefinedMetricSpecification"]); pm != nil {
			p.Metric, _ = e.str(st, pm["PredefinedMetricType"])
		} else if cm := obj(c["CustomizedMetricSpecification"]); cm != nil {
			if cm["Metrics"] != nil {
				p.Metric = "metric math"
			} else {
				p.Metric, _ = e.str(st, cm["MetricName"])
			}
		}
		if v, ok := e.num(st, c["TargetValue"]); ok {
			p.TargetValue = v
		}
		p.Direction = "both"
		if e.boolOr(st, c["DisableScaleIn"], false) {
			p.Direction = "out"
		}
		var fromTemplate bool
		p.CooldownSeconds, fromTemplate = e.intOr(st, c["ScaleOutCooldown"], defaultCooldown)
		p.FirstActionSeconds = targetTrackingDatapoints * targetTrackingPeriod
		p.Assumptions = append(p.Assumptions, aTargetTracking)
		if !fromTemplate {
			p.Assumptions = append(p.Assumptions, "ScaleOutCooldown absent: 300 s, the Application Auto Scaling default for ECS services (Application Auto Scaling API Reference: TargetTrackingScalingPolicyConfiguration)")
		}
		p.Assumptions = append(p.Assumptions, "during the scale-out cooldown a further scale-out happens only if it adds more than the last one")
	case "StepScaling":
		c := obj(r.Properties["StepScalingPolicyConfiguration"])
		var fromTemplate bool
		p.CooldownSeconds, fromTemplate = e.intOr(st, c["Cooldown"], defaultCooldown)
		if !fromTemplate {
			p.Assumptions = append(p.Assumptions, "Cooldown absent: 300 s, the Application Auto Scaling default for ECS services (Application Auto Scaling API Reference: StepScalingPolicyConfiguration)")
		}
		p.Direction = e.stepDirection(st, c)
		p.Alarms = e.alarmsInvoking(ref)
		for _, a := range p.Alarms {
			if p.FirstActionSeconds == 0 || a.ReactionSeconds < p.FirstActionSeconds {
				p.FirstActionSeconds = a.ReactionSeconds
			}
		}
		p.Assumptions = append(p.Assumptions, "a step policy acts when one of its alarms goes to ALARM: period × datapoints to alarm (evaluation periods when DatapointsToAlarm is absent); with several alarms the fastest counts (CloudWatch User Guide: Evaluating an alarm)")
	default:
		p.Direction = "both"
		p.Assumptions = append(p.Assumptions, fmt.Sprintf("policy type %q is not analysed", p.Type))
	}
	if p.FirstActionSeconds > 0 {
		p.NextActionSeconds = p.FirstActionSeconds + p.CooldownSeconds
	}
	name := ref.id
	what := p.Metric
	if p.TargetValue != 0 {
		what = fmt.Sprintf("%s %s", p.Metric, strings.TrimSuffix(fmt.Sprintf("%g", p.TargetValue), ".0"))
	}
	switch {
	case p.Type == "TargetTrackingScaling":
		p.Summary = fmt.Sprintf("%s: target tracking %s, first scale-out ~%d s, next no sooner than %d s (cooldown %d s)",
			name, what, p.FirstActionSeconds, p.NextActionSeconds, p.CooldownSeconds)
	case p.Type == "StepScaling" && len(p.Alarms) == 0:
		p.Summary = fmt.Sprintf("%s: step scaling (%s), no alarm invokes it: it never acts", name, direction(p.Direction))
	case p.Type == "StepScaling":
		var al []string
		for _, a := range p.Alarms {
			al = append(al, fmt.Sprintf("%s %d s (%d s × %d)", shortID(a.LogicalID), a.ReactionSeconds, a.PeriodSeconds, a.DatapointsToAlarm))
		}
		p.Summary = fmt.Sprintf("%s: step scaling (%s), first action %d s via %s; cooldown %d s",
			name, direction(p.Direction), p.FirstActionSeconds, strings.Join(al, ", "), p.CooldownSeconds)
	default:
		p.Summary = fmt.Sprintf("%s: %s (not analysed)", name, p.Type)
	}
	return p
}

func direction(d string) string {
	switch d {
	case "out":
		return "scale-out"
	case "in":
		return "scale-in"
	}
	return "both ways"
}

// stepDirection reads the signs of a step policy's adjustments.
func (e *Environment) stepDirection(st *Stack, c map[string]any) string {
	if t, _ := e.str(st, c["AdjustmentType"]); t == "ExactCapacity" {
		return "both"
	}
	out, in := false, false
	for _, a := range e.list(st, c["StepAdjustments"]) {
		v, ok := e.num(a.st, obj(a.x)["ScalingAdjustment"])
		if ok && v > 0 {
			out = true
		}
		if ok && v < 0 {
			in = true
		}
	}
	switch {
	case out && !in:
		return "out"
	case in && !out:
		return "in"
	}
	return "both"
}

// alarmsInvoking finds the CloudWatch alarms whose AlarmActions refer to the policy.
func (e *Environment) alarmsInvoking(policy resRef) []Alarm {
	out := []Alarm{}
	for _, st := range e.Stacks {
		for _, id := range sortedKeys(st.Template.Resources) {
			r := st.Template.Resources[id]
			if r.Type != "AWS::CloudWatch::Alarm" {
				continue
			}
			hit := false
			for _, x := range e.refs(st, r.Properties["AlarmActions"]) {
				hit = hit || sameRes(x, policy)
			}
			if !hit {
				continue
			}
			a := Alarm{LogicalID: resRef{stack: st, id: id}.String()}
			p := r.Properties
			a.PeriodSeconds, _ = e.intOr(st, p["Period"], 0)
			if a.PeriodSeconds == 0 { // metric math: the shortest period of its metrics
				for _, m := range e.list(st, p["Metrics"]) {
					mo := obj(m.x)
					per, ok := e.intOr(m.st, obj(mo["MetricStat"])["Period"], 0)
					if !ok {
						per, ok = e.intOr(m.st, mo["Period"], 0)
					}
					if ok && per > 0 && (a.PeriodSeconds == 0 || per < a.PeriodSeconds) {
						a.PeriodSeconds = per
					}
				}
			}
			if a.PeriodSeconds == 0 {
				a.PeriodSeconds = defaultAlarmPeriod
			}
			a.EvaluationPeriods, _ = e.intOr(st, p["EvaluationPeriods"], 1)
			a.DatapointsToAlarm, _ = e.intOr(st, p["DatapointsToAlarm"], a.EvaluationPeriods)
			a.ReactionSeconds = a.PeriodSeconds * a.DatapointsToAlarm
			out = append(out, a)
		}
	}
	return out
}

// deploy computes the waves and duration of a rolling deploy.
func (s *service) deploy() *Deploy {
	e, st := s.e, s.ref.stack
	dc := obj(s.props["DeploymentConfiguration"])
	d := &Deploy{Controller: "ECS", DesiredCount: s.desired, AlarmNames: []string{}}
	if c, ok := e.str(st, obj(s.props["DeploymentController"])["Type"]); ok {
		d.Controller = c
	}
	var ok bool
	d.MinimumHealthyPercent, ok = e.intOr(st, dc["MinimumHealthyPercent"], defaultMinHealthyPercent)
	if !ok {
		d.Assumptions = append(d.Assumptions, "MinimumHealthyPercent absent: 100 %, the ECS default for a replica service")
	}
	d.MaximumPercent, ok = e.intOr(st, dc["MaximumPercent"], defaultMaxPercent)
	if !ok {
		d.Assumptions = append(d.Assumptions, "MaximumPercent absent: 200 %, the ECS default for a replica service")
	}
	cb := obj(dc["DeploymentCircuitBreaker"])
	d.CircuitBreaker = e.boolOr(st, cb["Enable"], false)
	d.CircuitBreakerRollback = d.CircuitBreaker && e.boolOr(st, cb["Rollback"], false)
	al := obj(dc["Alarms"])
	d.AlarmsEnabled = e.boolOr(st, al["Enable"], false)
	d.AlarmRollback = d.AlarmsEnabled && e.boolOr(st, al["Rollback"], false)
	for _, n := range e.list(st, al["AlarmNames"]) {
		if name, ok := e.str(n.st, n.x); ok {
			d.AlarmNames = append(d.AlarmNames, name)
		} else if r, ok := e.ref(n.st, n.x); ok {
			d.AlarmNames = append(d.AlarmNames, r.String())
		}
	}

	n := d.DesiredCount
	maxTasks := int(math.Floor(float64(n*d.MaximumPercent) / 100))
	minTasks := int(math.Ceil(float64(n*d.MinimumHealthyPercent) / 100))
	d.ExtraTasks = max(maxTasks-n, 0)
	d.StoppableTasks = max(n-minTasks, 0)
	if batch := d.ExtraTasks + d.StoppableTasks; batch > 0 && n > 0 {
		d.Waves = ceilDiv(n, batch)
	}
	d.TaskStartSeconds = estimatedTaskStart
	for _, h := range s.tgs {
		d.HealthySeconds = max(d.HealthySeconds, h.HealthySeconds)
		d.DrainSeconds = max(d.DrainSeconds, h.DeregistrationDelaySeconds)
	}
	if len(s.tgs) == 0 {
		for _, c := range s.containers {
			if c.HasHealthCheck {
				d.HealthySeconds = max(d.HealthySeconds, c.IntervalSeconds)
			}
		}
	}
	d.WaveSeconds = d.TaskStartSeconds + d.HealthySeconds + d.DrainSeconds
	d.EstimatedSeconds = d.Waves * d.WaveSeconds
	d.Assumptions = append(d.Assumptions,
		"ECS rounds MaximumPercent down and MinimumHealthyPercent up to whole tasks; one wave replaces extra + stoppable tasks (ECS Developer Guide: Deploy Amazon ECS services by replacing tasks)",
		fmt.Sprintf("a new task takes about %d s to pull its image and start (an estimate; measure yours)", estimatedTaskStart),
		"a new task is healthy after interval × healthy threshold of its target group (without a load balancer, after the first container health check interval); the health check grace period only delays how soon a failing new task is noticed",
		"each wave waits for the replaced tasks to drain (the deregistration delay); old tasks exit promptly on SIGTERM, otherwise add up to their stop timeout")
	rollback := "circuit breaker off"
	switch {
	case d.CircuitBreakerRollback:
		rollback = "circuit breaker with rollback"
	case d.CircuitBreaker:
		rollback = "circuit breaker without rollback"
	}
	alarms := "alarm rollback off"
	switch {
	case d.AlarmRollback:
		alarms = fmt.Sprintf("alarm rollback on (%d alarm%s)", len(d.AlarmNames), plural(len(d.AlarmNames)))
	case d.AlarmsEnabled:
		alarms = "deployment alarms without rollback"
	}
	switch {
	case d.Controller != "ECS":
		d.Summary = fmt.Sprintf("deployment controller %s: not a rolling ECS deploy, not estimated", d.Controller)
		d.Waves, d.WaveSeconds, d.EstimatedSeconds = 0, 0, 0
	case n == 0:
		d.Summary = "desired count 0: nothing to replace"
	case d.Waves == 0:
		d.Summary = fmt.Sprintf("min %d %% / max %d %% of %d tasks allow neither an extra nor a stopped task: the deploy cannot progress; %s; %s",
			d.MinimumHealthyPercent, d.MaximumPercent, n, rollback, alarms)
	default:
		d.Summary = fmt.Sprintf("min %d %% / max %d %% of %d tasks: %d wave%s × %d s (start %d + healthy %d + drain %d) ≈ %s; %s; %s",
			d.MinimumHealthyPercent, d.MaximumPercent, n, d.Waves, plural(d.Waves), d.WaveSeconds,
			d.TaskStartSeconds, d.HealthySeconds, d.DrainSeconds, duration(d.EstimatedSeconds), rollback, alarms)
	}
	return d
}

func duration(sec int) string {
	if sec < 120 {
		return fmt.Sprintf("%d s", sec)
	}
	return fmt.Sprintf("%d s (%.1f min)", sec, float64(sec)/60)
}

// shortID drops the stack from "prod/Services/AlarmX" for the text table.
func shortID(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}
