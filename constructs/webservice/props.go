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
	// ImageHasCurl says that the image — every one the service will run, the first included —
	// has curl, which the default HealthCheckCommand runs. Without it, the default check earns a
	// warning: an image without curl fails every container health check, and ECS replaces its
	// tasks and rolls the deployment back. Default: false (not known).
	ImageHasCurl *bool
	// HealthCheckStartPeriod is how long failing container health checks are ignored after the
	// container starts, 0–300 s. Default: 30 s.
	HealthCheckStartPeriod *time.Duration
	// User is the application container's user ("1000:1000", "app"); not root. Default: the
	// image's own user.
	User *string
	// ReadonlyRootFilesystem mounts the application container's root file system read-only.
	// Default: false.
	ReadonlyRootFilesystem *bool
	// WritablePaths are the directories the application writes to ("/tmp"), each an empty task
	// volume, only with ReadonlyRootFilesystem. Default: none.
	WritablePaths []string
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
	// CpuScalesIn lets CPU tracking remove tasks. Application Auto Scaling scales in only when
	// every target-tracking policy is ready to, and CPU (or RequestsPerTarget) is what falls as
	// tasks are added, so some policy of the two must scale in. Default: true.
	CpuScalesIn *bool
	// HighResolutionMetrics publishes the service's CPU and memory utilisation every 20 seconds
	// (the service's Monitoring configuration) and tracks CpuTarget and MemoryTarget on them, so
	// a rise is answered in about a minute instead of three; CloudWatch charges for the
	// high-resolution metrics and alarms (see README). Default: false.
	HighResolutionMetrics *bool
	// ScaleOutCooldown applies to every target-tracking policy. Default: 60 s.
	ScaleOutCooldown *time.Duration
	// ScaleInCooldown applies to every target-tracking policy. Default: 300 s.
	ScaleInCooldown *time.Duration
	// MemoryTarget adds target tracking on average memory utilisation, 1–100 %. Default: none.
	MemoryTarget *float64
	// MemoryScalesIn lets memory tracking remove tasks. A task's memory (a cache, a JVM heap)
	// seldom falls as tasks are added, and a policy that never agrees to scale in holds the
	// service at its highest count. Default: false, memory tracking scales out only.
	MemoryScalesIn *bool
	// RequestsPerTarget adds target tracking on ALB requests per task per minute, > 0.
	// Default: none.
	RequestsPerTarget *float64
	// UtilizationTarget adds metric-math target tracking on the service's combined CPU and memory
	// utilisation (UtilizationExpression), 1–100 %. Default: none.
	UtilizationTarget *float64
	// UtilizationExpression combines "cpu" and "mem" for UtilizationTarget. Default:
	// scaling.MaxCpuMemory, "MAX([cpu,mem])".
	UtilizationExpression *string
	// UtilizationScalesIn lets the utilisation policy remove tasks; it reads memory, which
	// seldom falls as tasks are added (see MemoryScalesIn). Default: false, scale-out only.
	UtilizationScalesIn *bool
	// CustomMetric adds target tracking on an app-published metric or an expression over
	// several (see scaling.TrackMetricMath). Its DisableScaleIn defaults to true here: a metric
	// the application publishes has no data when the application stops publishing, and a
	// policy without data never agrees to scale in; set it to false for a metric that is always
	// published and falls as tasks are added. Default: none.
	CustomMetric *scaling.MetricMathProps
	// Predictive adds a predictive scaling policy (see scaling.Predict) whose forecast of the
	// daily and weekly load raises the task count ahead of it in ForecastAndScale mode. Its
	// TargetGroup is the service's own; PredictRequestCount reads one target group, so it needs
	// Strategy ROLLING. Default: none.
	Predictive *scaling.PredictiveProps
	// CpuStep adds step scaling on CPU utilisation, for sudden rises target tracking is too slow
	// for. Default: none.
	CpuStep *CpuStep
	// Schedules change the capacity range on a schedule; each MinCapacity and MaxCapacity must be
	// >= the floor. Default: none.
	Schedules []scaling.ScheduleProps

	// Alarms sets the alarm thresholds. Default: see AlarmThresholds.
	Alarms *AlarmThresholds

	// Deployment says how a new revision replaces the running one. Default: see
	// DeploymentProps: CANARY in production, ROLLING elsewhere.
	Deployment *DeploymentProps
	// ZonalAutoshift lets ARC shift the load balancer's traffic away from an impaired zone
	// automatically, and practise it weekly. Default: see AutoshiftProps: on in production.
	ZonalAutoshift *AutoshiftProps

	defaultHealthCheck bool // set by overlay: HealthCheckCommand was left to its default
}

// DeploymentStrategy is how ECS replaces the running revision with a new one
// (DeploymentConfiguration.Strategy).
type DeploymentStrategy string

// The deployment strategies of the ECS deployment controller. Every one keeps the circuit
// breaker and the deployment alarms; the three progressive ones keep the old revision running
// behind a second target group until the bake ends, so a rollback is a traffic shift, not a new
// deployment.
const (
	// Rolling replaces tasks in place: new tasks join the target group as they become healthy,
	// old ones drain and stop (MinimumHealthyPercent 100, MaximumPercent 200).
	Rolling DeploymentStrategy = "ROLLING"
	// Canary starts the new revision at full size behind the alternate target group, sends it
	// CanaryPercent of the traffic for CanaryBake, then all of it.
	Canary DeploymentStrategy = "CANARY"
	// Linear shifts LinearStepPercent more of the traffic every LinearStepBake.
	Linear DeploymentStrategy = "LINEAR"
	// BlueGreen shifts all traffic at once to the new revision once it is healthy.
	BlueGreen DeploymentStrategy = "BLUE_GREEN"
)

// DeploymentProps configures how a new revision replaces the running one. The numbers are ECS's
// (DeploymentConfiguration): durations are whole minutes. See the README for why the defaults
// are what they are, and for the deploy timeline each strategy gives.
type DeploymentProps struct {
	// Strategy is ROLLING, CANARY, LINEAR or BLUE_GREEN. Default: Canary when Production, so a
	// regression reaches a small share of production traffic first, under watch; Rolling
	// elsewhere, the quickest.
	Strategy DeploymentStrategy
	// RollingReason says why a production service deploys ROLLING (the resilience report's gate
	// requires a progressive strategy in production unless a reason is given). Default: none.
	RollingReason *string
	// CanaryPercent is the share of production traffic the new revision gets first, 0.1–100 in
	// steps of 0.1 (ECS). Only with Canary. Default: 10: small, yet enough requests that the
	// per-target-group 5xx alarm has a rate to judge.
	CanaryPercent *float64
	// CanaryBake is how long the canary runs under the deployment alarms before the rest of the
	// traffic shifts, 0–1440 minutes. Only with Canary. Default: 10 minutes: twice the time the
	// 5xx alarm needs to fire (3 one-minute datapoints, plus CloudWatch's delay).
	CanaryBake *time.Duration
	// LinearStepPercent is the share of traffic each step adds, 3–100 in steps of 0.1 (ECS). Only
	// with Linear. Default: 25 (four steps).
	LinearStepPercent *float64
	// LinearStepBake is the wait between steps, 0–1440 minutes. Only with Linear. Default: 5
	// minutes: the 5xx alarm can fire within each step.
	LinearStepBake *time.Duration
	// Bake is how long, once all traffic is on the new revision, ECS keeps watching the
	// deployment alarms before it calls the deployment complete (and, for the progressive
	// strategies, keeps the old revision running to shift back to), 0–1440 minutes. Set
	// explicitly so ECS's own default (180 minutes for a rolling deployment) never applies.
	// Default: 20 minutes in production (regressions that need full load or time, a leak, a pool
	// running dry, show within it), 5 minutes elsewhere.
	Bake *time.Duration
	// Alarms are more alarms, by name, that roll a deployment back besides the service's own
	// (target 5xx rate and unhealthy targets, on both target groups). Default: none.
	Alarms []string
}

// AutoshiftProps configures ARC zonal autoshift for the service's load balancer
// (AWS::ARCZonalShift::ZonalAutoshiftConfiguration): AWS shifts traffic away from a zone it
// sees impaired, and weekly practice runs shift it away from one zone on purpose, ending early
// when an outcome alarm fires. The load balancer always has zonal shift enabled (so an operator
// can start one by hand); this is the automatic part.
type AutoshiftProps struct {
	// Enabled turns autoshift and its practice runs on. Default: Production.
	Enabled *bool
	// OptOutReason says why a production service runs without autoshift (the resilience
	// report's gate requires it in production unless a reason is given). Default: none.
	OptOutReason *string
	// BlockedDates are UTC dates, "YYYY-MM-DD", on which no practice run starts (at most 15).
	// Default: none.
	BlockedDates []string
	// BlockedWindows are weekly UTC windows, "Mon:00:00-Mon:08:00", in which no practice run
	// starts (at most 15). Default: none.
	BlockedWindows []string
	// OutcomeAlarms are more alarms, by name, that end a practice run when they fire, besides the
	// service's own that show harm (healthy targets below the floor, target 5xx rate); at most 10
	// in all. Default: none.
	OutcomeAlarms []string
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
