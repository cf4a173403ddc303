package report

import (
	"fmt"
	"strings"
)

const (
	aTargetTracking = "target tracking scales out when the alarm Application Auto Scaling creates and manages for it breaches (Application Auto Scaling User Guide: How target tracking scaling works); that alarm is taken to need 3 one-minute datapoints, about 180 s from the start of the breach: the count is what the service creates, not configurable and not stated in AWS's guides"
	aHighResolution = "on ECS's 20-second metrics (…HighResolution) the same 3 datapoints take 3 × 20 s, about 60 s (an estimate: AWS documents the metrics, not the alarm; AWS's own benchmark cut the time to the scale-out trigger from 363 s to 86 s); the service must publish the metric at 20 s, its Monitoring property (ECS Developer Guide: Faster auto scaling with high-resolution metrics)"
	aScaleInAll     = "Application Auto Scaling scales out when any target-tracking policy is ready to and scales in only when all of them with scale-in enabled are; a policy whose alarms lack data does not scale in (Application Auto Scaling User Guide: How target tracking scaling works, Multiple scaling policies and Considerations)"
	aPredictive     = "predictive scaling forecasts the load of the next 48 hours, hourly, from up to 14 days of the metric's history and needs at least 24 hours of it; in ForecastAndScale mode it raises the capacity at the start of each forecast hour, less the scheduling buffer, and never scales in (Application Auto Scaling User Guide: How predictive scaling works)"
)

// scaling reads the policies and scheduled actions of the service's scalable target.
func (s *service) scaling() *Scaling {
	e := s.e
	sc := &Scaling{Policies: []Policy{}, Scheduled: []ScheduledAction{}, ScaleIn: []string{}, ScaleInBlockers: []string{}, Assumptions: []string{
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
	var predictive []string
	tracking := 0
	for _, p := range sc.Policies {
		if p.FirstActionSeconds > 0 && p.Direction != "in" &&
			(sc.FastestScaleOutSeconds == 0 || p.FirstActionSeconds < sc.FastestScaleOutSeconds) {
			sc.FastestScaleOutSeconds = p.FirstActionSeconds
		}
		id := p.Name
		if p.Type == "TargetTrackingScaling" {
			tracking++
		}
		if p.Direction != "out" && p.Type != "PredictiveScaling" {
			sc.ScaleIn = append(sc.ScaleIn, id)
		}
		if p.BlocksScaleIn != "" {
			sc.ScaleInBlockers = append(sc.ScaleInBlockers, id+": "+p.BlocksScaleIn)
		}
		if p.Type == "PredictiveScaling" {
			predictive = append(predictive, fmt.Sprintf("%s %s, %s", p.Metric, num(p.TargetValue), modeText(p.Mode)))
		}
	}
	if tracking > 0 {
		sc.Assumptions = append(sc.Assumptions, aScaleInAll)
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
	switch {
	case len(sc.Policies) == 0:
	case len(sc.ScaleIn) == 0:
		sc.Summary += "; no policy scales in: the task count never falls"
	default:
		sc.Summary += "; scales in by " + strings.Join(sc.ScaleIn, ", ")
	}
	if len(sc.ScaleInBlockers) > 0 {
		sc.Summary += "; can block scale-in: " + strings.Join(sc.ScaleInBlockers, "; ")
	} else if tracking > 0 {
		sc.Summary += "; nothing blocks scale-in"
	}
	if len(predictive) > 0 {
		sc.Summary += "; predictive " + strings.Join(predictive, "; ")
	}
	return sc
}

// constructPath is a resource's construct path without the "Resource" children L2 constructs
// put their L1 in ("prod/Pipeline/Pipeline"), or "" when the template has no path.
func constructPath(r Resource) string {
	path, _ := r.Metadata["aws:cdk:path"].(string)
	for strings.HasSuffix(path, "/Resource") {
		path = strings.TrimSuffix(path, "/Resource")
	}
	return path
}

// constructName is the last part of constructPath ("CpuTracking"), or the logical ID when the
// template has no path.
func constructName(r Resource, logicalID string) string {
	path := constructPath(r)
	if path == "" {
		return logicalID
	}
	return path[strings.LastIndex(path, "/")+1:]
}

func modeText(mode string) string {
	if mode == "ForecastAndScale" {
		return "forecast and scale"
	}
	return "forecast only"
}

// scaleInBlocker says why a target-tracking policy's metric may never let it agree to scale in:
// it reads memory, or a metric the application publishes; "" otherwise.
func (e *Environment) scaleInBlocker(st *Stack, c map[string]any) string {
	if pm := obj(c["PredefinedMetricSpecification"]); pm != nil {
		if t, _ := e.str(st, pm["PredefinedMetricType"]); strings.Contains(t, "Memory") {
			return "tracks memory (" + t + "), which seldom falls as tasks are added"
		}
		return ""
	}
	cm := obj(c["CustomizedMetricSpecification"])
	type metric struct{ ns, name string }
	var ms []metric
	if cm["Metrics"] == nil {
		ns, _ := e.str(st, cm["Namespace"])
		name, _ := e.str(st, cm["MetricName"])
		ms = append(ms, metric{ns, name})
	}
	for _, q := range e.list(st, cm["Metrics"]) {
		m := obj(obj(obj(q.x)["MetricStat"])["Metric"])
		if m == nil {
			continue
		}
		ns, _ := e.str(q.st, m["Namespace"])
		name, _ := e.str(q.st, m["MetricName"])
		ms = append(ms, metric{ns, name})
	}
	for _, m := range ms {
		switch {
		case m.name == "MemoryUtilization":
			return "reads memory (" + m.ns + " " + m.name + "), which seldom falls as tasks are added"
		case m.ns != "" && !strings.HasPrefix(m.ns, "AWS/") && m.ns != "ECS/ContainerInsights":
			return "reads " + m.ns + " " + m.name + ", which the application publishes: without data the policy never agrees to scale in"
		}
	}
	return ""
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
	p := Policy{LogicalID: ref.String(), Name: constructName(r, ref.id), Alarms: []Alarm{}}
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
		} else {
			p.BlocksScaleIn = e.scaleInBlocker(st, c)
		}
		var fromTemplate bool
		p.CooldownSeconds, fromTemplate = e.intOr(st, c["ScaleOutCooldown"], defaultCooldown)
		p.FirstActionSeconds = targetTrackingDatapoints * targetTrackingPeriod
		p.Assumptions = append(p.Assumptions, aTargetTracking)
		if strings.HasSuffix(p.Metric, "HighResolution") {
			p.HighResolution = true
			p.FirstActionSeconds = targetTrackingDatapoints * highResolutionPeriod
			p.Assumptions = append(p.Assumptions, aHighResolution)
		}
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
	case "PredictiveScaling":
		c := obj(r.Properties["PredictiveScalingPolicyConfiguration"])
		p.Direction = "out"
		p.Mode, _ = e.str(st, c["Mode"])
		if p.Mode == "" {
			p.Mode = "ForecastOnly"
			p.Assumptions = append(p.Assumptions, "Mode absent: ForecastOnly, the default (Application Auto Scaling API Reference: PredictiveScalingPolicyConfiguration)")
		}
		var fromTemplate bool
		p.SchedulingBufferSeconds, fromTemplate = e.intOr(st, c["SchedulingBufferTime"], 300)
		if !fromTemplate {
			p.Assumptions = append(p.Assumptions, "SchedulingBufferTime absent: 300 s, the default (Application Auto Scaling API Reference: PredictiveScalingPolicyConfiguration)")
		}
		if specs := e.list(st, c["MetricSpecifications"]); len(specs) > 0 {
			spec := obj(specs[0].x)
			if v, ok := e.num(specs[0].st, spec["TargetValue"]); ok {
				p.TargetValue = v
			}
			if pair := obj(spec["PredefinedMetricPairSpecification"]); pair != nil {
				p.Metric, _ = e.str(specs[0].st, pair["PredefinedMetricType"])
			} else {
				p.Metric = "customized metrics"
			}
		}
		p.Assumptions = append(p.Assumptions, aPredictive)
	default:
		p.Direction = "both"
		p.Assumptions = append(p.Assumptions, fmt.Sprintf("policy type %q is not analysed", p.Type))
	}
	if p.FirstActionSeconds > 0 {
		p.NextActionSeconds = p.FirstActionSeconds + p.CooldownSeconds
	}
	name := constructName(r, ref.id)
	what := p.Metric
	if p.TargetValue != 0 {
		what = fmt.Sprintf("%s %s", p.Metric, strings.TrimSuffix(fmt.Sprintf("%g", p.TargetValue), ".0"))
	}
	switch {
	case p.Type == "TargetTrackingScaling":
		p.Summary = fmt.Sprintf("%s: target tracking %s, first scale-out ~%d s, next no sooner than %d s (cooldown %d s)",
			name, what, p.FirstActionSeconds, p.NextActionSeconds, p.CooldownSeconds)
		switch {
		case p.Direction == "out":
			p.Summary += "; scale-out only"
		case p.BlocksScaleIn != "":
			p.Summary += "; can block scale-in: it " + p.BlocksScaleIn
		}
	case p.Type == "PredictiveScaling" && p.Mode == "ForecastAndScale":
		p.Summary = fmt.Sprintf("%s: predictive scaling %s, forecast and scale: raises the capacity %d s before each forecast hour, never lowers it",
			name, what, p.SchedulingBufferSeconds)
	case p.Type == "PredictiveScaling":
		p.Summary = fmt.Sprintf("%s: predictive scaling %s, forecast only: makes forecasts to compare with the real load, changes no capacity", name, what)
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

// alarm reads how fast a CloudWatch alarm of the templates fires: Period × DatapointsToAlarm
// (EvaluationPeriods when absent); a metric-math alarm takes the shortest period of its metrics.
func (e *Environment) alarm(ref resRef) Alarm {
	st, p := ref.stack, ref.resource().Properties
	a := Alarm{LogicalID: ref.String()}
	a.Name, _ = e.str(st, p["AlarmName"])
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
	return a
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
			a := e.alarm(resRef{stack: st, id: id})
			out = append(out, a)
		}
	}
	return out
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
