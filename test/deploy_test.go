package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/stacks"
)

// Issue 11: deploys that start small and bake, and zone evacuation that is practised.

// TestDeploymentStrategies: in production every load-balanced ECS service deploys CANARY,
// LINEAR or BLUE_GREEN with a bake of at least a minute and deployment alarms that roll back;
// every ECS service of every environment states its bake, so ECS's default (180 minutes for a
// rolling deployment) never applies silently.
func TestDeploymentStrategies(t *testing.T) {
	n := 0
	for _, env := range synthesized.envs {
		for _, svc := range propResources(env, "AWS::ECS::Service") {
			n++
			dc := svc.props["DeploymentConfiguration"]
			bake, ok := dig(dc, "BakeTimeInMinutes").(float64)
			if !ok {
				t.Errorf("%s: DeploymentConfiguration.BakeTimeInMinutes is not set", svc)
			}
			if len(asList(svc.props["LoadBalancers"])) == 0 || !env.Production {
				continue
			}
			switch s := dig(dc, "Strategy"); s {
			case "CANARY", "LINEAR", "BLUE_GREEN":
			default:
				t.Errorf("%s: production deploys with Strategy %v, want CANARY, LINEAR or BLUE_GREEN", svc, s)
			}
			if bake < 1 {
				t.Errorf("%s: BakeTimeInMinutes %v, want >= 1", svc, bake)
			}
			if dig(dc, "Alarms", "Enable") != true || dig(dc, "Alarms", "Rollback") != true || len(asList(dig(dc, "Alarms", "AlarmNames"))) == 0 {
				t.Errorf("%s: deployment alarms %s, want enabled with rollback", svc, short(dig(dc, "Alarms")))
			}
			// The alternate target group and the production rule ECS shifts traffic with.
			adv := dig(asList(svc.props["LoadBalancers"])[0], "AdvancedConfiguration")
			if _, ok := propResolveRes(svc.stack, dig(adv, "AlternateTargetGroupArn"), "AWS::ElasticLoadBalancingV2::TargetGroup"); !ok {
				t.Errorf("%s: no alternate target group: %s", svc, short(adv))
			}
			if _, ok := propResolveRes(svc.stack, dig(adv, "ProductionListenerRule"), "AWS::ElasticLoadBalancingV2::ListenerRule"); !ok {
				t.Errorf("%s: no production listener rule: %s", svc, short(adv))
			}
		}
	}
	if n == 0 {
		t.Fatal("no ECS service found: the walk is broken")
	}
}

// productionRules returns every listener rule of every Services stack of the templates, by
// stack and logical ID.
func productionRules(templates map[string]map[string]any) map[string]any {
	out := map[string]any{}
	for name, tpl := range templates {
		rs, _ := tpl["Resources"].(map[string]any)
		for id, r := range rs {
			if dig(r, "Type") == "AWS::ElasticLoadBalancingV2::ListenerRule" {
				out[name+"/"+id] = r
			}
		}
	}
	return out
}

// TestProductionRuleUnchanged: ECS rewrites the production listener rule's weights after every
// progressive deployment, and a CloudFormation update that re-applied the rule as written would
// send production traffic back to an idle target group (aws/aws-cdk#36649). The rule's template
// must therefore not change with anything but the listener and the target groups: here the app
// is synthesized again with unrelated changes — a worker's maxTasks, and the web services' size,
// scaling, bake and alarm thresholds — and every listener rule must be identical.
func TestProductionRuleUnchanged(t *testing.T) {
	ctx := mutate(t, func(c map[string]any) {
		for _, e := range []string{"dev", "stg", "prod"} {
			worker(c, e)["maxTasks"] = 7.0
			w := web(c, e)
			w["maxTasks"] = 30.0
			w["scaling"].(map[string]any)["cpuTargetPercent"] = 60.0
			w["alarms"].(map[string]any)["target5xxPercent"] = 2.0
			w["deployment"].(map[string]any)["bakeMinutes"] = 10.0
			w["stopTimeoutSeconds"] = 90.0
			w["imageTag"] = "v2"
		}
		web(c, "prod")["memoryMiB"] = 4096.0
	})
	changed := synthTemplates(t, ctx)
	// The change did reach the services' templates.
	if reflect.DeepEqual(changed["prod/Services"], synthesized.templates["prod/Services"]) {
		t.Fatal("the unrelated changes changed nothing: the test is broken")
	}
	before, after := productionRules(synthesized.templates), productionRules(changed)
	if len(before) != 3 {
		t.Fatalf("%d listener rules, want one per environment's web service", len(before))
	}
	for id, rule := range before {
		if !reflect.DeepEqual(rule, after[id]) {
			t.Errorf("%s changed:\n  shipped %s\n  changed %s", id, short(rule), short(after[id]))
		}
	}
}

// TestZoneEvacuation: in every environment with zonal autoshift (production by default), every
// internet-facing load balancer has zonal shift enabled and an autoshift configuration ENABLED
// with practice runs whose outcome alarms are the service's own that show harm; every Auto
// Scaling group follows zonal shifts; single-instance groups launch a replacement in another zone
// when theirs cannot (balanced-best-effort).
func TestZoneEvacuation(t *testing.T) {
	prod := false
	for _, env := range synthesized.envs {
		prod = prod || env.Production && *env.ZonalShift.Autoshift
		configs := propResources(env, "AWS::ARCZonalShift::ZonalAutoshiftConfiguration")
		for _, lb := range propResources(env, "AWS::ElasticLoadBalancingV2::LoadBalancer") {
			if lb.props["Scheme"] != "internet-facing" {
				continue
			}
			zonal := false
			for _, a := range asList(lb.props["LoadBalancerAttributes"]) {
				zonal = zonal || dig(a, "Key") == "zonal_shift.config.enabled" && dig(a, "Value") == "true"
			}
			if !zonal {
				t.Errorf("%s: zonal_shift.config.enabled is not true", lb)
			}
			var cfg *propRes
			for i, c := range configs {
				if r, ok := propResolveRes(c.stack, c.props["ResourceIdentifier"], lb.typ); ok && r.id == lb.id {
					cfg = &configs[i]
				}
			}
			if !*env.ZonalShift.Autoshift {
				if cfg != nil {
					t.Errorf("%s: autoshift configured although zonalShift.autoshift is false", lb)
				}
				continue
			}
			if cfg == nil {
				t.Errorf("%s: no ZonalAutoshiftConfiguration", lb)
				continue
			}
			if cfg.props["ZonalAutoshiftStatus"] != "ENABLED" {
				t.Errorf("%s: ZonalAutoshiftStatus %v", cfg, cfg.props["ZonalAutoshiftStatus"])
			}
			outcome := asList(dig(cfg.props, "PracticeRunConfiguration", "OutcomeAlarms"))
			var names []string
			for _, o := range outcome {
				a, ok := propResolveRes(cfg.stack, dig(o, "AlarmIdentifier"), "AWS::CloudWatch::Alarm")
				if !ok || dig(o, "Type") != "CLOUDWATCH" {
					t.Errorf("%s: outcome alarm %s is not an alarm of the stack", cfg, short(o))
					continue
				}
				names = append(names, a.id)
			}
			if len(names) != 2 || !containsPrefix(names, "WebHealthyHostsAlarm") || !containsPrefix(names, "WebTarget5xxAlarm") {
				t.Errorf("%s: outcome alarms %v, want the web service's healthy-hosts and 5xx alarms", cfg, names)
			}
		}
		for _, asg := range propResources(env, "AWS::AutoScaling::AutoScalingGroup") {
			on := dig(asg.props, "AvailabilityZoneImpairmentPolicy", "ZonalShiftEnabled") == true
			if on != *env.ZonalShift.Autoshift {
				t.Errorf("%s: ZonalShiftEnabled %v, zonalShift.autoshift %v", asg, on, *env.ZonalShift.Autoshift)
			}
			if asg.props["MaxSize"] == "1" && dig(asg.props, "AvailabilityZoneDistribution", "CapacityDistributionStrategy") != "balanced-best-effort" {
				t.Errorf("%s: a single-instance group without balanced-best-effort", asg)
			}
		}
	}
	if !prod {
		t.Fatal("no production environment with autoshift: the shipped config should have one")
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

// invalidDeployments are broken deployment and zone-evacuation settings, each with its exact
// message. TestInvalidDeployments checks them in-process; TestCommandLine runs every one
// through the built app.
var invalidDeployments = []invalidCase{
	{"unknown strategy", func(c map[string]any) { web(c, "prod")["deployment"].(map[string]any)["strategy"] = "bluegreen" },
		`env "prod": services.web[0].deployment.strategy: "bluegreen" is not one of rolling, canary, linear, blueGreen`},
	{"canary percent below 0.1", func(c map[string]any) { web(c, "prod")["deployment"].(map[string]any)["canaryPercent"] = 0.05 },
		`webservice "prod/Services/Web": Deployment.CanaryPercent must be between 0.1 and 100 in steps of 0.1 (ECS), got 0.05`},
	{"canary percent off the 0.1 grid", func(c map[string]any) { web(c, "prod")["deployment"].(map[string]any)["canaryPercent"] = 12.34 },
		`webservice "prod/Services/Web": Deployment.CanaryPercent must be between 0.1 and 100 in steps of 0.1 (ECS), got 12.34`},
	{"canary bake beyond a day", func(c map[string]any) { web(c, "prod")["deployment"].(map[string]any)["canaryBakeMinutes"] = 1500.0 },
		`webservice "prod/Services/Web": Deployment.CanaryBake 25h0m0s must be whole minutes between 0 and 1440 (ECS)`},
	{"negative bake", func(c map[string]any) { web(c, "stg")["deployment"].(map[string]any)["bakeMinutes"] = -1.0 },
		`webservice "stg/Services/Web": Deployment.Bake -1m0s must be whole minutes between 0 and 1440 (ECS)`},
	{"over CloudFormation's 33 hours", func(c map[string]any) {
		d := web(c, "prod")["deployment"].(map[string]any)
		d["canaryBakeMinutes"], d["bakeMinutes"] = 1440.0, 600.0
	}, `webservice "prod/Services/Web": Deployment: 24h0m0s of traffic shifting plus Bake 10h0m0s is 34h0m0s, over the 33h CloudFormation waits for a deployment (it rejects the template): shorten the bakes`},
	{"linear step below 3 %", func(c map[string]any) {
		web(c, "prod")["deployment"] = map[string]any{"strategy": "linear", "linearStepPercent": 2.0}
	}, `webservice "prod/Services/Web": Deployment.LinearStepPercent must be between 3 and 100 in steps of 0.1 (ECS), got 2`},
	{"canary settings on a linear deployment", func(c map[string]any) {
		web(c, "prod")["deployment"].(map[string]any)["strategy"] = "linear"
	}, `webservice "prod/Services/Web": Deployment.CanaryPercent applies only to Strategy CANARY, got Strategy LINEAR` + "\n" +
		`webservice "prod/Services/Web": Deployment.CanaryBake applies only to Strategy CANARY, got Strategy LINEAR`},
	{"a rolling reason on a canary", func(c map[string]any) {
		web(c, "prod")["deployment"].(map[string]any)["rollingReason"] = "legacy sessions"
	}, `webservice "prod/Services/Web": Deployment.RollingReason applies only to Strategy ROLLING, got Strategy CANARY`},
	{"a progressive worker", func(c map[string]any) { worker(c, "prod")["deployment"] = map[string]any{"strategy": "canary"} },
		`env "prod": services.workers[0].deployment.strategy: "canary" needs a load balancer to shift traffic between revisions, and a worker has none: a worker deploys rolling`},
	{"malformed blocked window", func(c map[string]any) {
		env(c, "prod")["zonalShift"].(map[string]any)["blockedWindows"] = []any{"Mon 00:00-08:00"}
	},
		`webservice "prod/Services/Web": ZonalAutoshift.BlockedWindows[0] "Mon 00:00-08:00" must be a weekly UTC window Day:HH:MM-Day:HH:MM, e.g. Sat:00:00-Sat:08:00`},
	{"malformed blocked date", func(c map[string]any) {
		env(c, "prod")["zonalShift"].(map[string]any)["blockedDates"] = []any{"2026/12/31"}
	},
		`webservice "prod/Services/Web": ZonalAutoshift.BlockedDates[0] "2026/12/31" must be a UTC date YYYY-MM-DD, e.g. 2026-12-31`},
	{"an opt-out reason with autoshift on", func(c map[string]any) {
		env(c, "prod")["zonalShift"].(map[string]any)["optOutReason"] = "no reason"
	}, `env "prod": zonalShift.optOutReason: applies only with autoshift false`},
}

// TestInvalidDeployments checks each broken deployment setting gives exactly its message, from
// config.Load or from building the stacks.
func TestInvalidDeployments(t *testing.T) {
	for _, tc := range invalidDeployments {
		t.Run(tc.name, func(t *testing.T) { wantBuildError(t, tc) })
	}
}

// wantBuildError checks that the broken config of tc gives exactly its message, from config.Load
// or from building the stacks.
func wantBuildError(t *testing.T, tc invalidCase) {
	t.Helper()
	ctx := mutate(t, func(c map[string]any) {
		tc.mutate(c)
		// Build only the environment the case breaks, as `-c env=` would.
		c[config.SelectKey] = caseEnv.FindStringSubmatch(tc.want)[1]
	})
	envs, err := config.Load(ctx)
	if err == nil {
		props := stacks.AppProps() // as the app builds it: no creation stack traces
		props.Context, props.Outdir = &ctx, jsii.String(t.TempDir())
		app := awscdk.NewApp(props)
		_, err = stacks.Build(app, envs)
	}
	if err == nil {
		t.Fatalf("no error; want\n%s", tc.want)
	}
	if err.Error() != tc.want {
		t.Fatalf("got\n%s\nwant\n%s", err, tc.want)
	}
}

// replacingServiceProperties are the AWS::ECS::Service properties whose change replaces the
// service (CloudFormation: AWS::ECS::Service, "Update requires: Replacement"). A replaced
// service gets a new name, which breaks the pipeline stack's import of it.
var replacingServiceProperties = []string{"Cluster", "LaunchType", "Role", "SchedulingStrategy", "ServiceName"}

// TestFargateEc2SwitchReplacesNothing: moving a web service or worker between Fargate and EC2
// capacity (an update ECS supports since June 2025) changes no property that would replace the
// service: the EC2 variant no longer writes SchedulingStrategy, which the Fargate one leaves out.
func TestFargateEc2SwitchReplacesNothing(t *testing.T) {
	ec2 := []any{map[string]any{"name": "EC2", "base": 0.0, "weight": 1.0}}
	ctx := mutate(t, func(c map[string]any) {
		web(c, "prod")["capacityProviders"] = ec2
		worker(c, "prod")["capacityProviders"] = ec2
		web(c, "stg")["capacityProviders"] = []any{map[string]any{"name": "FARGATE", "base": 0.0, "weight": 1.0}}
		c[config.SelectKey] = "prod"
	})
	switched := synthTemplates(t, ctx)
	ctx = mutate(t, func(c map[string]any) {
		web(c, "stg")["capacityProviders"] = []any{map[string]any{"name": "FARGATE", "base": 0.0, "weight": 1.0}}
		c[config.SelectKey] = "stg"
	})
	for k, v := range synthTemplates(t, ctx) {
		switched[k] = v
	}
	n := 0
	for _, stack := range []string{"prod/Services", "stg/Services"} {
		before, _ := synthesized.templates[stack]["Resources"].(map[string]any)
		after, _ := switched[stack]["Resources"].(map[string]any)
		for id, r := range before {
			if dig(r, "Type") != "AWS::ECS::Service" {
				continue
			}
			if reflect.DeepEqual(dig(r, "Properties", "CapacityProviderStrategy"), dig(after[id], "Properties", "CapacityProviderStrategy")) {
				continue // stg's worker stays as it is
			}
			n++
			for _, p := range replacingServiceProperties {
				if a, b := dig(r, "Properties", p), dig(after[id], "Properties", p); !reflect.DeepEqual(a, b) {
					t.Errorf("%s/%s: %s %s becomes %s, which replaces the service", stack, id, p, short(a), short(b))
				}
			}
		}
	}
	if n != 3 {
		t.Fatalf("%d services switched, want prod's web service and worker and stg's web service", n)
	}
}

// synthTemplates synthesizes the environments of ctx and returns their templates by stack.
func synthTemplates(t *testing.T, ctx map[string]any) map[string]map[string]any {
	return synthEnv(t, ctx, "")
}

// synthEnv synthesizes one environment of ctx (every one if name is "") and returns its
// templates by stack.
func synthEnv(t *testing.T, ctx map[string]any, name string) map[string]map[string]any {
	t.Helper()
	outdir, asm := synthAssembly(t, ctx, name)
	out := map[string]map[string]any{}
	for _, s := range *asm.StacksRecursively() {
		raw, err := os.ReadFile(filepath.Join(outdir, assemblyDir(s), *s.TemplateFile()))
		if err != nil {
			t.Fatal(err)
		}
		var tpl map[string]any
		if err := json.Unmarshal(raw, &tpl); err != nil {
			t.Fatal(err)
		}
		out[*s.HierarchicalId()] = tpl
	}
	return out
}

// synthAssembly synthesizes one environment of ctx (every one if name is "") in-process, as the
// app does without cdk-nag, into a temporary directory.
func synthAssembly(t *testing.T, ctx map[string]any, name string) (string, cxapi.CloudAssembly) {
	t.Helper()
	envs, err := config.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if name != "" {
		envs = slices.DeleteFunc(envs, func(e config.Environment) bool { return e.Name != name })
	}
	outdir := t.TempDir()
	props := stacks.AppProps()
	props.Context, props.Outdir = &ctx, jsii.String(outdir)
	app := awscdk.NewApp(props)
	if _, err := stacks.Build(app, envs); err != nil {
		t.Fatal(err)
	}
	return outdir, app.Synth(nil)
}

// TestProductionTaskHardening (issue 13): in production every application container — the web
// services' and the workers' own, not a sidecar — runs as a non-root user on a read-only root
// file system.
func TestProductionTaskHardening(t *testing.T) {
	n := 0
	for _, env := range synthesized.envs {
		if !env.Production {
			continue
		}
		for _, svc := range propResources(env, "AWS::ECS::Service") {
			td, ok := propResolveRes(svc.stack, svc.props["TaskDefinition"], "AWS::ECS::TaskDefinition")
			if !ok {
				t.Errorf("%s: task definition not found", svc)
				continue
			}
			name, _ := dig(svc.res, "Metadata", "okiagari", "name").(string)
			for _, c := range asList(td.props["ContainerDefinitions"]) {
				if cn := dig(c, "Name"); cn != name && cn != "Worker" {
					continue // a sidecar (X-Ray) keeps its image's defaults
				}
				n++
				user, _ := dig(c, "User").(string)
				if u, _, _ := strings.Cut(user, ":"); user == "" || u == "root" || u == "0" {
					t.Errorf("%s: container %v runs as %q, want a non-root user", td, dig(c, "Name"), user)
				}
				if dig(c, "ReadonlyRootFilesystem") != true {
					t.Errorf("%s: container %v has a writable root file system", td, dig(c, "Name"))
				}
			}
		}
	}
	if n < 2 {
		t.Fatalf("%d application containers checked, want prod's web service and worker", n)
	}
}
