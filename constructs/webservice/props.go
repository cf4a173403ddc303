package webservice

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"

	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/scaling"
)

// The Fargate capacity providers every cluster with Fargate enabled has.
const (
	Fargate     = capacity.Fargate
	FargateSpot = capacity.FargateSpot
)

// CapacityProvider is one entry of the service's capacity-provider strategy: Name is FARGATE,
// FARGATE_SPOT or the real name of one of the cluster's EC2 capacity providers (for an okiagari
// cluster, cluster.Cluster.Ec2CapacityProviderName).
type CapacityProvider = capacity.Provider

// ServiceProps configures a Service. Durations are Go time.Durations in whole seconds.
type ServiceProps struct {
	// Name names the service in its container, alarms, log stream prefix and resilience
	// metadata: lowercase letters, digits and hyphens, starting with a letter, at most 32.
	// Default: none, required.
	Name string
	// Vpc is where the service runs: the load balancer in its public subnets, the tasks in its
	// private subnets with egress, in every zone the VPC spans. Default: none, required.
	Vpc awsec2.IVpc
	// Cluster is the ECS cluster the service runs in. It must have the capacity providers the
	// strategy names (FARGATE/FARGATE_SPOT enabled, EC2 providers added). Default: none,
	// required.
	Cluster awsecs.ICluster
	// AlarmTopic receives the service's alarm and OK notifications. Default: none, required.
	AlarmTopic awssns.ITopic
	// Production turns on the load balancer's deletion protection and warns when the service is
	// served over plain HTTP. Default: false.
	Production *bool

	// CertificateArn is the ACM certificate of the HTTPS listener; port 80 then redirects to 443.
	// It must be an ACM certificate ARN in the stack's region (a load balancer cannot use one from
	// another region, such as a CloudFront certificate in us-east-1); tokens are not checked.
	// Default: no certificate, HTTP only on port 80 (a warning in production).
	CertificateArn *string
	// AccessLogExpiration is how long the load balancer's access logs are kept in their bucket,
	// whole days. The bucket itself is retained when the stack is deleted. Default: 90 days.
	AccessLogExpiration *time.Duration

	// HealthCheckPath is the path the load balancer and the container health check request: "/"
	// followed only by letters, digits and . _ ~ / % - (no query string; the default container
	// health check runs it in a shell). Default: "/health".
	HealthCheckPath *string
	// HealthCheckInterval is the load balancer's health check interval, 5–300 s. Default: 10 s.
	HealthCheckInterval *time.Duration
	// HealthCheckTimeout is the load balancer's health check timeout, 2–120 s and below the
	// interval. Default: 5 s.
	HealthCheckTimeout *time.Duration
	// HealthyThreshold is how many passing checks make a target healthy, 2–10. Default: 2.
	HealthyThreshold *int
	// UnhealthyThreshold is how many failing checks make a target unhealthy, 2–10. Default: 2.
	UnhealthyThreshold *int
	// DeregistrationDelay is how long the load balancer lets in-flight requests of a stopping
	// task finish, 0–3600 s, at most StopTimeout. Default: 30 s.
	DeregistrationDelay *time.Duration
	// SlowStart ramps a new task's share of requests up over this time: 0 (off) or 30–900 s.
	// Default: 0, off.
	SlowStart *time.Duration

	// CapacityProviders is the service's capacity-provider strategy, Fargate providers or EC2
	// ones, not both. Default: FARGATE with weight 1.
	CapacityProviders []CapacityProvider
	// Ec2CapacityProviders names the cluster's EC2 (Auto Scaling group) capacity providers that
	// CapacityProviders may use. A strategy of EC2 providers gets an EC2 task definition
	// (awsvpc networking) and tasks spread over availability zones. When Cluster is an okiagari
	// cluster (constructs/cluster), its providers are known: every name here must be one of them,
	// and the strategy is checked against them. Default: an okiagari cluster's EC2 providers;
	// none for any other cluster.
	Ec2CapacityProviders []string
	// Cpu is the task's CPU units. On Fargate, Cpu and MemoryMiB must be a valid pair (see
	// capacity.CheckFargateSize); on EC2 they are the container's reservation and limit, each
	// >= 128. Default: 512.
	Cpu *int
	// MemoryMiB is the task's memory in MiB. Default: 1024.
	MemoryMiB *int

	// Repository is the ECR repository of the image; set ImageTag with it. Exactly one of
	// Repository and Image. Default: none.
	Repository awsecr.IRepository
	// ImageTag is the image's tag in Repository. Default: none, required with Repository.
	ImageTag *string
	// Image is an explicit image reference ("public.ecr.aws/nginx/nginx:1.27"). Exactly one of
	// Repository and Image. Default: none.
	Image *string
	// ContainerPort is the port the container listens on, 1–65535. Default: 8080.
	ContainerPort *int
	// Environment are the container's plain environment variables. Default: none.
	Environment map[string]string
	// SsmSecrets maps environment variables to SSM parameter names (SecureString or String)
	// whose values are injected at start. Default: none.
	SsmSecrets map[string]string
	// SecretsManagerSecrets maps environment variables to Secrets Manager secret names or ARNs
	// whose values are injected at start. Default: none.
	SecretsManagerSecrets map[string]string
	// LogRetention is how long the container logs are kept; the log group is retained when the
	// stack is deleted. Default: three months.
	LogRetention awslogs.RetentionDays
	// HealthCheckCommand is the container health check command, in ECS form. Default:
	// ["CMD-SHELL", "curl -fs 'http://localhost:<ContainerPort><HealthCheckPath>' || exit 1"]
	// (the image must contain curl).
	HealthCheckCommand []string
	// HealthCheckStartPeriod is how long failing container health checks are ignored after the
	// container starts, 0–300 s. Default: 30 s.
	HealthCheckStartPeriod *time.Duration
	// StopTimeout is how long the container has between SIGTERM and SIGKILL, 2–120 s and at least
	// DeregistrationDelay. Default: 60 s.
	StopTimeout *time.Duration
	// XRay adds the AWS X-Ray daemon as a sidecar (32 CPU units, 256 MiB limit) and lets the task
	// role send traces. Default: false.
	XRay *bool
	// EnableExec turns on ECS Exec (shell access into running tasks). Default: false.
	EnableExec *bool
	// HealthCheckGracePeriod is how long ECS ignores load balancer health checks of a new task,
	// 0–1800 s. Default: 60 s.
	HealthCheckGracePeriod *time.Duration

	// PeakTasks is how many tasks the service needs at its peak, >= 1. Default: none, required.
	PeakTasks int
	// StaticStability runs enough tasks that losing one zone still leaves PeakTasks:
	// ceil(PeakTasks × zones / (zones − 1)). Off, the floor is PeakTasks. Default: true.
	StaticStability *bool
	// MinTasks is the least the service scales in to; it is raised to the floor. Default: the
	// floor.
	MinTasks *int
	// MaxTasks is the most the service scales out to, >= the floor and MinTasks. Default: twice
	// the minimum.
	MaxTasks *int

	// CpuTarget is the average CPU utilisation target tracking holds, 1–100 %. Default: 70 %.
	CpuTarget *float64
	// ScaleOutCooldown applies to every target-tracking policy. Default: 60 s.
	ScaleOutCooldown *time.Duration
	// ScaleInCooldown applies to every target-tracking policy. Default: 300 s.
	ScaleInCooldown *time.Duration
	// MemoryTarget adds target tracking on average memory utilisation, 1–100 %. Default: none.
	MemoryTarget *float64
	// RequestsPerTarget adds target tracking on ALB requests per task per minute, > 0.
	// Default: none.
	RequestsPerTarget *float64
	// UtilizationTarget adds metric-math target tracking on the service's combined CPU and memory
	// utilisation (UtilizationExpression), 1–100 %. Default: none.
	UtilizationTarget *float64
	// UtilizationExpression combines "cpu" and "mem" for UtilizationTarget. Default:
	// scaling.MaxCpuMemory, "MAX([cpu,mem])".
	UtilizationExpression *string
	// CustomMetric adds target tracking on an app-published metric or an expression over
	// several (see scaling.TrackMetricMath). Default: none.
	CustomMetric *scaling.MetricMathProps
	// CpuStep adds step scaling on CPU utilisation, for sudden rises target tracking is too slow
	// for. Default: none.
	CpuStep *CpuStep
	// Schedules change the capacity range on a schedule; each MinCapacity and MaxCapacity must be
	// >= the floor. Default: none.
	Schedules []scaling.ScheduleProps

	// Alarms sets the alarm thresholds. Default: see AlarmThresholds.
	Alarms *AlarmThresholds
}

// CpuStep configures step scaling on the service's one-minute average CPU utilisation.
type CpuStep struct {
	// Threshold is the CPU % at and above which steps add tasks, 1–100 and above CpuTarget: at or
	// below the target-tracking target the step policy adds tasks that target tracking removes,
	// and the two fight. Default: DefaultCpuStepThreshold, 75.
	Threshold *float64
	// Steps are the scale-out steps above the threshold. On Fargate every step must start below
	// 100 % CPU (Threshold + Lower < 100): Fargate caps CPU utilisation at 100 %, so a step
	// beyond never fires. Default: DefaultCpuSteps, +1 for 0–15 above the threshold, +2 beyond
	// (+2 at >= 90 % with the default threshold).
	Steps []scaling.Step
	// EvaluationPeriods is how many one-minute periods the alarm looks at, 1–10. Default: 3.
	EvaluationPeriods *int
	// DatapointsToAlarm is how many of them must breach. Default: 2.
	DatapointsToAlarm *int
	// TreatMissingData is how a minute without CPU data counts. Default: BREACHING: a web service
	// always runs tasks, so silence means the metric source or the tasks are gone, and adding
	// tasks is the safe reaction (SOURCES.md, report 2).
	TreatMissingData awscloudwatch.TreatMissingData
	// Cooldown is the time between steps. Default: 60 s.
	Cooldown *time.Duration
}

// AlarmThresholds are the thresholds of the service's alarms.
type AlarmThresholds struct {
	// CpuPercent alarms when average CPU is above it for 3 of 3 minutes, 1–100. Default: 85.
	CpuPercent *float64
	// MemoryPercent alarms when average memory is above it for 3 of 3 minutes, 1–100.
	// Default: 85.
	MemoryPercent *float64
	// Target5xxPercent alarms when the share of target 5xx responses is above it for 3 of 3
	// minutes, 0–100 (exclusive of 0). Default: 5 %.
	Target5xxPercent *float64
	// P99ResponseTime alarms when the p99 target response time is above it for 3 of 3 minutes,
	// > 0. Default: 2 s.
	P99ResponseTime *time.Duration
}
