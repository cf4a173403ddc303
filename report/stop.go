package report

import (
	"fmt"
	"strings"
)

// spotNoticeSeconds is the Spot interruption notice: Fargate Spot and EC2 Spot both end the
// capacity two minutes after it.
const spotNoticeSeconds = 120

const (
	aPlannedStop = "a planned stop (a deployment, scale-in) deregisters the target and waits for the deregistration delay, then sends SIGTERM, then SIGKILL after the stop timeout: worst case drain + stop timeout (ECS Best Practices Guide: Load balancer connection draining; ECS Developer Guide: Updating a service, \"the service first removes the task from the load balancer and waits for the connection to drain\")"
	aFargateSpot = "a Fargate Spot interruption sends the task SIGTERM with the two-minute notice while its target starts to drain, and the task ends 120 s later: the container must keep answering until the drain ends (StopTimeout >= deregistration delay) and the drain must end within the notice (AWS Knowledge Center: How do I handle Spot termination notices in AWS Fargate Spot tasks?)"
	aEC2Spot     = "an EC2 Spot interruption sets the container instance to DRAINING (ECS_ENABLE_SPOT_INSTANCE_DRAINING) and the instance is reclaimed 120 s after the notice: the drain must end within the notice; the same StopTimeout >= deregistration delay rule is kept for a task told to stop as its drain starts (ECS Developer Guide: Configuring Amazon ECS Linux container instances to receive Spot Instance notices)"
)

// spotProviders names the providers of the service's strategy that run on Spot: FARGATE_SPOT,
// and EC2 capacity providers whose Auto Scaling group runs Spot instances.
func (s *service) spotProviders() (names []string, fargate, ec2 bool) {
	for _, p := range s.strategy() {
		switch {
		case p.spot:
			names, fargate = append(names, p.name), true
		case p.asg != nil && s.e.groupRunsSpot(*p.asg):
			names, ec2 = append(names, p.name), true
		}
	}
	return names, fargate, ec2
}

// groupRunsSpot reports whether an Auto Scaling group launches Spot instances at any size: a
// launch template on the Spot market, or a mixed-instances policy with less than 100 %
// On-Demand above a base it can grow past.
func (e *Environment) groupRunsSpot(asg resRef) bool {
	if e.launchTemplateIsSpot(asg) {
		return true
	}
	p := asg.resource().Properties
	mip := obj(p["MixedInstancesPolicy"])
	if mip == nil {
		return false
	}
	dist := obj(mip["InstancesDistribution"])
	base, _ := e.intOr(asg.stack, dist["OnDemandBaseCapacity"], 0)
	above, _ := e.intOr(asg.stack, dist["OnDemandPercentageAboveBaseCapacity"], defaultOnDemandPercentAbove)
	maxSize, _ := e.intOr(asg.stack, p["MaxSize"], 0)
	return above < 100 && maxSize > base
}

// drain works out both stop sequences of the service's tasks.
func (s *service) drain() *Drain {
	d := &Drain{}
	for _, h := range append(append([]TargetGroupHealth{}, s.tgs...), s.alt...) {
		if h.DeregistrationDelaySeconds > d.DeregistrationDelaySeconds || d.TargetGroup == "" {
			d.DeregistrationDelaySeconds, d.TargetGroup = h.DeregistrationDelaySeconds, h.TargetGroup
		}
	}
	// The container that takes the traffic decides; without a load balancer, the slowest.
	stop, who := -1, ""
	for _, c := range s.containers {
		if len(s.lbContainers) > 0 && !contains(s.lbContainers, c.Container) {
			continue
		}
		if c.StopTimeoutSeconds > stop {
			stop, who = c.StopTimeoutSeconds, c.Container
		}
	}
	if stop < 0 {
		stop = defaultStopTimeout
		d.Assumptions = append(d.Assumptions, "the container could not be found: the ECS default stop timeout of 30 s is assumed")
	}
	d.StopTimeoutSeconds, d.StopContainer = stop, who
	d.PlannedStopSeconds = d.DeregistrationDelaySeconds + stop
	d.Assumptions = append(d.Assumptions, aPlannedStop,
		"an absent StopTimeout is 30 s (ECS Developer Guide: task definition parameters, stopTimeout; Fargate allows at most 120 s)")
	if len(s.tgs) > 0 {
		d.Assumptions = append(d.Assumptions,
			"an absent deregistration_delay.timeout_seconds is 300 s (ELB User Guide: target group attributes, Deregistration delay)")
	}

	planned := fmt.Sprintf("planned stop ≤ %d s (drain %d s, then SIGTERM and up to %d s to exit)", d.PlannedStopSeconds, d.DeregistrationDelaySeconds, stop)
	if len(s.tgs) == 0 {
		planned = fmt.Sprintf("no load balancer to drain: a planned stop sends SIGTERM, then SIGKILL after %d s", stop)
	}
	names, fargate, ec2 := s.spotProviders()
	if len(names) == 0 {
		d.Summary = planned + "; no Spot in its capacity strategy"
		d.Assumptions = append(d.Assumptions, "no Spot capacity in the strategy: only planned stops apply")
		return d
	}
	in := &Interruption{SpotProviders: names, NoticeSeconds: spotNoticeSeconds}
	in.StopOutlivesDrain = stop >= d.DeregistrationDelaySeconds
	in.DrainWithinNotice = d.DeregistrationDelaySeconds <= spotNoticeSeconds
	in.Safe = in.StopOutlivesDrain && in.DrainWithinNotice
	d.Interruption = in
	if fargate {
		d.Assumptions = append(d.Assumptions, aFargateSpot)
	}
	if ec2 {
		d.Assumptions = append(d.Assumptions, aEC2Spot)
	}
	var spot string
	switch {
	case len(s.tgs) == 0:
		spot = fmt.Sprintf("Spot interruption: SIGTERM with the %d s notice", spotNoticeSeconds)
	case in.Safe:
		spot = fmt.Sprintf("Spot interruption: SIGTERM as the %d s drain starts; the container outlives it (stop %d s) within the %d s notice",
			d.DeregistrationDelaySeconds, stop, spotNoticeSeconds)
	default:
		var why []string
		if !in.StopOutlivesDrain {
			why = append(why, fmt.Sprintf("killed %d s before it ends", d.DeregistrationDelaySeconds-stop))
		}
		if !in.DrainWithinNotice {
			why = append(why, fmt.Sprintf("it outlasts the %d s notice", spotNoticeSeconds))
		}
		spot = fmt.Sprintf("Spot interruption: SIGTERM as the %d s drain starts: %s", d.DeregistrationDelaySeconds, strings.Join(why, ", and "))
	}
	d.Summary = planned + "; " + spot
	return d
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
