package test

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/okiagari/okiagari/config"
)

// The "Done when" properties of the platform, web service, worker, auto-heal and pipeline
// issues, checked on the templates of every environment of cdk.json. References between
// resources (Ref, Fn::GetAtt, and Fn::GetStackOutput across stacks) are followed to the resource
// they name, so each property is checked on the resource it is about, not on logical IDs.

// ---------------------------------------------------------------------------------------------
// Helpers (prefixed prop to stay clear of the package's other tests).

// propRes is one resource of a synthesized template.
type propRes struct {
	env   string // "prod"
	stack string // "prod/Services"
	id    string // logical ID
	typ   string
	res   map[string]any
	props map[string]any
}

func (r propRes) String() string {
	return fmt.Sprintf("env %s, stack %s, %s (%s)", r.env, r.stack, r.id, r.typ)
}

// propStacks are the template keys of an environment, sorted.
func propStacks(env config.Environment) []string {
	var out []string
	for key := range synthesized.templates {
		if strings.HasPrefix(key, env.Name+"/") {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}

// propLookup returns the resource with a logical ID in a stack.
func propLookup(stack, id string) (propRes, bool) {
	r, ok := dig(synthesized.templates[stack], "Resources", id).(map[string]any)
	if !ok {
		return propRes{}, false
	}
	env, _, _ := strings.Cut(stack, "/")
	typ, _ := r["Type"].(string)
	props, _ := r["Properties"].(map[string]any)
	return propRes{env: env, stack: stack, id: id, typ: typ, res: r, props: props}, true
}

// propResources are the resources of a type in every stack of an environment, in a stable order.
func propResources(env config.Environment, typ string) []propRes {
	var out []propRes
	for _, stack := range propStacks(env) {
		rs, _ := synthesized.templates[stack]["Resources"].(map[string]any)
		ids := make([]string, 0, len(rs))
		for id := range rs {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if r, _ := propLookup(stack, id); r.typ == typ {
				out = append(out, r)
			}
		}
	}
	return out
}

var propStackNames = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, s := range *synthesized.assembly.StacksRecursively() {
		m[*s.StackName()] = *s.HierarchicalId()
	}
	return m
})

// propTarget is what a reference names: a resource (and attribute) of a stack, or a pseudo
// parameter (stack empty, id "AWS::Region").
type propTarget struct{ stack, id, attr string }

func (t propTarget) String() string {
	switch {
	case t.stack == "":
		return "${" + t.id + "}"
	case t.attr == "":
		return "${Ref:" + t.stack + "/" + t.id + "}"
	default:
		return "${" + t.stack + "/" + t.id + "." + t.attr + "}"
	}
}

func (t propTarget) res() (propRes, bool) {
	if t.stack == "" {
		return propRes{}, false
	}
	return propLookup(t.stack, t.id)
}

// propResolve follows a Ref, Fn::GetAtt, Fn::GetStackOutput or Fn::ImportValue written in stack
// to the resource it names; false if v is none of them or cannot be followed.
func propResolve(stack string, v any) (propTarget, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return propTarget{}, false
	}
	if ref, ok := m["Ref"].(string); ok {
		if strings.HasPrefix(ref, "AWS::") {
			return propTarget{id: ref}, true
		}
		return propTarget{stack: stack, id: ref}, true
	}
	switch ga := m["Fn::GetAtt"].(type) {
	case []any:
		if len(ga) == 2 {
			id, _ := ga[0].(string)
			attr, _ := ga[1].(string)
			return propTarget{stack, id, attr}, true
		}
	case string:
		id, attr, _ := strings.Cut(ga, ".")
		return propTarget{stack, id, attr}, true
	}
	if so, ok := m["Fn::GetStackOutput"].(map[string]any); ok {
		name, _ := so["StackName"].(string)
		out, _ := so["OutputName"].(string)
		key := propStackNames()[name]
		val := dig(synthesized.templates[key], "Outputs", out, "Value")
		if key == "" || val == nil {
			return propTarget{}, false
		}
		return propResolve(key, val)
	}
	if iv, ok := m["Fn::ImportValue"].(string); ok {
		for key, tpl := range synthesized.templates {
			outs, _ := tpl["Outputs"].(map[string]any)
			for _, o := range outs {
				if dig(o, "Export", "Name") == iv {
					return propResolve(key, dig(o, "Value"))
				}
			}
		}
	}
	return propTarget{}, false
}

// propResolveRes resolves v to a resource of the given type.
func propResolveRes(stack string, v any, typ string) (propRes, bool) {
	t, ok := propResolve(stack, v)
	if !ok {
		return propRes{}, false
	}
	r, ok := t.res()
	return r, ok && r.typ == typ
}

// propRefs lists every reference inside v, resolved.
func propRefs(stack string, v any) []propTarget {
	if t, ok := propResolve(stack, v); ok {
		return []propTarget{t}
	}
	var out []propTarget
	switch v := v.(type) {
	case map[string]any:
		for _, x := range v {
			out = append(out, propRefs(stack, x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, propRefs(stack, x)...)
		}
	}
	return out
}

// propRefers reports whether v refers (anywhere inside) to resource r.
func propRefers(stack string, v any, r propRes) bool {
	return slices.ContainsFunc(propRefs(stack, v), func(t propTarget) bool { return t.stack == r.stack && t.id == r.id })
}

// propRender renders a value as text, references as ${Ref:stack/id} / ${stack/id.Attr} /
// ${AWS::Region}, Fn::Join and Fn::Base64 evaluated.
func propRender(stack string, v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = propRender(stack, x)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		if t, ok := propResolve(stack, v); ok {
			return t.String()
		}
		if j, ok := v["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			var parts []string
			for _, p := range asList(j[1]) {
				parts = append(parts, propRender(stack, p))
			}
			return strings.Join(parts, sep)
		}
		if b, ok := v["Fn::Base64"]; ok {
			return propRender(stack, b)
		}
		for k, x := range v { // another intrinsic: keep its name around the rendered arguments
			return "${" + k + ":" + propRender(stack, x) + "}"
		}
	}
	return ""
}

// propNum reads a number CloudFormation may hold as a number or a string.
func propNum(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

// propKeyValue finds Key in a [{Key, Value}] list (load balancer and target group attributes).
func propKeyValue(list any, key string) (any, bool) {
	for _, kv := range asList(list) {
		if dig(kv, "Key") == key {
			return dig(kv, "Value"), true
		}
	}
	return nil, false
}

// propAZs resolves subnet references to the zones of the subnets; problems name what did not
// resolve or is public.
func propAZs(stack string, subnets any) (azs []string, problems []string) {
	for _, s := range asList(subnets) {
		sub, ok := propResolveRes(stack, s, "AWS::EC2::Subnet")
		if !ok {
			problems = append(problems, fmt.Sprintf("%s does not resolve to an AWS::EC2::Subnet", short(s)))
			continue
		}
		azs = append(azs, propRender(sub.stack, sub.props["AvailabilityZone"]))
		if sub.props["MapPublicIpOnLaunch"] == true {
			problems = append(problems, fmt.Sprintf("%s is a public subnet (MapPublicIpOnLaunch)", sub))
		}
	}
	return azs, problems
}

// propCheckZones checks that subnets resolve to one subnet in each of the environment's zones.
func propCheckZones(t *testing.T, r propRes, env config.Environment, property string, subnets any) {
	t.Helper()
	azs, problems := propAZs(r.stack, subnets)
	for _, p := range problems {
		t.Errorf("%s: %s: %s", r, property, p)
	}
	distinct := slices.Clone(azs)
	slices.Sort(distinct)
	distinct = slices.Compact(distinct)
	want := slices.Clone(env.AvailabilityZones)
	slices.Sort(want)
	if len(azs) != 3 || !slices.Equal(distinct, want) {
		t.Errorf("%s: %s lie in zones %v; want one subnet in each of the 3 zones %v", r, property, azs, want)
	}
}

// propEnvTopic reports whether v refers to an SNS topic of the environment.
func propEnvTopic(env config.Environment, stack string, v any) bool {
	t, ok := propResolve(stack, v)
	if !ok {
		return false
	}
	r, ok := t.res()
	return ok && r.typ == "AWS::SNS::Topic" && r.env == env.Name
}

// propCheckTopicActions checks that an alarm notifies the environment's topic on ALARM and OK.
func propCheckTopicActions(t *testing.T, env config.Environment, a propRes) {
	t.Helper()
	for _, key := range []string{"AlarmActions", "OKActions"} {
		actions := asList(a.props[key])
		if len(actions) == 0 {
			t.Errorf("%s: %s is empty; want the environment's alarm topic", a, key)
		}
		for _, act := range actions {
			if !propEnvTopic(env, a.stack, act) {
				t.Errorf("%s: %s %s is not the environment's SNS alarm topic", a, key, short(act))
			}
		}
	}
}

// propScalingAlarm reports whether an alarm's actions all trigger scaling policies.
func propScalingAlarm(a propRes) bool {
	actions := asList(a.props["AlarmActions"])
	return len(actions) > 0 && !slices.ContainsFunc(actions, func(act any) bool {
		_, ok := propResolveRes(a.stack, act, "AWS::ApplicationAutoScaling::ScalingPolicy")
		return !ok
	})
}

// propDimension returns the value of a dimension of a metric or an alarm.
func propDimension(dims any, name string) any {
	for _, d := range asList(dims) {
		if dig(d, "Name") == name {
			return dig(d, "Value")
		}
	}
	return nil
}

// propLoadBalanced splits the environment's ECS services into those behind a load balancer
// (web services) and those without (workers).
func propLoadBalanced(env config.Environment) (web, workers []propRes) {
	for _, s := range propResources(env, "AWS::ECS::Service") {
		if len(asList(s.props["LoadBalancers"])) > 0 {
			web = append(web, s)
		} else {
			workers = append(workers, s)
		}
	}
	return web, workers
}

// propTaskDefinition returns a service's task definition.
func propTaskDefinition(t *testing.T, svc propRes) (propRes, bool) {
	t.Helper()
	td, ok := propResolveRes(svc.stack, svc.props["TaskDefinition"], "AWS::ECS::TaskDefinition")
	if !ok {
		t.Errorf("%s: TaskDefinition %s does not resolve to an AWS::ECS::TaskDefinition", svc, short(svc.props["TaskDefinition"]))
	}
	return td, ok
}

// propContainer returns a container definition by name.
func propContainer(td propRes, name string) (map[string]any, bool) {
	for _, c := range asList(td.props["ContainerDefinitions"]) {
		if dig(c, "Name") == name {
			return c.(map[string]any), true
		}
	}
	return nil, false
}

// propScalableTarget returns the scalable target of a service.
func propScalableTarget(t *testing.T, env config.Environment, svc propRes) (propRes, bool) {
	t.Helper()
	var found []propRes
	for _, st := range propResources(env, "AWS::ApplicationAutoScaling::ScalableTarget") {
		if st.props["ServiceNamespace"] == "ecs" && propRefers(st.stack, st.props["ResourceId"], svc) {
			found = append(found, st)
		}
	}
	if len(found) != 1 {
		t.Errorf("%s: %d scalable targets have this service in their ResourceId; want 1", svc, len(found))
		return propRes{}, false
	}
	if d := found[0].props["ScalableDimension"]; d != "ecs:service:DesiredCount" {
		t.Errorf("%s: ScalableDimension %v, want ecs:service:DesiredCount", found[0], d)
	}
	return found[0], true
}

// propPolicies are the scaling policies of a scalable target.
func propPolicies(env config.Environment, target propRes) []propRes {
	var out []propRes
	for _, p := range propResources(env, "AWS::ApplicationAutoScaling::ScalingPolicy") {
		if tt, ok := propResolve(p.stack, p.props["ScalingTargetId"]); ok && tt.stack == target.stack && tt.id == target.id {
			out = append(out, p)
		}
	}
	return out
}

// propMetricMath checks a customized metric specification is metric math: metrics with MetricStat
// that return no data and one expression over them that returns the tracked value. It returns the
// metrics by id and the expression.
func propMetricMath(spec any) (metrics map[string]any, expr string, ok bool) {
	metrics = map[string]any{}
	returned := 0
	for _, m := range asList(dig(spec, "Metrics")) {
		id, _ := dig(m, "Id").(string)
		if e, isExpr := dig(m, "Expression").(string); isExpr {
			if dig(m, "ReturnData") == true {
				expr = e
				returned++
			}
		} else if dig(m, "MetricStat") != nil {
			if dig(m, "ReturnData") == true {
				returned++
			}
			metrics[id] = m
		}
	}
	return metrics, expr, returned == 1 && expr != "" && len(metrics) >= 2
}

// propFloor is the static-stability floor: ceil(peak × zones / (zones − 1)), or the peak.
func propFloor(peak, zones int, staticStability bool) int {
	peak = max(peak, 1)
	if !staticStability || zones < 2 {
		return peak
	}
	return int(math.Ceil(float64(peak*zones) / float64(zones-1)))
}

// ---------------------------------------------------------------------------------------------
// Issue 3: the container platform.

func TestPlatformProperties(t *testing.T) {
	if len(synthesized.envs) == 0 {
		t.Fatal("no environments")
	}
	for _, env := range synthesized.envs {
		// ECR repositories: scan on push, immutable tags, a lifecycle policy, retained.
		repos := propResources(env, "AWS::ECR::Repository")
		var names []string
		for _, r := range repos {
			names = append(names, propRender(r.stack, r.props["RepositoryName"]))
			if v := dig(r.props, "ImageScanningConfiguration", "ScanOnPush"); v != true {
				t.Errorf("%s: ImageScanningConfiguration.ScanOnPush %v, want true", r, v)
			}
			if v := r.props["ImageTagMutability"]; v != "IMMUTABLE" {
				t.Errorf("%s: ImageTagMutability %v, want IMMUTABLE", r, v)
			}
			if v := r.res["DeletionPolicy"]; v != "Retain" {
				t.Errorf("%s: DeletionPolicy %v, want Retain", r, v)
			}
			propCheckLifecycle(t, env, r)
		}
		slices.Sort(names)
		want := slices.Clone(env.Platform.Repositories)
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("env %s: ECR repositories %v, want platform.repositories %v", env.Name, names, want)
		}

		// The cluster: Container Insights, and its capacity provider associations.
		clusters := propResources(env, "AWS::ECS::Cluster")
		if len(clusters) == 0 {
			t.Errorf("env %s: no AWS::ECS::Cluster", env.Name)
		}
		assocs := propResources(env, "AWS::ECS::ClusterCapacityProviderAssociations")
		for _, c := range clusters {
			insights := false
			for _, s := range asList(c.props["ClusterSettings"]) {
				if dig(s, "Name") == "containerInsights" && (dig(s, "Value") == "enabled" || dig(s, "Value") == "enhanced") {
					insights = true
				}
			}
			if !insights {
				t.Errorf("%s: ClusterSettings %s do not turn containerInsights on", c, short(c.props["ClusterSettings"]))
			}
			var mine []propRes
			for _, a := range assocs {
				if cl, ok := propResolveRes(a.stack, a.props["Cluster"], "AWS::ECS::Cluster"); ok && cl.stack == c.stack && cl.id == c.id {
					mine = append(mine, a)
				}
			}
			if len(mine) != 1 {
				t.Errorf("%s: %d AWS::ECS::ClusterCapacityProviderAssociations name this cluster; want 1", c, len(mine))
				continue
			}
			propCheckProviders(t, env, mine[0])
		}

		// Every launch template requires IMDSv2.
		lts := propResources(env, "AWS::EC2::LaunchTemplate")
		if len(lts) == 0 {
			t.Errorf("env %s: no AWS::EC2::LaunchTemplate", env.Name)
		}
		for _, lt := range lts {
			if v := dig(lt.props, "LaunchTemplateData", "MetadataOptions", "HttpTokens"); v != "required" {
				t.Errorf("%s: LaunchTemplateData.MetadataOptions.HttpTokens %v, want required", lt, v)
			}
		}
	}
}

// propCheckLifecycle checks an ECR repository's lifecycle policy: untagged images expire after
// platform.untaggedExpiryDays, tagged ones beyond platform.keepTaggedImages (when configured).
func propCheckLifecycle(t *testing.T, env config.Environment, r propRes) {
	t.Helper()
	text, ok := dig(r.props, "LifecyclePolicy", "LifecyclePolicyText").(string)
	if !ok {
		t.Errorf("%s: LifecyclePolicy.LifecyclePolicyText missing", r)
		return
	}
	var policy struct {
		Rules []struct {
			Selection struct {
				TagStatus   string  `json:"tagStatus"`
				CountType   string  `json:"countType"`
				CountNumber float64 `json:"countNumber"`
			} `json:"selection"`
			Action struct {
				Type string `json:"type"`
			} `json:"action"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(text), &policy); err != nil {
		t.Errorf("%s: LifecyclePolicy.LifecyclePolicyText is not JSON: %v", r, err)
		return
	}
	var untagged, tagged []float64
	for _, rule := range policy.Rules {
		s := rule.Selection
		if rule.Action.Type != "expire" {
			continue
		}
		switch {
		case s.TagStatus == "untagged" && s.CountType == "sinceImagePushed":
			untagged = append(untagged, s.CountNumber)
		case (s.TagStatus == "tagged" || s.TagStatus == "any") && s.CountType == "imageCountMoreThan":
			tagged = append(tagged, s.CountNumber)
		}
	}
	if len(untagged) != 1 || (env.Platform.UntaggedExpiryDays != nil && untagged[0] != float64(*env.Platform.UntaggedExpiryDays)) {
		t.Errorf("%s: LifecyclePolicy expires untagged images after %v days; want one rule, %v days (platform.untaggedExpiryDays)", r, untagged, propDeref(env.Platform.UntaggedExpiryDays))
	}
	if len(tagged) != 1 || (env.Platform.KeepTaggedImages != nil && tagged[0] != float64(*env.Platform.KeepTaggedImages)) {
		t.Errorf("%s: LifecyclePolicy keeps %v tagged images; want one rule, %v (platform.keepTaggedImages)", r, tagged, propDeref(env.Platform.KeepTaggedImages))
	}
}

func propDeref(p *int) any {
	if p == nil {
		return "the default"
	}
	return *p
}

// propCheckProviders checks a cluster's capacity provider associations and the EC2 provider
// with its Auto Scaling group and launch template.
func propCheckProviders(t *testing.T, env config.Environment, a propRes) {
	t.Helper()
	providers := asList(a.props["CapacityProviders"])
	for _, name := range []string{"FARGATE", "FARGATE_SPOT"} {
		if !slices.Contains(providers, any(name)) {
			t.Errorf("%s: CapacityProviders %s lack %s", a, short(providers), name)
		}
	}
	var ec2 []propRes
	for _, p := range providers {
		if cp, ok := propResolveRes(a.stack, p, "AWS::ECS::CapacityProvider"); ok && dig(cp.props, "AutoScalingGroupProvider") != nil {
			ec2 = append(ec2, cp)
		}
	}
	if len(ec2) == 0 {
		t.Errorf("%s: CapacityProviders %s name no EC2 Auto Scaling group capacity provider", a, short(providers))
	}
	for _, cp := range ec2 {
		asgp := dig(cp.props, "AutoScalingGroupProvider")
		if v := dig(asgp, "ManagedScaling", "Status"); v != "ENABLED" {
			t.Errorf("%s: AutoScalingGroupProvider.ManagedScaling.Status %v, want ENABLED", cp, v)
		}
		if v := dig(asgp, "ManagedTerminationProtection"); v != "ENABLED" {
			t.Errorf("%s: AutoScalingGroupProvider.ManagedTerminationProtection %v, want ENABLED", cp, v)
		}
		if v := dig(asgp, "ManagedDraining"); v != "ENABLED" {
			t.Errorf("%s: AutoScalingGroupProvider.ManagedDraining %v, want ENABLED", cp, v)
		}
		asg, ok := propResolveRes(cp.stack, dig(asgp, "AutoScalingGroupArn"), "AWS::AutoScaling::AutoScalingGroup")
		if !ok {
			t.Errorf("%s: AutoScalingGroupProvider.AutoScalingGroupArn %s does not resolve to an Auto Scaling group", cp, short(dig(asgp, "AutoScalingGroupArn")))
			continue
		}
		propCheckSpotGroup(t, env, asg)
	}
}

var propSpotDraining = regexp.MustCompile(`(?m)^[^#\n]*\bECS_ENABLE_SPOT_INSTANCE_DRAINING=true\b[^\n]*/etc/ecs/ecs\.config`)

// propCheckSpotGroup checks the EC2 capacity provider's Auto Scaling group.
func propCheckSpotGroup(t *testing.T, env config.Environment, asg propRes) {
	t.Helper()
	mip := dig(asg.props, "MixedInstancesPolicy")
	if mip == nil {
		t.Errorf("%s: no MixedInstancesPolicy", asg)
		return
	}
	if v := dig(mip, "InstancesDistribution", "SpotAllocationStrategy"); v != "price-capacity-optimized" {
		t.Errorf("%s: MixedInstancesPolicy.InstancesDistribution.SpotAllocationStrategy %v, want price-capacity-optimized", asg, v)
	}
	var types []string
	for _, o := range asList(dig(mip, "LaunchTemplate", "Overrides")) {
		if it, ok := dig(o, "InstanceType").(string); ok && !slices.Contains(types, it) {
			types = append(types, it)
		}
	}
	if len(types) < 3 {
		t.Errorf("%s: MixedInstancesPolicy.LaunchTemplate.Overrides name instance types %v; want at least 3", asg, types)
	}
	if v := asg.props["CapacityRebalance"]; v != true {
		t.Errorf("%s: CapacityRebalance %v, want true", asg, v)
	}
	propCheckZones(t, asg, env, "VPCZoneIdentifier", asg.props["VPCZoneIdentifier"])

	spec := dig(mip, "LaunchTemplate", "LaunchTemplateSpecification")
	lt, ok := propResolveRes(asg.stack, dig(spec, "LaunchTemplateId"), "AWS::EC2::LaunchTemplate")
	if !ok {
		t.Errorf("%s: MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId %s does not resolve to a launch template", asg, short(dig(spec, "LaunchTemplateId")))
		return
	}
	userData := propRender(lt.stack, dig(lt.props, "LaunchTemplateData", "UserData"))
	if !propSpotDraining.MatchString(userData) {
		t.Errorf("%s: LaunchTemplateData.UserData does not write ECS_ENABLE_SPOT_INSTANCE_DRAINING=true to /etc/ecs/ecs.config:\n%s", lt, userData)
	}
}

// ---------------------------------------------------------------------------------------------
// Issue 4: web services.

func TestWebServiceProperties(t *testing.T) {
	if len(synthesized.envs) == 0 {
		t.Fatal("no environments")
	}
	productionChecked := 0
	for _, env := range synthesized.envs {
		// Load balancers: invalid headers dropped, access logs, deletion protection in production.
		albs := propResources(env, "AWS::ElasticLoadBalancingV2::LoadBalancer")
		if len(albs) == 0 && len(env.Services.Web) > 0 {
			t.Errorf("env %s: no load balancer for %d web services", env.Name, len(env.Services.Web))
		}
		for _, lb := range albs {
			attrs := lb.props["LoadBalancerAttributes"]
			want := map[string]string{
				"routing.http.drop_invalid_header_fields.enabled": "true",
				"access_logs.s3.enabled":                          "true",
			}
			if env.Production {
				want["deletion_protection.enabled"] = "true"
			}
			for key, val := range want {
				if got, _ := propKeyValue(attrs, key); got != val {
					t.Errorf("%s: LoadBalancerAttributes %s = %v, want %s", lb, key, got, val)
				}
			}
			bucket, _ := propKeyValue(attrs, "access_logs.s3.bucket")
			if _, ok := propResolveRes(lb.stack, bucket, "AWS::S3::Bucket"); !ok {
				t.Errorf("%s: LoadBalancerAttributes access_logs.s3.bucket %s is not an S3 bucket of the app", lb, short(bucket))
			}
		}

		// Every service: circuit breaker with rollback, minimum healthy 100 %.
		for _, svc := range propResources(env, "AWS::ECS::Service") {
			dc := svc.props["DeploymentConfiguration"]
			if v := dig(dc, "DeploymentCircuitBreaker", "Enable"); v != true {
				t.Errorf("%s: DeploymentConfiguration.DeploymentCircuitBreaker.Enable %v, want true", svc, v)
			}
			if v := dig(dc, "DeploymentCircuitBreaker", "Rollback"); v != true {
				t.Errorf("%s: DeploymentConfiguration.DeploymentCircuitBreaker.Rollback %v, want true", svc, v)
			}
			if v, _ := propNum(dig(dc, "MinimumHealthyPercent")); v != 100 {
				t.Errorf("%s: DeploymentConfiguration.MinimumHealthyPercent %v, want 100", svc, dig(dc, "MinimumHealthyPercent"))
			}
		}

		web, _ := propLoadBalanced(env)
		if len(web) != len(env.Services.Web) {
			t.Errorf("env %s: %d load-balanced ECS services, want %d (services.web)", env.Name, len(web), len(env.Services.Web))
		}
		var steps, crons, maths int
		for _, svc := range web {
			propCheckWebTargets(t, svc)
			target, ok := propScalableTarget(t, env, svc)
			if !ok {
				continue
			}
			cpu := 0
			for _, p := range propPolicies(env, target) {
				tt := p.props["TargetTrackingScalingPolicyConfiguration"]
				switch {
				case p.props["PolicyType"] == "StepScaling":
					if len(asList(dig(p.props, "StepScalingPolicyConfiguration", "StepAdjustments"))) == 0 {
						t.Errorf("%s: StepScalingPolicyConfiguration.StepAdjustments is empty", p)
					} else if !propTriggered(env, p) {
						t.Errorf("%s: no alarm triggers this step scaling policy", p)
					} else {
						steps++
					}
				case dig(tt, "PredefinedMetricSpecification", "PredefinedMetricType") == "ECSServiceAverageCPUUtilization",
					dig(tt, "PredefinedMetricSpecification", "PredefinedMetricType") == "ECSServiceAverageCPUUtilizationHighResolution":
					cpu++
					out, okOut := propNum(dig(tt, "ScaleOutCooldown"))
					in, okIn := propNum(dig(tt, "ScaleInCooldown"))
					if !okOut || !okIn || out >= in {
						t.Errorf("%s: CPU target tracking ScaleOutCooldown %v, ScaleInCooldown %v; want scale-out < scale-in", p, dig(tt, "ScaleOutCooldown"), dig(tt, "ScaleInCooldown"))
					}
				case dig(tt, "CustomizedMetricSpecification") != nil:
					if _, _, ok := propMetricMath(dig(tt, "CustomizedMetricSpecification")); ok {
						maths++
					}
				}
			}
			if cpu != 1 {
				t.Errorf("%s: %d CPU target-tracking policies (ECSServiceAverageCPUUtilization, or its HighResolution variant) on %s; want 1", svc, cpu, target.id)
			}
			for _, a := range asList(target.props["ScheduledActions"]) {
				if s, _ := dig(a, "Schedule").(string); strings.HasPrefix(s, "cron(") && strings.HasSuffix(s, ")") {
					crons++
				}
			}
			propCheckWebAlarms(t, env, svc)
			if env.Production {
				productionChecked++
				propCheckFloor(t, env, svc, target)
			}
		}
		if len(web) > 0 {
			if steps == 0 {
				t.Errorf("env %s: no web service has a step scaling policy (StepScaling with steps, triggered by an alarm)", env.Name)
			}
			if crons == 0 {
				t.Errorf("env %s: no web service's scalable target has a cron ScheduledActions entry", env.Name)
			}
			if maths == 0 {
				t.Errorf("env %s: no web service has a metric-math target-tracking policy (CustomizedMetricSpecification.Metrics with an expression)", env.Name)
			}
		}

		// Every alarm either drives scaling or notifies the environment's topic.
		for _, a := range propResources(env, "AWS::CloudWatch::Alarm") {
			if !propScalingAlarm(a) {
				propCheckTopicActions(t, env, a)
			}
		}
	}
	if productionChecked == 0 {
		t.Error("no web service in a production environment: the static-stability floor was not checked")
	}
}

// propTriggered reports whether an alarm of the environment triggers a scaling policy.
func propTriggered(env config.Environment, p propRes) bool {
	for _, a := range propResources(env, "AWS::CloudWatch::Alarm") {
		for _, act := range asList(a.props["AlarmActions"]) {
			if r, ok := propResolveRes(a.stack, act, p.typ); ok && r.stack == p.stack && r.id == p.id {
				return true
			}
		}
	}
	return false
}

// propCheckWebTargets checks a web service's target groups and the containers they route to.
func propCheckWebTargets(t *testing.T, svc propRes) {
	t.Helper()
	td, ok := propTaskDefinition(t, svc)
	if !ok {
		return
	}
	for _, lb := range asList(svc.props["LoadBalancers"]) {
		tg, ok := propResolveRes(svc.stack, dig(lb, "TargetGroupArn"), "AWS::ElasticLoadBalancingV2::TargetGroup")
		if !ok {
			t.Errorf("%s: LoadBalancers TargetGroupArn %s does not resolve to a target group", svc, short(dig(lb, "TargetGroupArn")))
			continue
		}
		raw, _ := propKeyValue(tg.props["TargetGroupAttributes"], "deregistration_delay.timeout_seconds")
		delay, ok := propNum(raw)
		if !ok || delay > 60 {
			t.Errorf("%s: TargetGroupAttributes deregistration_delay.timeout_seconds %v, want set and <= 60 (unset is AWS's 300)", tg, raw)
		}
		if v, ok := propNum(tg.props["HealthCheckIntervalSeconds"]); !ok || v > 15 {
			t.Errorf("%s: HealthCheckIntervalSeconds %v, want set and <= 15 (unset is AWS's 30)", tg, tg.props["HealthCheckIntervalSeconds"])
		}
		name, _ := dig(lb, "ContainerName").(string)
		c, ok := propContainer(td, name)
		if !ok {
			t.Errorf("%s: no container %q, the one %s routes to", td, name, svc.id)
			continue
		}
		if stop, ok := propNum(c["StopTimeout"]); !ok || stop < delay {
			t.Errorf("%s: container %q StopTimeout %v, want set and >= the deregistration delay %v of %s", td, name, c["StopTimeout"], delay, tg.id)
		}
		if len(asList(dig(c, "HealthCheck", "Command"))) == 0 {
			t.Errorf("%s: container %q has no HealthCheck.Command", td, name)
		}
	}
}

// propCheckWebAlarms checks the alarms about a web service (its metrics, its target group or its
// load balancer): at least 3, all to the environment's topic, one treating missing data as breaching.
func propCheckWebAlarms(t *testing.T, env config.Environment, svc propRes) {
	t.Helper()
	related := []propRes{svc}
	for _, lb := range asList(svc.props["LoadBalancers"]) {
		tg, ok := propResolveRes(svc.stack, dig(lb, "TargetGroupArn"), "AWS::ElasticLoadBalancingV2::TargetGroup")
		if !ok {
			continue
		}
		related = append(related, tg)
		for _, l := range propResources(env, "AWS::ElasticLoadBalancingV2::Listener") {
			if propRefers(l.stack, l.props["DefaultActions"], tg) {
				related = append(related, l)
				if alb, ok := propResolveRes(l.stack, l.props["LoadBalancerArn"], "AWS::ElasticLoadBalancingV2::LoadBalancer"); ok {
					related = append(related, alb)
				}
			}
		}
	}
	var alarms []propRes
	for _, a := range propResources(env, "AWS::CloudWatch::Alarm") {
		if propScalingAlarm(a) {
			continue
		}
		if slices.ContainsFunc(related, func(r propRes) bool { return propRefers(a.stack, a.props, r) }) {
			alarms = append(alarms, a)
		}
	}
	if len(alarms) < 3 {
		t.Errorf("%s: %d alarms watch this service, its target group or load balancer; want >= 3", svc, len(alarms))
	}
	breaching := false
	for _, a := range alarms {
		propCheckTopicActions(t, env, a)
		breaching = breaching || a.props["TreatMissingData"] == "breaching"
	}
	if !breaching {
		t.Errorf("%s: none of its %d alarms has TreatMissingData breaching", svc, len(alarms))
	}
}

// propCheckFloor checks a production web service's scalable target (which sets its task count)
// and schedules never go below 3 tasks and its static-stability floor.
func propCheckFloor(t *testing.T, env config.Environment, svc propRes, target propRes) {
	t.Helper()
	name, _ := dig(asList(svc.props["LoadBalancers"])[0], "ContainerName").(string)
	i := slices.IndexFunc(env.Services.Web, func(w config.WebService) bool { return w.Name == name })
	if i < 0 {
		t.Errorf("%s: load-balanced container %q names no services.web entry", svc, name)
		return
	}
	w := env.Services.Web[i]
	static := w.StaticStability == nil || *w.StaticStability
	floor := max(3, propFloor(w.PeakTasks, len(env.AvailabilityZones), static))
	// No DesiredCount: CloudFormation would reset a scaled-out service to it on every update;
	// the scalable target's minimum holds the floor instead.
	if v, ok := svc.props["DesiredCount"]; ok {
		t.Errorf("%s: DesiredCount %v is set; every stack update would reset the task count to it", svc, v)
	}
	if v, ok := propNum(target.props["MinCapacity"]); !ok || v < float64(floor) {
		t.Errorf("%s: MinCapacity %v, want >= %d (at least 3 tasks and the floor of peak %d over %d zones)", target, target.props["MinCapacity"], floor, w.PeakTasks, len(env.AvailabilityZones))
	}
	for _, a := range asList(target.props["ScheduledActions"]) {
		raw := dig(a, "ScalableTargetAction", "MinCapacity")
		if v, ok := propNum(raw); raw != nil && (!ok || v < float64(floor)) {
			t.Errorf("%s: ScheduledActions %v MinCapacity %v, want >= %d", target, dig(a, "ScheduledActionName"), raw, floor)
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Issue 5: queue workers.

func TestWorkerProperties(t *testing.T) {
	if len(synthesized.envs) == 0 {
		t.Fatal("no environments")
	}
	for _, env := range synthesized.envs {
		// Every queue is encrypted and denies access without TLS.
		policies := propResources(env, "AWS::SQS::QueuePolicy")
		for _, q := range propResources(env, "AWS::SQS::Queue") {
			if q.props["SqsManagedSseEnabled"] != true && q.props["KmsMasterKeyId"] == nil {
				t.Errorf("%s: neither SqsManagedSseEnabled nor KmsMasterKeyId: the queue is not encrypted", q)
			}
			if !slices.ContainsFunc(policies, func(p propRes) bool { return propDeniesPlainText(p, q) }) {
				t.Errorf("%s: no AWS::SQS::QueuePolicy denies sqs:* to everyone on it when aws:SecureTransport is false", q)
			}
		}

		_, workers := propLoadBalanced(env)
		if len(workers) != len(env.Services.Workers) {
			t.Errorf("env %s: %d ECS services without a load balancer, want %d (services.workers)", env.Name, len(workers), len(env.Services.Workers))
		}
		for _, svc := range workers {
			td, ok := propTaskDefinition(t, svc)
			if !ok {
				continue
			}
			essential := 0
			for _, c := range asList(td.props["ContainerDefinitions"]) {
				if dig(c, "Essential") == false {
					continue
				}
				essential++
				if v, ok := propNum(dig(c, "StopTimeout")); !ok || v < 60 {
					t.Errorf("%s: container %v StopTimeout %v, want >= 60", td, dig(c, "Name"), dig(c, "StopTimeout"))
				}
			}
			if essential == 0 {
				t.Errorf("%s: no essential container", td)
			}
			queue, ok := propCheckBacklog(t, env, svc)
			if !ok {
				continue
			}
			propCheckQueueAlarms(t, env, queue)
			propCheckWorkerRole(t, env, svc, td, queue)
		}
	}
}

// propDeniesPlainText reports whether a queue policy applies to q and denies every SQS action
// to every principal without TLS.
func propDeniesPlainText(p propRes, q propRes) bool {
	if !slices.ContainsFunc(asList(p.props["Queues"]), func(v any) bool {
		r, ok := propResolveRes(p.stack, v, "AWS::SQS::Queue")
		return ok && r.stack == q.stack && r.id == q.id
	}) {
		return false
	}
	for _, s := range statements(p.typ, p.props) {
		principal := s["Principal"]
		if s["Effect"] == "Deny" &&
			dig(s, "Condition", "Bool", "aws:SecureTransport") == "false" &&
			slices.ContainsFunc(asList(s["Action"]), func(a any) bool { return a == "sqs:*" || a == "*" }) &&
			(principal == "*" || dig(principal, "AWS") == "*") &&
			propRefers(p.stack, s["Resource"], q) {
			return true
		}
	}
	return false
}

// propCheckBacklog checks the worker's backlog-per-task policy: target tracking on metric math
// over the queue's ApproximateNumberOfMessagesVisible and the service's running task count. It
// returns the queue.
func propCheckBacklog(t *testing.T, env config.Environment, svc propRes) (propRes, bool) {
	t.Helper()
	target, ok := propScalableTarget(t, env, svc)
	if !ok {
		return propRes{}, false
	}
	var queues []propRes
	for _, p := range propPolicies(env, target) {
		spec := dig(p.props, "TargetTrackingScalingPolicyConfiguration", "CustomizedMetricSpecification")
		if p.props["PolicyType"] != "TargetTrackingScaling" || spec == nil {
			continue
		}
		metrics, expr, ok := propMetricMath(spec)
		if !ok {
			continue
		}
		var visible, running string
		var queue propRes
		for id, m := range metrics {
			metric := dig(m, "MetricStat", "Metric")
			switch dig(metric, "MetricName") {
			case "ApproximateNumberOfMessagesVisible":
				q, ok := propResolveRes(p.stack, propDimension(dig(metric, "Dimensions"), "QueueName"), "AWS::SQS::Queue")
				if ok && dig(metric, "Namespace") == "AWS/SQS" {
					visible, queue = id, q
				}
			case "RunningTaskCount":
				if propRefers(p.stack, propDimension(dig(metric, "Dimensions"), "ServiceName"), svc) {
					running = id
				}
			}
		}
		if visible == "" || running == "" {
			continue
		}
		perTask := regexp.MustCompile(`\b` + regexp.QuoteMeta(visible) + `\s*/\s*` + regexp.QuoteMeta(running) + `\b`)
		if !perTask.MatchString(expr) {
			t.Errorf("%s: expression %q does not divide %s (visible messages) by %s (running tasks)", p, expr, visible, running)
			continue
		}
		queues = append(queues, queue)
	}
	if len(queues) != 1 {
		t.Errorf("%s: %d target-tracking policies on %s track metric math over an SQS queue's ApproximateNumberOfMessagesVisible divided by this service's RunningTaskCount; want 1", svc, len(queues), target.id)
		return propRes{}, false
	}
	return queues[0], true
}

// propCheckQueueAlarms checks the worker queue's redrive policy and the dead-letter and oldest
// message alarms.
func propCheckQueueAlarms(t *testing.T, env config.Environment, q propRes) {
	t.Helper()
	rp := q.props["RedrivePolicy"]
	dlq, ok := propResolveRes(q.stack, dig(rp, "deadLetterTargetArn"), "AWS::SQS::Queue")
	if !ok || dlq.id == q.id {
		t.Errorf("%s: RedrivePolicy.deadLetterTargetArn %s is not another queue", q, short(dig(rp, "deadLetterTargetArn")))
		return
	}
	if n, ok := propNum(dig(rp, "maxReceiveCount")); !ok || n < 1 {
		t.Errorf("%s: RedrivePolicy.maxReceiveCount %v, want >= 1", q, dig(rp, "maxReceiveCount"))
	}
	alarm := func(metric string, queue propRes) []propRes {
		var out []propRes
		for _, a := range propResources(env, "AWS::CloudWatch::Alarm") {
			v, ok := propResolveRes(a.stack, propDimension(a.props["Dimensions"], "QueueName"), "AWS::SQS::Queue")
			if a.props["Namespace"] == "AWS/SQS" && a.props["MetricName"] == metric && ok && v.stack == queue.stack && v.id == queue.id && !propScalingAlarm(a) {
				out = append(out, a)
			}
		}
		return out
	}
	dead := alarm("ApproximateNumberOfMessagesVisible", dlq)
	if len(dead) != 1 {
		t.Errorf("%s: %d alarms on the dead-letter queue %s's ApproximateNumberOfMessagesVisible; want 1", q, len(dead), dlq.id)
	}
	for _, a := range dead {
		propCheckTopicActions(t, env, a)
		if v := a.props["TreatMissingData"]; v != "notBreaching" {
			t.Errorf("%s: TreatMissingData %v, want notBreaching", a, v)
		}
		if th, ok := propNum(a.props["Threshold"]); !ok || th != 0 || a.props["ComparisonOperator"] != "GreaterThanThreshold" {
			t.Errorf("%s: %v %v; want GreaterThanThreshold 0 (any message in the dead-letter queue)", a, a.props["ComparisonOperator"], a.props["Threshold"])
		}
	}
	oldest := alarm("ApproximateAgeOfOldestMessage", q)
	if len(oldest) != 1 {
		t.Errorf("%s: %d alarms on its ApproximateAgeOfOldestMessage; want 1", q, len(oldest))
	}
	for _, a := range oldest {
		propCheckTopicActions(t, env, a)
	}
}

var propWorkerActions = map[string]string{
	"sqs:ReceiveMessage":               "queue",
	"sqs:DeleteMessage":                "queue",
	"sqs:DeleteMessageBatch":           "queue",
	"sqs:ChangeMessageVisibility":      "queue",
	"sqs:ChangeMessageVisibilityBatch": "queue",
	"sqs:GetQueueAttributes":           "queue",
	"sqs:GetQueueUrl":                  "queue",
	"ecs:UpdateTaskProtection":         "tasks",
	"ecs:GetTaskProtection":            "tasks",
}

// propCheckWorkerRole checks the worker task role's permissions: receive and delete on its own
// queue, task protection on the tasks of its own cluster, nothing else and no wildcard action.
func propCheckWorkerRole(t *testing.T, env config.Environment, svc, td, queue propRes) {
	t.Helper()
	role, ok := propResolveRes(td.stack, td.props["TaskRoleArn"], "AWS::IAM::Role")
	if !ok {
		t.Errorf("%s: TaskRoleArn %s does not resolve to an AWS::IAM::Role", td, short(td.props["TaskRoleArn"]))
		return
	}
	if arns := asList(role.props["ManagedPolicyArns"]); len(arns) > 0 {
		t.Errorf("%s: ManagedPolicyArns %s; want no managed policy on the worker task role", role, short(arns))
	}
	type stmt struct {
		from propRes
		s    map[string]any
	}
	var stmts []stmt
	for _, p := range asList(role.props["Policies"]) {
		for _, s := range asList(dig(p, "PolicyDocument", "Statement")) {
			stmts = append(stmts, stmt{role, s.(map[string]any)})
		}
	}
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for _, p := range propResources(env, typ) {
			if !slices.ContainsFunc(asList(p.props["Roles"]), func(v any) bool {
				r, ok := propResolveRes(p.stack, v, "AWS::IAM::Role")
				return ok && r.stack == role.stack && r.id == role.id
			}) {
				continue
			}
			for _, s := range statements(p.typ, p.props) {
				stmts = append(stmts, stmt{p, s})
			}
		}
	}

	queueArn := propTarget{queue.stack, queue.id, "Arn"}.String()
	cluster := propRender(svc.stack, svc.props["Cluster"])
	if c, ok := propResolve(svc.stack, svc.props["Cluster"]); !ok || c.stack == "" {
		cluster = "<unresolved cluster>"
	}
	ownTasks := regexp.MustCompile(`^arn:(aws|\$\{AWS::Partition\}):ecs:(` + regexp.QuoteMeta(env.Region) + `|\$\{AWS::Region\}):(` +
		regexp.QuoteMeta(env.Account) + `|\$\{AWS::AccountId\}):task/` + regexp.QuoteMeta(cluster) + `/\*$`)
	granted := map[string]bool{}
	for _, st := range stmts {
		s := st.s
		if s["Effect"] != "Allow" {
			continue
		}
		for _, key := range []string{"NotAction", "NotResource"} {
			if _, ok := s[key]; ok {
				t.Errorf("%s: worker task role %s: an Allow statement with %s: %s", st.from, role.id, key, short(s))
			}
		}
		var resources []string
		for _, r := range asList(s["Resource"]) {
			resources = append(resources, propRender(st.from.stack, r))
		}
		for _, a := range asList(s["Action"]) {
			action, _ := a.(string)
			if strings.Contains(action, "*") {
				t.Errorf("%s: worker task role %s allows the wildcard action %q", st.from, role.id, action)
				continue
			}
			class, known := propWorkerActions[action]
			if !known {
				t.Errorf("%s: worker task role %s allows %s, which is neither consuming its queue nor protecting its tasks", st.from, role.id, action)
				continue
			}
			ok := len(resources) > 0
			for _, r := range resources {
				if class == "queue" && r != queueArn || class == "tasks" && !ownTasks.MatchString(r) {
					ok = false
					t.Errorf("%s: worker task role %s allows %s on %s; want only %s", st.from, role.id, action, r,
						map[string]string{"queue": queueArn + " (its queue)", "tasks": ownTasks.String() + " (the tasks of its cluster)"}[class])
				}
			}
			if ok {
				granted[action] = true // a Condition would only narrow the grant further
			}
		}
	}
	for _, a := range []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "ecs:UpdateTaskProtection"} {
		if !granted[a] {
			t.Errorf("%s: task role %s is not allowed %s on its own %s", svc, role.id, a, propWorkerActions[a])
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Issue 6: auto-healing single-instance hosts.

func TestAutoHealProperties(t *testing.T) {
	if len(synthesized.envs) == 0 {
		t.Fatal("no environments")
	}
	for _, env := range synthesized.envs {
		fss := propResources(env, "AWS::EFS::FileSystem")
		if len(fss) != len(env.AutoHeal) {
			t.Errorf("env %s: %d EFS file systems, want %d (autoHeal)", env.Name, len(fss), len(env.AutoHeal))
		}
		for _, fs := range fss {
			if fs.props["Encrypted"] != true {
				t.Errorf("%s: Encrypted %v, want true", fs, fs.props["Encrypted"])
			}
			if v := dig(fs.props, "BackupPolicy", "Status"); v != "ENABLED" {
				t.Errorf("%s: BackupPolicy.Status %v, want ENABLED", fs, v)
			}
			for _, key := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
				if fs.res[key] != "Retain" {
					t.Errorf("%s: %s %v, want Retain", fs, key, fs.res[key])
				}
			}

			// Mount targets in the three zones, reachable on NFS from security groups only.
			var subnets []any
			nfsSources := map[string]bool{}
			for _, mt := range propResources(env, "AWS::EFS::MountTarget") {
				if !propRefers(mt.stack, mt.props["FileSystemId"], fs) {
					continue
				}
				subnets = append(subnets, mt.props["SubnetId"])
				for _, sg := range asList(mt.props["SecurityGroups"]) {
					for _, src := range propCheckNfsOnly(t, env, mt, sg) {
						nfsSources[src] = true
					}
				}
			}
			propCheckZones(t, fs, env, "the subnets of its mount targets", subnets)

			// The launch template whose user data mounts this file system.
			var lts []propRes
			for _, lt := range propResources(env, "AWS::EC2::LaunchTemplate") {
				if propRefers(lt.stack, dig(lt.props, "LaunchTemplateData", "UserData"), fs) {
					lts = append(lts, lt)
				}
			}
			if len(lts) != 1 {
				t.Errorf("%s: %d launch templates refer to it in their user data; want 1", fs, len(lts))
				continue
			}
			lt := lts[0]
			propCheckAutoHealUserData(t, env, fs, lt)
			ltSGs := map[string]bool{}
			for _, sg := range asList(dig(lt.props, "LaunchTemplateData", "SecurityGroupIds")) {
				if r, ok := propResolveRes(lt.stack, sg, "AWS::EC2::SecurityGroup"); ok {
					ltSGs[r.stack+"/"+r.id] = true
				}
			}
			if len(nfsSources) == 0 {
				t.Errorf("%s: no mount target security group admits NFS", fs)
			}
			for src := range nfsSources {
				if !ltSGs[src] {
					t.Errorf("%s: NFS is admitted from %s, which is not a security group of the instance's launch template %s", fs, src, lt.id)
				}
			}

			// The group: exactly one instance over three zones, notifications, OldestInstance.
			var asgs []propRes
			for _, asg := range propResources(env, "AWS::AutoScaling::AutoScalingGroup") {
				if r, ok := propResolveRes(asg.stack, dig(asg.props, "LaunchTemplate", "LaunchTemplateId"), lt.typ); ok && r.stack == lt.stack && r.id == lt.id {
					asgs = append(asgs, asg)
				}
			}
			if len(asgs) != 1 {
				t.Errorf("%s: %d Auto Scaling groups launch it; want 1", lt, len(asgs))
				continue
			}
			propCheckAutoHealGroup(t, env, asgs[0])
		}
	}
}

// propCheckNfsOnly checks a mount target's security group admits only NFS (TCP 2049), only
// from security groups; it returns those groups.
func propCheckNfsOnly(t *testing.T, env config.Environment, mt propRes, ref any) []string {
	t.Helper()
	sg, ok := propResolveRes(mt.stack, ref, "AWS::EC2::SecurityGroup")
	if !ok {
		t.Errorf("%s: SecurityGroups %s does not resolve to a security group", mt, short(ref))
		return nil
	}
	rules := asList(sg.props["SecurityGroupIngress"])
	for _, in := range propResources(env, "AWS::EC2::SecurityGroupIngress") {
		if g, ok := propResolveRes(in.stack, in.props["GroupId"], sg.typ); ok && g.stack == sg.stack && g.id == sg.id {
			rules = append(rules, in.props)
		}
	}
	var sources []string
	for _, rule := range rules {
		from, _ := propNum(dig(rule, "FromPort"))
		to, _ := propNum(dig(rule, "ToPort"))
		src, ok := propResolveRes(sg.stack, dig(rule, "SourceSecurityGroupId"), sg.typ)
		open := dig(rule, "CidrIp") != nil || dig(rule, "CidrIpv6") != nil || dig(rule, "SourcePrefixListId") != nil
		if dig(rule, "IpProtocol") != "tcp" || from != 2049 || to != 2049 || !ok || open {
			t.Errorf("%s: an ingress rule %s; want only TCP 2049 from a security group", sg, short(rule))
			continue
		}
		sources = append(sources, src.stack+"/"+src.id)
	}
	if len(rules) == 0 {
		t.Errorf("%s: no ingress rule: the file system is unreachable", sg)
	}
	return sources
}

// propCheckAutoHealUserData checks the launch template requires IMDSv2 and its user data mounts
// the file system with TLS through /etc/fstab and starts a docker compose project on it.
func propCheckAutoHealUserData(t *testing.T, env config.Environment, fs, lt propRes) {
	t.Helper()
	if v := dig(lt.props, "LaunchTemplateData", "MetadataOptions", "HttpTokens"); v != "required" {
		t.Errorf("%s: LaunchTemplateData.MetadataOptions.HttpTokens %v, want required", lt, v)
	}
	ud := propRender(lt.stack, dig(lt.props, "LaunchTemplateData", "UserData"))
	fstab := regexp.MustCompile(`(?m)^[^#\n]*` + regexp.QuoteMeta(propTarget{fs.stack, fs.id, ""}.String()) + `:/\S*\s+(/\S+)\s+efs\s+(\S+)[^\n]*/etc/fstab`)
	m := fstab.FindStringSubmatch(ud)
	if m == nil {
		t.Errorf("%s: LaunchTemplateData.UserData writes no /etc/fstab line mounting %s (efs):\n%s", lt, fs.id, ud)
		return
	}
	mountPoint, opts := m[1], strings.Split(m[2], ",")
	if !slices.Contains(opts, "_netdev") || !slices.Contains(opts, "tls") {
		t.Errorf("%s: LaunchTemplateData.UserData mounts %s with options %q; want _netdev and tls", lt, fs.id, m[2])
	}
	if !regexp.MustCompile(`(?m)^[^#\n]*\bmount\s+(-a\b|` + regexp.QuoteMeta(mountPoint) + `\b)`).MatchString(ud) {
		t.Errorf("%s: LaunchTemplateData.UserData never mounts %s", lt, mountPoint)
	}
	if !regexp.MustCompile(`(?m)^[^#\n]*\bdocker compose\b[^\n]*\bup\b`).MatchString(ud) {
		t.Errorf("%s: LaunchTemplateData.UserData never runs docker compose up", lt)
	}
	// Issue 13: the compose plugin is installed only with its pinned checksum, downloads are
	// retried, and only the host's own processes get the instance role (hop limit 1 unless the
	// environment opts in).
	if !regexp.MustCompile(`(?m)^retry "[^"]+" fetch_verified https://github\.com/docker/compose/releases/download/v2\.[0-9.]+/docker-compose-linux-(x86_64|aarch64) [0-9a-f]{64} \S+$`).MatchString(ud) {
		t.Errorf("%s: LaunchTemplateData.UserData does not fetch the compose plugin through retry and fetch_verified with a SHA-256:\n%s", lt, ud)
	}
	hop := 1
	for _, a := range env.AutoHeal {
		if strings.Contains(ud, a.ComposeDirectory) && a.MetadataHopLimit != nil {
			hop = *a.MetadataHopLimit
		}
	}
	if v, _ := propNum(dig(lt.props, "LaunchTemplateData", "MetadataOptions", "HttpPutResponseHopLimit")); int(v) != hop {
		t.Errorf("%s: MetadataOptions.HttpPutResponseHopLimit %v, want %d", lt, v, hop)
	}
	found := false
	for _, a := range env.AutoHeal {
		if strings.Contains(ud, a.ComposeDirectory) {
			found = true
			if !strings.HasPrefix(a.ComposeDirectory, strings.TrimSuffix(mountPoint, "/")+"/") {
				t.Errorf("%s: compose directory %s of autoHeal %q is not on the file system mounted at %s", lt, a.ComposeDirectory, a.Name, mountPoint)
			}
		}
	}
	if !found {
		t.Errorf("%s: LaunchTemplateData.UserData names no autoHeal composeDirectory of the environment", lt)
	}
}

// propCheckAutoHealGroup checks the single-instance group and its in-service alarm.
func propCheckAutoHealGroup(t *testing.T, env config.Environment, asg propRes) {
	t.Helper()
	for _, key := range []string{"MinSize", "MaxSize", "DesiredCapacity"} {
		v, ok := propNum(asg.props[key])
		if (ok || key != "DesiredCapacity") && v != 1 {
			t.Errorf("%s: %s %v, want 1", asg, key, asg.props[key])
		}
	}
	propCheckZones(t, asg, env, "VPCZoneIdentifier", asg.props["VPCZoneIdentifier"])
	if tp := asList(asg.props["TerminationPolicies"]); len(tp) == 0 || tp[0] != "OldestInstance" {
		t.Errorf("%s: TerminationPolicies %s, want OldestInstance first", asg, short(tp))
	}
	types := map[string]bool{}
	for _, n := range asList(asg.props["NotificationConfigurations"]) {
		if !propEnvTopic(env, asg.stack, dig(n, "TopicARN")) {
			t.Errorf("%s: NotificationConfigurations TopicARN %s is not the environment's alarm topic", asg, short(dig(n, "TopicARN")))
			continue
		}
		for _, typ := range asList(dig(n, "NotificationTypes")) {
			types[typ.(string)] = true
		}
	}
	for _, typ := range []string{"autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_LAUNCH_ERROR", "autoscaling:EC2_INSTANCE_TERMINATE", "autoscaling:EC2_INSTANCE_TERMINATE_ERROR"} {
		if !types[typ] {
			t.Errorf("%s: NotificationConfigurations lack %s to the alarm topic", asg, typ)
		}
	}
	var alarms []propRes
	for _, a := range propResources(env, "AWS::CloudWatch::Alarm") {
		if a.props["Namespace"] == "AWS/AutoScaling" && a.props["MetricName"] == "GroupInServiceInstances" &&
			propRefers(a.stack, propDimension(a.props["Dimensions"], "AutoScalingGroupName"), asg) {
			alarms = append(alarms, a)
		}
	}
	if len(alarms) != 1 {
		t.Errorf("%s: %d GroupInServiceInstances alarms; want 1", asg, len(alarms))
	}
	for _, a := range alarms {
		th, _ := propNum(a.props["Threshold"])
		period, _ := propNum(a.props["Period"])
		points, ok := propNum(a.props["DatapointsToAlarm"])
		if !ok {
			points, _ = propNum(a.props["EvaluationPeriods"])
		}
		if a.props["ComparisonOperator"] != "LessThanThreshold" || th != 1 {
			t.Errorf("%s: %v %v; want LessThanThreshold 1 (fewer than one in-service instance)", a, a.props["ComparisonOperator"], a.props["Threshold"])
		}
		if period*points != 300 {
			t.Errorf("%s: alarms after %v × %v s; want 5 minutes", a, points, period)
		}
		if v := a.props["TreatMissingData"]; v != "breaching" {
			t.Errorf("%s: TreatMissingData %v, want breaching", a, v)
		}
		propCheckTopicActions(t, env, a)
	}

	// Issue 11: a replacement launches in another zone when its own cannot launch; the groups of an
	// environment with zonal autoshift (production by default) follow zonal shifts and replace a
	// dead instance even in a shifted zone.
	if v := dig(asg.props, "AvailabilityZoneDistribution", "CapacityDistributionStrategy"); v != "balanced-best-effort" {
		t.Errorf("%s: AvailabilityZoneDistribution.CapacityDistributionStrategy %v, want balanced-best-effort", asg, v)
	}
	if *env.ZonalShift.Autoshift {
		if on, how := dig(asg.props, "AvailabilityZoneImpairmentPolicy", "ZonalShiftEnabled"), dig(asg.props, "AvailabilityZoneImpairmentPolicy", "ImpairedZoneHealthCheckBehavior"); on != true || how != "ReplaceUnhealthy" {
			t.Errorf("%s: AvailabilityZoneImpairmentPolicy ZonalShiftEnabled %v, ImpairedZoneHealthCheckBehavior %v; want true, ReplaceUnhealthy", asg, on, how)
		}
	}
	// Issue 13: a new instance is out of service until its boot completes, and a boot that
	// stalls is abandoned rather than counted as a healthy host.
	hooks := asList(asg.props["LifecycleHookSpecificationList"])
	if len(hooks) != 1 || dig(hooks[0], "LifecycleTransition") != "autoscaling:EC2_INSTANCE_LAUNCHING" || dig(hooks[0], "DefaultResult") != "ABANDON" {
		t.Errorf("%s: LifecycleHookSpecificationList %s; want one launch hook that abandons on timeout", asg, short(hooks))
	}
}

// ---------------------------------------------------------------------------------------------
// Issue 7: the delivery pipeline.

// propAction is one action of a pipeline with the index of its stage.
type propAction struct {
	stage int
	name  string
	a     map[string]any
}

func (a propAction) is(category, provider string) bool {
	return dig(a.a, "ActionTypeId", "Category") == category && dig(a.a, "ActionTypeId", "Provider") == provider
}

func TestPipelineProperties(t *testing.T) {
	if len(synthesized.envs) == 0 {
		t.Fatal("no environments")
	}
	for _, env := range synthesized.envs {
		pipelines := propResources(env, "AWS::CodePipeline::Pipeline")
		if env.Pipeline == nil {
			if len(pipelines) != 0 {
				t.Errorf("env %s: %d pipelines without a pipeline section", env.Name, len(pipelines))
			}
			continue
		}
		if len(pipelines) != 1 {
			t.Errorf("env %s: %d AWS::CodePipeline::Pipeline, want 1", env.Name, len(pipelines))
			continue
		}
		p := pipelines[0]
		var actions []propAction
		for i, s := range asList(p.props["Stages"]) {
			for _, a := range asList(dig(s, "Actions")) {
				name, _ := dig(a, "Name").(string)
				actions = append(actions, propAction{i, name, a.(map[string]any)})
			}
		}

		// The build action (the CodeBuild action that outputs the image definitions; the Release
		// stage's CodeBuild action only records the tag) and its project.
		var builds []propAction
		buildOutputs := map[any]bool{}
		for _, a := range actions {
			if a.is("Build", "CodeBuild") && len(asList(a.a["OutputArtifacts"])) > 0 {
				builds = append(builds, a)
				for _, o := range asList(a.a["OutputArtifacts"]) {
					buildOutputs[dig(o, "Name")] = true
				}
			}
		}
		if len(builds) != 1 {
			t.Errorf("%s: %d CodeBuild build actions, want 1", p, len(builds))
			continue
		}
		build := builds[0]
		project, ok := propResolveRes(p.stack, dig(build.a, "Configuration", "ProjectName"), "AWS::CodeBuild::Project")
		if !ok {
			t.Errorf("%s: action %s: Configuration.ProjectName %s is not a CodeBuild project", p, build.name, short(dig(build.a, "Configuration", "ProjectName")))
			continue
		}
		if v := dig(project.props, "Environment", "PrivilegedMode"); v != true {
			t.Errorf("%s: Environment.PrivilegedMode %v, want true (docker build)", project, v)
		}

		// The services the pipeline deploys: those whose image is the pipeline's repository.
		want := map[string]propRes{}
		containers := map[string]string{}
		for _, svc := range propResources(env, "AWS::ECS::Service") {
			td, ok := propResolveRes(svc.stack, svc.props["TaskDefinition"], "AWS::ECS::TaskDefinition")
			if !ok {
				continue
			}
			for _, c := range asList(td.props["ContainerDefinitions"]) {
				for _, ref := range propRefs(td.stack, dig(c, "Image")) {
					if repo, ok := ref.res(); ok && repo.typ == "AWS::ECR::Repository" && repo.props["RepositoryName"] == env.Pipeline.Repository {
						want[svc.stack+"/"+svc.id] = svc
						containers[svc.stack+"/"+svc.id], _ = dig(c, "Name").(string)
					}
				}
			}
		}
		n := 0
		for _, w := range env.Services.Web {
			if w.Repository == env.Pipeline.Repository {
				n++
			}
		}
		for _, w := range env.Services.Workers {
			if w.Repository == env.Pipeline.Repository {
				n++
			}
		}
		if len(want) != n || n == 0 {
			t.Errorf("env %s: %d ECS services run an image of repository %q, services.web and .workers name %d", env.Name, len(want), env.Pipeline.Repository, n)
		}

		// One ECS deploy action per such service.
		deployed := map[string]bool{}
		firstDeploy := -1
		files := map[string]string{} // file name → service key
		for _, a := range actions {
			if dig(a.a, "ActionTypeId", "Category") == "Deploy" && !a.is("Deploy", "ECS") {
				t.Errorf("%s: deploy action %s has provider %v, want ECS", p, a.name, dig(a.a, "ActionTypeId", "Provider"))
			}
			if !a.is("Deploy", "ECS") {
				continue
			}
			if firstDeploy < 0 || a.stage < firstDeploy {
				firstDeploy = a.stage
			}
			conf := a.a["Configuration"]
			svc, ok := propResolveRes(p.stack, dig(conf, "ServiceName"), "AWS::ECS::Service")
			if !ok {
				t.Errorf("%s: ECS deploy action %s: Configuration.ServiceName %s is not an ECS service of the app", p, a.name, short(dig(conf, "ServiceName")))
				continue
			}
			key := svc.stack + "/" + svc.id
			if _, ok := want[key]; !ok {
				t.Errorf("%s: ECS deploy action %s deploys %s, which does not run repository %q", p, a.name, svc, env.Pipeline.Repository)
			}
			if deployed[key] {
				t.Errorf("%s: %s is deployed by more than one action (again by %s)", p, svc, a.name)
			}
			deployed[key] = true
			cluster, ok1 := propResolve(p.stack, dig(conf, "ClusterName"))
			svcCluster, ok2 := propResolve(svc.stack, svc.props["Cluster"])
			if !ok1 || !ok2 || cluster != svcCluster {
				t.Errorf("%s: ECS deploy action %s: Configuration.ClusterName %s is not the cluster of %s (%s)", p, a.name, cluster, svc.id, svcCluster)
			}
			if !slices.ContainsFunc(asList(a.a["InputArtifacts"]), func(in any) bool { return buildOutputs[dig(in, "Name")] }) {
				t.Errorf("%s: ECS deploy action %s: InputArtifacts %s are not the build's output", p, a.name, short(a.a["InputArtifacts"]))
			}
			file, _ := dig(conf, "FileName").(string)
			if file == "" {
				file = "imagedefinitions.json"
			}
			files[file] = key
		}
		for key, svc := range want {
			if !deployed[key] {
				t.Errorf("%s: no ECS deploy action for %s", p, svc)
			}
		}

		// Manual approval before the deploy stage where config asks for it, and always in production.
		var approvals []propAction
		for _, a := range actions {
			if a.is("Approval", "Manual") {
				approvals = append(approvals, a)
			}
		}
		if env.Production && !env.Pipeline.ManualApproval {
			t.Errorf("env %s: a production environment whose pipeline.manualApproval is false", env.Name)
		}
		if env.Pipeline.ManualApproval {
			if !slices.ContainsFunc(approvals, func(a propAction) bool { return a.stage > build.stage && a.stage < firstDeploy }) {
				t.Errorf("%s: no manual approval action in a stage between the build (stage %d) and the first deploy (stage %d); pipeline.manualApproval is true", p, build.stage, firstDeploy)
			}
		} else if len(approvals) > 0 {
			t.Errorf("%s: %d manual approval actions; pipeline.manualApproval is false", p, len(approvals))
		}

		propCheckBuildSpec(t, env, p, actions, build, project, files, containers)
		propCheckRelease(t, env, p, actions, firstDeploy, want)
	}
}

// propBakeMinutes is the least time ECS bakes one deployment of svc, from its template: the bake
// after full traffic, plus the canary's bake or every linear step's.
func propBakeMinutes(svc propRes) float64 {
	dc := svc.props["DeploymentConfiguration"]
	bake, _ := propNum(dig(dc, "BakeTimeInMinutes"))
	if b, ok := propNum(dig(dc, "CanaryConfiguration", "CanaryBakeTimeInMinutes")); ok {
		bake += b
	}
	if b, ok := propNum(dig(dc, "LinearConfiguration", "StepBakeTimeInMinutes")); ok {
		step, _ := propNum(dig(dc, "LinearConfiguration", "StepPercent"))
		if step > 0 {
			bake += b * (math.Ceil(100/step-1e-9) - 1)
		}
	}
	return bake
}

// propCheckRelease checks issue 11's pipeline: the Deploy stage ends with a CodeBuild action
// that waits for ECS to report every deployed service's deployment complete and only then records
// the tag in the repository's release parameter; a failure rolls the stage back; no stage waits
// on CloudWatch alarms (ECS bakes each service); every timeout outlasts each service's bakes.
func propCheckRelease(t *testing.T, env config.Environment, p propRes, actions []propAction, deployStage int, deployed map[string]propRes) {
	t.Helper()
	stages := asList(p.props["Stages"])
	for i, s := range stages {
		for _, cond := range []string{"BeforeEntry", "OnSuccess", "OnFailure"} {
			if strings.Contains(fmt.Sprint(dig(s, cond)), "CloudWatchAlarm") {
				t.Errorf("%s: stage %d (%v) %s waits on CloudWatch alarms; ECS bakes each service and rolls it back itself", p, i, dig(s, "Name"), cond)
			}
		}
	}
	if deployStage < 0 {
		return
	}
	if r := dig(stages[deployStage], "OnFailure", "Result"); r != "ROLLBACK" {
		t.Errorf("%s: the Deploy stage's OnFailure.Result is %v, want ROLLBACK: a failure after some services took the release must not leave a mix", p, r)
	}
	var lastDeploy float64
	var release []propAction
	for _, a := range actions {
		if a.stage != deployStage {
			continue
		}
		order, _ := propNum(a.a["RunOrder"])
		switch {
		case a.is("Deploy", "ECS"):
			lastDeploy = max(lastDeploy, order)
			svc, _ := propResolveRes(p.stack, dig(a.a, "Configuration", "ServiceName"), "AWS::ECS::Service")
			timeout, ok := propNum(dig(a.a, "Configuration", "DeploymentTimeout"))
			if bake := propBakeMinutes(svc); !ok || timeout < bake || timeout > 60 {
				t.Errorf("%s: ECS deploy action %s: DeploymentTimeout %v, want 1 to 60 minutes and more than %s's bakes (%v min)", p, a.name, timeout, svc.id, bake)
			}
		case dig(a.a, "ActionTypeId", "Provider") == "CodeBuild":
			release = append(release, a)
		}
	}
	if len(release) != 1 {
		t.Errorf("%s: %d CodeBuild actions in the Deploy stage, want 1 (the Release check)", p, len(release))
		return
	}
	if order, _ := propNum(release[0].a["RunOrder"]); order <= lastDeploy {
		t.Errorf("%s: Release action %s runs at %v, not after the last ECS deploy action (%v)", p, release[0].name, order, lastDeploy)
	}
	project, ok := propResolveRes(p.stack, dig(release[0].a, "Configuration", "ProjectName"), "AWS::CodeBuild::Project")
	if !ok {
		t.Errorf("%s: Release action %s has no CodeBuild project of the app", p, release[0].name)
		return
	}
	vars := map[string]any{}
	for _, v := range asList(dig(project.props, "Environment", "EnvironmentVariables")) {
		name, _ := dig(v, "Name").(string)
		vars[name] = dig(v, "Value")
	}
	timeout, _ := propNum(project.props["TimeoutInMinutes"])
	for key, svc := range deployed {
		if !propRefers(project.stack, vars["SERVICES"], svc) {
			t.Errorf("%s: SERVICES %s does not name %s: the Release check would not wait for it", project, propRender(project.stack, vars["SERVICES"]), key)
		}
		if bake := propBakeMinutes(svc); timeout <= bake {
			t.Errorf("%s: TimeoutInMinutes %v, not more than %s's bakes (%v min): the check would time out while ECS still bakes", project, timeout, key, bake)
		}
	}
	param, ok := propResolveRes(project.stack, vars["RELEASE_PARAMETER"], "AWS::SSM::Parameter")
	if want := "/okiagari/" + env.Name + "/release/" + env.Pipeline.Repository; !ok || param.props["Name"] != want {
		t.Errorf("%s: RELEASE_PARAMETER %s, want the SSM parameter %s", project, propRender(project.stack, vars["RELEASE_PARAMETER"]), want)
	}
	var spec struct {
		Phases map[string]struct {
			Commands []string `json:"commands"`
		} `json:"phases"`
	}
	if err := json.Unmarshal([]byte(fmt.Sprint(dig(project.props, "Source", "BuildSpec"))), &spec); err != nil {
		t.Errorf("%s: Source.BuildSpec is not a JSON buildspec: %v", project, err)
		return
	}
	commands := spec.Phases["build"].Commands
	check := slices.IndexFunc(commands, func(c string) bool {
		return strings.Contains(c, "aws ecs describe-services") && strings.Contains(c, "COMPLETED") && strings.Contains(c, "aws ecs describe-task-definition")
	})
	record := slices.IndexFunc(commands, func(c string) bool { return strings.Contains(c, "aws ssm put-parameter") })
	if check < 0 || record != len(commands)-1 || record < check {
		t.Errorf("%s: Source.BuildSpec build commands %q: want the ECS check, then the tag recorded last", project, commands)
	}
}

var (
	propAssign  = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)
	propVarUse  = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
	propPush    = regexp.MustCompile(`\bdocker\s+push\s+"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?`)
	propRepoTag = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?:\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)
)

// propCheckBuildSpec checks the build pushes an image of the pipeline's repository tagged with
// the commit id and writes imagedefinitions.json and the file of every deploy action, naming the
// deployed service's container.
func propCheckBuildSpec(t *testing.T, env config.Environment, p propRes, actions []propAction, build propAction, project propRes, files, containers map[string]string) {
	t.Helper()
	raw, _ := dig(project.props, "Source", "BuildSpec").(string)
	var spec struct {
		Artifacts struct {
			Files []string `json:"files"`
		} `json:"artifacts"`
		Phases map[string]struct {
			Commands []string `json:"commands"`
		} `json:"phases"`
	}
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Errorf("%s: Source.BuildSpec is not a JSON buildspec: %v", project, err)
		return
	}
	var commands []string
	for _, phase := range []string{"install", "pre_build", "build", "post_build"} {
		commands = append(commands, spec.Phases[phase].Commands...)
	}
	defs := map[string]string{}
	for _, c := range commands {
		if m := propAssign.FindStringSubmatch(c); m != nil {
			if _, ok := defs[m[1]]; !ok {
				defs[m[1]] = m[2]
			}
		}
	}
	projectVars := map[string]any{}
	for _, v := range asList(dig(project.props, "Environment", "EnvironmentVariables")) {
		name, _ := dig(v, "Name").(string)
		projectVars[name] = dig(v, "Value")
	}
	var actionVars []struct{ Name, Value string }
	if s, ok := dig(build.a, "Configuration", "EnvironmentVariables").(string); ok {
		if err := json.Unmarshal([]byte(s), &actionVars); err != nil {
			t.Errorf("%s: action %s: Configuration.EnvironmentVariables is not JSON: %v", p, build.name, err)
		}
	}
	// Variables the pipeline sets to the source action's commit id.
	commitVars := map[string]bool{"CODEBUILD_RESOLVED_SOURCE_VERSION": true}
	for _, v := range actionVars {
		for _, a := range actions {
			if ns, _ := a.a["Namespace"].(string); ns != "" && dig(a.a, "ActionTypeId", "Category") == "Source" && v.Value == "#{"+ns+".CommitId}" {
				commitVars[v.Name] = true
			}
		}
	}

	var imageVar string
	for _, c := range commands {
		if m := propPush.FindStringSubmatch(c); m != nil {
			imageVar = m[1]
		}
	}
	if imageVar == "" {
		t.Errorf("%s: Source.BuildSpec runs no docker push of an image variable; commands:\n%s", project, strings.Join(commands, "\n"))
		return
	}
	m := propRepoTag.FindStringSubmatch(defs[imageVar])
	if m == nil {
		t.Errorf("%s: Source.BuildSpec pushes $%s = %q, not $REPOSITORY:$TAG", project, imageVar, defs[imageVar])
		return
	}
	repoVar, tagVar := m[1], m[2]
	isRepo := false
	for _, ref := range propRefs(project.stack, projectVars[repoVar]) {
		if r, ok := ref.res(); ok && r.typ == "AWS::ECR::Repository" && r.props["RepositoryName"] == env.Pipeline.Repository {
			isRepo = true
		}
	}
	if !isRepo {
		t.Errorf("%s: Source.BuildSpec pushes to $%s, which Environment.EnvironmentVariables do not set to ECR repository %q (%s)", project, repoVar, env.Pipeline.Repository, short(projectVars[repoVar]))
	}
	// The tag must derive from the commit id.
	seen := map[string]bool{}
	var derives func(v string) bool
	derives = func(v string) bool {
		if commitVars[v] {
			return true
		}
		if seen[v] {
			return false
		}
		seen[v] = true
		for _, u := range propVarUse.FindAllStringSubmatch(defs[v], -1) {
			if derives(u[1]) {
				return true
			}
		}
		return false
	}
	if !derives(tagVar) {
		t.Errorf("%s: Source.BuildSpec tags the image with $%s = %q, which does not derive from the commit id (%v)", project, tagVar, defs[tagVar], commitVars)
	}

	// imagedefinitions.json and each deploy action's file: an artifact, written with the image.
	if _, ok := files["imagedefinitions.json"]; !ok {
		files["imagedefinitions.json"] = ""
	}
	for file, svc := range files {
		if !slices.Contains(spec.Artifacts.Files, file) {
			t.Errorf("%s: Source.BuildSpec artifacts.files %v lack %s", project, spec.Artifacts.Files, file)
		}
		writes := regexp.MustCompile(`>\s*"?` + regexp.QuoteMeta(file) + `"?\s*$`)
		var writers []string
		for _, c := range commands {
			if writes.MatchString(c) {
				writers = append(writers, c)
			}
		}
		if len(writers) != 1 {
			t.Errorf("%s: Source.BuildSpec has %d commands writing %s; want 1", project, len(writers), file)
			continue
		}
		w := writers[0]
		if !regexp.MustCompile(`\$\{?` + regexp.QuoteMeta(imageVar) + `\b`).MatchString(w) {
			t.Errorf("%s: Source.BuildSpec writes %s without the pushed image $%s: %s", project, file, imageVar, w)
		}
		if svc != "" && !strings.Contains(w, `"name":"`+containers[svc]+`"`) {
			t.Errorf("%s: Source.BuildSpec writes %s without container %q of %s: %s", project, file, containers[svc], svc, w)
		}
	}
}
