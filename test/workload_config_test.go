package test

import (
	"testing"
)

func web(c map[string]any, e string) map[string]any {
	return section(c, e, "services")["web"].([]any)[0].(map[string]any)
}

func worker(c map[string]any, e string) map[string]any {
	return section(c, e, "services")["workers"].([]any)[0].(map[string]any)
}

func ec2(c map[string]any, e string) map[string]any {
	return section(c, e, "platform")["cluster"].(map[string]any)["ec2"].(map[string]any)
}

// invalidWorkloads are broken service, platform, auto-heal and pipeline settings. The config
// package catches what crosses sections (names, repositories, providers); the constructs catch
// the rest and name their construct path and field.
var invalidWorkloads = []invalidCase{
	{"unknown repository", func(c map[string]any) { web(c, "prod")["repository"] = "api" },
		`env "prod": services.web[0].repository: "api" is not in platform.repositories ["app"]`},
	{"repository and image", func(c map[string]any) { worker(c, "prod")["image"] = "busybox:1.36" },
		`env "prod": services.workers[0]: set repository or image, not both`},
	{"unknown capacity provider", func(c map[string]any) {
		web(c, "prod")["capacityProviders"] = []any{map[string]any{"name": "SPOT", "weight": 1.0}}
	}, `env "prod": services.web[0].capacityProviders[0].name: "SPOT" is not FARGATE, FARGATE_SPOT or EC2`},
	{"duplicate names", func(c map[string]any) { worker(c, "prod")["name"] = "web" },
		`env "prod": services.workers[0].name: "web" is already the name of services.web[0]; names are unique in an environment`},
	{"bad service name", func(c map[string]any) { web(c, "prod")["name"] = "Web_1" },
		`env "prod": services.web[0].name: "Web_1" must be 1-32 lowercase letters, digits and '-', starting with a letter`},
	{"pipeline repository", func(c map[string]any) { section(c, "prod", "pipeline")["repository"] = "api" },
		`env "prod": pipeline.repository: "api" is not in platform.repositories ["app"]`},
	{"log retention", func(c map[string]any) { worker(c, "prod")["logRetentionDays"] = 10.0 },
		`env "prod": services.workers[0].logRetentionDays: 10 is not a CloudWatch Logs retention; use one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`},
	{"resilience threshold", func(c map[string]any) { section(c, "prod", "resilience")["minPeakAfterAzLossPercent"] = 150.0 },
		`env "prod": resilience.minPeakAfterAzLossPercent: must be between 0 (off) and 100, got 150`},

	{"stop timeout below drain on Fargate Spot", func(c map[string]any) { web(c, "prod")["stopTimeoutSeconds"] = 10.0 },
		`webservice "prod/Services/Web": StopTimeout 10s must be >= DeregistrationDelay 30s on FARGATE_SPOT: a Spot interruption sends SIGTERM as the drain starts, so a container that exits sooner drops the requests still draining`},
	{"max below the static-stability floor", func(c map[string]any) { web(c, "prod")["maxTasks"] = 5.0 },
		`webservice "prod/Services/Web": MaxTasks 5 must be >= the static-stability floor 9 (ceil(6 × 3 / 2))`},
	{"bad cron", func(c map[string]any) {
		web(c, "prod")["scaling"].(map[string]any)["schedules"].([]any)[0].(map[string]any)["cron"] = "0 8 * * *"
	}, `webservice "prod/Services/Web": Schedules[0].Cron "0 8 * * *" must have the form cron(minute hour day-of-month month day-of-week year), e.g. cron(0 8 * * ? *)`},
	{"not a Fargate size", func(c map[string]any) { web(c, "prod")["memoryMiB"] = 1000.0 },
		`webservice "prod/Services/Web": Cpu 1024 with MemoryMiB 1000 is not a valid Fargate size; with 1024 CPU units use 2048–8192 MiB in steps of 1024`},
	{"negative cooldown", func(c map[string]any) { web(c, "prod")["scaling"].(map[string]any)["scaleInCooldownSeconds"] = -1.0 },
		`webservice "prod/Services/Web": ScaleInCooldown must be >= 0s, got -1s`},
	{"visibility timeout below stop timeout", func(c map[string]any) {
		worker(c, "prod")["queue"].(map[string]any)["visibilityTimeoutSeconds"] = 60.0
	}, `worker "prod/Services/Mailer": Queue.VisibilityTimeout 60s must be > StopTimeout 120s, or a message a stopping worker is finishing is delivered again`},
	{"one instance type for Spot", func(c map[string]any) { ec2(c, "prod")["instanceTypes"] = []any{"m6i.large"} },
		`cluster "prod/Platform/Cluster": InstanceTypes names 1 types; Spot (OnDemandPercentageAboveBaseCapacity 25 < 100) needs at least 3: each type in each zone is one Spot pool, and price-capacity-optimized can only move away from a pool being reclaimed if there are others`},
	{"certificate of another region", func(c map[string]any) {
		web(c, "prod")["certificateArn"] = "arn:aws:acm:us-east-1:333333333333:certificate/00000000-0000-0000-0000-000000000000"
	}, `webservice "prod/Services/Web": CertificateArn "arn:aws:acm:us-east-1:333333333333:certificate/00000000-0000-0000-0000-000000000000" is in us-east-1 but must be in the stack's region ap-northeast-1: a load balancer can use only ACM certificates of its own region (us-east-1 certificates are for CloudFront)`},
	{"health check path with a query", func(c map[string]any) { web(c, "prod")["healthCheckPath"] = "/health?deep=1&x=2" },
		`webservice "prod/Services/Web": HealthCheckPath "/health?deep=1&x=2" must be / followed only by letters, digits and . _ ~ / % -: no query string, and nothing the container health check's shell would interpret`},
	{"step that can never fire", func(c map[string]any) {
		web(c, "prod")["scaling"].(map[string]any)["cpuStep"] = map[string]any{"thresholdPercent": 85.0,
			"steps": []any{map[string]any{"lower": 0.0, "upper": 20.0, "change": 1.0}, map[string]any{"lower": 20.0, "change": 2.0}}}
	}, `webservice "prod/Services/Web": CpuStep.Steps[1] needs CPU >= 105 % (CpuStep.Threshold 85 + Lower 20) and can never fire: Fargate caps CPU utilisation at 100 %; every step must start below 100 %`},
	{"pipeline bake removed", func(c map[string]any) { section(c, "prod", "pipeline")["bakeMinutes"] = 30.0 },
		`env "prod": pipeline.bakeMinutes: removed: ECS bakes each service now, set services.web[].deployment.bakeMinutes; delete this key`},
	{"pipeline timeout shorter than a service's worst-case deploy", func(c map[string]any) {
		section(c, "prod", "pipeline")["deploymentTimeoutMinutes"] = 30.0
	}, `pipeline "prod/Pipeline/Pipeline": DeploymentTimeout 30m0s is shorter than Services[0] "web"'s DeployWorstCase 32m50s, the longest its successful deployment takes: ` +
		`the deploy action would fail a deployment ECS is still carrying out; set DeploymentTimeout to at least 33m0s (default 60 minutes, the most the action allows), ` +
		`or shorten the service's deployment (its bakes; for a worker also ProtectionExpiry, during which a busy task holds the deployment back, and StopTimeout)`},
	{"pipeline timeout shorter than a worker's protection expiry", func(c map[string]any) {
		// The mailer's protection expiry is its visibility timeout rounded up: 50 minutes.
		worker(c, "prod")["queue"].(map[string]any)["visibilityTimeoutSeconds"] = 3000.0
	}, `pipeline "prod/Pipeline/Pipeline": DeploymentTimeout 45m0s is shorter than Services[1] "mailer"'s DeployWorstCase 53m0s, the longest its successful deployment takes: ` +
		`the deploy action would fail a deployment ECS is still carrying out; set DeploymentTimeout to at least 53m0s (default 60 minutes, the most the action allows), ` +
		`or shorten the service's deployment (its bakes; for a worker also ProtectionExpiry, during which a busy task holds the deployment back, and StopTimeout)`},
	{"auto-heal capacity", func(c map[string]any) { env(c, "prod")["autoHeal"].([]any)[0].(map[string]any)["capacity"] = 2.0 },
		`autoheal "prod/AutoHeal/Chat": Capacity must be 1 (one writer: a second instance would write the same EFS data at the same time), got 2`},
	{"auto-heal compose version without its checksum", func(c map[string]any) {
		env(c, "prod")["autoHeal"].([]any)[0].(map[string]any)["composePluginVersion"] = "v2.33.0"
	}, `autoheal "prod/AutoHeal/Chat": ComposePluginSHA256 is required with ComposePluginVersion "v2.33.0" (only v2.32.4's checksums are built in): ` +
		`the SHA-256 of docker-compose-linux-x86_64 from https://github.com/docker/compose/releases/download/v2.33.0/checksums.txt`},
	{"auto-heal checksum that is no SHA-256", func(c map[string]any) {
		env(c, "prod")["autoHeal"].([]any)[0].(map[string]any)["composePluginSha256"] = "sha256:ed1917fb"
	}, `autoheal "prod/AutoHeal/Chat": ComposePluginSHA256 "sha256:ed1917fb" must be 64 lowercase hexadecimal digits, as in the release's checksums.txt`},
	{"auto-heal image that is no AMI ID", func(c map[string]any) {
		env(c, "prod")["autoHeal"].([]any)[0].(map[string]any)["imageId"] = "al2023-ami-2023.6"
	}, `autoheal "prod/AutoHeal/Chat": ImageID "al2023-ami-2023.6" must be an AMI ID like "ami-0123456789abcdef0"`},
	{"auto-heal hop limit 0", func(c map[string]any) {
		env(c, "prod")["autoHeal"].([]any)[0].(map[string]any)["metadataHopLimit"] = 0.0
	}, `autoheal "prod/AutoHeal/Chat": MetadataHopLimit must be between 1 and 64, got 0`},
}

// TestInvalidWorkloads checks each broken workload setting gives exactly its message, from
// config.Load or from building the stacks (which then must not be synthesized).
func TestInvalidWorkloads(t *testing.T) {
	for _, tc := range invalidWorkloads {
		t.Run(tc.name, func(t *testing.T) { wantBuildError(t, tc) })
	}
}
