package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/constructs/cluster"
	"github.com/okiagari/okiagari/constructs/webservice"
	// Not "worker": workload_config_test.go has a func of that name.
	workers "github.com/okiagari/okiagari/constructs/worker"
	"github.com/okiagari/okiagari/stacks"
	"github.com/okiagari/okiagari/testenv"
)

// The EC2 capacity of every environment's cluster: its teardown (issue 13 item 1), its instance
// types (item 8), zonal shift (issue 11 item 4), and the Fargate-only option and provider names
// (issue 12 item 3).

// TestTeardownInEveryEnvironment: in the Platform template of every environment with EC2
// capacity, a custom resource runs the teardown function (the code of
// constructs/cluster/teardown.js, inline) on the capacity provider's group; CloudFormation
// deletes it after the capacity provider and before the group; the function may change that
// group only.
func TestTeardownInEveryEnvironment(t *testing.T) {
	code, err := os.ReadFile("../constructs/cluster/teardown.js")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, env := range synthesized.envs {
		if env.Platform.Cluster.FargateOnly {
			continue
		}
		for _, cp := range propResources(env, "AWS::ECS::CapacityProvider") {
			asg, ok := propResolveRes(cp.stack, dig(cp.props, "AutoScalingGroupProvider", "AutoScalingGroupArn"), "AWS::AutoScaling::AutoScalingGroup")
			if !ok {
				t.Errorf("%s: its AutoScalingGroupArn does not resolve to a group", cp)
				continue
			}
			checked++
			if asg.props["NewInstancesProtectedFromScaleIn"] != true {
				t.Errorf("%s: NewInstancesProtectedFromScaleIn %v; the teardown exists because it is true", asg, asg.props["NewInstancesProtectedFromScaleIn"])
			}
			var teardown []propRes
			for _, cr := range propResources(env, "Custom::Ec2CapacityTeardown") {
				if cr.stack == asg.stack && propRefers(cr.stack, cr.props["AutoScalingGroupName"], asg) {
					teardown = append(teardown, cr)
				}
			}
			if len(teardown) != 1 {
				t.Errorf("%s: %d Custom::Ec2CapacityTeardown resources name this group; want 1", asg, len(teardown))
				continue
			}
			cr := teardown[0]
			if !slices.Contains(asList(cp.res["DependsOn"]), any(cr.id)) {
				t.Errorf("%s: DependsOn %v lacks %s: the capacity provider must be deleted before the teardown runs", cp, cp.res["DependsOn"], cr.id)
			}
			fn, ok := propResolveRes(cr.stack, cr.props["ServiceToken"], "AWS::Lambda::Function")
			if !ok {
				t.Errorf("%s: ServiceToken %s is not a function of the stack", cr, short(cr.props["ServiceToken"]))
				continue
			}
			if dig(fn.props, "Code", "ZipFile") != string(code) {
				t.Errorf("%s: Code.ZipFile is not constructs/cluster/teardown.js", fn)
			}
			if !slices.Contains(asList(asg.res["DependsOn"]), any(fn.id)) {
				t.Errorf("%s: DependsOn lacks the teardown function %s", asg, fn.id)
			}
			// The group waits for the rest of the stack: a failed first deploy rolls back before any
			// instance is protected.
			for _, repo := range propResources(env, "AWS::ECR::Repository") {
				if repo.stack == asg.stack && !slices.Contains(asList(asg.res["DependsOn"]), any(repo.id)) {
					t.Errorf("%s: DependsOn lacks the repository %s", asg, repo.id)
				}
			}
			role, _ := propResolve(fn.stack, fn.props["Role"])
			propCheckTeardownPolicies(t, env, asg, role)
		}
	}
	if checked != len(synthesized.envs) {
		t.Errorf("checked the EC2 capacity of %d environments, want %d", checked, len(synthesized.envs))
	}
}

// propCheckTeardownPolicies: every statement of the teardown role that changes a group names
// this group's ARN; no statement allows more than the function needs.
func propCheckTeardownPolicies(t *testing.T, env config.Environment, asg propRes, role propTarget) {
	t.Helper()
	allowed := map[string]bool{
		"logs:CreateLogStream": true, "logs:PutLogEvents": true, "cloudformation:DescribeStacks": true,
		"autoscaling:DescribeAutoScalingGroups": true, "autoscaling:UpdateAutoScalingGroup": true, "autoscaling:SetInstanceProtection": true,
	}
	mutating := 0
	for _, p := range propResources(env, "AWS::IAM::Policy") {
		if p.stack != role.stack || !slices.ContainsFunc(asList(p.props["Roles"]), func(r any) bool { return propRefers(p.stack, r, propRes{stack: role.stack, id: role.id}) }) {
			continue
		}
		for _, s := range statements(p.typ, p.props) {
			for _, a := range asList(s["Action"]) {
				if !allowed[a.(string)] {
					t.Errorf("%s: the teardown role may %s", p, a)
				}
				if strings.HasPrefix(a.(string), "autoscaling:") && a != "autoscaling:DescribeAutoScalingGroups" {
					mutating++
					if !propRefers(p.stack, s["Resource"], asg) || len(asList(s["Resource"])) != 1 {
						t.Errorf("%s: %s on %s, want this group's ARN only", p, a, short(s["Resource"]))
					}
				}
			}
		}
	}
	if mutating != 2 {
		t.Errorf("%s: the teardown role has %d statements' worth of UpdateAutoScalingGroup/SetInstanceProtection, want 2", asg, mutating)
	}
}

// encryptsInTransit: the families of the "Encryption in transit" section of the EC2 User
// Guide's data protection page
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/data-protection.html#encryption-transit),
// general purpose and compute optimized x86_64 only (the cluster's AMI is x86_64).
var encryptsInTransit = []string{
	"m5dn", "m5n", "m5zn", "m6a", "m6i", "m6id", "m6idn", "m6in", "m7a", "m7i", "m7i-flex", "m8a", "m8i", "m8i-flex",
	"c5n", "c6a", "c6i", "c6id", "c6in", "c7a", "c7i", "c7i-flex", "c8a", "c8i", "c8i-flex",
}

// TestInstanceTypesEncryptInTransit: every instance type of every environment's EC2 capacity
// encrypts the traffic between instances in the Nitro hardware.
func TestInstanceTypesEncryptInTransit(t *testing.T) {
	n := 0
	for _, env := range synthesized.envs {
		for _, asg := range propResources(env, "AWS::AutoScaling::AutoScalingGroup") {
			for _, o := range asList(dig(asg.props, "MixedInstancesPolicy", "LaunchTemplate", "Overrides")) {
				n++
				typ, _ := dig(o, "InstanceType").(string)
				if family, _, _ := strings.Cut(typ, "."); !slices.Contains(encryptsInTransit, family) {
					t.Errorf("%s: instance type %s does not encrypt traffic between instances (EC2 User Guide, encryption in transit)", asg, typ)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no EC2 capacity instance type found: the walk is broken")
	}
}

// TestEc2CapacityFollowsZonalShifts: the EC2 capacity of an environment with zonal autoshift on
// (production by default, stg opts in) follows zonal shifts; elsewhere the policy is left out.
func TestEc2CapacityFollowsZonalShifts(t *testing.T) {
	for _, env := range synthesized.envs {
		for _, cp := range propResources(env, "AWS::ECS::CapacityProvider") {
			asg, ok := propResolveRes(cp.stack, dig(cp.props, "AutoScalingGroupProvider", "AutoScalingGroupArn"), "AWS::AutoScaling::AutoScalingGroup")
			if !ok {
				continue
			}
			policy := asg.props["AvailabilityZoneImpairmentPolicy"]
			switch {
			case *env.ZonalShift.Autoshift && (dig(policy, "ZonalShiftEnabled") != true || dig(policy, "ImpairedZoneHealthCheckBehavior") != "IgnoreUnhealthy"):
				t.Errorf("%s: AvailabilityZoneImpairmentPolicy %s, want ZonalShiftEnabled true, IgnoreUnhealthy", asg, short(policy))
			case !*env.ZonalShift.Autoshift && policy != nil:
				t.Errorf("%s: AvailabilityZoneImpairmentPolicy %s without zonalShift.autoshift", asg, short(policy))
			}
		}
	}
}

// TestFargateOnlyEnvironment: platform.cluster.fargateOnly gives a Platform stack without any
// EC2 capacity, and the services still build on it.
func TestFargateOnlyEnvironment(t *testing.T) {
	ctx := mutate(t, func(c map[string]any) {
		cl := section(c, "dev", "platform")["cluster"].(map[string]any)
		cl["fargateOnly"] = true
		delete(cl, "ec2")
		c[config.SelectKey] = "dev"
	})
	envs, err := config.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	props := stacks.AppProps()
	props.Context, props.Outdir = &ctx, jsii.String(dir)
	app := awscdk.NewApp(props)
	if _, err := stacks.Build(app, envs); err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	files, _ := filepath.Glob(filepath.Join(dir, "assembly-dev", "*Platform*.template.json"))
	if len(files) != 1 {
		t.Fatalf("Platform templates: %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range tpl["Resources"].(map[string]any) {
		types = append(types, dig(r, "Type").(string))
	}
	for _, typ := range types {
		if strings.HasPrefix(typ, "AWS::AutoScaling::") || slices.Contains([]string{"AWS::EC2::LaunchTemplate",
			"AWS::ECS::CapacityProvider", "Custom::Ec2CapacityTeardown", "AWS::Lambda::Function"}, typ) {
			t.Errorf("a Fargate-only Platform template has a %s resource", typ)
		}
	}
	if !slices.Contains(types, "AWS::ECS::ClusterCapacityProviderAssociations") || !slices.Contains(types, "AWS::ECS::Cluster") {
		t.Errorf("a Fargate-only Platform template lacks the cluster or its provider associations: %v", types)
	}
}

// TestStrategyOnOkiagariCluster: a web service or worker on an okiagari cluster may name only
// the cluster's providers; a misspelt one is an error naming the known ones.
func TestStrategyOnOkiagariCluster(t *testing.T) {
	stack := testenv.Stack(t)
	vpc := testenv.Vpc(t, stack)
	cl, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{Vpc: vpc, Name: jsii.String("main")})
	if err != nil {
		t.Fatal(err)
	}
	topic := awssns.Topic_FromTopicArn(stack, jsii.String("Topic"), jsii.String("arn:aws:sns:ap-northeast-1:123456789012:alarms"))
	_, err = webservice.NewService(stack, jsii.String("Web"), &webservice.ServiceProps{
		Name: "web", Vpc: vpc, Cluster: cl.Cluster, AlarmTopic: topic, PeakTasks: 2,
		Image:             jsii.String("public.ecr.aws/nginx/nginx:1.27"),
		CapacityProviders: []webservice.CapacityProvider{{Name: "main-ec", Weight: 1}},
	})
	want := `webservice "Test/Web": CapacityProviders[0].Name "main-ec" is not one of FARGATE, FARGATE_SPOT, main-ec2`
	if err == nil || err.Error() != want {
		t.Errorf("web service: got error\n  %v\nwant\n  %s", err, want)
	}
	_, err = workers.NewWorker(stack, jsii.String("Worker"), &workers.WorkerProps{
		Name: jsii.String("mailer"), Cluster: cl.Cluster, AlarmTopic: topic, Queue: &workers.QueueProps{},
		Image:             jsii.String("public.ecr.aws/docker/library/busybox:1.36"),
		CapacityProviders: []workers.CapacityProvider{{Name: "EC2", Weight: 1}},
	})
	want = `worker "Test/Worker": CapacityProviders[0].Name "EC2" is not one of FARGATE, FARGATE_SPOT, main-ec2`
	if err == nil || err.Error() != want {
		t.Errorf("worker: got error\n  %v\nwant\n  %s", err, want)
	}
}
