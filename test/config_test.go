package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/okiagari/okiagari/config"
)

// mutate returns a deep copy of the cdk.json context with f applied to it.
func mutate(t *testing.T, f func(ctx map[string]any)) map[string]any {
	t.Helper()
	b, err := json.Marshal(synthesized.context)
	if err != nil {
		t.Fatal(err)
	}
	var ctx map[string]any
	if err := json.Unmarshal(b, &ctx); err != nil {
		t.Fatal(err)
	}
	f(ctx)
	return ctx
}

// env returns the settings of one environment in ctx.
func env(ctx map[string]any, name string) map[string]any {
	return ctx[config.ContextKey].(map[string]any)[name].(map[string]any)
}

func section(ctx map[string]any, name, key string) map[string]any {
	return env(ctx, name)[key].(map[string]any)
}

type invalidCase struct {
	name   string
	mutate func(ctx map[string]any)
	want   string
}

var invalidConfigs = []invalidCase{
	{"two zones", func(c map[string]any) {
		env(c, "prod")["availabilityZones"] = []any{"ap-northeast-1a", "ap-northeast-1c"}
	}, `env "prod": availabilityZones: must name exactly 3 zones, got 2 ["ap-northeast-1a" "ap-northeast-1c"]`},
	{"four zones", func(c map[string]any) {
		env(c, "dev")["availabilityZones"] = []any{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d", "ap-northeast-1b"}
	}, `env "dev": availabilityZones: must name exactly 3 zones, got 4 ["ap-northeast-1a" "ap-northeast-1c" "ap-northeast-1d" "ap-northeast-1b"]`},
	{"duplicate zone", func(c map[string]any) {
		env(c, "stg")["availabilityZones"] = []any{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1a"}
	}, `env "stg": availabilityZones[2]: "ap-northeast-1a" is named twice; each zone once`},
	{"zone outside the region", func(c map[string]any) {
		env(c, "prod")["availabilityZones"] = []any{"ap-northeast-1a", "ap-northeast-1c", "us-east-1a"}
	}, `env "prod": availabilityZones[2]: "us-east-1a" is not a zone of region "ap-northeast-1" (want ap-northeast-1a, ap-northeast-1c, ...)`},
	{"bad cidr", func(c map[string]any) {
		section(c, "prod", "network")["cidr"] = "10.0.0.0/33"
	}, `env "prod": network.cidr: "10.0.0.0/33" is not a valid IPv4 CIDR`},
	{"cidr with host bits", func(c map[string]any) {
		section(c, "prod", "network")["cidr"] = "10.30.1.0/16"
	}, `env "prod": network.cidr: "10.30.1.0/16" has host bits set; use "10.30.0.0/16"`},
	{"cidr too small", func(c map[string]any) {
		section(c, "dev", "network")["cidr"] = "10.10.0.0/24"
	}, `env "dev": network.cidr: "10.10.0.0/24" must have a prefix between /16 and /20, got /24`},
	{"missing cidr", func(c map[string]any) {
		delete(section(c, "dev", "network"), "cidr")
	}, `env "dev": network.cidr: is required, e.g. "10.0.0.0/16"`},
	{"account not 12 digits", func(c map[string]any) {
		env(c, "prod")["account"] = "12345"
	}, `env "prod": account: "12345" must be 12 digits`},
	{"account as a number", func(c map[string]any) {
		env(c, "prod")["account"] = 333333333333.0
	}, `env "prod": account: want a string, got 3.33333333333e+11`},
	{"bad region", func(c map[string]any) {
		env(c, "prod")["region"] = "tokyo"
	}, `env "prod": region: "tokyo" is not an AWS region name like "ap-northeast-1"
env "prod": availabilityZones[0]: "ap-northeast-1a" is not a zone of region "tokyo" (want tokyoa, tokyoc, ...)
env "prod": availabilityZones[1]: "ap-northeast-1c" is not a zone of region "tokyo" (want tokyoa, tokyoc, ...)
env "prod": availabilityZones[2]: "ap-northeast-1d" is not a zone of region "tokyo" (want tokyoa, tokyoc, ...)`},
	{"unknown key", func(c map[string]any) {
		env(c, "prod")["prodution"] = true
	}, `env "prod": prodution: unknown key; known keys here: account, autoHeal, availabilityZones, network, pipeline, platform, production, region, resilience, services, zonalShift`},
	{"unknown nested key", func(c map[string]any) {
		section(c, "dev", "network")["natGatways"] = 1.0
	}, `env "dev": network.natGatways: unknown key; known keys here: cidr, flowLogRetentionDays, interfaceEndpoints, natGateways`},
	{"nat count above zone count", func(c map[string]any) {
		section(c, "prod", "network")["natGateways"] = 4.0
	}, `env "prod": network.natGateways: must be between 1 and the number of zones (3), got 4`},
	{"no nat", func(c map[string]any) {
		section(c, "dev", "network")["natGateways"] = 0.0
	}, `env "dev": network.natGateways: must be between 1 and the number of zones (3), got 0`},
	{"nat count as a string", func(c map[string]any) {
		section(c, "dev", "network")["natGateways"] = "3"
	}, `env "dev": network.natGateways: want a whole number, got "3"`},
	{"flow log retention", func(c map[string]any) {
		section(c, "stg", "network")["flowLogRetentionDays"] = 45.0
	}, `env "stg": network.flowLogRetentionDays: 45 is not a CloudWatch Logs retention; use one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`},
	{"unknown interface endpoint", func(c map[string]any) {
		section(c, "stg", "network")["interfaceEndpoints"] = []any{"ecr.api", "ecr"}
	}, `env "stg": network.interfaceEndpoints[1]: "ecr" is not one of ecr.api, ecr.dkr, logs, monitoring, ssm, ssmmessages, ec2messages, secretsmanager, sqs, sts, kms, elasticfilesystem`},
	{"bad environment name", func(c map[string]any) {
		envs := c[config.ContextKey].(map[string]any)
		envs["Prod-EU"] = envs["prod"]
		delete(envs, "prod")
	}, `env "Prod-EU": the name must be 1-12 lowercase letters and digits, starting with a letter (it names stages and resources)`},
	{"repository name shared in one account", func(c map[string]any) {
		env(c, "stg")["account"] = "111111111111"
	}, `env "stg": platform.repositories[0]: "app" is also a repository of env "dev" in account 111111111111, ap-northeast-1; ECR names are unique per account and region: use another name, e.g. "stg/app"`},
	{"overlapping ranges", func(c map[string]any) {
		section(c, "stg", "network")["cidr"] = "10.10.0.0/18"
	}, `env "stg": network.cidr: "10.10.0.0/18" overlaps env "dev"'s "10.10.0.0/16"; give each environment its own range`},
	{"unknown -c env", func(c map[string]any) {
		c[config.SelectKey] = "qa"
	}, `-c env=qa: no such environment; known: dev, prod, stg`},
	{"no environments", func(c map[string]any) {
		delete(c, config.ContextKey)
	}, `cdk.json: context.environments must map environment names to their settings`},
	{"fargate-only cluster with EC2 settings and an EC2 service", func(c map[string]any) {
		section(c, "stg", "platform")["cluster"].(map[string]any)["fargateOnly"] = true
	}, `env "stg": platform.cluster.ec2: is set, but platform.cluster.fargateOnly is true: a Fargate-only cluster has no EC2 instances; remove one of them
env "stg": services.web[0].capacityProviders[0].name: "EC2", but platform.cluster.fargateOnly is true: the cluster has no EC2 capacity; use FARGATE or FARGATE_SPOT`},
	{"fargate-only cluster with an EC2 default strategy", func(c map[string]any) {
		cl := section(c, "dev", "platform")["cluster"].(map[string]any)
		cl["fargateOnly"] = true
		delete(cl, "ec2")
		cl["defaultCapacityProviders"] = []any{map[string]any{"name": "EC2", "weight": 1.0}}
	}, `env "dev": platform.cluster.defaultCapacityProviders[0].name: "EC2", but platform.cluster.fargateOnly is true: the cluster has no EC2 capacity; use FARGATE or FARGATE_SPOT`},
	{"problems in two environments at once", func(c map[string]any) {
		env(c, "dev")["account"] = "1"
		section(c, "prod", "network")["cidr"] = "10.0.0.0/8"
	}, `env "dev": account: "1" must be 12 digits
env "prod": network.cidr: "10.0.0.0/8" must have a prefix between /16 and /20, got /8`},
}

// TestInvalidConfigs checks that each broken cdk.json gives exactly its message.
func TestInvalidConfigs(t *testing.T) {
	for _, tc := range invalidConfigs {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Load(mutate(t, tc.mutate))
			if err == nil {
				t.Fatalf("no error; want\n%s", tc.want)
			}
			if err.Error() != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", err, tc.want)
			}
		})
	}
}

// TestSelectEnvironment checks -c env=NAME.
func TestSelectEnvironment(t *testing.T) {
	envs, err := config.Load(mutate(t, func(c map[string]any) { c[config.SelectKey] = "stg" }))
	if err != nil || len(envs) != 1 || envs[0].Name != "stg" {
		t.Fatalf("got %v, %v; want stg alone", envs, err)
	}
}

// caseEnv finds the environment a message is about: env "prod" or a construct path "prod/...".
var caseEnv = regexp.MustCompile(`^(?:env "|\w+ ")(\w+)[/"]`)

// TestCommandLine runs the app as a user would (go run ./bin) on broken cdk.json files and
// checks that it exits 1 with exactly the messages (so no Go panic trace and no jsii stack dump)
// and writes no cdk.out. The cases run in parallel: each is its own process.
// scripts/check-bad-config does the same through npx cdk synth in CI.
//
// The cases: every error config.Load reports (the app stops before jsii starts: milliseconds
// each), every broken deployment and zone-evacuation setting (issue 11 asks for them through
// the app), and from the other tables of construct errors their first (these start jsii and
// build an environment, about a second each; a construct error takes the same way out of the app
// whichever construct reports it). Every construct error's exact message is also checked
// in-process by TestInvalidWorkloads, TestInvalidDeployments and TestInvalidScaling.
func TestCommandLine(t *testing.T) {
	configError := func(tc invalidCase) bool { return strings.HasPrefix(tc.want, `env "`) }
	cases := slices.Concat(invalidConfigs, invalidDeployments)
	for _, table := range [][]invalidCase{invalidWorkloads, invalidScaling} {
		first := true
		for _, tc := range table {
			if configError(tc) || first && !configError(tc) {
				first = first && configError(tc)
				cases = append(cases, tc)
			}
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var args []string
			if slices.ContainsFunc(invalidWorkloads, func(w invalidCase) bool { return w.name == tc.name }) {
				args = []string{"-c", "env=prod"} // as TestInvalidWorkloads builds it
			} else if !slices.ContainsFunc(invalidConfigs, func(w invalidCase) bool { return w.name == tc.name }) {
				// Only the environment the case breaks: the others would synthesize for nothing.
				args = []string{"-c", "env=" + caseEnv.FindStringSubmatch(tc.want)[1]}
			}
			out, code, dir := runApp(t, tc.mutate, args...)
			if code != 1 {
				t.Fatalf("exit code %d, want 1; output:\n%s", code, out)
			}
			if got := strings.TrimSpace(out); got != tc.want {
				t.Fatalf("output\n%s\nwant\n%s", got, tc.want)
			}
			// CDK stages custom-resource code as soon as a construct needs it; what must not exist
			// is an assembly: a manifest or a template someone could deploy.
			written, _ := filepath.Glob(filepath.Join(dir, "cdk.out", "*", "*.template.json"))
			if _, err := os.Stat(filepath.Join(dir, "cdk.out", "manifest.json")); err == nil || len(written) > 0 {
				t.Fatalf("an assembly was written for an invalid configuration: %v", written)
			}
		})
	}
}
