package config

// The sections below map onto the props of okiagari's constructs. Durations are whole seconds
// (minutes where AWS only takes minutes) with the unit in the key. A key left out takes the
// construct's default, documented on its props and in its README; the constructs validate the
// values and name the construct path and field in their messages.

// Platform configures the environment's shared compute: ECR repositories, the ECS cluster and its
// capacity providers, and the alarm topic (constructs/registry, cluster, alarmtopic).
type Platform struct {
	// Repositories are the ECR repository names services take their images from. Default: none.
	Repositories []string `json:"repositories"`
	// KeepTaggedImages is how many tagged images each repository keeps. Default: 30.
	KeepTaggedImages *int `json:"keepTaggedImages"`
	// UntaggedExpiryDays is how long untagged images are kept. Default: 7.
	UntaggedExpiryDays *int `json:"untaggedExpiryDays"`
	// InitialReleaseTag is the tag each repository's release parameter
	// (/okiagari/<env>/release/<repository>) starts with: push it before the first deploy of the
	// services. The pipeline writes the parameter on every release. Default: "bootstrap".
	InitialReleaseTag *string `json:"initialReleaseTag"`
	// Cluster configures the ECS cluster.
	Cluster Cluster `json:"cluster"`
	// Alarms configures the alarm topic.
	Alarms AlarmTopic `json:"alarms"`
}

// Cluster configures the ECS cluster and its capacity providers (constructs/cluster).
type Cluster struct {
	// DefaultCapacityProviders is the strategy of services that name none.
	// Default: FARGATE base 1 weight 1, FARGATE_SPOT weight 1.
	DefaultCapacityProviders []CapacityProvider `json:"defaultCapacityProviders"`
	// FargateOnly leaves out the EC2 capacity (Auto Scaling group, launch template, EC2 capacity
	// provider): no strategy may then name EC2, and ec2 must be left out. Default: false.
	FargateOnly bool `json:"fargateOnly"`
	// Ec2 configures the EC2 Auto Scaling group capacity provider ("EC2" in a strategy).
	Ec2 Ec2Capacity `json:"ec2"`
}

// Ec2Capacity configures the cluster's EC2 Auto Scaling group: On-Demand base, Spot above it.
// Every key defaults as documented on cluster.ClusterProps.
type Ec2Capacity struct {
	InstanceTypes               []string `json:"instanceTypes"`
	MinInstances                *int     `json:"minInstances"`
	MaxInstances                *int     `json:"maxInstances"`
	OnDemandBase                *int     `json:"onDemandBase"`
	OnDemandPercentAboveBase    *int     `json:"onDemandPercentAboveBase"`
	TargetCapacityPercent       *int     `json:"targetCapacityPercent"`
	RootVolumeGiB               *int     `json:"rootVolumeGiB"`
	ContainerStopTimeoutSeconds *int     `json:"containerStopTimeoutSeconds"`
}

// AlarmTopic configures the SNS topic every alarm of the environment notifies.
type AlarmTopic struct {
	// Emails subscribe to the topic (each must confirm). Default: none.
	Emails []string `json:"emails"`
	// Encrypted encrypts the topic with a customer-managed KMS key (rotated, usable by
	// CloudWatch). Default: true.
	Encrypted *bool `json:"encrypted"`
}

// CapacityProvider is one entry of a capacity-provider strategy. Name is FARGATE, FARGATE_SPOT or
// EC2 (the platform's EC2 Auto Scaling group provider).
type CapacityProvider struct {
	Name   string `json:"name"`
	Base   int    `json:"base"`
	Weight int    `json:"weight"`
}

// EC2Provider is the name a strategy uses for the platform's EC2 capacity provider.
const EC2Provider = "EC2"

// ImageSource says where a service's image comes from: a platform repository, or an explicit
// image reference. Exactly one of Repository and Image. With a repository the tag is read at
// deploy time from the repository's release parameter (what the pipeline last released), unless
// ImageTag pins one.
type ImageSource struct {
	Repository string `json:"repository"`
	ImageTag   string `json:"imageTag"`
	Image      string `json:"image"`
}

// Services are the environment's web services and queue workers.
type Services struct {
	Web     []WebService `json:"web"`
	Workers []Worker     `json:"workers"`
}

// WebService configures one web service behind an ALB (constructs/webservice).
type WebService struct {
	Name string `json:"name"`
	ImageSource
	CertificateArn             string             `json:"certificateArn"`
	ContainerPort              *int               `json:"containerPort"`
	Cpu                        *int               `json:"cpu"`
	MemoryMiB                  *int               `json:"memoryMiB"`
	CapacityProviders          []CapacityProvider `json:"capacityProviders"`
	Environment                map[string]string  `json:"environment"`
	SsmSecrets                 map[string]string  `json:"ssmSecrets"`
	SecretsManagerSecrets      map[string]string  `json:"secretsManagerSecrets"`
	LogRetentionDays           *int               `json:"logRetentionDays"`
	HealthCheckPath            *string            `json:"healthCheckPath"`
	HealthCheckIntervalSeconds *int               `json:"healthCheckIntervalSeconds"`
	HealthCheckCommand         []string           `json:"healthCheckCommand"`
	ImageHasCurl               *bool              `json:"imageHasCurl"`
	HealthCheckGraceSeconds    *int               `json:"healthCheckGracePeriodSeconds"`
	DeregistrationDelaySeconds *int               `json:"deregistrationDelaySeconds"`
	SlowStartSeconds           *int               `json:"slowStartSeconds"`
	StopTimeoutSeconds         *int               `json:"stopTimeoutSeconds"`
	XRay                       *bool              `json:"xray"`
	EnableExec                 *bool              `json:"enableExec"`
	PeakTasks                  int                `json:"peakTasks"`
	StaticStability            *bool              `json:"staticStability"`
	MinTasks                   *int               `json:"minTasks"`
	MaxTasks                   *int               `json:"maxTasks"`
	Scaling                    WebScaling         `json:"scaling"`
	Alarms                     WebAlarms          `json:"alarms"`
	Deployment                 *WebDeployment     `json:"deployment"`
	Hardening
}

// Hardening is how a service's application container runs (capacity.Hardening): its user, a
// read-only root file system and the paths it may write to.
type Hardening struct {
	User                   *string  `json:"user"`
	ReadonlyRootFilesystem *bool    `json:"readonlyRootFilesystem"`
	WritablePaths          []string `json:"writablePaths"`
}

// WebDeployment says how a new revision of a web service replaces the running one
// (webservice.DeploymentProps; whole minutes). A key left out takes the construct's default,
// which depends on whether the environment is production.
type WebDeployment struct {
	// Strategy is rolling, canary, linear or blueGreen. Default: canary in production, rolling
	// elsewhere.
	Strategy string `json:"strategy"`
	// RollingReason says why a production service deploys rolling (the production gate requires
	// a progressive strategy otherwise). Default: none.
	RollingReason *string `json:"rollingReason"`
	// CanaryPercent / CanaryBakeMinutes: canary only. Default: 10 / 10.
	CanaryPercent     *float64 `json:"canaryPercent"`
	CanaryBakeMinutes *int     `json:"canaryBakeMinutes"`
	// LinearStepPercent / LinearStepBakeMinutes: linear only. Default: 25 / 5.
	LinearStepPercent     *float64 `json:"linearStepPercent"`
	LinearStepBakeMinutes *int     `json:"linearStepBakeMinutes"`
	// BakeMinutes: how long ECS watches the deployment alarms once all traffic is on the new
	// revision. Default: 20 in production, 5 elsewhere.
	BakeMinutes *int `json:"bakeMinutes"`
	// Alarms are more alarm names that roll a deployment back. Default: none.
	Alarms []string `json:"alarms"`
}

// Strategies maps the config's deployment strategy names to the construct's.
var Strategies = map[string]string{"rolling": "ROLLING", "canary": "CANARY", "linear": "LINEAR", "blueGreen": "BLUE_GREEN"}

// PredictiveMetrics, PredictiveModes and MaxCapacityBreaches map the config's names for
// predictive scaling to Application Auto Scaling's.
var (
	PredictiveMetrics   = map[string]string{"cpu": "ECSServiceCPUUtilization", "memory": "ECSServiceMemoryUtilization", "requestCount": "ALBRequestCount"}
	PredictiveModes     = map[string]string{"forecastOnly": "ForecastOnly", "forecastAndScale": "ForecastAndScale"}
	MaxCapacityBreaches = map[string]string{"honorMaxCapacity": "HonorMaxCapacity", "increaseMaxCapacity": "IncreaseMaxCapacity"}
)

// WorkerDeployment says how a new revision of a worker replaces the running one. A worker has no
// load balancer to shift traffic with, so it always deploys rolling.
type WorkerDeployment struct {
	// Strategy may only be rolling. Default: rolling.
	Strategy string `json:"strategy"`
	// BakeMinutes: how long ECS watches Alarms after the rollout. Default: 0 without Alarms,
	// 5 with them.
	BakeMinutes *int `json:"bakeMinutes"`
	// Alarms are alarm names that roll a deployment back. Default: none.
	Alarms []string `json:"alarms"`
}

// ZonalShift configures zone evacuation for the environment: ARC zonal autoshift, with weekly
// practice runs, on every web service's load balancer, and Auto Scaling groups (EC2 capacity,
// auto-heal hosts) that follow a zonal shift.
type ZonalShift struct {
	// Autoshift turns it on. Default: true in production, false elsewhere.
	Autoshift *bool `json:"autoshift"`
	// OptOutReason says why a production environment runs without autoshift (the production gate
	// requires it otherwise). Default: none.
	OptOutReason *string `json:"optOutReason"`
	// BlockedDates ("YYYY-MM-DD", UTC) and BlockedWindows ("Sat:00:00-Sat:08:00", UTC) are
	// when no practice run starts. Default: none.
	BlockedDates   []string `json:"blockedDates"`
	BlockedWindows []string `json:"blockedWindows"`
}

// WebScaling configures a web service's scaling policies (constructs/scaling).
type WebScaling struct {
	CpuTargetPercent        *float64 `json:"cpuTargetPercent"`
	ScaleOutCooldownSeconds *int     `json:"scaleOutCooldownSeconds"`
	ScaleInCooldownSeconds  *int     `json:"scaleInCooldownSeconds"`
	MemoryTargetPercent     *float64 `json:"memoryTargetPercent"`
	RequestsPerTarget       *float64 `json:"requestsPerTarget"`
	// UtilizationTargetPercent tracks metric math over CPU and memory (UtilizationExpression,
	// default MAX([cpu,mem])).
	UtilizationTargetPercent *float64 `json:"utilizationTargetPercent"`
	UtilizationExpression    *string  `json:"utilizationExpression"`
	// BusyMetric tracks a metric the application publishes (e.g. busy workers %).
	BusyMetric *CustomMetric `json:"busyMetric"`
	CpuStep    *CpuStep      `json:"cpuStep"`
	Schedules  []Schedule    `json:"schedules"`
	// CpuScalesIn (default true), MemoryScalesIn and UtilizationScalesIn (default false: memory
	// seldom falls as tasks are added) say which target-tracking policies may remove tasks.
	CpuScalesIn         *bool `json:"cpuScalesIn"`
	MemoryScalesIn      *bool `json:"memoryScalesIn"`
	UtilizationScalesIn *bool `json:"utilizationScalesIn"`
	// HighResolutionMetrics publishes CPU and memory every 20 seconds and tracks them so.
	HighResolutionMetrics *bool `json:"highResolutionMetrics"`
	// Predictive adds a predictive scaling policy.
	Predictive *Predictive `json:"predictive"`
}

// CustomMetric is a CloudWatch metric the application publishes, tracked to Target.
type CustomMetric struct {
	Namespace  string            `json:"namespace"`
	MetricName string            `json:"metricName"`
	Dimensions map[string]string `json:"dimensions"`
	Statistic  string            `json:"statistic"`
	Target     float64           `json:"target"`
	// ScalesIn lets the policy remove tasks. Default: false: with no data (the application
	// stopped publishing) a policy never agrees to scale in.
	ScalesIn *bool `json:"scalesIn"`
}

// Predictive configures predictive scaling (constructs/scaling.Predict): Metric is cpu
// (default), memory or requestCount; Mode forecastOnly (default) or forecastAndScale;
// MaxCapacityBreach honorMaxCapacity (default) or increaseMaxCapacity.
type Predictive struct {
	Metric                   string   `json:"metric"`
	Target                   *float64 `json:"target"`
	Mode                     string   `json:"mode"`
	SchedulingBufferSeconds  *int     `json:"schedulingBufferSeconds"`
	MaxCapacityBreach        string   `json:"maxCapacityBreach"`
	MaxCapacityBufferPercent *float64 `json:"maxCapacityBufferPercent"`
}

// CpuStep configures step scaling on CPU: Steps are ranges above ThresholdPercent.
type CpuStep struct {
	ThresholdPercent  *float64 `json:"thresholdPercent"`
	Steps             []Step   `json:"steps"`
	EvaluationPeriods *int     `json:"evaluationPeriods"`
	DatapointsToAlarm *int     `json:"datapointsToAlarm"`
	CooldownSeconds   *int     `json:"cooldownSeconds"`
}

// Step adds Change tasks when the metric is between Lower and Upper above the threshold (Upper
// left out: no upper bound).
type Step struct {
	Lower  float64  `json:"lower"`
	Upper  *float64 `json:"upper"`
	Change int      `json:"change"`
}

// Schedule changes min/max capacity at the times of a cron expression.
type Schedule struct {
	Cron     string `json:"cron"`
	TimeZone string `json:"timeZone"`
	MinTasks *int   `json:"minTasks"`
	MaxTasks *int   `json:"maxTasks"`
}

// WebAlarms are a web service's alarm thresholds.
type WebAlarms struct {
	CpuPercent             *float64 `json:"cpuPercent"`
	MemoryPercent          *float64 `json:"memoryPercent"`
	Target5xxPercent       *float64 `json:"target5xxPercent"`
	P99ResponseTimeSeconds *float64 `json:"p99ResponseTimeSeconds"`
}

// Worker configures one queue worker (constructs/worker).
type Worker struct {
	Name string `json:"name"`
	ImageSource
	Command                  []string           `json:"command"`
	Environment              map[string]string  `json:"environment"`
	SsmSecrets               map[string]string  `json:"ssmSecrets"`
	SecretsManagerSecrets    map[string]string  `json:"secretsManagerSecrets"`
	Cpu                      *int               `json:"cpu"`
	MemoryMiB                *int               `json:"memoryMiB"`
	CapacityProviders        []CapacityProvider `json:"capacityProviders"`
	StopTimeoutSeconds       *int               `json:"stopTimeoutSeconds"`
	MessageProcessingSeconds *int               `json:"messageProcessingSeconds"`
	LatencyTargetSeconds     *int               `json:"latencyTargetSeconds"`
	MinTasks                 *int               `json:"minTasks"`
	MaxTasks                 *int               `json:"maxTasks"`
	ScaleOutCooldownSeconds  *int               `json:"scaleOutCooldownSeconds"`
	ScaleInCooldownSeconds   *int               `json:"scaleInCooldownSeconds"`
	Queue                    *Queue             `json:"queue"`
	ExternalMetric           *ExternalMetric    `json:"externalMetric"`
	OldestMessageAgeSeconds  *int               `json:"oldestMessageAgeSeconds"`
	LogRetentionDays         *int               `json:"logRetentionDays"`
	ProtectionExpiryMinutes  *int               `json:"protectionExpiryMinutes"`
	Deployment               *WorkerDeployment  `json:"deployment"`
	Hardening
}

// Queue configures a worker's SQS queue and its dead-letter queue.
type Queue struct {
	VisibilityTimeoutSeconds *int `json:"visibilityTimeoutSeconds"`
	RetentionSeconds         *int `json:"retentionSeconds"`
	MaxReceiveCount          *int `json:"maxReceiveCount"`
}

// ExternalMetric is a queue length the application publishes to CloudWatch.
type ExternalMetric struct {
	Namespace  string            `json:"namespace"`
	MetricName string            `json:"metricName"`
	Dimensions map[string]string `json:"dimensions"`
	Statistic  string            `json:"statistic"`
}

// AutoHeal configures one self-healing single-instance host (constructs/autoheal).
type AutoHeal struct {
	Name                          string  `json:"name"`
	ComposeDirectory              string  `json:"composeDirectory"`
	MountPoint                    *string `json:"mountPoint"`
	InstanceType                  *string `json:"instanceType"`
	Capacity                      *int    `json:"capacity"`
	HealthCheckGracePeriodSeconds *int    `json:"healthCheckGracePeriodSeconds"`
	CooldownSeconds               *int    `json:"cooldownSeconds"`
	MetadataHopLimit              *int    `json:"metadataHopLimit"`
	InfrequentAccessAfterDays     *int    `json:"infrequentAccessAfterDays"`
	RootVolumeGiB                 *int    `json:"rootVolumeGiB"`
	ComposePluginVersion          *string `json:"composePluginVersion"`
	ComposePluginSHA256           *string `json:"composePluginSha256"`
	ImageID                       *string `json:"imageId"`
}

// Pipeline configures the environment's delivery pipeline (constructs/pipeline). It builds the
// image of Repository and deploys every web service and worker that uses that repository.
type Pipeline struct {
	Repository     string         `json:"repository"`
	Source         PipelineSource `json:"source"`
	ManualApproval bool           `json:"manualApproval"`
	// DeploymentTimeoutMinutes is how long each ECS deploy action may take, 1 to 60; it must
	// cover the worst-case deploy time of every service the pipeline deploys. Default: 60.
	DeploymentTimeoutMinutes *int `json:"deploymentTimeoutMinutes"`
	// BakeMinutes is removed: ECS bakes each service itself (services.web[].deployment.bakeMinutes).
	// It is still decoded, only to say so when cdk.json sets it.
	BakeMinutes           *int    `json:"bakeMinutes"`
	BuildLogRetentionDays *int    `json:"buildLogRetentionDays"`
	BuildContext          *string `json:"buildContext"`
}

// PipelineSource is a Git repository through a CodeConnections connection, or a zipped source
// in a versioned S3 bucket: exactly one of the two.
type PipelineSource struct {
	ConnectionArn string `json:"connectionArn"`
	Repository    string `json:"repository"`
	Branch        string `json:"branch"`
	S3Bucket      string `json:"s3Bucket"`
	S3ObjectKey   string `json:"s3ObjectKey"`
}
