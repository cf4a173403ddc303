package report

import (
	"sort"
	"strings"
)

// Topology is what the architecture picture of one environment shows, read from its templates
// alone: the zones and subnets, what runs in each zone at the floor and at the peak, and what
// connects them.
type Topology struct {
	Env string
	// AZs are the zones of the environment's subnets, sorted.
	AZs []string
	// Tiers are the subnet tiers in display order (Public, Private, Isolated, others), each
	// with its subnets by zone.
	Tiers         []Tier
	NATs          map[string]int // NAT gateways per zone
	LoadBalancers []TopoLB
	Endpoints     []TopoEndpoint
	Services      []TopoService
	Groups        []TopoGroup
	FileSystems   []TopoFS
	Queues        []TopoQueue
	Pipelines     []TopoPipeline
}

// Tier is one subnet tier ("Public") with the CIDR of its subnet in each zone.
type Tier struct {
	Name  string
	CIDRs map[string]string
}

// TopoLB is a load balancer and the zones of its subnets.
type TopoLB struct {
	Name, Owner string
	AZs         []string
}

// TopoEndpoint is an interface endpoint and the zones it has a network interface in.
type TopoEndpoint struct {
	Service string
	AZs     []string
}

// Slot is one task (or instance) drawn in a zone: its capacity kind and whether it runs at the
// floor or only at the peak.
type Slot struct {
	Kind    string // fargate, fargate-spot, ec2, ec2-ondemand, ec2-spot, autoheal
	AtFloor bool
}

// TopoService is an ECS service with its tasks per zone.
type TopoService struct {
	Name, Kind   string
	Floor, Peak  int
	Counts       TaskCounts
	PerAZ        map[string][]Slot
	AZLoss       *AZLoss
	LoadBalanced bool
}

// TopoGroup is an Auto Scaling group with its instances per zone.
type TopoGroup struct {
	Name     string
	AutoHeal bool
	Group    InstanceGroup
	PerAZ    map[string][]Slot
	Heal     *AutoHeal
}

// TopoFS is a file system and the zones of its mount targets.
type TopoFS struct {
	Name, Owner string
	AZs         []string
}

// TopoQueue is an SQS queue and the worker that consumes it.
type TopoQueue struct {
	Name, Worker string
	DeadLetter   bool
}

// TopoPipeline is a CodePipeline: its stages and the services its ECS deploy actions update,
// each with its deployment strategy ("web (canary)").
type TopoPipeline struct {
	Name    string
	Stages  []string
	Deploys []string
}

// BuildTopology reads the picture of one environment from its templates; ws are its workloads.
func BuildTopology(env *Environment, ws []Workload) *Topology {
	t := &Topology{Env: env.Name, NATs: map[string]int{}}
	p := &pricer{e: env}
	p.owners(ws)
	byID := map[string]Workload{}
	for _, w := range ws {
		byID[w.Stack+"/"+w.LogicalID] = w
	}
	azSet := map[string]bool{}
	tiers := map[string]*Tier{}
	azOf := func(st *Stack, x any) string {
		var notes []string
		azs := env.subnetAZs([]bound{{st, x}}, &notes)
		if len(azs) == 1 && !strings.HasPrefix(azs[0], "unknown") {
			return azs[0]
		}
		return ""
	}
	azsOf := func(st *Stack, x any) []string {
		var notes []string
		var out []string
		for _, az := range env.subnetAZs(env.list(st, x), &notes) {
			if !strings.HasPrefix(az, "unknown") {
				out = append(out, az)
			}
		}
		return out
	}
	for _, st := range env.Stacks {
		for _, id := range sortedKeys(st.Template.Resources) {
			r := st.Template.Resources[id]
			path, _ := r.Metadata["aws:cdk:path"].(string)
			switch r.Type {
			case "AWS::EC2::Subnet":
				az, ok := env.str(st, r.Properties["AvailabilityZone"])
				if !ok {
					continue
				}
				azSet[az] = true
				name := "Subnet"
				for _, tag := range env.list(st, r.Properties["Tags"]) {
					if k, _ := env.str(tag.st, obj(tag.x)["Key"]); k == "aws-cdk:subnet-type" {
						name, _ = env.str(tag.st, obj(tag.x)["Value"])
					}
				}
				if tiers[name] == nil {
					tiers[name] = &Tier{Name: name, CIDRs: map[string]string{}}
				}
				tiers[name].CIDRs[az], _ = env.str(st, r.Properties["CidrBlock"])
			case "AWS::EC2::NatGateway":
				if az := azOf(st, r.Properties["SubnetId"]); az != "" {
					t.NATs[az]++
				}
			case "AWS::ElasticLoadBalancingV2::LoadBalancer":
				owner := strings.TrimPrefix(p.ownerOf(path), env.Name+"/")
				t.LoadBalancers = append(t.LoadBalancers, TopoLB{Name: id, Owner: owner, AZs: azsOf(st, r.Properties["Subnets"])})
			case "AWS::EC2::VPCEndpoint":
				if typ, _ := env.str(st, r.Properties["VpcEndpointType"]); typ == "Interface" {
					svc, _ := env.str(st, r.Properties["ServiceName"])
					t.Endpoints = append(t.Endpoints, TopoEndpoint{Service: shortService(svc), AZs: azsOf(st, r.Properties["SubnetIds"])})
				}
			case "AWS::ECS::Service":
				w, ok := byID[st.Name+"/"+id]
				if !ok {
					continue
				}
				tc := env.serviceTasks(st, id, r, w)
				s := TopoService{Name: w.Name, Kind: w.Kind, Floor: tc.Floor, Peak: tc.Peak, Counts: tc, AZLoss: w.AZLoss,
					LoadBalanced: len(env.list(st, r.Properties["LoadBalancers"])) > 0}
				var azs []string
				if w.AZLoss != nil {
					azs = w.AZLoss.AZs
				}
				var slots []Slot
				for _, pv := range tc.Providers {
					for i := 0; i < pv.Floor; i++ {
						slots = append(slots, Slot{Kind: pv.Kind, AtFloor: true})
					}
				}
				for _, pv := range tc.Providers {
					for i := pv.Floor; i < pv.Peak; i++ {
						slots = append(slots, Slot{Kind: pv.Kind})
					}
				}
				s.PerAZ = deal(slots, azs)
				t.Services = append(t.Services, s)
			case "AWS::AutoScaling::AutoScalingGroup":
				g := env.instanceGroup(st, r)
				tg := TopoGroup{Name: "EC2 capacity group", Group: g}
				if w, ok := byID[st.Name+"/"+id]; ok && w.Kind == KindAutoHeal {
					tg.Name, tg.AutoHeal, tg.Heal = w.Name, true, w.AutoHeal
				}
				var slots []Slot
				odKind, spotKind := "ec2-ondemand", "ec2-spot"
				if tg.AutoHeal {
					odKind = "autoheal"
				}
				for i := 0; i < g.FloorOnDemand; i++ {
					slots = append(slots, Slot{Kind: odKind, AtFloor: true})
				}
				for i := 0; i < g.FloorSpot; i++ {
					slots = append(slots, Slot{Kind: spotKind, AtFloor: true})
				}
				for i := g.FloorOnDemand; i < g.PeakOnDemand; i++ {
					slots = append(slots, Slot{Kind: odKind})
				}
				for i := g.FloorSpot; i < g.PeakSpot; i++ {
					slots = append(slots, Slot{Kind: spotKind})
				}
				tg.PerAZ = deal(slots, g.AZs)
				t.Groups = append(t.Groups, tg)
			case "AWS::EFS::MountTarget":
				fs, ok := env.ref(st, r.Properties["FileSystemId"])
				if !ok {
					continue
				}
				az := azOf(st, r.Properties["SubnetId"])
				found := false
				for i := range t.FileSystems {
					if t.FileSystems[i].Name == fs.id {
						t.FileSystems[i].AZs = append(t.FileSystems[i].AZs, az)
						found = true
					}
				}
				if !found {
					owner := strings.TrimPrefix(p.ownerOf(path), env.Name+"/")
					t.FileSystems = append(t.FileSystems, TopoFS{Name: fs.id, Owner: owner, AZs: []string{az}})
				}
			case "AWS::SQS::Queue":
				owner := strings.TrimPrefix(p.ownerOf(path), env.Name+"/")
				t.Queues = append(t.Queues, TopoQueue{Name: id, Worker: owner, DeadLetter: r.Properties["RedrivePolicy"] == nil})
			case "AWS::CodePipeline::Pipeline":
				tp := TopoPipeline{Name: id}
				for _, stage := range env.list(st, r.Properties["Stages"]) {
					so := obj(stage.x)
					name, _ := env.str(stage.st, so["Name"])
					tp.Stages = append(tp.Stages, name)
					for _, a := range env.list(stage.st, so["Actions"]) {
						ao := obj(a.x)
						if prov, _ := env.str(a.st, obj(ao["ActionTypeId"])["Provider"]); prov != "ECS" {
							continue
						}
						name, _ := env.str(a.st, ao["Name"])
						if svc, ok := env.ref(a.st, obj(ao["Configuration"])["ServiceName"]); ok {
							if w, ok := byID[svc.stack.Name+"/"+svc.id]; ok {
								name = w.Name
								if w.Deploy != nil && w.Deploy.Strategy != "" {
									name += " (" + strings.ToLower(strings.ReplaceAll(w.Deploy.Strategy, "_", "-")) + ")"
								}
							}
						}
						tp.Deploys = append(tp.Deploys, name)
					}
				}
				t.Pipelines = append(t.Pipelines, tp)
			}
		}
	}
	for az := range azSet {
		t.AZs = append(t.AZs, az)
	}
	sort.Strings(t.AZs)
	order := map[string]int{"Public": 0, "Private": 1, "Isolated": 2}
	for _, tr := range tiers {
		t.Tiers = append(t.Tiers, *tr)
	}
	sort.Slice(t.Tiers, func(i, j int) bool {
		oi, ok := order[t.Tiers[i].Name]
		if !ok {
			oi = 3
		}
		oj, ok := order[t.Tiers[j].Name]
		if !ok {
			oj = 3
		}
		if oi != oj {
			return oi < oj
		}
		return t.Tiers[i].Name < t.Tiers[j].Name
	})
	return t
}

// deal places slots over the zones one at a time, the first zones taking the remainder, as ECS
// spreads a service's tasks and Auto Scaling its instances.
func deal(slots []Slot, azs []string) map[string][]Slot {
	out := map[string][]Slot{}
	if len(azs) == 0 {
		return out
	}
	for i, s := range slots {
		az := azs[i%len(azs)]
		out[az] = append(out[az], s)
	}
	return out
}
