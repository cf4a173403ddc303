package report

import (
	"fmt"
	"strings"
)

// provider is one entry of a service's capacity provider strategy, resolved.
type provider struct {
	name         string
	base, weight int
	spot         bool    // FARGATE_SPOT
	asg          *resRef // the Auto Scaling group behind an EC2 capacity provider
}

// strategy resolves the service's capacity provider strategy: its own, else its launch type,
// else the cluster's default strategy.
func (s *service) strategy() []provider {
	e, st := s.e, s.ref.stack
	items := e.list(st, s.props["CapacityProviderStrategy"])
	if len(items) == 0 {
		if lt, ok := e.str(st, s.props["LaunchType"]); ok {
			return []provider{{name: lt + " launch type", weight: 1}}
		}
		items = e.clusterDefaultStrategy(st, s.props["Cluster"])
	}
	var out []provider
	for _, it := range items {
		o := obj(it.x)
		p := provider{}
		p.base, _ = e.intOr(it.st, o["Base"], 0)
		p.weight, _ = e.intOr(it.st, o["Weight"], 0)
		name, literal := e.str(it.st, o["CapacityProvider"])
		switch {
		case literal && name == "FARGATE":
			p.name = name
		case literal && name == "FARGATE_SPOT":
			p.name, p.spot = name, true
		default:
			cp, ok := e.ref(it.st, o["CapacityProvider"])
			if !ok && literal {
				cp, ok = e.resourceNamed("AWS::ECS::CapacityProvider", "Name", name)
			}
			p.name = name
			if ok {
				p.name = cp.String()
				if asg, ok := e.ref(cp.stack, obj(cp.resource().Properties["AutoScalingGroupProvider"])["AutoScalingGroupArn"]); ok &&
					asg.resource().Type == "AWS::AutoScaling::AutoScalingGroup" {
					p.asg = &asg
				}
			}
			if p.name == "" {
				p.name = "unresolved capacity provider"
			}
		}
		out = append(out, p)
	}
	return out
}

// clusterDefaultStrategy is the DefaultCapacityProviderStrategy of the service's cluster (on
// the cluster or on its ClusterCapacityProviderAssociations).
func (e *Environment) clusterDefaultStrategy(st *Stack, clusterExpr any) []bound {
	cluster, ok := e.ref(st, clusterExpr)
	if !ok {
		return nil
	}
	if items := e.list(cluster.stack, cluster.resource().Properties["DefaultCapacityProviderStrategy"]); len(items) > 0 {
		return items
	}
	for _, cst := range e.stacks() {
		for _, id := range sortedKeys(cst.Template.Resources) {
			r := cst.Template.Resources[id]
			if r.Type != "AWS::ECS::ClusterCapacityProviderAssociations" {
				continue
			}
			if c, ok := e.ref(cst, r.Properties["Cluster"]); ok && sameRes(c, cluster) {
				return e.list(cst, r.Properties["DefaultCapacityProviderStrategy"])
			}
		}
	}
	return nil
}

// distribute places n tasks the way ECS does: each provider's base first, in strategy order,
// then the rest by weight, each task to the provider furthest below its weighted share (ties to
// the provider listed first).
func distribute(n int, ps []provider) []int {
	counts := make([]int, len(ps))
	rest := n
	for i, p := range ps {
		b := min(p.base, rest)
		counts[i] += b
		rest -= b
	}
	total := 0
	for _, p := range ps {
		total += p.weight
	}
	if total == 0 {
		if len(ps) > 0 {
			counts[0] += rest
		}
		return counts
	}
	byWeight := make([]int, len(ps))
	for t := 1; t <= rest; t++ {
		best, bestV := -1, 0.0
		for i, p := range ps {
			if p.weight <= 0 {
				continue
			}
			v := float64(p.weight*t)/float64(total) - float64(byWeight[i])
			if best < 0 || v > bestV {
				best, bestV = i, v
			}
		}
		byWeight[best]++
	}
	for i := range counts {
		counts[i] += byWeight[i]
	}
	return counts
}

// instanceMix computes the On-Demand/Spot split of an Auto Scaling group at MinSize.
func (e *Environment) instanceMix(asg resRef) *InstanceMix {
	p := asg.resource().Properties
	m := &InstanceMix{AutoScalingGroup: asg.String(), OnDemandPercentAboveBase: defaultOnDemandPercentAbove}
	m.MinSize, _ = e.intOr(asg.stack, p["MinSize"], 0)
	if mip := obj(p["MixedInstancesPolicy"]); mip != nil {
		dist := obj(mip["InstancesDistribution"])
		m.OnDemandBase, _ = e.intOr(asg.stack, dist["OnDemandBaseCapacity"], 0)
		m.OnDemandPercentAboveBase, _ = e.intOr(asg.stack, dist["OnDemandPercentageAboveBaseCapacity"], defaultOnDemandPercentAbove)
	} else if e.launchTemplateIsSpot(asg) {
		m.OnDemandPercentAboveBase = 0
	}
	base := min(m.OnDemandBase, m.MinSize)
	above := m.MinSize - base
	m.OnDemand = base + ceilDiv(above*m.OnDemandPercentAboveBase, 100)
	m.Spot = m.MinSize - m.OnDemand
	return m
}

func (e *Environment) launchTemplateIsSpot(asg resRef) bool {
	lt, ok := e.ref(asg.stack, obj(asg.resource().Properties["LaunchTemplate"])["LaunchTemplateId"])
	if !ok {
		return false
	}
	data := obj(lt.resource().Properties["LaunchTemplateData"])
	mt, _ := e.str(lt.stack, obj(data["InstanceMarketOptions"])["MarketType"])
	return mt == "spot"
}

func (s *service) spot() *Spot {
	e := s.e
	ps := s.strategy()
	sp := &Spot{Providers: []ProviderShare{}, Floor: s.floor, Peak: s.peak}
	if len(ps) == 0 {
		ps = []provider{{name: "no strategy or launch type (EC2 launch type)", weight: 1}}
		sp.Assumptions = append(sp.Assumptions, "neither a capacity provider strategy, a launch type nor a cluster default strategy was found: ECS falls back to the EC2 launch type, assumed On-Demand")
	}
	counts := distribute(s.floor, ps)
	var parts []string
	for i, p := range ps {
		share := ProviderShare{Provider: p.name, Base: p.base, Weight: p.weight, Tasks: counts[i]}
		switch {
		case p.spot:
			share.SpotTasks = counts[i]
		case p.asg != nil:
			mix := e.instanceMix(*p.asg)
			if sp.Instances == nil {
				sp.Instances = mix
			}
			if mix.Spot > 0 && mix.MinSize > 0 {
				// Tasks spread over instances; the On-Demand instances hold their share, rounded down.
				share.SpotTasks = counts[i] - counts[i]*mix.OnDemand/mix.MinSize
				sp.Assumptions = append(sp.Assumptions, fmt.Sprintf("tasks on %s are spread evenly over its instances at MinSize (%d On-Demand, %d Spot); the On-Demand share is rounded down", p.name, mix.OnDemand, mix.Spot))
			}
		}
		sp.Providers = append(sp.Providers, share)
		sp.OnSpot += share.SpotTasks
		parts = append(parts, fmt.Sprintf("%s %d", p.name, counts[i]))
	}
	sp.SpotPercent = 0
	if sp.Floor > 0 {
		sp.SpotPercent = (sp.OnSpot*200 + sp.Floor) / (2 * sp.Floor)
	}
	sp.Left = sp.Floor - sp.OnSpot
	sp.Kept = min(sp.Left, sp.Peak)
	sp.KeepsPercent = keepsPercent(sp.Kept, sp.Peak)
	sp.Assumptions = append(sp.Assumptions,
		"ECS places each provider's base first, then the rest by weight (ECS Developer Guide: Capacity provider strategies); how ECS rounds an uneven split is not documented: ties go to the provider listed first",
		"all Spot capacity is reclaimed at once, before anything is replaced")
	if sp.Instances != nil {
		sp.Assumptions = append(sp.Assumptions, "an Auto Scaling group launches OnDemandBaseCapacity On-Demand instances first, then OnDemandPercentageAboveBaseCapacity of the rest, rounded up in favour of On-Demand (EC2 Auto Scaling User Guide: Auto Scaling groups with multiple instance types and purchase options)")
	}
	sp.Summary = fmt.Sprintf("%s at the floor of %d: %d %% on Spot; if all Spot is reclaimed keeps %d %% of %s (%d of %d)",
		strings.Join(parts, " + "), sp.Floor, sp.SpotPercent, sp.KeepsPercent, s.reference, sp.Kept, sp.Peak)
	if sp.Instances != nil {
		sp.Summary += fmt.Sprintf("; instances at MinSize %d: %d On-Demand, %d Spot", sp.Instances.MinSize, sp.Instances.OnDemand, sp.Instances.Spot)
	}
	return sp
}
