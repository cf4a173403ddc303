package report

import (
	"fmt"
	"strings"
)

// Defaults AWS applies when a template leaves a value out, and the estimates the report uses
// where the templates cannot say. README.md names the documentation for each.
const (
	defaultTGInterval           = 30  // ELB target group HealthCheckIntervalSeconds
	defaultTGTimeout            = 5   // HealthCheckTimeoutSeconds (HTTP/HTTPS)
	defaultTGUnhealthy          = 2   // UnhealthyThresholdCount
	defaultTGHealthy            = 5   // HealthyThresholdCount
	defaultDeregistrationDelay  = 300 // deregistration_delay.timeout_seconds
	defaultContainerInterval    = 30  // ECS HealthCheck.Interval
	defaultContainerTimeout     = 5   // HealthCheck.Timeout
	defaultContainerRetries     = 3   // HealthCheck.Retries
	defaultStopTimeout          = 30  // container StopTimeout (Fargate; ECS_CONTAINER_STOP_TIMEOUT on EC2)
	defaultMinHealthyPercent    = 100 // DeploymentConfiguration.MinimumHealthyPercent (REPLICA)
	defaultMaxPercent           = 200 // DeploymentConfiguration.MaximumPercent (REPLICA)
	defaultCooldown             = 300 // Application Auto Scaling cooldowns for ECS services
	targetTrackingDatapoints    = 3   // target tracking's scale-out alarm: 3 datapoints ...
	targetTrackingPeriod        = 60  // ... of 60 s
	highResolutionPeriod        = 20  // ... or of 20 s with ECS's high-resolution metrics
	estimatedTaskStart          = 60  // image pull + container start
	estimatedStatusCheckDetect  = 180 // EC2 status checks fail and Auto Scaling replaces (2-3 min)
	estimatedInstanceLaunch     = 60  // pending → running
	defaultBootSeconds          = 180 // boot + mount + compose start when metadata has none
	defaultAlarmPeriod          = 60
	defaultOnDemandPercentAbove = 100
	fargateMaxStopTimeout       = 120 // the largest StopTimeout Fargate accepts
)

const (
	aEvenSpread = "tasks spread evenly over the AZs of the service's subnets, as ECS's AZ-balanced placement does; the first AZs take the remainder, and the lost AZ is one holding the most (ECS Developer Guide: How Amazon ECS places tasks)"
	aNoRefill   = "counts what is left before anything is replaced or scaled out"
	aASGSpread  = "Auto Scaling keeps the group's instances balanced over the AZs of its subnets (EC2 Auto Scaling User Guide: Availability Zone rebalancing)"
)

// Analyze computes the figures of every workload of the environment: each ECS service (with or
// without okiagari metadata) and each Auto Scaling group whose okiagari metadata says
// "autoheal". Workloads come in stack order, then by logical ID.
func Analyze(env *Environment) []Workload {
	out := []Workload{}
	for _, st := range env.Stacks {
		if st.Template == nil {
			continue
		}
		for _, id := range sortedKeys(st.Template.Resources) {
			r := st.Template.Resources[id]
			m := readMeta(env, st, r)
			switch {
			case r.Type == "AWS::ECS::Service":
				out = append(out, env.analyzeService(resRef{stack: st, id: id}, r, m))
			case r.Type == "AWS::AutoScaling::AutoScalingGroup" && m.kind == KindAutoHeal:
				out = append(out, env.analyzeAutoHeal(resRef{stack: st, id: id}, r, m))
			}
		}
	}
	return out
}

// meta is the okiagari metadata of a primary resource.
type meta struct {
	kind, name                     string
	peak, minTasks, maxTasks, boot *int
	grace, protectionMinutes       *int
	staticStability                *bool
	path                           string
	// rollingReason and autoshiftOptOutReason: why a production web service deploys ROLLING or
	// runs without autoshift (written by the construct when the config says so).
	rollingReason, autoshiftOptOutReason string
}

func readMeta(e *Environment, st *Stack, r Resource) meta {
	var m meta
	m.path, _ = r.Metadata["aws:cdk:path"].(string)
	o := obj(r.Metadata["okiagari"])
	if o == nil {
		return m
	}
	m.kind, _ = e.str(st, o["kind"])
	m.name, _ = e.str(st, o["name"])
	num := func(k string) *int {
		if v, ok := e.intOr(st, o[k], 0); ok {
			return &v
		}
		return nil
	}
	m.peak, m.minTasks, m.maxTasks = num("peakTasks"), num("minTasks"), num("maxTasks")
	m.boot, m.grace = num("bootSeconds"), num("graceSeconds")
	m.protectionMinutes = num("protectionExpiryMinutes")
	m.rollingReason, _ = e.str(st, o["rollingReason"])
	m.autoshiftOptOutReason, _ = e.str(st, o["autoshiftOptOutReason"])
	if b, ok := o["staticStability"].(bool); ok {
		m.staticStability = &b
	}
	return m
}

// service gathers what the figures of one ECS service need.
type service struct {
	e          *Environment
	ref        resRef
	props      map[string]any
	w          *Workload
	m          meta
	desired    int
	hasDesired bool
	floor      int
	peak       int
	target     *resRef
	tgs        []TargetGroupHealth
	// alt are the alternate target groups of a progressive deployment (LoadBalancers[].
	// AdvancedConfiguration), and advanced the first AdvancedConfiguration.
	alt          []TargetGroupHealth
	advanced     map[string]any
	advSt        *Stack
	lbContainers []string
	containers   []ContainerHealth
	reference    string // what the peak is: "peak", or "floor" for a worker
}

func (e *Environment) analyzeService(ref resRef, r Resource, m meta) Workload {
	st := ref.stack
	w := Workload{
		Environment:     e.Name,
		Kind:            m.kind,
		Stack:           st.Name,
		LogicalID:       ref.id,
		Path:            m.path,
		StaticStability: m.staticStability,
		Notes:           []string{},
	}
	if w.Kind != KindWebService && w.Kind != KindWorker {
		if w.Kind != "" {
			w.Notes = append(w.Notes, fmt.Sprintf("okiagari metadata kind %q is not one the report knows; reported as a plain service", w.Kind))
		}
		w.Kind = KindService
	}
	w.Name = m.name
	if w.Name == "" {
		if n, ok := e.str(st, r.Properties["ServiceName"]); ok {
			w.Name = n
		} else {
			w.Name = ref.id
		}
	}
	s := &service{e: e, ref: ref, props: r.Properties, w: &w, m: m}
	s.desired, s.hasDesired = e.intOr(st, r.Properties["DesiredCount"], 1)

	// The floor: the scalable target's MinCapacity, else the desired count.
	floorSource := "DesiredCount"
	if t, ok := e.scalableTarget(ref, r); ok {
		s.target = &t
		tr := t.resource()
		if min, ok := e.intOr(t.stack, tr.Properties["MinCapacity"], 0); ok {
			s.floor = min
			floorSource = "scalable target MinCapacity"
		}
	}
	if floorSource == "DesiredCount" {
		s.floor = s.desired
		if !s.hasDesired {
			floorSource = "DesiredCount absent: 1 assumed (the CloudFormation default for a new service)"
		}
	}
	if !s.hasDesired {
		s.desired = s.floor
	}

	// The peak: declared by a web service; a worker's reference is its floor.
	peakSource := ""
	switch {
	case w.Kind == KindWebService && m.peak != nil:
		s.peak, peakSource = *m.peak, "okiagari metadata peakTasks"
	case w.Kind == KindWorker:
		s.peak, peakSource = s.floor, "a worker declares no peak: its floor is the reference"
		if m.minTasks != nil {
			s.peak, peakSource = *m.minTasks, "okiagari metadata minTasks (a worker declares no peak)"
		}
	default:
		s.peak, peakSource = s.desired, "no peakTasks in okiagari metadata: the desired count is taken as the peak"
		w.Notes = append(w.Notes, fmt.Sprintf("no declared peak: desired count %d taken as the peak", s.desired))
	}

	s.reference = "peak"
	if w.Kind == KindWorker {
		s.reference = "floor"
	}
	s.loadBalancers()
	s.taskDefinition()
	ec2 := s.capacityASG()

	w.AZLoss = s.azLoss(floorSource, peakSource, ec2)
	if ec2 != nil {
		w.CapacityAZLoss = e.asgAZLoss(*ec2)
	}
	w.Detection = s.detection()
	w.Drain = s.drain()
	w.Scaling = s.scaling()
	w.Deploy = s.deploy()
	w.Spot = s.spot()
	w.Evacuation = s.evacuation(ec2)
	return w
}

// scalableTarget finds the AWS::ApplicationAutoScaling::ScalableTarget of an ECS service: its
// ResourceId ("service/<cluster>/<service name>", usually an Fn::Join) refers to the service
// resource, or spells out the service's literal name.
func (e *Environment) scalableTarget(svc resRef, r Resource) (resRef, bool) {
	for _, st := range e.Stacks {
		for _, id := range sortedKeys(st.Template.Resources) {
			t := st.Template.Resources[id]
			if t.Type != "AWS::ApplicationAutoScaling::ScalableTarget" {
				continue
			}
			if dim, ok := e.str(st, t.Properties["ScalableDimension"]); ok && dim != "ecs:service:DesiredCount" {
				continue
			}
			if e.resourceIDNames(st, t.Properties["ResourceId"], svc, r) {
				return resRef{stack: st, id: id}, true
			}
		}
	}
	return resRef{}, false
}

func (e *Environment) resourceIDNames(st *Stack, resourceID any, svc resRef, r Resource) bool {
	for _, x := range e.refs(st, resourceID) {
		if x.stack == svc.stack && x.id == svc.id {
			return true
		}
	}
	id, ok := e.str(st, resourceID)
	name, ok2 := e.str(svc.stack, r.Properties["ServiceName"])
	return ok && ok2 && strings.HasPrefix(id, "service/") && strings.HasSuffix(id, "/"+name)
}

func sameRes(a, b resRef) bool { return a.stack == b.stack && a.id == b.id }

// loadBalancers reads the target groups the service registers with, and the alternate ones of a
// progressive deployment.
func (s *service) loadBalancers() {
	e, st := s.e, s.ref.stack
	for _, lb := range e.list(st, s.props["LoadBalancers"]) {
		o := obj(lb.x)
		if c, ok := e.str(lb.st, o["ContainerName"]); ok {
			s.lbContainers = append(s.lbContainers, c)
		}
		if adv := obj(o["AdvancedConfiguration"]); adv != nil {
			if s.advanced == nil {
				s.advanced, s.advSt = adv, lb.st
			}
			if h, ok := e.targetGroup(lb.st, adv["AlternateTargetGroupArn"]); ok {
				s.alt = append(s.alt, h)
			}
		}
		h, ok := e.targetGroup(lb.st, o["TargetGroupArn"])
		if !ok {
			if o["LoadBalancerName"] != nil {
				s.w.Notes = append(s.w.Notes, "a Classic Load Balancer is not analysed")
			} else {
				s.w.Notes = append(s.w.Notes, "a target group could not be resolved in the templates; it is left out")
			}
			continue
		}
		s.tgs = append(s.tgs, h)
	}
}

// targetGroup reads the health check and drain of the target group expr refers to.
func (e *Environment) targetGroup(st *Stack, expr any) (TargetGroupHealth, bool) {
	tgRef, ok := e.ref(st, expr)
	if !ok || tgRef.resource().Type != "AWS::ElasticLoadBalancingV2::TargetGroup" {
		return TargetGroupHealth{}, false
	}
	p := tgRef.resource().Properties
	tst := tgRef.stack
	h := TargetGroupHealth{TargetGroup: tgRef.String()}
	h.IntervalSeconds, _ = e.intOr(tst, p["HealthCheckIntervalSeconds"], defaultTGInterval)
	h.TimeoutSeconds, _ = e.intOr(tst, p["HealthCheckTimeoutSeconds"], defaultTGTimeout)
	h.UnhealthyThreshold, _ = e.intOr(tst, p["UnhealthyThresholdCount"], defaultTGUnhealthy)
	h.HealthyThreshold, _ = e.intOr(tst, p["HealthyThresholdCount"], defaultTGHealthy)
	h.UnhealthySeconds = h.IntervalSeconds*h.UnhealthyThreshold + h.TimeoutSeconds
	h.HealthySeconds = h.IntervalSeconds * h.HealthyThreshold
	h.DeregistrationDelaySeconds = defaultDeregistrationDelay
	for _, a := range e.list(tst, p["TargetGroupAttributes"]) {
		ao := obj(a.x)
		if k, _ := e.str(a.st, ao["Key"]); k == "deregistration_delay.timeout_seconds" {
			h.DeregistrationDelaySeconds, _ = e.intOr(a.st, ao["Value"], defaultDeregistrationDelay)
		}
	}
	return h, true
}

// taskDefinition reads the essential containers' health checks and stop timeouts.
func (s *service) taskDefinition() {
	e := s.e
	td, ok := e.ref(s.ref.stack, s.props["TaskDefinition"])
	if !ok || td.resource().Type != "AWS::ECS::TaskDefinition" {
		s.w.Notes = append(s.w.Notes, "the task definition could not be resolved in the templates: container figures use AWS defaults")
		return
	}
	for _, c := range e.list(td.stack, td.resource().Properties["ContainerDefinitions"]) {
		o := obj(c.x)
		if !e.boolOr(c.st, o["Essential"], true) {
			continue
		}
		h := ContainerHealth{}
		h.Container, _ = e.str(c.st, o["Name"])
		h.StopTimeoutSeconds, _ = e.intOr(c.st, o["StopTimeout"], defaultStopTimeout)
		if hc := obj(o["HealthCheck"]); hc != nil {
			h.HasHealthCheck = true
			h.IntervalSeconds, _ = e.intOr(c.st, hc["Interval"], defaultContainerInterval)
			h.TimeoutSeconds, _ = e.intOr(c.st, hc["Timeout"], defaultContainerTimeout)
			h.Retries, _ = e.intOr(c.st, hc["Retries"], defaultContainerRetries)
			h.StartPeriodSeconds, _ = e.intOr(c.st, hc["StartPeriod"], 0)
			h.UnhealthySeconds = h.IntervalSeconds*h.Retries + h.TimeoutSeconds
			h.UnhealthyAtStartSeconds = h.StartPeriodSeconds + h.UnhealthySeconds
		}
		s.containers = append(s.containers, h)
	}
}

// subnetAZs maps subnet expressions to availability zones, in order, without duplicates.
func (e *Environment) subnetAZs(items []bound, notes *[]string) []string {
	var azs []string
	seen := map[string]bool{}
	for _, b := range items {
		az := ""
		if r, ok := e.ref(b.st, b.x); ok && r.resource().Type == "AWS::EC2::Subnet" {
			if a, ok := e.str(r.stack, r.resource().Properties["AvailabilityZone"]); ok {
				az = a
			} else {
				az = "unknown AZ of " + r.String()
				*notes = append(*notes, fmt.Sprintf("the AZ of subnet %s is not a literal; counted as an AZ of its own", r))
			}
		} else {
			label, _ := e.str(b.st, b.x)
			if label == "" {
				label = fmt.Sprint(b.x)
			}
			az = "unknown AZ of " + label
			*notes = append(*notes, fmt.Sprintf("subnet %s is not defined in the templates; counted as an AZ of its own", label))
		}
		if !seen[az] {
			seen[az] = true
			azs = append(azs, az)
		}
	}
	return azs
}

// spread distributes n over the zones as evenly as possible, the first zones taking the remainder.
func spread(n int, azs []string) []AZCount {
	out := make([]AZCount, len(azs))
	for i, az := range azs {
		out[i] = AZCount{AZ: az, Count: n / len(azs)}
		if i < n%len(azs) {
			out[i].Count++
		}
	}
	return out
}

// floorForPeak is the smallest floor n over k zones with n − ceil(n/k) >= need; 0 when k < 2.
func floorForPeak(need, k int) int {
	if k < 2 {
		return 0
	}
	if need <= 0 {
		return 0
	}
	n := need
	for n-ceilDiv(n, k) < need {
		n++
	}
	return n
}

func ceilDiv(a, b int) int {
	if b == 0 {
		return 0
	}
	return (a + b - 1) / b
}

// keepsPercent rounds kept/peak to a percentage that stays below 100 while kept < peak.
func keepsPercent(kept, peak int) int {
	if peak <= 0 {
		return 100
	}
	p := (kept*200 + peak) / (2 * peak)
	if kept < peak && p >= 100 {
		p = 99
	}
	return p
}

func newAZLoss(unit string, azs []string, floor int, floorSource string, peak int, peakSource, reference string) *AZLoss {
	a := &AZLoss{Unit: unit, AZs: azs, Floor: floor, FloorSource: floorSource, Peak: peak, PeakSource: peakSource, Reference: reference, PerAZ: []AZCount{}}
	if azs == nil {
		a.AZs = []string{}
	}
	if len(azs) > 0 {
		a.PerAZ = spread(floor, azs)
		a.WorstAZ = a.PerAZ[0].AZ
		a.Left = floor - a.PerAZ[0].Count
	}
	a.Kept = min(a.Left, peak)
	a.KeepsPercent = keepsPercent(a.Kept, peak)
	a.FloorForPeak = floorForPeak(peak, len(azs))
	counts := make([]string, len(a.PerAZ))
	for i, c := range a.PerAZ {
		counts[i] = fmt.Sprint(c.Count)
	}
	switch len(azs) {
	case 0:
		a.Summary = "no subnets found: AZ loss not computed"
	default:
		a.Summary = fmt.Sprintf("%d AZ%s, floor %d %s (%s): losing %s leaves %d; keeps %d %% of %s (%d of %d)",
			len(azs), plural(len(azs)), floor, unit, strings.Join(counts, "+"), a.WorstAZ, a.Left,
			a.KeepsPercent, reference, a.Kept, peak)
	}
	return a
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (s *service) azLoss(floorSource, peakSource string, ec2 *resRef) *AZLoss {
	e := s.e
	var notes []string
	vpc := obj(obj(s.props["NetworkConfiguration"])["AwsvpcConfiguration"])
	items := e.list(s.ref.stack, vpc["Subnets"])
	assumptions := []string{aEvenSpread, aNoRefill}
	if len(items) == 0 && ec2 != nil {
		items = e.list(ec2.stack, ec2.resource().Properties["VPCZoneIdentifier"])
		assumptions = append(assumptions, "no awsvpc subnets: the AZs are those of the EC2 capacity provider's Auto Scaling group")
	}
	azs := e.subnetAZs(items, &notes)
	a := newAZLoss("tasks", azs, s.floor, floorSource, s.peak, peakSource, s.reference)
	if len(azs) == 1 {
		assumptions = append(assumptions, "a single-AZ service keeps nothing when its AZ fails")
	}
	a.Assumptions = append(assumptions, notes...)
	return a
}

// capacityASG returns the Auto Scaling group behind the first EC2 capacity provider of the
// service's strategy, if any.
func (s *service) capacityASG() *resRef {
	for _, p := range s.strategy() {
		if p.asg != nil {
			return p.asg
		}
	}
	return nil
}

func (e *Environment) asgAZLoss(asg resRef) *AZLoss {
	p := asg.resource().Properties
	var notes []string
	azs := e.subnetAZs(e.list(asg.stack, p["VPCZoneIdentifier"]), &notes)
	if len(azs) == 0 {
		for _, b := range e.list(asg.stack, p["AvailabilityZones"]) {
			if az, ok := e.str(b.st, b.x); ok {
				azs = append(azs, az)
			}
		}
	}
	minSize, _ := e.intOr(asg.stack, p["MinSize"], 0)
	a := newAZLoss("instances", azs, minSize, "Auto Scaling group MinSize", minSize, "Auto Scaling group MinSize", "MinSize")
	a.Summary = asg.String() + ": " + a.Summary
	a.Assumptions = append([]string{aASGSpread, aNoRefill, "managed scaling launches more instances for pending tasks later; this is the capacity at MinSize"}, notes...)
	return a
}

func (s *service) detection() *Detection {
	d := &Detection{LoadBalancer: s.tgs, Containers: s.containers}
	if d.LoadBalancer == nil {
		d.LoadBalancer = []TargetGroupHealth{}
	}
	if d.Containers == nil {
		d.Containers = []ContainerHealth{}
	}
	var parts []string
	for _, h := range s.tgs {
		parts = append(parts, fmt.Sprintf("load balancer %d s (%d s × %d + %d s)", h.UnhealthySeconds, h.IntervalSeconds, h.UnhealthyThreshold, h.TimeoutSeconds))
	}
	if len(s.tgs) == 0 {
		parts = append(parts, "no load balancer")
		d.Assumptions = append(d.Assumptions, "without a load balancer only the container health check or the process exit takes a task out")
	} else {
		d.Assumptions = append(d.Assumptions,
			"load balancer worst case = interval × unhealthy threshold + timeout: the failure starts just after a passing check and the last failing check times out (ELB User Guide: Health checks for Application Load Balancer target groups)",
			"absent target group settings take the AWS defaults for an HTTP target group of type ip/instance: interval 30 s, timeout 5 s, unhealthy 2, healthy 5")
	}
	checked := false
	for _, c := range s.containers {
		if !c.HasHealthCheck {
			continue
		}
		checked = true
		parts = append(parts, fmt.Sprintf("container %s %d s when running (%d s × %d + %d s), %d s at start (+%d s start period)",
			c.Container, c.UnhealthySeconds, c.IntervalSeconds, c.Retries, c.TimeoutSeconds, c.UnhealthyAtStartSeconds, c.StartPeriodSeconds))
	}
	if checked {
		d.Assumptions = append(d.Assumptions,
			"container worst case = interval × retries + timeout, plus the start period for a task that fails as it starts; absent fields take the ECS defaults interval 30 s, timeout 5 s, retries 3, start period 0 (ECS API Reference: HealthCheck)")
	} else {
		parts = append(parts, "no container health check")
		d.Assumptions = append(d.Assumptions, "no essential container has a health check: ECS notices only an exited process")
	}
	d.Summary = strings.Join(parts, "; ")
	return d
}
