package worker

import (
	"fmt"
	"maps"
	"math"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/check"
	"github.com/okiagari/okiagari/constructs/scaling"
)

// The Fargate capacity providers every cluster has when Fargate is enabled on it.
const (
	Fargate     = capacity.Fargate
	FargateSpot = capacity.FargateSpot
)

// QueueURLVariable is the environment variable that holds the queue's URL in the container.
const QueueURLVariable = "QUEUE_URL"

// ProtectionExpiryVariable is the environment variable that holds ProtectionExpiry in whole
// minutes, the ExpiresInMinutes a busy worker asks for when it protects its task.
const ProtectionExpiryVariable = "PROTECTION_EXPIRY_MINUTES"

// CapacityProvider is one entry of the service's capacity provider strategy: Name is FARGATE,
// FARGATE_SPOT or the real name of one of the cluster's EC2 capacity providers (for an okiagari
// cluster, cluster.Cluster.Ec2CapacityProviderName).
type CapacityProvider = capacity.Provider

// QueueProps configures the SQS queue and its dead-letter queue.
type QueueProps struct {
	// VisibilityTimeout is how long a received message stays hidden from other workers. It must be
	// longer than StopTimeout, so that a message a stopping worker is still finishing is not
	// delivered to another worker meanwhile; a worker that needs longer extends it with
	// ChangeMessageVisibility. At most 12 hours. Default: 6 × MessageProcessingTime (AWS's rule of
	// thumb for SQS consumers), but at least StopTimeout + 30 s.
	VisibilityTimeout *time.Duration
	// RetentionPeriod is how long an unconsumed message is kept, 60 s to 14 days. Default: 4 days
	// (the SQS default), long enough to outlast a weekend's outage of the workers.
	RetentionPeriod *time.Duration
	// MaxReceiveCount is how many times a message is received before it moves to the dead-letter
	// queue, 1 to 1000. Default: 5, enough to ride out a deploy or a Spot interruption, few enough
	// that a poison message leaves the queue within minutes.
	MaxReceiveCount *int
	// EncryptionKey is a customer-managed KMS key for both queues; the task role may decrypt with
	// it. Producers need kms:GenerateDataKey and kms:Decrypt on it. Default: SQS-managed
	// server-side encryption (SSE-SQS), which costs nothing and needs no key policy.
	EncryptionKey awskms.IKey
}

// ExternalMetric is a queue length the application publishes to CloudWatch itself, such as the
// length of a Redis list, used instead of an SQS queue.
type ExternalMetric struct {
	// Namespace is the metric's CloudWatch namespace, e.g. "Okiagari/Jobs". Required.
	Namespace string
	// MetricName is the metric's name, e.g. "QueueLength". Required.
	MetricName string
	// Dimensions are the metric's dimensions exactly as published, at most 30. Default: none.
	Dimensions map[string]string
	// Statistic aggregates the metric over a minute. Default: "Average".
	Statistic *string
}

// WorkerProps configures a Worker. Exactly one of Repository and Image, and exactly one of Queue
// and ExternalMetric, must be set.
type WorkerProps struct {
	// Name names the worker in the resilience metadata and its log stream prefix.
	// Default: the construct ID.
	Name *string
	// Cluster is the ECS cluster the service runs in; its VPC's PRIVATE_WITH_EGRESS subnets hold
	// the tasks. It must have Container Insights on: scaling reads its RunningTaskCount.
	// Default: none, required.
	Cluster awsecs.ICluster
	// Repository is the ECR repository holding the worker's image; the execution role may pull
	// from it. Default: none; set it or Image.
	Repository awsecr.IRepository
	// ImageTag is the tag of the image in Repository; the pipeline replaces the image on each
	// deploy. Default: none, required with Repository (there is no "latest": tags are immutable
	// and the pipeline pushes commit tags).
	ImageTag *string
	// Image is an explicit image reference ("public.ecr.aws/docker/library/busybox:1.36").
	// Default: none; set it or Repository.
	Image *string
	// Command overrides the image's command, e.g. to run the worker entry point of a web image.
	// Default: the image's CMD.
	Command []string
	// Environment are extra environment variables for the container. QUEUE_URL is always set to
	// the queue's URL when there is a queue. Default: none.
	Environment map[string]string
	// Secrets are environment variables filled from Secrets Manager or SSM Parameter Store when
	// the task starts. Default: none.
	Secrets map[string]awsecs.Secret
	// Cpu is the task's CPU in units (1024 = 1 vCPU); on Fargate with MemoryMiB it must be a
	// valid Fargate size. Default: 256.
	Cpu *int
	// MemoryMiB is the task's memory in MiB. Default: 512.
	MemoryMiB *int
	// CapacityProviders is the service's capacity provider strategy. Workers tolerate Spot well
	// (an interrupted message is delivered again), so FARGATE_SPOT is a good choice beside a
	// FARGATE base. EC2 providers run the task in awsvpc network mode. Default: FARGATE only,
	// weight 1.
	CapacityProviders []CapacityProvider
	// Ec2CapacityProviders are the names of the cluster's EC2 (Auto Scaling group) capacity
	// providers that CapacityProviders may name. When Cluster is an okiagari cluster
	// (constructs/cluster), its providers are known: every name here must be one of them, and
	// the strategy is checked against them. Default: an okiagari cluster's EC2 providers; none
	// for any other cluster.
	Ec2CapacityProviders []string
	// SecurityGroups are the tasks' security groups. Default: a new group with no ingress rule
	// and all egress (a worker only calls out).
	SecurityGroups []awsec2.ISecurityGroup
	// User is the worker container's user ("1000:1000", "app"); not root. Default: the image's
	// own user.
	User *string
	// ReadonlyRootFilesystem mounts the worker container's root file system read-only.
	// Default: false.
	ReadonlyRootFilesystem *bool
	// WritablePaths are the directories the worker writes to ("/tmp"), each an empty task
	// volume, only with ReadonlyRootFilesystem. Default: none.
	WritablePaths []string
	// StopTimeout is how long ECS waits after SIGTERM before it kills the container, 2 s to
	// 120 s. A worker stops receiving on SIGTERM and finishes its current message in this time.
	// Default: 120 s, the maximum ECS allows (also Fargate Spot's two-minute warning).
	StopTimeout *time.Duration
	// MessageProcessingTime is how long a task typically takes for one message. With
	// LatencyTarget it sets the backlog per task to track. Default: 10 s.
	MessageProcessingTime *time.Duration
	// LatencyTarget is how long a message may wait before a worker finishes it. The backlog per
	// task that scaling tracks is LatencyTarget ÷ MessageProcessingTime messages.
	// Default: 5 minutes (backlog target 30 with the default processing time).
	LatencyTarget *time.Duration
	// MinTasks is the fewest tasks. 0 turns on scale to zero: a step policy starts the first task
	// when messages appear, because target tracking cannot scale out from zero tasks.
	// Default: 1.
	MinTasks *int
	// MaxTasks is the most tasks, at least 1 and at least MinTasks. Default: 10.
	MaxTasks *int
	// ScaleOutCooldown is how long after a scale-out before another (SOURCES.md report 1).
	// Default: 60 s.
	ScaleOutCooldown *time.Duration
	// ScaleInCooldown is how long after a scale-in before another (SOURCES.md report 1).
	// Default: 300 s.
	ScaleInCooldown *time.Duration
	// Queue configures the SQS queue the worker consumes; an empty QueueProps takes every
	// default. Default: none; set it or ExternalMetric.
	Queue *QueueProps
	// ExternalMetric is a queue length the application publishes itself; then no SQS queue, no
	// queue permission and no queue alarm is created. Default: none; set it or Queue.
	ExternalMetric *ExternalMetric
	// AlarmTopic receives the alarms' ALARM and OK notifications. Default: the alarms are created
	// without actions.
	AlarmTopic awssns.ITopic
	// OldestMessageAgeThreshold is the age of the oldest message in the queue above which the
	// OldestMessage alarm fires. Target tracking keeps a message's wait near LatencyTarget; three
	// times that means scaling is not keeping up (MaxTasks reached, workers stuck or crashing).
	// Default: 3 × LatencyTarget.
	OldestMessageAgeThreshold *time.Duration
	// LogRetention is how long the container logs are kept; the log group is retained when the
	// stack is deleted. Default: one month.
	LogRetention awslogs.RetentionDays

	// ProtectionExpiry is the task scale-in protection a busy worker asks for per message
	// (ExpiresInMinutes, whole minutes, 1–2880), passed to the container as
	// PROTECTION_EXPIRY_MINUTES. Protection holds back deployments as well as scale-in (ECS:
	// "scale-in events from either service auto scaling or deployments"), so it is short: a
	// deployment waits at most this long for a protected task. Default: Queue.VisibilityTimeout
	// rounded up to whole minutes (a message not finished by then is delivered again anyway);
	// 15 minutes with ExternalMetric.
	ProtectionExpiry *time.Duration
	// Bake is how long, once every task runs the new revision, ECS keeps watching
	// DeploymentAlarms before it calls the deployment complete, whole minutes 0–1440. Set
	// explicitly so ECS's default for a rolling deployment (180 minutes) never applies silently.
	// Default: 0 without DeploymentAlarms (nothing to watch: the worker's own alarms are not
	// deployment alarms; its dead-letter alarm stays in ALARM until someone empties the queue and
	// would roll every later release back), 5 minutes with them.
	Bake *time.Duration
	// DeploymentAlarms are alarms, by name, that roll a deployment back. Default: none (the
	// circuit breaker still rolls back a revision whose tasks do not start).
	DeploymentAlarms []string
}

// hardening is how the worker container runs.
func (p *WorkerProps) hardening() capacity.Hardening {
	return capacity.Hardening{User: p.User, ReadonlyRootFilesystem: p.ReadonlyRootFilesystem, WritablePaths: p.WritablePaths}
}

// EstimatedTaskStart is how long a new task takes from its launch to running (image pull and
// container start): an estimate for the deploy timeline, as the resilience report uses; measure
// yours.
const EstimatedTaskStart = 60 * time.Second

// DeployWorstCase is the longest a successful deployment of the worker takes: the new tasks
// start, every old task may hold its scale-in protection for up to ProtectionExpiry and then has
// StopTimeout to finish after SIGTERM, then the bake.
func (p *WorkerProps) deployWorstCase() time.Duration {
	return EstimatedTaskStart + *p.ProtectionExpiry + *p.StopTimeout + *p.Bake
}

func defaults() WorkerProps {
	return WorkerProps{
		Cpu:                   ptr(256),
		MemoryMiB:             ptr(512),
		CapacityProviders:     []CapacityProvider{{Name: Fargate, Weight: 1}},
		StopTimeout:           ptr(120 * time.Second),
		MessageProcessingTime: ptr(10 * time.Second),
		LatencyTarget:         ptr(5 * time.Minute),
		MinTasks:              ptr(1),
		MaxTasks:              ptr(10),
		ScaleOutCooldown:      ptr(scaling.DefaultScaleOutCooldown),
		ScaleInCooldown:       ptr(scaling.DefaultScaleInCooldown),
		LogRetention:          awslogs.RetentionDays_ONE_MONTH,
	}
}

// overlay returns the defaults with the caller's props laid over them, then the derived defaults.
// The caller's props (and their nested Queue) are never written to.
func overlay(id *string, props *WorkerProps) WorkerProps {
	p := defaults()
	p.Name = id
	if props != nil {
		set(&p.Name, props.Name)
		p.Cluster = props.Cluster
		p.Repository = props.Repository
		set(&p.ImageTag, props.ImageTag)
		p.Image = props.Image
		p.Command = props.Command
		p.Environment = props.Environment
		p.Secrets = props.Secrets
		set(&p.Cpu, props.Cpu)
		set(&p.MemoryMiB, props.MemoryMiB)
		if props.CapacityProviders != nil {
			p.CapacityProviders = props.CapacityProviders
		}
		p.Ec2CapacityProviders = props.Ec2CapacityProviders
		p.SecurityGroups = props.SecurityGroups
		set(&p.StopTimeout, props.StopTimeout)
		set(&p.MessageProcessingTime, props.MessageProcessingTime)
		set(&p.LatencyTarget, props.LatencyTarget)
		set(&p.MinTasks, props.MinTasks)
		set(&p.MaxTasks, props.MaxTasks)
		set(&p.ScaleOutCooldown, props.ScaleOutCooldown)
		set(&p.ScaleInCooldown, props.ScaleInCooldown)
		if props.Queue != nil {
			q := *props.Queue
			p.Queue = &q
		}
		if props.ExternalMetric != nil {
			e := *props.ExternalMetric
			if e.Statistic == nil {
				e.Statistic = jsii.String("Average")
			}
			p.ExternalMetric = &e
		}
		p.AlarmTopic = props.AlarmTopic
		p.OldestMessageAgeThreshold = props.OldestMessageAgeThreshold
		p.ProtectionExpiry = props.ProtectionExpiry
		p.User, p.ReadonlyRootFilesystem, p.WritablePaths = props.User, props.ReadonlyRootFilesystem, props.WritablePaths
		p.Bake = props.Bake
		p.DeploymentAlarms = props.DeploymentAlarms
		if props.LogRetention != "" {
			p.LogRetention = props.LogRetention
		}
	}
	if p.OldestMessageAgeThreshold == nil {
		p.OldestMessageAgeThreshold = ptr(3 * *p.LatencyTarget)
	}
	if q := p.Queue; q != nil {
		if q.VisibilityTimeout == nil {
			v := max(6**p.MessageProcessingTime, *p.StopTimeout+30*time.Second)
			q.VisibilityTimeout = ptr(v.Round(time.Second))
		}
		if q.RetentionPeriod == nil {
			q.RetentionPeriod = ptr(4 * 24 * time.Hour)
		}
		if q.MaxReceiveCount == nil {
			q.MaxReceiveCount = ptr(5)
		}
	}
	if p.ProtectionExpiry == nil {
		expiry := 15 * time.Minute
		if q := p.Queue; q != nil {
			expiry = max(time.Minute, q.VisibilityTimeout.Round(time.Second))
			if r := expiry % time.Minute; r != 0 {
				expiry += time.Minute - r
			}
		}
		p.ProtectionExpiry = &expiry
	}
	if p.Bake == nil {
		bake := time.Duration(0)
		if len(p.DeploymentAlarms) > 0 {
			bake = 5 * time.Minute
		}
		p.Bake = &bake
	}
	return p
}

func set[T any](dst **T, src *T) {
	if src != nil {
		*dst = src
	}
}

// duration converts d (validated to whole seconds) to a CDK duration.
func duration(d *time.Duration) awscdk.Duration {
	return check.Seconds(math.Round(d.Seconds()))
}

// Worker is a queue worker: an ECS service without a load balancer that consumes a queue and
// scales on its backlog per task.
type Worker struct {
	constructs.Construct
	// Queue is the SQS queue the worker consumes; nil with an ExternalMetric.
	Queue awssqs.Queue
	// DeadLetterQueue receives the messages received MaxReceiveCount times; nil with an
	// ExternalMetric.
	DeadLetterQueue awssqs.Queue
	// TaskDefinition is a FargateTaskDefinition, or an Ec2TaskDefinition in awsvpc mode when the
	// strategy names EC2 capacity providers.
	TaskDefinition awsecs.TaskDefinition
	// Container is the worker container, named "Worker".
	Container awsecs.ContainerDefinition
	// Service is the FargateService or Ec2Service; it carries the okiagari resilience metadata.
	Service awsecs.BaseService
	// LogGroup receives the container's logs; it is retained when the stack is deleted.
	LogGroup awslogs.LogGroup
	// ScalableTarget is the service's desired count between MinTasks and MaxTasks.
	ScalableTarget awsapplicationautoscaling.ScalableTarget
	// BacklogPolicy is the target-tracking policy on backlog per task (an L1 resource: CDK's
	// target-tracking L2 rejects metric math).
	BacklogPolicy awsapplicationautoscaling.CfnScalingPolicy
	// ScaleFromZeroPolicy starts the first task when messages wait and no task runs; nil unless
	// MinTasks is 0.
	ScaleFromZeroPolicy awsapplicationautoscaling.StepScalingAction
	// ScaleFromZeroAlarm triggers ScaleFromZeroPolicy; nil unless MinTasks is 0.
	ScaleFromZeroAlarm awscloudwatch.Alarm
	// Alarms are the operational alarms, sent to AlarmTopic: DeadLetters (messages in the DLQ)
	// then OldestMessage (age of the oldest message). Empty with an ExternalMetric.
	Alarms []awscloudwatch.Alarm
	// DeployWorstCase is the longest a successful deployment takes: the new tasks start
	// (EstimatedTaskStart), an old task may hold its protection for ProtectionExpiry and then has
	// StopTimeout to finish, then the bake. A pipeline's deploy timeout must cover it.
	DeployWorstCase time.Duration
}

// NewWorker creates the worker. nil props is invalid (Cluster, an image and a queue source are
// required). It returns an error, and creates nothing, when props are invalid.
func NewWorker(scope constructs.Construct, id *string, props *WorkerProps) (*Worker, error) {
	p := overlay(id, props)
	ec2Mode, err := validate(scope, id, &p)
	if err != nil {
		return nil, err
	}

	// Children are created in this.Construct: jsii cannot take the Go struct itself as a scope.
	this := &Worker{Construct: constructs.NewConstruct(scope, id)}
	c := this.Construct
	if p.Queue != nil {
		this.newQueues(&p)
	}

	this.LogGroup = awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	this.newTaskDefinition(&p, ec2Mode)
	this.newService(&p, ec2Mode)
	this.grantTaskRole(&p)
	if err := this.newScaling(&p); err != nil {
		// validate checks everything the scaling package does; reaching this is a bug here.
		return nil, fmt.Errorf("worker %q: %w", *this.Node().Path(), err)
	}
	if p.Queue != nil {
		this.newAlarms(&p)
	}
	cfn := this.Service.Node().DefaultChild().(awsecs.CfnService)
	cfn.AddMetadata(jsii.String("okiagari"), map[string]any{
		"kind": "worker", "name": *p.Name, "minTasks": *p.MinTasks, "maxTasks": *p.MaxTasks,
		"protectionExpiryMinutes": int(p.ProtectionExpiry.Minutes()),
	})
	this.DeployWorstCase = p.deployWorstCase()
	return this, nil
}

func (this *Worker) newQueues(p *WorkerProps) {
	c := this.Construct
	q := p.Queue
	encryption := awssqs.QueueEncryption_SQS_MANAGED
	if q.EncryptionKey != nil {
		encryption = awssqs.QueueEncryption_KMS
	}
	this.DeadLetterQueue = awssqs.NewQueue(c, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		// 14 days, the SQS maximum: the time to notice, fix and redrive.
		RetentionPeriod:     check.Days(deadLetterRetention.Hours() / 24),
		Encryption:          encryption,
		EncryptionMasterKey: q.EncryptionKey,
		EnforceSSL:          jsii.Bool(true),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
	})
	this.Queue = awssqs.NewQueue(c, jsii.String("Queue"), &awssqs.QueueProps{
		VisibilityTimeout:   duration(q.VisibilityTimeout),
		RetentionPeriod:     duration(q.RetentionPeriod),
		Encryption:          encryption,
		EncryptionMasterKey: q.EncryptionKey,
		EnforceSSL:          jsii.Bool(true),
		// Long polling: fewer empty receives, lower cost, no latency penalty.
		ReceiveMessageWaitTime: check.Seconds(20),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           this.DeadLetterQueue,
			MaxReceiveCount: jsii.Number(float64(*q.MaxReceiveCount)),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}

func (this *Worker) newTaskDefinition(p *WorkerProps, ec2Mode bool) {
	this.TaskDefinition = capacity.NewTaskDefinition(this.Construct, jsii.String("TaskDefinition"), ec2Mode, *p.Cpu, *p.MemoryMiB)
	var image awsecs.ContainerImage
	if p.Repository != nil {
		image = awsecs.ContainerImage_FromEcrRepository(p.Repository, p.ImageTag)
	} else {
		image = awsecs.ContainerImage_FromRegistry(p.Image, nil)
	}
	env := map[string]*string{}
	for k, v := range p.Environment {
		env[k] = jsii.String(v)
	}
	if this.Queue != nil {
		env[QueueURLVariable] = this.Queue.QueueUrl()
	}
	env[ProtectionExpiryVariable] = jsii.String(fmt.Sprint(int(p.ProtectionExpiry.Minutes())))
	opts := &awsecs.ContainerDefinitionOptions{
		Image:       image,
		Essential:   jsii.Bool(true),
		StopTimeout: duration(p.StopTimeout),
		Environment: &env,
		Logging: awsecs.LogDrivers_AwsLogs(&awsecs.AwsLogDriverProps{
			StreamPrefix: p.Name,
			LogGroup:     this.LogGroup,
		}),
	}
	if len(p.Secrets) > 0 {
		secrets := maps.Clone(p.Secrets)
		opts.Secrets = &secrets
	}
	if len(p.Command) > 0 {
		opts.Command = jsii.Strings(p.Command...)
	}
	if ec2Mode {
		// EC2 tasks take their size from the container: a hard memory limit and a CPU share.
		opts.Cpu = jsii.Number(float64(*p.Cpu))
		opts.MemoryLimitMiB = jsii.Number(float64(*p.MemoryMiB))
	}
	capacity.ApplyHardening(opts, p.hardening())
	this.Container = this.TaskDefinition.AddContainer(jsii.String("Worker"), opts)
	capacity.MountWritablePaths(this.TaskDefinition, this.Container, p.hardening())

	check.Suppress(this.TaskDefinition, check.Suppression{
		ID:     "AwsSolutions-ECS2",
		Reason: "Environment holds non-secret settings such as the queue URL; secrets go through WorkerProps.Secrets.",
	})
	if p.Repository != nil {
		check.SuppressPolicy(this.TaskDefinition.ObtainExecutionRole(), check.Suppression{
			ID:        "AwsSolutions-IAM5",
			Reason:    "ecr:GetAuthorizationToken has no resource-level permissions; the image pull itself is scoped to the repository.",
			AppliesTo: []string{"Resource::*"},
		})
	}
}

func (this *Worker) newService(p *WorkerProps, ec2Mode bool) {
	c := this.Construct
	strategy := capacity.Strategy(p.CapacityProviders)
	var sgs *[]awsec2.ISecurityGroup
	if len(p.SecurityGroups) > 0 {
		sgs = &p.SecurityGroups
	}
	subnets := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	// Never fewer running tasks than desired during a deploy (100 %), a full second set while the
	// new one starts (200 %), and a deploy whose tasks keep failing rolls back by itself.
	breaker := &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)}
	bake := check.Minutes(p.Bake.Minutes())
	if ec2Mode {
		this.Service = awsecs.NewEc2Service(c, jsii.String("Service"), &awsecs.Ec2ServiceProps{
			Cluster:                    p.Cluster,
			TaskDefinition:             this.TaskDefinition,
			CapacityProviderStrategies: strategy,
			CircuitBreaker:             breaker,
			MinHealthyPercent:          jsii.Number(100),
			MaxHealthyPercent:          jsii.Number(200),
			BakeTime:                   bake,
			VpcSubnets:                 subnets,
			SecurityGroups:             sgs,
		})
		this.finishService(p)
		return
	}
	this.Service = awsecs.NewFargateService(c, jsii.String("Service"), &awsecs.FargateServiceProps{
		Cluster:                    p.Cluster,
		TaskDefinition:             this.TaskDefinition,
		CapacityProviderStrategies: strategy,
		CircuitBreaker:             breaker,
		MinHealthyPercent:          jsii.Number(100),
		MaxHealthyPercent:          jsii.Number(200),
		BakeTime:                   bake,
		VpcSubnets:                 subnets,
		SecurityGroups:             sgs,
		AssignPublicIp:             jsii.Bool(false),
	})
	this.finishService(p)
}

// finishService makes DeploymentAlarms roll a deployment back, and leaves out
// SchedulingStrategy: the EC2 variant writes REPLICA, ECS's default, which the Fargate one leaves
// out, and the property is create-only, so a worker switched between Fargate and EC2 would be
// replaced.
func (this *Worker) finishService(p *WorkerProps) {
	this.Service.Node().DefaultChild().(awsecs.CfnService).AddPropertyDeletionOverride(jsii.String("SchedulingStrategy"))
	if len(p.DeploymentAlarms) > 0 {
		this.Service.EnableDeploymentAlarms(jsii.Strings(p.DeploymentAlarms...),
			&awsecs.DeploymentAlarmOptions{Behavior: awsecs.AlarmBehavior_ROLLBACK_ON_ALARM})
	}
}

// grantTaskRole lets the task consume its own queue and protect its own tasks from scale-in,
// and nothing else.
func (this *Worker) grantTaskRole(p *WorkerProps) {
	if this.Queue != nil {
		this.TaskDefinition.AddToTaskRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"),
			// The queue only: the dead-letter queue is redriven by operators, not by the worker.
			Resources: jsii.Strings(*this.Queue.QueueArn()),
		}))
		if k := p.Queue.EncryptionKey; k != nil {
			this.TaskDefinition.AddToTaskRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("kms:Decrypt"),
				Resources: jsii.Strings(*k.KeyArn()),
			}))
		}
	}
	// A busy worker sets scale-in protection on its own task (through $ECS_AGENT_URI) so that
	// a scale-in stops idle tasks only. Task ARNs are arn:...:task/<cluster>/<task id>.
	taskArns := awscdk.Stack_Of(this.Construct).FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("ecs"),
		Resource:     jsii.String("task"),
		ResourceName: jsii.String(*p.Cluster.ClusterName() + "/*"),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
	this.TaskDefinition.AddToTaskRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ecs:UpdateTaskProtection", "ecs:GetTaskProtection"),
		Resources: jsii.Strings(*taskArns),
	}))
	check.SuppressPolicy(this.TaskDefinition.TaskRole(), check.Suppression{
		ID:        "AwsSolutions-IAM5",
		Reason:    "Task IDs are not known before the tasks start; task protection is scoped to the tasks of this cluster.",
		AppliesTo: []string{`/^Resource::arn:[^:]+:ecs:[^:]+:[^:]+:task\/[^/]+\/\*$/`},
	})
}

// BacklogExpression is the backlog per task. With no task running it is the whole backlog
// instead of a division by zero; target tracking still cannot act then (its new capacity is
// current × metric ÷ target = 0), which is why scale to zero adds a step policy.
const BacklogExpression = "IF(running > 0, visible / running, visible)"

// ScaleFromZeroExpression is 1 while messages wait and no task runs (a missing task count
// counts as none), else 0.
const ScaleFromZeroExpression = "IF(visible > 0 AND FILL(running, 0) < 1, 1, 0)"

func (this *Worker) newScaling(p *WorkerProps) error {
	c := this.Construct
	minute := check.Minutes(1)
	visible := func(stat string) scaling.Stat {
		if this.Queue != nil {
			return scaling.Stat{
				Namespace: "AWS/SQS", MetricName: "ApproximateNumberOfMessagesVisible",
				Dimensions: map[string]*string{"QueueName": this.Queue.QueueName()}, Statistic: stat,
			}
		}
		e := p.ExternalMetric
		dims := map[string]*string{}
		for k, v := range e.Dimensions {
			dims[k] = jsii.String(v)
		}
		if stat == "" {
			stat = *e.Statistic
		}
		return scaling.Stat{Namespace: e.Namespace, MetricName: e.MetricName, Dimensions: dims, Statistic: stat}
	}
	// Container Insights publishes the service's task counts every minute, also when they are 0.
	running := scaling.Stat{
		Namespace:  "ECS/ContainerInsights",
		MetricName: "RunningTaskCount",
		Dimensions: map[string]*string{
			"ClusterName": p.Cluster.ClusterName(),
			"ServiceName": this.Service.ServiceName(),
		},
		Statistic: "Average",
	}

	var err error
	this.ScalableTarget, err = scaling.NewServiceTarget(c, jsii.String("ScalableTarget"), this.Service, &scaling.ServiceTargetProps{
		MinCapacity: *p.MinTasks, MaxCapacity: *p.MaxTasks,
	})
	if err != nil {
		return err
	}
	queueStat := "Average"
	if p.ExternalMetric != nil {
		queueStat = ""
	}
	this.BacklogPolicy, err = scaling.TrackMetricMath(this.ScalableTarget, jsii.String("BacklogPolicy"), &scaling.MetricMathProps{
		Metrics:          map[string]scaling.Stat{"visible": visible(queueStat), "running": running},
		Expression:       jsii.String(BacklogExpression),
		Label:            jsii.String("Backlog per task"),
		Target:           jsii.Number(backlogTarget(p)),
		ScaleOutCooldown: p.ScaleOutCooldown,
		ScaleInCooldown:  p.ScaleInCooldown,
	})
	if err != nil || *p.MinTasks > 0 {
		return err
	}
	// Scale from zero. Gating the alarm on "no task runs" keeps this policy out of target
	// tracking's way once a task is up: CloudWatch re-invokes a scaling action every period while
	// its alarm stays in ALARM, so an alarm on "visible > 0" alone would add a task per cooldown
	// for as long as the queue is not empty.
	step, err := scaling.AddStep(this.ScalableTarget, jsii.String("ScaleFromZero"), &scaling.StepProps{
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String(ScaleFromZeroExpression),
			UsingMetrics: &map[string]awscloudwatch.IMetric{"visible": visible("Maximum").Metric(), "running": running.Metric()},
			Label:        jsii.String("Messages waiting with no task running"),
			Period:       minute,
		}),
		Threshold:         jsii.Number(1),
		Steps:             []scaling.Step{{Lower: 0, Change: 1}},
		EvaluationPeriods: ptr(1),
		DatapointsToAlarm: ptr(1),
		TreatMissingData:  awscloudwatch.TreatMissingData_NOT_BREACHING,
		Cooldown:          p.ScaleOutCooldown,
	})
	if err != nil {
		return err
	}
	this.ScaleFromZeroPolicy, this.ScaleFromZeroAlarm = step.Action, step.Alarm
	return nil
}

// backlogTarget is the number of messages one task clears within the latency target.
func backlogTarget(p *WorkerProps) float64 {
	return p.LatencyTarget.Seconds() / p.MessageProcessingTime.Seconds()
}

func (this *Worker) newAlarms(p *WorkerProps) {
	c := this.Construct
	minute := check.Minutes(1)
	dead := awscloudwatch.NewAlarm(c, jsii.String("DeadLettersAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String(fmt.Sprintf("%s: messages in the dead-letter queue; inspect and redrive them", *p.Name)),
		Metric: this.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Statistic: jsii.String("Maximum"), Period: minute,
		}),
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		// SQS stops publishing for an idle, empty queue: no data means no dead letters.
		TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	age := awscloudwatch.NewAlarm(c, jsii.String("OldestMessageAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String(fmt.Sprintf("%s: the oldest message waited longer than %gs; workers are not keeping up", *p.Name, p.OldestMessageAgeThreshold.Seconds())),
		Metric: this.Queue.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{
			Statistic: jsii.String("Maximum"), Period: minute,
		}),
		Threshold:          jsii.Number(p.OldestMessageAgeThreshold.Seconds()),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		// The age only grows while a message waits, so one period above the threshold is real.
		TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	this.Alarms = []awscloudwatch.Alarm{dead, age}
	if p.AlarmTopic != nil {
		action := awscloudwatchactions.NewSnsAction(p.AlarmTopic)
		for _, a := range this.Alarms {
			a.AddAlarmAction(action)
			a.AddOkAction(action)
		}
	}
}

func ptr[T any](v T) *T { return &v }
