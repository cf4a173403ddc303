package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/okiagari/okiagari/constructs/network"
)

// ContextKey is the cdk.json context key that holds the environments.
const ContextKey = "environments"

// SelectKey is the context key that picks one environment: `cdk synth -c env=prod`.
const SelectKey = "env"

// Environment is one deployment target: an AWS account and region, three availability zones and
// everything okiagari deploys there.
type Environment struct {
	// Name is the environment's key in cdk.json ("prod"); it names the CDK stage.
	Name string `json:"-"`
	// Account is the 12-digit AWS account ID. Required.
	Account string `json:"account"`
	// Region is the AWS region, e.g. "ap-northeast-1". Required.
	Region string `json:"region"`
	// AvailabilityZones are exactly three zone names in Region. Naming them keeps synthesis
	// free of AWS look-ups. Required.
	AvailabilityZones []string `json:"availabilityZones"`
	// Production marks an environment whose resilience gates fail the synth instead of
	// warning, and whose load balancers are protected from deletion. Default: false.
	Production bool `json:"production"`
	// Network configures the VPC.
	Network Network `json:"network"`
	// Platform configures the ECR repositories, the ECS cluster and the alarm topic.
	Platform Platform `json:"platform"`
	// Services are the web services and queue workers.
	Services Services `json:"services"`
	// AutoHeal are the self-healing single-instance hosts. Default: none.
	AutoHeal []AutoHeal `json:"autoHeal"`
	// Pipeline configures the delivery pipeline. Default: none.
	Pipeline *Pipeline `json:"pipeline"`
	// Resilience sets the gates of the resilience report.
	Resilience Resilience `json:"resilience"`
	// ZonalShift configures zone evacuation: zonal autoshift with practice runs on the load
	// balancers, Auto Scaling groups that follow zonal shifts.
	ZonalShift ZonalShift `json:"zonalShift"`
}

// Resilience sets the gates the resilience report holds the environment's services to. A gate
// that fails is an error in a production environment (the synth fails) and a warning elsewhere.
type Resilience struct {
	// MinPeakAfterAZLossPercent is the share of its declared peak a web service must keep after
	// losing the availability zone that holds most of its tasks, 0 (off) to 100. Default: 100.
	MinPeakAfterAZLossPercent *int `json:"minPeakAfterAzLossPercent"`
}

// Network configures the environment's VPC (constructs/network).
type Network struct {
	// Cidr is the VPC's IPv4 range, /16 to /20. Required.
	Cidr string `json:"cidr"`
	// NatGateways is the number of NAT gateways, 1 to 3. Default: 3 (one per zone).
	NatGateways *int `json:"natGateways"`
	// FlowLogRetentionDays is how long flow logs are kept, a CloudWatch Logs retention value.
	// Default: 365.
	FlowLogRetentionDays int `json:"flowLogRetentionDays"`
	// InterfaceEndpoints are AWS services reached through interface endpoints ("ecr.api",
	// "ecr.dkr", "logs", ...). Default: none.
	InterfaceEndpoints []string `json:"interfaceEndpoints"`
}

var (
	nameRe    = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	// workloadRe: names become construct IDs, log prefixes and ECS service names.
	workloadRe = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	regionRe   = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
)

// Load decodes and validates the environments in the context (the cdk.json context as the CLI
// passes it). When the context selects one environment (-c env=NAME) only that one is returned.
// The error lists every problem found, one per line.
func Load(context map[string]any) ([]Environment, error) {
	raw, ok := context[ContextKey].(map[string]any)
	if !ok || len(raw) == 0 {
		return nil, fmt.Errorf("cdk.json: context.%s must map environment names to their settings", ContextKey)
	}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	slices.Sort(names)
	if sel, ok := context[SelectKey]; ok {
		s, _ := sel.(string)
		if _, found := raw[s]; !found {
			return nil, fmt.Errorf("-c %s=%v: no such environment; known: %s", SelectKey, sel, strings.Join(names, ", "))
		}
		names = []string{s}
	}

	var problems []string
	var envs []Environment
	for _, name := range names {
		var p []string
		add := func(path, format string, args ...any) {
			p = append(p, fmt.Sprintf("env %q: %s: %s", name, path, fmt.Sprintf(format, args...)))
		}
		if !nameRe.MatchString(name) {
			p = append(p, fmt.Sprintf("env %q: the name must be 1-12 lowercase letters and digits, starting with a letter (it names stages and resources)", name))
		}
		strict("", raw[name], reflect.TypeFor[Environment](), add)
		if len(p) == 0 {
			env := Environment{Name: name}
			b, _ := json.Marshal(raw[name])
			if err := json.Unmarshal(b, &env); err != nil {
				add("", "%v", err) // strict() has checked the shape; this is a bug if it happens
			} else {
				env.applyDefaults()
				env.validate(add)
				envs = append(envs, env)
			}
		}
		problems = append(problems, p...)
	}
	if len(problems) == 0 {
		problems = crossEnvironment(envs)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return envs, nil
}

func (e *Environment) applyDefaults() {
	if e.Network.NatGateways == nil {
		n := len(e.AvailabilityZones)
		e.Network.NatGateways = &n
	}
	if e.Resilience.MinPeakAfterAZLossPercent == nil {
		hundred := 100
		e.Resilience.MinPeakAfterAZLossPercent = &hundred
	}
	if e.Network.FlowLogRetentionDays == 0 {
		e.Network.FlowLogRetentionDays = 365
	}
	if e.ZonalShift.Autoshift == nil {
		on := e.Production
		e.ZonalShift.Autoshift = &on
	}
}

func (e *Environment) validate(add func(path, format string, args ...any)) {
	if !accountRe.MatchString(e.Account) {
		add("account", "%q must be 12 digits", e.Account)
	}
	if !regionRe.MatchString(e.Region) {
		add("region", "%q is not an AWS region name like \"ap-northeast-1\"", e.Region)
	}
	// Three zones: static stability (peak × 3/2 tasks) and the NAT count are planned for three.
	const zones = 3
	if n := len(e.AvailabilityZones); n != zones {
		add("availabilityZones", "must name exactly %d zones, got %d %q", zones, n, e.AvailabilityZones)
	}
	seen := map[string]bool{}
	for i, az := range e.AvailabilityZones {
		path := fmt.Sprintf("availabilityZones[%d]", i)
		switch {
		case seen[az]:
			add(path, "%q is named twice; each zone once", az)
		case len(az) != len(e.Region)+1 || !strings.HasPrefix(az, e.Region) || az[len(az)-1] < 'a' || az[len(az)-1] > 'z':
			add(path, "%q is not a zone of region %q (want %sa, %sc, ...)", az, e.Region, e.Region, e.Region)
		}
		seen[az] = true
	}

	if p := *e.Resilience.MinPeakAfterAZLossPercent; p < 0 || p > 100 {
		add("resilience.minPeakAfterAzLossPercent", "must be between 0 (off) and 100, got %d", p)
	}

	n := e.Network
	if n.Cidr == "" {
		add("network.cidr", "is required, e.g. \"10.0.0.0/16\"")
	} else if _, err := network.CheckCidr(n.Cidr); err != nil {
		add("network.cidr", "%v", err)
	}
	if err := network.CheckNatGateways(*n.NatGateways, zones); err != nil {
		add("network.natGateways", "%v", err)
	}
	if _, err := Retention(n.FlowLogRetentionDays); err != nil {
		add("network.flowLogRetentionDays", "%v", err)
	}
	for i, ep := range n.InterfaceEndpoints {
		if err := network.CheckInterfaceEndpoint(ep); err != nil {
			add(fmt.Sprintf("network.interfaceEndpoints[%d]", i), "%v", err)
		}
	}
	e.validateWorkloads(add)
}

// crossEnvironment checks what environments must not share: ECR repository names in one account
// and region (ECR names are unique there, and a retained repository outlives its stack), and
// VPC ranges (peering, VPN and Transit Gateway need distinct ones).
func crossEnvironment(envs []Environment) []string {
	var problems []string
	owner := map[string]string{} // "account/region/repository" → env
	for _, e := range envs {
		for i, r := range e.Platform.Repositories {
			key := e.Account + "/" + e.Region + "/" + r
			if other, ok := owner[key]; ok {
				problems = append(problems, fmt.Sprintf("env %q: platform.repositories[%d]: %q is also a repository of env %q in account %s, %s; ECR names are unique per account and region: use another name, e.g. %q",
					e.Name, i, r, other, e.Account, e.Region, e.Name+"/"+r))
				continue
			}
			owner[key] = e.Name
		}
	}
	for i, a := range envs {
		pa, errA := netip.ParsePrefix(a.Network.Cidr)
		for _, b := range envs[:i] {
			pb, errB := netip.ParsePrefix(b.Network.Cidr)
			if errA == nil && errB == nil && pa.Overlaps(pb) {
				problems = append(problems, fmt.Sprintf("env %q: network.cidr: %q overlaps env %q's %q; give each environment its own range",
					a.Name, a.Network.Cidr, b.Name, b.Network.Cidr))
			}
		}
	}
	return problems
}

// validateWorkloads checks what no single construct can: names unique across the environment,
// repositories and capacity providers that exist, a pipeline that has something to deploy, and
// log retentions CloudWatch accepts. The constructs check the rest and name their fields.
func (e *Environment) validateWorkloads(add func(path, format string, args ...any)) {
	repos := map[string]bool{}
	for _, r := range e.Platform.Repositories {
		repos[r] = true
	}
	names := map[string]string{}
	name := func(path, n string) {
		if !workloadRe.MatchString(n) {
			add(path+".name", "%q must be 1-32 lowercase letters, digits and '-', starting with a letter", n)
		} else if prev, ok := names[n]; ok {
			add(path+".name", "%q is already the name of %s; names are unique in an environment", n, prev)
		}
		names[n] = path
	}
	image := func(path string, im ImageSource) {
		switch {
		case im.Repository != "" && im.Image != "":
			add(path, "set repository or image, not both")
		case im.Repository == "" && im.Image == "":
			add(path, "set repository (one of platform.repositories) or image")
		case im.Repository != "" && !repos[im.Repository]:
			add(path+".repository", "%q is not in platform.repositories %q", im.Repository, e.Platform.Repositories)
		}
	}
	fargateOnly := e.Platform.Cluster.FargateOnly
	if fargateOnly && !reflect.ValueOf(e.Platform.Cluster.Ec2).IsZero() {
		add("platform.cluster.ec2", "is set, but platform.cluster.fargateOnly is true: a Fargate-only cluster has no EC2 instances; remove one of them")
	}
	providers := func(path string, cps []CapacityProvider) {
		for i, cp := range cps {
			switch {
			case !slices.Contains([]string{"FARGATE", "FARGATE_SPOT", EC2Provider}, cp.Name):
				add(fmt.Sprintf("%s[%d].name", path, i), "%q is not FARGATE, FARGATE_SPOT or EC2", cp.Name)
			case cp.Name == EC2Provider && fargateOnly:
				add(fmt.Sprintf("%s[%d].name", path, i), "%q, but platform.cluster.fargateOnly is true: the cluster has no EC2 capacity; use FARGATE or FARGATE_SPOT", cp.Name)
			}
		}
	}
	logs := func(path string, days *int) {
		if days == nil {
			return
		}
		if _, err := Retention(*days); err != nil {
			add(path, "%v", err)
		}
	}
	providers("platform.cluster.defaultCapacityProviders", e.Platform.Cluster.DefaultCapacityProviders)
	if z := e.ZonalShift; *z.Autoshift && z.OptOutReason != nil {
		add("zonalShift.optOutReason", "applies only with autoshift false")
	}
	for i, w := range e.Services.Web {
		path := fmt.Sprintf("services.web[%d]", i)
		name(path, w.Name)
		if d := w.Deployment; d != nil && d.Strategy != "" {
			if _, ok := Strategies[d.Strategy]; !ok {
				add(path+".deployment.strategy", "%q is not one of rolling, canary, linear, blueGreen", d.Strategy)
			}
		}
		if pr := w.Scaling.Predictive; pr != nil {
			oneOf(add, path+".scaling.predictive.metric", pr.Metric, PredictiveMetrics, "cpu", "memory", "requestCount")
			oneOf(add, path+".scaling.predictive.mode", pr.Mode, PredictiveModes, "forecastOnly", "forecastAndScale")
			oneOf(add, path+".scaling.predictive.maxCapacityBreach", pr.MaxCapacityBreach, MaxCapacityBreaches, "honorMaxCapacity", "increaseMaxCapacity")
		}
		image(path, w.ImageSource)
		providers(path+".capacityProviders", w.CapacityProviders)
		logs(path+".logRetentionDays", w.LogRetentionDays)
	}
	for i, w := range e.Services.Workers {
		path := fmt.Sprintf("services.workers[%d]", i)
		name(path, w.Name)
		if d := w.Deployment; d != nil && d.Strategy != "" && d.Strategy != "rolling" {
			add(path+".deployment.strategy", "%q needs a load balancer to shift traffic between revisions, and a worker has none: a worker deploys rolling", d.Strategy)
		}
		image(path, w.ImageSource)
		providers(path+".capacityProviders", w.CapacityProviders)
		logs(path+".logRetentionDays", w.LogRetentionDays)
	}
	for i, h := range e.AutoHeal {
		name(fmt.Sprintf("autoHeal[%d]", i), h.Name)
	}
	if p := e.Pipeline; p != nil {
		logs("pipeline.buildLogRetentionDays", p.BuildLogRetentionDays)
		if p.BakeMinutes != nil {
			add("pipeline.bakeMinutes", "removed: ECS bakes each service now, set services.web[].deployment.bakeMinutes; delete this key")
		}
		switch {
		case !repos[p.Repository]:
			add("pipeline.repository", "%q is not in platform.repositories %q", p.Repository, e.Platform.Repositories)
		case !slices.ContainsFunc(e.Services.Web, func(w WebService) bool { return w.Repository == p.Repository }) &&
			!slices.ContainsFunc(e.Services.Workers, func(w Worker) bool { return w.Repository == p.Repository }):
			add("pipeline.repository", "no web service or worker runs %q; the pipeline would deploy nothing", p.Repository)
		}
	}
}

// oneOf records a problem when v is set and not a key of names; allowed lists the keys in the
// order the message gives them.
func oneOf(add func(path, format string, args ...any), path, v string, names map[string]string, allowed ...string) {
	if _, ok := names[v]; v != "" && !ok {
		add(path, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

// retentionDays are the values CloudWatch Logs accepts for a log group's retention.
var retentionDays = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
	7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
	150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
	1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
	3653: awslogs.RetentionDays_TEN_YEARS,
}

// Retention converts a number of days to a CloudWatch Logs retention, or says which are allowed.
func Retention(days int) (awslogs.RetentionDays, error) {
	r, ok := retentionDays[days]
	if !ok {
		allowed := make([]int, 0, len(retentionDays))
		for d := range retentionDays {
			allowed = append(allowed, d)
		}
		slices.Sort(allowed)
		return "", fmt.Errorf("%d is not a CloudWatch Logs retention; use one of %v", days, allowed)
	}
	return r, nil
}
