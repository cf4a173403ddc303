package report

// Workload kinds, as recorded in the okiagari metadata of the primary resource.
const (
	KindWebService = "webservice" // an ECS service behind a load balancer
	KindWorker     = "worker"     // an ECS service that consumes a queue
	KindService    = "service"    // an ECS service without okiagari metadata
	KindAutoHeal   = "autoheal"   // a single-instance, self-healing Auto Scaling group
)

// Workload is the report on one workload: a web service, a worker or an auto-heal host. Figures
// that do not apply to its kind are nil.
type Workload struct {
	// Environment is the environment (stage) name: "prod".
	Environment string `json:"environment"`
	// Name is the name in the okiagari metadata, else the ServiceName property, else the
	// logical ID.
	Name string `json:"name"`
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Stack is the display name of the stack that holds the primary resource ("prod/Services").
	Stack string `json:"stack"`
	// LogicalID is the primary resource's logical ID.
	LogicalID string `json:"logicalId"`
	// Path is the construct path of the primary resource (aws:cdk:path metadata), if recorded.
	Path string `json:"path,omitempty"`
	// StaticStability is the okiagari metadata's staticStability flag, if recorded.
	StaticStability *bool `json:"staticStability,omitempty"`

	AZLoss         *AZLoss     `json:"azLoss,omitempty"`
	CapacityAZLoss *AZLoss     `json:"capacityAzLoss,omitempty"`
	Detection      *Detection  `json:"detection,omitempty"`
	Drain          *Drain      `json:"drain,omitempty"`
	Scaling        *Scaling    `json:"scaling,omitempty"`
	Deploy         *Deploy     `json:"deploy,omitempty"`
	Spot           *Spot       `json:"spot,omitempty"`
	Evacuation     *Evacuation `json:"evacuation,omitempty"`
	AutoHeal       *AutoHeal   `json:"autoHeal,omitempty"`

	// Notes are assumptions that concern the whole workload (a missing peak, an unresolved
	// reference).
	Notes []string `json:"notes"`
}

// ID is "<environment>/<name>", the way findings and tables name a workload.
func (w Workload) ID() string { return w.Environment + "/" + w.Name }

// AZCount is how many tasks (or instances) one availability zone holds.
type AZCount struct {
	AZ    string `json:"az"`
	Count int    `json:"count"`
}

// AZLoss is what a workload keeps when the availability zone holding most of its floor fails.
type AZLoss struct {
	// Unit is "tasks" (a service) or "instances" (the EC2 capacity behind it).
	Unit string `json:"unit"`
	// AZs are the zones the workload's subnets lie in, in subnet order.
	AZs []string `json:"azs"`
	// Floor is the smallest count the workload runs at; FloorSource says where it comes from.
	Floor       int    `json:"floor"`
	FloorSource string `json:"floorSource"`
	// PerAZ is the floor spread evenly over AZs, the first zones taking the remainder.
	PerAZ []AZCount `json:"perAz"`
	// WorstAZ is a zone holding the most; Left is what remains after losing it.
	WorstAZ string `json:"worstAz"`
	Left    int    `json:"left"`
	// Peak is the count the workload must keep; PeakSource says where it comes from, and
	// Reference what it is: "peak" (a web service), "floor" (a worker) or "MinSize" (instances).
	Peak       int    `json:"peak"`
	PeakSource string `json:"peakSource"`
	Reference  string `json:"reference"`
	// Kept is min(Left, Peak); KeepsPercent is Kept as a share of Peak, rounded, and below 100
	// whenever Kept < Peak.
	Kept         int `json:"kept"`
	KeepsPercent int `json:"keepsPercent"`
	// FloorForPeak is the smallest floor that keeps all of Peak after losing a zone over the
	// same AZs; 0 when no floor can (a single AZ).
	FloorForPeak int      `json:"floorForPeak"`
	Summary      string   `json:"summary"`
	Assumptions  []string `json:"assumptions"`
}

// TargetGroupHealth is how the load balancer judges a target of one target group.
type TargetGroupHealth struct {
	TargetGroup        string `json:"targetGroup"`
	IntervalSeconds    int    `json:"intervalSeconds"`
	TimeoutSeconds     int    `json:"timeoutSeconds"`
	UnhealthyThreshold int    `json:"unhealthyThreshold"`
	HealthyThreshold   int    `json:"healthyThreshold"`
	// UnhealthySeconds = IntervalSeconds × UnhealthyThreshold + TimeoutSeconds: worst case from
	// a failure to the target taken out of rotation.
	UnhealthySeconds int `json:"unhealthySeconds"`
	// HealthySeconds = IntervalSeconds × HealthyThreshold: a new target's time to healthy.
	HealthySeconds int `json:"healthySeconds"`
	// DeregistrationDelaySeconds is the target group's drain time.
	DeregistrationDelaySeconds int `json:"deregistrationDelaySeconds"`
}

// ContainerHealth is how ECS judges one essential container by its health check.
type ContainerHealth struct {
	Container          string `json:"container"`
	HasHealthCheck     bool   `json:"hasHealthCheck"`
	IntervalSeconds    int    `json:"intervalSeconds"`
	TimeoutSeconds     int    `json:"timeoutSeconds"`
	Retries            int    `json:"retries"`
	StartPeriodSeconds int    `json:"startPeriodSeconds"`
	// UnhealthySeconds = IntervalSeconds × Retries + TimeoutSeconds: a task that was healthy.
	UnhealthySeconds int `json:"unhealthySeconds"`
	// UnhealthyAtStartSeconds adds StartPeriodSeconds: a task that fails as it starts.
	UnhealthyAtStartSeconds int `json:"unhealthyAtStartSeconds"`
	StopTimeoutSeconds      int `json:"stopTimeoutSeconds"`
}

// Detection is how fast a failed task is noticed.
type Detection struct {
	// LoadBalancer has one entry per target group the service registers with; empty without a
	// load balancer.
	LoadBalancer []TargetGroupHealth `json:"loadBalancer"`
	// Containers has one entry per essential container.
	Containers  []ContainerHealth `json:"containers"`
	Summary     string            `json:"summary"`
	Assumptions []string          `json:"assumptions"`
}

// Drain is how a task of the service stops, in the two sequences ECS has. A planned stop (a
// deployment, scale-in) first deregisters the target and waits for the load balancer's drain,
// then sends SIGTERM, then SIGKILL after the stop timeout. A Spot interruption sends SIGTERM as
// the drain starts, and the task ends with the two-minute notice.
type Drain struct {
	// DeregistrationDelaySeconds is the longest drain of the service's target groups (the
	// alternate one of a progressive deployment included); 0 without a load balancer.
	DeregistrationDelaySeconds int    `json:"deregistrationDelaySeconds"`
	TargetGroup                string `json:"targetGroup,omitempty"`
	// StopTimeoutSeconds is the StopTimeout of the container that takes the traffic (the one
	// named in LoadBalancers; without a load balancer, the longest of the essential ones).
	StopTimeoutSeconds int    `json:"stopTimeoutSeconds"`
	StopContainer      string `json:"stopContainer"`
	// PlannedStopSeconds = DeregistrationDelaySeconds + StopTimeoutSeconds: the worst case from
	// the start of a planned stop to the task's end (drain, then SIGTERM, then SIGKILL).
	PlannedStopSeconds int `json:"plannedStopSeconds"`
	// Interruption is the Spot interruption sequence; nil when no Spot capacity is in the
	// service's capacity strategy.
	Interruption *Interruption `json:"interruption,omitempty"`
	Summary      string        `json:"summary"`
	Assumptions  []string      `json:"assumptions"`
}

// Interruption is what a Spot interruption leaves a task of the service: SIGTERM as its target
// starts to drain, and the end of the task NoticeSeconds later.
type Interruption struct {
	// SpotProviders are the providers of the strategy that run on Spot: FARGATE_SPOT, or an EC2
	// capacity provider whose Auto Scaling group runs Spot instances.
	SpotProviders []string `json:"spotProviders"`
	// NoticeSeconds is the Spot interruption notice: 120.
	NoticeSeconds int `json:"noticeSeconds"`
	// StopOutlivesDrain is StopTimeoutSeconds >= DeregistrationDelaySeconds: the container, told
	// to stop as the drain starts, still answers in-flight requests when the drain ends.
	StopOutlivesDrain bool `json:"stopOutlivesDrain"`
	// DrainWithinNotice is DeregistrationDelaySeconds <= NoticeSeconds.
	DrainWithinNotice bool `json:"drainWithinNotice"`
	// Safe is StopOutlivesDrain and DrainWithinNotice.
	Safe bool `json:"safe"`
}

// Alarm is a CloudWatch alarm: one that invokes a step scaling policy, or a deployment alarm.
type Alarm struct {
	// LogicalID is "<stack>/<logical ID>"; empty for an alarm named in the template but not
	// defined in it.
	LogicalID string `json:"logicalId"`
	// Name is the alarm's AlarmName, when the template spells it out (or names an alarm it does
	// not define).
	Name              string `json:"name,omitempty"`
	PeriodSeconds     int    `json:"periodSeconds"`
	EvaluationPeriods int    `json:"evaluationPeriods"`
	DatapointsToAlarm int    `json:"datapointsToAlarm"`
	// ReactionSeconds = PeriodSeconds × DatapointsToAlarm: the shortest breach that sets the
	// alarm off.
	ReactionSeconds int `json:"reactionSeconds"`
}

// Policy is one Application Auto Scaling scaling policy on the service's scalable target.
type Policy struct {
	LogicalID string `json:"logicalId"`
	// Name is the last part of its construct path ("CpuTracking"), else its logical ID.
	Name string `json:"name"`
	// Type is "TargetTrackingScaling", "StepScaling" or "PredictiveScaling".
	Type string `json:"type"`
	// Metric is the predefined metric type (of a predictive policy: its metric pair), the
	// customized metric's name, or "metric math".
	Metric      string  `json:"metric,omitempty"`
	TargetValue float64 `json:"targetValue,omitempty"`
	// Direction is "out", "in" or "both".
	Direction string `json:"direction"`
	// BlocksScaleIn says why this target-tracking policy can hold the task count up: it scales
	// in, and its metric reads memory (which seldom falls as tasks are added) or is published by
	// the application (no data, no agreement to scale in). Empty when it cannot.
	BlocksScaleIn string `json:"blocksScaleIn,omitempty"`
	// HighResolution is true for target tracking on ECS's 20-second metrics.
	HighResolution bool `json:"highResolution,omitempty"`
	// Mode is a predictive policy's mode, ForecastOnly or ForecastAndScale, and
	// SchedulingBufferSeconds how long before a forecast hour it raises the capacity.
	Mode                    string `json:"mode,omitempty"`
	SchedulingBufferSeconds int    `json:"schedulingBufferSeconds,omitempty"`
	// Alarms are the alarms that invoke a step policy (target tracking's own alarms are not in
	// the template).
	Alarms []Alarm `json:"alarms"`
	// FirstActionSeconds is the time from the start of a breach to the first capacity change;
	// 0 when nothing invokes the policy.
	FirstActionSeconds int `json:"firstActionSeconds"`
	// CooldownSeconds is the scale-out cooldown (target tracking) or the cooldown (step).
	CooldownSeconds int `json:"cooldownSeconds"`
	// NextActionSeconds = FirstActionSeconds + CooldownSeconds: the earliest second change.
	NextActionSeconds int      `json:"nextActionSeconds"`
	Summary           string   `json:"summary"`
	Assumptions       []string `json:"assumptions"`
}

// ScheduledAction is a scheduled change of the scalable target's bounds.
type ScheduledAction struct {
	Name        string `json:"name"`
	Schedule    string `json:"schedule"`
	Timezone    string `json:"timezone"`
	MinCapacity *int   `json:"minCapacity,omitempty"`
	MaxCapacity *int   `json:"maxCapacity,omitempty"`
}

// Scaling is how the service's task count reacts to load.
type Scaling struct {
	ScalableTarget string            `json:"scalableTarget,omitempty"`
	MinCapacity    int               `json:"minCapacity"`
	MaxCapacity    int               `json:"maxCapacity"`
	Policies       []Policy          `json:"policies"`
	Scheduled      []ScheduledAction `json:"scheduled"`
	// FastestScaleOutSeconds is the smallest FirstActionSeconds of the policies that scale out;
	// 0 when none does.
	FastestScaleOutSeconds int `json:"fastestScaleOutSeconds"`
	// ScaleIn names the policies that can remove tasks; ScaleInBlockers the target-tracking
	// policies that can hold the count up ("ID: why"). Application Auto Scaling scales in only
	// when every target-tracking policy with scale-in enabled is ready to.
	ScaleIn         []string `json:"scaleIn"`
	ScaleInBlockers []string `json:"scaleInBlockers"`
	Summary         string   `json:"summary"`
	Assumptions     []string `json:"assumptions"`
}

// Deploy is the course of one deployment of the service under its strategy: when production
// traffic first reaches the new revision, when all of it does, the bake, the worst case to
// complete, how fast a rollback restores the old revision, and how fast the deployment alarms
// can see a regression.
type Deploy struct {
	// Controller is the deployment controller type (ECS unless the template says otherwise).
	Controller string `json:"controller"`
	// Strategy is DeploymentConfiguration.Strategy: ROLLING (also when absent), CANARY, LINEAR
	// or BLUE_GREEN.
	Strategy string `json:"strategy"`
	// Progressive is true for CANARY, LINEAR and BLUE_GREEN: the new revision starts in full
	// behind a second target group and ECS shifts production traffic to it.
	Progressive bool `json:"progressive"`
	// RollingReason is the okiagari metadata's rollingReason: why a production service deploys
	// ROLLING.
	RollingReason         string `json:"rollingReason,omitempty"`
	DesiredCount          int    `json:"desiredCount"`
	MinimumHealthyPercent int    `json:"minimumHealthyPercent"`
	MaximumPercent        int    `json:"maximumPercent"`
	// ExtraTasks = floor(desired × (max% − 100) / 100): new tasks started above desired
	// (ROLLING).
	ExtraTasks int `json:"extraTasks"`
	// StoppableTasks = desired − ceil(desired × min% / 100): old tasks stopped up front
	// (ROLLING).
	StoppableTasks int `json:"stoppableTasks"`
	// Waves = ceil(desired / (ExtraTasks + StoppableTasks)); 0 when the deploy cannot progress.
	// A progressive deployment starts the whole new revision at once: 1.
	Waves int `json:"waves"`
	// TaskStartSeconds is the estimated start of a new task; HealthySeconds its time to healthy.
	TaskStartSeconds int `json:"taskStartSeconds"`
	HealthySeconds   int `json:"healthySeconds"`
	// DrainSeconds, StopSeconds: an old task's planned stop, drain then up to the stop timeout.
	DrainSeconds int `json:"drainSeconds"`
	StopSeconds  int `json:"stopSeconds"`
	// ProtectionSeconds is how long a worker's task scale-in protection can hold back its stop
	// (okiagari metadata protectionExpiryMinutes); 0 for others.
	ProtectionSeconds int `json:"protectionSeconds"`
	// WaveSeconds = TaskStartSeconds + HealthySeconds + DrainSeconds + ProtectionSeconds +
	// StopSeconds (ROLLING).
	WaveSeconds int `json:"waveSeconds"`
	// CanaryPercent and CanaryBakeSeconds: CANARY; LinearStepPercent, LinearStepBakeSeconds and
	// LinearSteps (the step bakes: 100 / step − 1 when the step divides 100, else
	// floor(100 / step)): LINEAR.
	CanaryPercent         float64 `json:"canaryPercent,omitempty"`
	CanaryBakeSeconds     int     `json:"canaryBakeSeconds,omitempty"`
	LinearStepPercent     float64 `json:"linearStepPercent,omitempty"`
	LinearStepBakeSeconds int     `json:"linearStepBakeSeconds,omitempty"`
	LinearSteps           int     `json:"linearSteps,omitempty"`
	// BakeSeconds is BakeTimeInMinutes: how long ECS watches the deployment alarms once all
	// traffic is on the new revision.
	BakeSeconds int `json:"bakeSeconds"`
	// FirstExposureSeconds is when production traffic first reaches the new revision, and
	// FirstExposurePercent the share it gets then.
	FirstExposureSeconds int     `json:"firstExposureSeconds"`
	FirstExposurePercent float64 `json:"firstExposurePercent"`
	// FullTrafficSeconds is when the new revision takes all traffic.
	FullTrafficSeconds int `json:"fullTrafficSeconds"`
	// CompleteSeconds is the worst case for a successful deployment: ROLLING Waves ×
	// WaveSeconds + BakeSeconds; progressive FullTrafficSeconds + BakeSeconds + DrainSeconds +
	// StopSeconds.
	CompleteSeconds int `json:"completeSeconds"`
	// RollbackSeconds is how long, once a deployment alarm fires, the old revision takes to
	// serve all traffic again: 0 for the progressive strategies (a change of the production
	// listener rule; the old tasks run until the bake ends), a new rollout of the old revision
	// for ROLLING (FullTrafficSeconds).
	RollbackSeconds int `json:"rollbackSeconds"`
	// AlternateTargetGroup and ProductionListenerRule are the LoadBalancers' AdvancedConfiguration
	// of a progressive deployment.
	AlternateTargetGroup   string `json:"alternateTargetGroup,omitempty"`
	ProductionListenerRule string `json:"productionListenerRule,omitempty"`
	CircuitBreaker         bool   `json:"circuitBreaker"`
	CircuitBreakerRollback bool   `json:"circuitBreakerRollback"`
	AlarmsEnabled          bool   `json:"alarmsEnabled"`
	AlarmRollback          bool   `json:"alarmRollback"`
	// AlarmNames are the deployment alarms as the template names them; Alarms those found in
	// the templates, with how fast each fires.
	AlarmNames []string `json:"alarmNames"`
	Alarms     []Alarm  `json:"alarms"`
	// AlarmDetectSeconds is the fastest deployment alarm's period × datapoints: the shortest
	// regression the alarms can see; 0 without deployment alarms.
	AlarmDetectSeconds int `json:"alarmDetectSeconds"`
	// Summary is the timeline; RollbackSummary the rollback and what watches the deployment.
	Summary         string   `json:"summary"`
	RollbackSummary string   `json:"rollbackSummary"`
	Assumptions     []string `json:"assumptions"`
}

// Evacuation is how ready a workload is for a zone to be evacuated: for a web service, ARC zonal
// shift and autoshift on its load balancer and what it keeps while one zone is shifted away; for
// an Auto Scaling group (EC2 capacity, auto-heal host), whether it follows zonal shifts.
type Evacuation struct {
	// LoadBalancer is the load balancer in front of the service; empty when none was found.
	LoadBalancer   string `json:"loadBalancer,omitempty"`
	InternetFacing bool   `json:"internetFacing"`
	// ZonalShift is the load balancer attribute zonal_shift.config.enabled.
	ZonalShift bool `json:"zonalShift"`
	// Autoshift is the ZonalAutoshiftStatus of the load balancer's
	// AWS::ARCZonalShift::ZonalAutoshiftConfiguration ("ENABLED", "DISABLED"); "" without one.
	Autoshift              string `json:"autoshift"`
	AutoshiftConfiguration string `json:"autoshiftConfiguration,omitempty"`
	// OutcomeAlarms are the practice runs' outcome alarms (names, or logical IDs for alarms of
	// the templates); BlockedWindows and BlockedDates when no practice run starts.
	OutcomeAlarms  []string `json:"outcomeAlarms"`
	BlockedWindows []string `json:"blockedWindows"`
	BlockedDates   []string `json:"blockedDates"`
	// OptOutReason is the okiagari metadata's autoshiftOptOutReason.
	OptOutReason string `json:"optOutReason,omitempty"`
	// KeptTasks of Peak serve while one zone is shifted away: the AZ-loss figure's Kept.
	// ShiftedZoneTasks are the shifted zone's own tasks (the zone holding the most), which keep
	// running without traffic.
	ShiftedZoneTasks int `json:"shiftedZoneTasks"`
	KeptTasks        int `json:"keptTasks"`
	Peak             int `json:"peak"`
	KeepsPercent     int `json:"keepsPercent"`
	// Groups are the Auto Scaling groups of the workload (its EC2 capacity, or the auto-heal
	// host) and whether they follow zonal shifts.
	Groups      []GroupZonalShift `json:"groups"`
	Summary     string            `json:"summary"`
	Assumptions []string          `json:"assumptions"`
}

// GroupZonalShift is an Auto Scaling group's AvailabilityZoneImpairmentPolicy and distribution.
type GroupZonalShift struct {
	AutoScalingGroup string `json:"autoScalingGroup"`
	// FollowsZonalShift is ZonalShiftEnabled: the group treats a shifted zone as impaired and
	// launches elsewhere.
	FollowsZonalShift bool `json:"followsZonalShift"`
	// ImpairedZoneHealthCheckBehavior is IgnoreUnhealthy or ReplaceUnhealthy.
	ImpairedZoneHealthCheckBehavior string `json:"impairedZoneHealthCheckBehavior,omitempty"`
	// Distribution is AvailabilityZoneDistribution.CapacityDistributionStrategy (default
	// balanced-only).
	Distribution string `json:"distribution"`
}

// ProviderShare is the part of the floor one capacity provider of the strategy holds.
type ProviderShare struct {
	// Provider is FARGATE, FARGATE_SPOT, or the capacity provider's name or logical ID.
	Provider string `json:"provider"`
	Base     int    `json:"base"`
	Weight   int    `json:"weight"`
	Tasks    int    `json:"tasks"`
	// SpotTasks are the tasks on Spot: all of FARGATE_SPOT's, an estimate for an EC2 provider.
	SpotTasks int `json:"spotTasks"`
}

// InstanceMix is the On-Demand/Spot split of an EC2 Auto Scaling group at its MinSize.
type InstanceMix struct {
	AutoScalingGroup         string `json:"autoScalingGroup"`
	MinSize                  int    `json:"minSize"`
	OnDemandBase             int    `json:"onDemandBase"`
	OnDemandPercentAboveBase int    `json:"onDemandPercentAboveBase"`
	OnDemand                 int    `json:"onDemand"`
	Spot                     int    `json:"spot"`
}

// Spot is how much of the floor runs on Spot capacity and what is left when it is all reclaimed.
type Spot struct {
	Providers []ProviderShare `json:"providers"`
	Floor     int             `json:"floor"`
	OnSpot    int             `json:"onSpot"`
	// SpotPercent is OnSpot as a share of Floor, rounded.
	SpotPercent int `json:"spotPercent"`
	// Left is Floor − OnSpot; Kept = min(Left, Peak) and KeepsPercent its share of Peak.
	Left         int          `json:"left"`
	Peak         int          `json:"peak"`
	Kept         int          `json:"kept"`
	KeepsPercent int          `json:"keepsPercent"`
	Instances    *InstanceMix `json:"instances,omitempty"`
	Summary      string       `json:"summary"`
	Assumptions  []string     `json:"assumptions"`
}

// AutoHeal is how fast a single-instance host comes back, and that only one copy can run.
type AutoHeal struct {
	MinSize         int      `json:"minSize"`
	MaxSize         int      `json:"maxSize"`
	DesiredCapacity int      `json:"desiredCapacity"`
	AZs             []string `json:"azs"`
	// OneWriter is MinSize = MaxSize = 1 (and DesiredCapacity 1 when set).
	OneWriter       bool   `json:"oneWriter"`
	HealthCheckType string `json:"healthCheckType"`
	GraceSeconds    int    `json:"graceSeconds"`
	// RecoverySeconds = DetectSeconds + LaunchSeconds + BootSeconds.
	DetectSeconds   int `json:"detectSeconds"`
	LaunchSeconds   int `json:"launchSeconds"`
	BootSeconds     int `json:"bootSeconds"`
	RecoverySeconds int `json:"recoverySeconds"`
	// FailedReplacementSeconds = LaunchSeconds + GraceSeconds + DetectSeconds: how late a
	// replacement that never becomes healthy is itself noticed.
	FailedReplacementSeconds int `json:"failedReplacementSeconds"`
	// Image is where the launch template's AMI comes from: an AMI ID ("ami-…", pinned), "ssm:"
	// and the public parameter CloudFormation resolves at every deploy, or "" when the template
	// does not say.
	Image       string `json:"image"`
	ImagePinned bool   `json:"imagePinned"`
	// DeployRestart says when a deploy restarts the host (and so stops the app for about
	// LaunchSeconds + BootSeconds).
	DeployRestart string   `json:"deployRestart"`
	Summary       string   `json:"summary"`
	Assumptions   []string `json:"assumptions"`
}
