package report

import (
	"fmt"
	"strings"
)

const (
	aZonalShift      = "with zonal_shift.config.enabled, a zonal shift (started by hand, by autoshift or by a practice run) takes the zone's load balancer node out of DNS and, with cross-zone load balancing, stops routing to the zone's targets (ELB User Guide: Zonal shift for your Application Load Balancer; AWS Networking blog: Using cross-zone load balancing with zonal shift)"
	aShiftedTasks    = "ECS is not told of a zonal shift: the shifted zone's tasks keep running, registered and healthy, without traffic; the other zones carry it all, so what serves is the AZ-loss figure's tasks left, before anything scales out"
	aAutoshift       = "zonal autoshift shifts traffic away from a zone when AWS sees it impaired; its weekly practice runs shift it away on purpose and end early when an outcome alarm fires; blocked windows and dates (UTC) are when none starts (ARC Developer Guide: Zonal autoshift, practice runs)"
	aGroupZonalShift = "an Auto Scaling group with AvailabilityZoneImpairmentPolicy.ZonalShiftEnabled treats a zone with an active zonal shift as impaired and launches in the other zones; ReplaceUnhealthy replaces unhealthy instances in every zone, IgnoreUnhealthy not in the shifted one (EC2 Auto Scaling User Guide: Auto Scaling group zonal shift; API Reference: AvailabilityZoneImpairmentPolicy)"
	aBalanced        = "AvailabilityZoneDistribution balanced-best-effort launches in another zone when a launch in the chosen one fails; balanced-only (the default) keeps trying the zone it balances to (EC2 Auto Scaling User Guide: Availability Zone distribution)"
)

// evacuation works out how ready the service is for one zone to be evacuated: zonal shift and
// autoshift on its load balancer, and its EC2 capacity group. nil for a service with neither a
// load balancer nor EC2 capacity.
func (s *service) evacuation(ec2 *resRef) *Evacuation {
	e := s.e
	if len(s.tgs) == 0 && ec2 == nil {
		return nil
	}
	ev := &Evacuation{OutcomeAlarms: []string{}, BlockedWindows: []string{}, BlockedDates: []string{}, Groups: []GroupZonalShift{},
		OptOutReason: s.m.autoshiftOptOutReason}
	if a := s.w.AZLoss; a != nil {
		ev.KeptTasks, ev.Peak, ev.KeepsPercent = a.Kept, a.Peak, a.KeepsPercent
		if len(a.PerAZ) > 0 {
			ev.ShiftedZoneTasks = a.PerAZ[0].Count
		}
	}
	var parts []string
	if len(s.tgs) > 0 {
		parts = append(parts, s.loadBalancerEvacuation(ev)...)
	}
	if ec2 != nil {
		g := e.groupZonalShift(*ec2)
		ev.Groups = append(ev.Groups, g)
		parts = append(parts, "EC2 capacity "+groupText(g))
		ev.Assumptions = append(ev.Assumptions, aGroupZonalShift)
	}
	ev.Summary = strings.Join(parts, "; ")
	return ev
}

// loadBalancerEvacuation fills the load balancer's part and returns its summary parts.
func (s *service) loadBalancerEvacuation(ev *Evacuation) []string {
	e := s.e
	lb, ok := s.loadBalancer()
	if !ok {
		ev.Assumptions = append(ev.Assumptions, "no listener of the templates forwards to the service's target groups: its load balancer is unknown")
		return []string{"its load balancer is not in the templates: zone evacuation not read"}
	}
	ev.LoadBalancer = lb.String()
	p := lb.resource().Properties
	scheme, ok := e.str(lb.stack, p["Scheme"])
	ev.InternetFacing = !ok || scheme == "internet-facing"
	for _, a := range e.list(lb.stack, p["LoadBalancerAttributes"]) {
		o := obj(a.x)
		if k, _ := e.str(a.st, o["Key"]); k == "zonal_shift.config.enabled" {
			v, _ := e.str(a.st, o["Value"])
			ev.ZonalShift = v == "true"
		}
	}
	ev.Assumptions = append(ev.Assumptions, aZonalShift, aShiftedTasks)
	if cfg, ok := e.autoshiftOf(lb); ok {
		ev.AutoshiftConfiguration = cfg.String()
		cp := cfg.resource().Properties
		ev.Autoshift, _ = e.str(cfg.stack, cp["ZonalAutoshiftStatus"])
		practice := obj(cp["PracticeRunConfiguration"])
		for _, a := range e.list(cfg.stack, practice["OutcomeAlarms"]) {
			ev.OutcomeAlarms = append(ev.OutcomeAlarms, e.alarmLabel(a.st, obj(a.x)["AlarmIdentifier"]))
		}
		for _, w := range e.list(cfg.stack, practice["BlockedWindows"]) {
			if v, ok := e.str(w.st, w.x); ok {
				ev.BlockedWindows = append(ev.BlockedWindows, v)
			}
		}
		for _, d := range e.list(cfg.stack, practice["BlockedDates"]) {
			if v, ok := e.str(d.st, d.x); ok {
				ev.BlockedDates = append(ev.BlockedDates, v)
			}
		}
		ev.Assumptions = append(ev.Assumptions, aAutoshift)
	}

	if !ev.ZonalShift {
		return []string{fmt.Sprintf("zonal shift off on %s: no zone can be shifted away from it", shortName(ev.LoadBalancer))}
	}
	shift := "zonal shift on"
	switch {
	case ev.Autoshift == "ENABLED":
		shift += "; autoshift ENABLED"
		if len(ev.OutcomeAlarms) > 0 {
			names := make([]string, len(ev.OutcomeAlarms))
			for i, a := range ev.OutcomeAlarms {
				names[i] = shortName(a)
			}
			shift += ", practice runs stop on " + strings.Join(names, ", ")
		} else {
			shift += ", practice runs without outcome alarms"
		}
		if blocked := append(append([]string{}, ev.BlockedWindows...), ev.BlockedDates...); len(blocked) > 0 {
			shift += ", blocked " + strings.Join(blocked, ", ") + " (UTC)"
		}
	case ev.Autoshift != "":
		shift += "; autoshift " + ev.Autoshift
	default:
		shift += "; autoshift off"
	}
	if ev.Autoshift != "ENABLED" && ev.OptOutReason != "" {
		shift += fmt.Sprintf(" (opted out: %s)", ev.OptOutReason)
	}
	verb := "keep"
	if ev.ShiftedZoneTasks == 1 {
		verb = "keeps"
	}
	keeps := fmt.Sprintf("with a zone shifted away %d of %d peak tasks serve (the zone's own %d %s running, without traffic)", ev.KeptTasks, ev.Peak, ev.ShiftedZoneTasks, verb)
	if s.w.AZLoss == nil || len(s.w.AZLoss.AZs) == 0 {
		keeps = "what a shifted zone leaves is unknown (the AZs of its subnets are not in the templates)"
	}
	return []string{shift, keeps}
}

// loadBalancer finds the load balancer in front of the service: through a listener whose default
// actions, or a listener rule whose actions, forward to one of its target groups.
func (s *service) loadBalancer() (resRef, bool) {
	e := s.e
	var tgs []resRef
	for _, lb := range e.list(s.ref.stack, s.props["LoadBalancers"]) {
		o := obj(lb.x)
		for _, x := range []any{o["TargetGroupArn"], obj(o["AdvancedConfiguration"])["AlternateTargetGroupArn"]} {
			if r, ok := e.ref(lb.st, x); ok {
				tgs = append(tgs, r)
			}
		}
	}
	forwards := func(st *Stack, actions any) bool {
		for _, r := range e.refs(st, actions) {
			for _, tg := range tgs {
				if sameRes(r, tg) {
					return true
				}
			}
		}
		return false
	}
	for _, st := range e.stacks() {
		for _, id := range sortedKeys(st.Template.Resources) {
			r := st.Template.Resources[id]
			var listener resRef
			switch {
			case r.Type == "AWS::ElasticLoadBalancingV2::Listener" && forwards(st, r.Properties["DefaultActions"]):
				listener = resRef{stack: st, id: id}
			case r.Type == "AWS::ElasticLoadBalancingV2::ListenerRule" && forwards(st, r.Properties["Actions"]):
				l, ok := e.ref(st, r.Properties["ListenerArn"])
				if !ok {
					continue
				}
				listener = l
			default:
				continue
			}
			if lr := listener.resource(); lr != nil {
				if lb, ok := e.ref(listener.stack, lr.Properties["LoadBalancerArn"]); ok && lb.resource().Type == "AWS::ElasticLoadBalancingV2::LoadBalancer" {
					return lb, true
				}
			}
		}
	}
	return resRef{}, false
}

// autoshiftOf finds the ZonalAutoshiftConfiguration whose ResourceIdentifier is the load balancer.
func (e *Environment) autoshiftOf(lb resRef) (resRef, bool) {
	for _, st := range e.stacks() {
		for _, id := range sortedKeys(st.Template.Resources) {
			r := st.Template.Resources[id]
			if r.Type != "AWS::ARCZonalShift::ZonalAutoshiftConfiguration" {
				continue
			}
			for _, x := range e.refs(st, r.Properties["ResourceIdentifier"]) {
				if sameRes(x, lb) {
					return resRef{stack: st, id: id}, true
				}
			}
		}
	}
	return resRef{}, false
}

// alarmLabel names the alarm an ARN expression refers to: its AlarmName, else its logical ID,
// else the name at the end of a literal ARN.
func (e *Environment) alarmLabel(st *Stack, expr any) string {
	if r, ok := e.ref(st, expr); ok && r.resource().Type == "AWS::CloudWatch::Alarm" {
		if n, ok := e.str(r.stack, r.resource().Properties["AlarmName"]); ok {
			return n
		}
		return r.String()
	}
	if arn, ok := e.str(st, expr); ok {
		if i := strings.LastIndex(arn, ":alarm:"); i >= 0 {
			return arn[i+len(":alarm:"):]
		}
		return arn
	}
	return "an alarm the templates do not name"
}

// groupZonalShift reads an Auto Scaling group's zonal shift settings.
func (e *Environment) groupZonalShift(asg resRef) GroupZonalShift {
	p := asg.resource().Properties
	g := GroupZonalShift{AutoScalingGroup: asg.String(), Distribution: "balanced-only"}
	pol := obj(p["AvailabilityZoneImpairmentPolicy"])
	g.FollowsZonalShift = e.boolOr(asg.stack, pol["ZonalShiftEnabled"], false)
	g.ImpairedZoneHealthCheckBehavior, _ = e.str(asg.stack, pol["ImpairedZoneHealthCheckBehavior"])
	if v, ok := e.str(asg.stack, obj(p["AvailabilityZoneDistribution"])["CapacityDistributionStrategy"]); ok {
		g.Distribution = v
	}
	return g
}

func groupText(g GroupZonalShift) string {
	name := shortName(g.AutoScalingGroup)
	if !g.FollowsZonalShift {
		return name + " does not follow zonal shifts: it may launch into a shifted zone"
	}
	return fmt.Sprintf("%s follows zonal shifts (%s, %s): it launches outside a shifted zone", name, g.ImpairedZoneHealthCheckBehavior, g.Distribution)
}

// autoHealEvacuation says whether an auto-heal group follows zonal shifts.
func (e *Environment) autoHealEvacuation(asg resRef) *Evacuation {
	g := e.groupZonalShift(asg)
	return &Evacuation{OutcomeAlarms: []string{}, BlockedWindows: []string{}, BlockedDates: []string{},
		Groups: []GroupZonalShift{g}, Summary: groupText(g), Assumptions: []string{aGroupZonalShift, aBalanced}}
}
