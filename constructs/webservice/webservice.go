package webservice

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	appscaling "github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsarczonalshift"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/check"
	"github.com/okiagari/okiagari/constructs/scaling"
)

// XRayImage is the X-Ray daemon sidecar's image; the 3.x tag follows the daemon's minor
// releases.
const XRayImage = "public.ecr.aws/xray/aws-xray-daemon:3.x"

// Service is a web service behind an internet-facing Application Load Balancer that survives the
// loss of an availability zone, drains before it stops, rolls back bad deploys, scales and
// raises alarms.
//
// Static stability: the service always runs at least the floor,
//
//	floor = ceil(PeakTasks × zones / (zones − 1))
//
// tasks (9 for a peak of 6 over 3 zones), so that when one zone is lost the other zones still
// run PeakTasks. The scalable target's minimum is max(floor, MinTasks); MaxTasks and every
// scheduled capacity must be at least the floor.
//
// The ECS service has no DesiredCount: with one, every CloudFormation update of the service
// would reset a scaled-out service to it (aws-cdk#3919). A new service starts with one task and
// Application Auto Scaling raises it to the minimum as soon as the scalable target registers.
type Service struct {
	constructs.Construct
	// LoadBalancer is the internet-facing ALB in the VPC's public subnets.
	LoadBalancer elbv2.ApplicationLoadBalancer
	// LoadBalancerSecurityGroup admits 80 (and 443) from anywhere and reaches the tasks.
	LoadBalancerSecurityGroup awsec2.SecurityGroup
	// HttpListener listens on 80: it redirects to HTTPS with a certificate, forwards without.
	HttpListener elbv2.ApplicationListener
	// HttpsListener listens on 443; nil without CertificateArn.
	HttpsListener elbv2.ApplicationListener
	// TargetGroup holds the tasks (IP targets): the primary target group.
	TargetGroup elbv2.ApplicationTargetGroup
	// AlternateTargetGroup holds the new revision's tasks during a progressive deployment (and
	// after it, until the next one moves them back); nil for Rolling.
	AlternateTargetGroup elbv2.ApplicationTargetGroup
	// ProductionListener serves production traffic: HttpsListener with a certificate, else
	// HttpListener.
	ProductionListener elbv2.ApplicationListener
	// ProductionRule forwards all production traffic (path /*) to the target groups. ECS
	// rewrites its weights during progressive deployments; its template never changes with the
	// service (see README, "The production listener rule").
	ProductionRule elbv2.ApplicationListenerRule
	// TrafficShiftRole is the role ECS shifts traffic with; nil for Rolling.
	TrafficShiftRole awsiam.Role
	// ZonalAutoshift is the load balancer's ARC zonal autoshift configuration with its practice
	// runs; nil when ZonalAutoshift is not enabled.
	ZonalAutoshift awsarczonalshift.CfnZonalAutoshiftConfiguration
	// Timeline is the expected course of one deployment under the service's strategy.
	Timeline DeployTimeline
	// AccessLogBucket receives the ALB's access logs; retained.
	AccessLogBucket awss3.Bucket
	// LogGroup receives the containers' logs; retained.
	LogGroup awslogs.LogGroup
	// TaskDefinition is a FargateTaskDefinition, or an Ec2TaskDefinition for an EC2 strategy.
	TaskDefinition awsecs.TaskDefinition
	// Container is the application container, named after the service.
	Container awsecs.ContainerDefinition
	// XRayContainer is the X-Ray daemon sidecar; nil unless XRay.
	XRayContainer awsecs.ContainerDefinition
	// Service is an awsecs.FargateService, or an awsecs.Ec2Service for an EC2 strategy.
	Service awsecs.BaseService
	// SecurityGroup is the tasks' security group: the container port from the load balancer only.
	SecurityGroup awsec2.SecurityGroup
	// ScalableTarget is the service's desired count, between MinTasks and MaxTasks.
	ScalableTarget appscaling.ScalableTarget
	// CpuScaling is the CPU target-tracking policy.
	CpuScaling appscaling.TargetTrackingScalingPolicy
	// StepScaling is the CPU step policy; nil unless CpuStep.
	StepScaling *scaling.StepPolicy
	// PredictiveScaling is the predictive scaling policy; nil unless Predictive.
	PredictiveScaling appscaling.CfnScalingPolicy
	// Alarms are the service's alarms, all notifying AlarmTopic.
	Alarms Alarms
	// Floor is the task count the service never goes below (see Service).
	Floor int
	// MinTasks and MaxTasks are the scalable target's range, which sets the desired count.
	MinTasks, MaxTasks int
}

// Alarms are a service's alarms.
type Alarms struct {
	// Cpu: average CPU above Alarms.CpuPercent for 3 of 3 minutes.
	Cpu awscloudwatch.Alarm
	// Memory: average memory above Alarms.MemoryPercent for 3 of 3 minutes.
	Memory awscloudwatch.Alarm
	// Target5xx: share of target 5xx responses above Alarms.Target5xxPercent for 3 of 3
	// minutes (metric math). A deployment alarm: it rolls a deploy back.
	Target5xx awscloudwatch.Alarm
	// UnhealthyHosts: any unhealthy target in 2 of 3 minutes. A deployment alarm.
	UnhealthyHosts awscloudwatch.Alarm
	// HealthyHosts: fewer healthy targets than the floor for 2 of 2 minutes; missing data is
	// breaching, because silence means the targets (or the load balancer) are gone.
	HealthyHosts awscloudwatch.Alarm
	// P99ResponseTime: p99 target response time above Alarms.P99ResponseTime for 3 of 3 minutes.
	P99ResponseTime awscloudwatch.Alarm
}

// All returns every alarm.
func (a Alarms) All() []awscloudwatch.Alarm {
	return []awscloudwatch.Alarm{a.Cpu, a.Memory, a.Target5xx, a.UnhealthyHosts, a.HealthyHosts, a.P99ResponseTime}
}

// NewService creates the web service. It returns an error, and creates nothing, when props are
// invalid.
func NewService(scope constructs.Construct, id *string, props *ServiceProps) (*Service, error) {
	p := overlay(props)
	c := check.For("webservice", scope, *id)
	k := validate(c, &p, stackRegion(scope))
	if err := c.Err(); err != nil {
		return nil, err
	}

	this := &Service{Construct: constructs.NewConstruct(scope, id), Floor: k.floor, MinTasks: k.min, MaxTasks: k.max}
	s := this.Construct
	this.loadBalancer(s, &p)
	this.task(s, &p, k.ec2)
	this.service(s, &p, k)
	// The service's CPU and memory utilisation, read once (each read of the service's cluster and
	// name is a round trip into the CDK) for scaling and alarms.
	util := scaling.ServiceUtilization(this.Service)
	if err := this.scale(s, &p, k, util); err != nil {
		return nil, err
	}
	this.alarms(s, &p, k, util)
	deploymentAlarms := []*string{this.Alarms.Target5xx.AlarmName(), this.Alarms.UnhealthyHosts.AlarmName()}
	deploymentAlarms = append(deploymentAlarms, *jsii.Strings(p.Deployment.Alarms...)...)
	this.Service.EnableDeploymentAlarms(&deploymentAlarms, &awsecs.DeploymentAlarmOptions{Behavior: awsecs.AlarmBehavior_ROLLBACK_ON_ALARM})
	this.autoshift(s, &p)
	this.Timeline = timeline(&p)
	return this, nil
}

func (this *Service) loadBalancer(s constructs.Construct, p *ServiceProps) {
	this.AccessLogBucket = awss3.NewBucket(s, jsii.String("AccessLogs"), &awss3.BucketProps{
		// ALB access logs support only S3-managed keys.
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: check.Days(p.AccessLogExpiration.Hours() / 24),
		}},
	})
	check.Suppress(this.AccessLogBucket, check.Suppression{
		ID:     "AwsSolutions-S1",
		Reason: "This bucket holds access logs; logging its own access would need another log bucket, whose access would need logging in turn.",
	})

	this.LoadBalancerSecurityGroup = awsec2.NewSecurityGroup(s, jsii.String("LoadBalancerSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String(fmt.Sprintf("Load balancer of %s: HTTP(S) from the internet, to the tasks", p.Name)),
		AllowAllOutbound: jsii.Bool(false),
	})
	check.Suppress(this.LoadBalancerSecurityGroup, check.Suppression{
		ID:     "AwsSolutions-EC23",
		Reason: "A public web service's load balancer accepts HTTP and HTTPS from anywhere; HTTP only redirects to HTTPS when a certificate is configured.",
	})

	this.LoadBalancer = elbv2.NewApplicationLoadBalancer(s, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     p.Vpc,
		InternetFacing:          jsii.Bool(true),
		VpcSubnets:              &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC},
		SecurityGroup:           this.LoadBalancerSecurityGroup,
		DropInvalidHeaderFields: jsii.Bool(true),
		DeletionProtection:      p.Production,
		CrossZoneEnabled:        jsii.Bool(true),
	})
	// Lets Route 53 ARC shift traffic away from an impaired zone (zonal shift / autoshift).
	this.LoadBalancer.SetAttribute(jsii.String("zonal_shift.config.enabled"), jsii.String("true"))
	this.LoadBalancer.LogAccessLogs(this.AccessLogBucket, jsii.String(p.Name))

	this.TargetGroup = this.newTargetGroup(s, "TargetGroup", p)
	if p.Deployment.Strategy.progressive() {
		this.AlternateTargetGroup = this.newTargetGroup(s, "AlternateTargetGroup", p)
	}

	if p.CertificateArn != nil {
		this.HttpsListener = this.LoadBalancer.AddListener(jsii.String("Https"), &elbv2.BaseApplicationListenerProps{
			Port:                jsii.Number(443),
			Protocol:            elbv2.ApplicationProtocol_HTTPS,
			Certificates:        &[]elbv2.IListenerCertificate{elbv2.ListenerCertificate_FromArn(p.CertificateArn)},
			SslPolicy:           elbv2.SslPolicy_RECOMMENDED_TLS,
			Open:                jsii.Bool(true),
			DefaultTargetGroups: &[]elbv2.IApplicationTargetGroup{this.TargetGroup},
		})
		this.HttpListener = this.LoadBalancer.AddListener(jsii.String("Http"), &elbv2.BaseApplicationListenerProps{
			Port:     jsii.Number(80),
			Protocol: elbv2.ApplicationProtocol_HTTP,
			Open:     jsii.Bool(true),
			DefaultAction: elbv2.ListenerAction_Redirect(&elbv2.RedirectOptions{
				Protocol: jsii.String("HTTPS"), Port: jsii.String("443"), Permanent: jsii.Bool(true),
			}),
		})
		this.productionRule(s, p)
		return
	}
	this.HttpListener = this.LoadBalancer.AddListener(jsii.String("Http"), &elbv2.BaseApplicationListenerProps{
		Port:                jsii.Number(80),
		Protocol:            elbv2.ApplicationProtocol_HTTP,
		Open:                jsii.Bool(true),
		DefaultTargetGroups: &[]elbv2.IApplicationTargetGroup{this.TargetGroup},
	})
	this.productionRule(s, p)
	if *p.Production {
		awscdk.Annotations_Of(this.LoadBalancer).AddWarningV2(jsii.String("okiagari:webservice:httpOnly"),
			jsii.String(fmt.Sprintf("web service %q is production but has no CertificateArn: it is served over plain HTTP", p.Name)))
	}
}

func (this *Service) task(s constructs.Construct, p *ServiceProps, ec2 bool) {
	this.LogGroup = awslogs.NewLogGroup(s, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	this.TaskDefinition = capacity.NewTaskDefinition(s, jsii.String("TaskDefinition"), ec2, *p.Cpu, *p.MemoryMiB)
	td := this.TaskDefinition

	var image awsecs.ContainerImage
	if p.Repository != nil {
		image = awsecs.ContainerImage_FromEcrRepository(p.Repository, p.ImageTag)
	} else {
		image = awsecs.ContainerImage_FromRegistry(p.Image, nil)
	}
	env := map[string]*string{}
	for _, k := range sortedKeys(p.Environment) {
		env[k] = jsii.String(p.Environment[k])
	}
	secrets := map[string]awsecs.Secret{}
	for _, k := range sortedKeys(p.SsmSecrets) {
		// Referenced by name only: unlike FromStringParameterName this adds no CloudFormation
		// parameter, and ECS needs just the ARN (String and SecureString alike).
		param := awsssm.StringParameter_FromSecureStringParameterAttributes(s, jsii.String("Ssm"+k), &awsssm.SecureStringParameterAttributes{
			ParameterName: jsii.String(p.SsmSecrets[k]),
		})
		secrets[k] = awsecs.Secret_FromSsmParameter(param)
	}
	for _, k := range sortedKeys(p.SecretsManagerSecrets) {
		secrets[k] = awsecs.Secret_FromSecretsManager(secretRef(s, "Secret"+k, p.SecretsManagerSecrets[k]), nil)
	}
	logging := awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
		StreamPrefix: jsii.String(p.Name),
		LogGroup:     this.LogGroup,
		// Non-blocking: a slow CloudWatch Logs must never stall the application; the buffer holds
		// bursts, and only an overflow loses lines.
		Mode:          awsecs.AwsLogDriverMode_NON_BLOCKING,
		MaxBufferSize: awscdk.Size_Mebibytes(jsii.Number(25)),
	})
	opts := &awsecs.ContainerDefinitionOptions{
		ContainerName: jsii.String(p.Name),
		Image:         image,
		Essential:     jsii.Bool(true),
		PortMappings:  &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(float64(*p.ContainerPort)), Name: jsii.String("http")}},
		Logging:       logging,
		StopTimeout:   secs(*p.StopTimeout),
		HealthCheck: &awsecs.HealthCheck{
			Command: jsii.Strings(p.HealthCheckCommand...),
			// 10 s / 5 s / 3 retries: a hung container is marked unhealthy within about 30 s,
			// three times faster than ECS's 30 s interval default, without failing on one slow
			// response.
			Interval:    check.Seconds(10),
			Timeout:     check.Seconds(5),
			Retries:     jsii.Number(3),
			StartPeriod: secs(*p.HealthCheckStartPeriod),
		},
	}
	// Set only when there are some: an empty list still trips cdk-nag's ECS2.
	if len(env) > 0 {
		opts.Environment = &env
	}
	if len(secrets) > 0 {
		opts.Secrets = &secrets
	}
	if ec2 {
		opts.Cpu = jsii.Number(float64(*p.Cpu))
		opts.MemoryLimitMiB = jsii.Number(float64(*p.MemoryMiB))
	}
	capacity.ApplyHardening(opts, p.hardening())
	this.Container = td.AddContainer(jsii.String(p.Name), opts)
	if p.defaultHealthCheck && !*p.ImageHasCurl {
		awscdk.Annotations_Of(this.Container).AddWarningV2(jsii.String("okiagari:webservice:healthCheckNeedsCurl"), jsii.String(fmt.Sprintf(
			"web service %q checks its container with curl (the default HealthCheckCommand): every image it runs, the first one included (the bootstrap tag), must have curl, or ECS replaces its tasks and rolls the deployment back; set ImageHasCurl once it does, or a HealthCheckCommand the image can run",
			p.Name)))
	}
	capacity.MountWritablePaths(td, this.Container, p.hardening())
	if len(p.Environment) > 0 || ec2 {
		// CDK itself sets AWS_REGION on the containers of EC2 task definitions.
		check.Suppress(td, check.Suppression{
			ID:     "AwsSolutions-ECS2",
			Reason: "Environment holds non-secret configuration only (and AWS_REGION, which CDK sets on EC2 containers); secrets are injected from SSM and Secrets Manager.",
		})
	}

	if *p.XRay {
		this.XRayContainer = td.AddContainer(jsii.String("xray-daemon"), &awsecs.ContainerDefinitionOptions{
			Image:          awsecs.ContainerImage_FromRegistry(jsii.String(XRayImage), nil),
			Essential:      jsii.Bool(false), // tracing must not take the service down
			Cpu:            jsii.Number(32),
			MemoryLimitMiB: jsii.Number(256),
			PortMappings:   &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(2000), Protocol: awsecs.Protocol_UDP}},
			Logging: awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
				StreamPrefix: jsii.String("xray"), LogGroup: this.LogGroup, Mode: awsecs.AwsLogDriverMode_NON_BLOCKING,
			}),
		})
		// The actions of the AWSXRayDaemonWriteAccess managed policy, inline so the role carries no
		// AWS managed policy.
		td.AddToTaskRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
				"xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"),
			Resources: jsii.Strings("*"),
		}))
		check.SuppressPolicy(td.TaskRole(), check.Suppression{
			ID:        "AwsSolutions-IAM5",
			Reason:    "X-Ray's trace and sampling actions support no resource-level permissions (the managed AWSXRayDaemonWriteAccess policy also grants them on *).",
			AppliesTo: []string{"Resource::*"},
		})
	}
}

func (this *Service) service(s constructs.Construct, p *ServiceProps, k taskCount) {
	this.SecurityGroup = awsec2.NewSecurityGroup(s, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:         p.Vpc,
		Description: jsii.String(fmt.Sprintf("Tasks of %s: the container port from the load balancer only", p.Name)),
		// Tasks pull images, read secrets and call their dependencies.
		AllowAllOutbound: jsii.Bool(true),
	})
	base := awsecs.BaseServiceProps{
		Cluster: p.Cluster,
		// No DesiredCount: the scalable target's MinCapacity (the floor) sets it. With one, every
		// update of the service would reset a scaled-out service to it (aws-cdk#3919).
		// Never below full capacity during a deploy: new tasks start first, old ones stop after.
		MinHealthyPercent: jsii.Number(100),
		MaxHealthyPercent: jsii.Number(200),
		CircuitBreaker:    &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		// Deployment alarms are added by NewService once the alarms exist.
		CapacityProviderStrategies: capacity.Strategy(p.CapacityProviders),
		HealthCheckGracePeriod:     secs(*p.HealthCheckGracePeriod),
		EnableExecuteCommand:       p.EnableExec,
		EnableECSManagedTags:       jsii.Bool(true),
		PropagateTags:              awsecs.PropagatedTagSource_SERVICE,
	}
	deploymentSettings(&base, p.Deployment)
	subnets := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	sgs := &[]awsec2.ISecurityGroup{this.SecurityGroup}
	if k.ec2 {
		this.Service = awsecs.NewEc2Service(s, jsii.String("Service"), &awsecs.Ec2ServiceProps{
			Cluster: base.Cluster, MinHealthyPercent: base.MinHealthyPercent,
			MaxHealthyPercent: base.MaxHealthyPercent, CircuitBreaker: base.CircuitBreaker,
			CapacityProviderStrategies: base.CapacityProviderStrategies, HealthCheckGracePeriod: base.HealthCheckGracePeriod,
			EnableExecuteCommand: base.EnableExecuteCommand, EnableECSManagedTags: base.EnableECSManagedTags, PropagateTags: base.PropagateTags,
			DeploymentStrategy: base.DeploymentStrategy, BakeTime: base.BakeTime,
			CanaryConfiguration: base.CanaryConfiguration, LinearConfiguration: base.LinearConfiguration,
			TaskDefinition:              this.TaskDefinition,
			VpcSubnets:                  subnets,
			SecurityGroups:              sgs,
			AssignPublicIp:              jsii.Bool(false),
			AvailabilityZoneRebalancing: awsecs.AvailabilityZoneRebalancing_ENABLED,
			// Spread over zones first (static stability needs every zone populated), then
			// over instances so one instance's loss takes few tasks.
			PlacementStrategies: &[]awsecs.PlacementStrategy{
				awsecs.PlacementStrategy_SpreadAcross(awsecs.BuiltInAttributes_AVAILABILITY_ZONE()),
				awsecs.PlacementStrategy_SpreadAcrossInstances(),
			},
		})
	} else {
		this.Service = awsecs.NewFargateService(s, jsii.String("Service"), &awsecs.FargateServiceProps{
			Cluster: base.Cluster, MinHealthyPercent: base.MinHealthyPercent,
			MaxHealthyPercent: base.MaxHealthyPercent, CircuitBreaker: base.CircuitBreaker,
			CapacityProviderStrategies: base.CapacityProviderStrategies, HealthCheckGracePeriod: base.HealthCheckGracePeriod,
			EnableExecuteCommand: base.EnableExecuteCommand, EnableECSManagedTags: base.EnableECSManagedTags, PropagateTags: base.PropagateTags,
			DeploymentStrategy: base.DeploymentStrategy, BakeTime: base.BakeTime,
			CanaryConfiguration: base.CanaryConfiguration, LinearConfiguration: base.LinearConfiguration,
			TaskDefinition:              this.TaskDefinition,
			VpcSubnets:                  subnets,
			SecurityGroups:              sgs,
			AssignPublicIp:              jsii.Bool(false),
			AvailabilityZoneRebalancing: awsecs.AvailabilityZoneRebalancing_ENABLED,
		})
	}
	// The EC2 variant writes SchedulingStrategy REPLICA, ECS's default, which the Fargate one
	// leaves out; the property is create-only, so switching a service between Fargate and EC2
	// would replace it (and break the pipeline stack's import of it). Both leave it out.
	this.Service.Node().DefaultChild().(awsecs.CfnService).AddPropertyDeletionOverride(jsii.String("SchedulingStrategy"))
	if this.AlternateTargetGroup != nil {
		this.trafficShiftRole(s, p)
	}
	this.attachTargets(p)
	meta := map[string]any{
		"kind": "webservice", "name": p.Name, "peakTasks": p.PeakTasks, "staticStability": *p.StaticStability,
	}
	// Read by the resilience report's production gates.
	if r := p.Deployment.RollingReason; r != nil {
		meta["rollingReason"] = *r
	}
	if r := p.ZonalAutoshift.OptOutReason; r != nil {
		meta["autoshiftOptOutReason"] = *r
	}
	this.Service.Node().DefaultChild().(awsecs.CfnService).AddMetadata(jsii.String("okiagari"), meta)
	if *p.EnableExec {
		check.SuppressPolicy(this.TaskDefinition.TaskRole(), check.Suppression{
			ID:        "AwsSolutions-IAM5",
			Reason:    "ECS Exec's ssmmessages channel actions support no resource-level permissions.",
			AppliesTo: []string{"Resource::*"},
		})
	}
	if p.Repository != nil {
		check.SuppressPolicy(this.TaskDefinition.ObtainExecutionRole(), check.Suppression{
			ID:        "AwsSolutions-IAM5",
			Reason:    "ecr:GetAuthorizationToken supports no resource-level permissions; the pull actions are scoped to the repository.",
			AppliesTo: []string{"Resource::*"},
		})
	}
	if len(p.SecretsManagerSecrets) > 0 {
		// A secret referenced by name is granted as name-?????? (Secrets Manager appends six
		// random characters to every secret's ARN).
		check.SuppressPolicy(this.TaskDefinition.ObtainExecutionRole(), check.Suppression{
			ID:        "AwsSolutions-IAM5",
			Reason:    "Secrets referenced by name are matched by the six random characters Secrets Manager appends to their ARN.",
			AppliesTo: []string{`/^Resource::arn:<AWS::Partition>:secretsmanager:.*:secret:.*-\?\?\?\?\?\?$/`},
		})
	}
	// On EC2 the instances may be Spot: on the interruption notice ECS drains the instance (Spot
	// draining), stopping its tasks the planned way, drain then SIGTERM, and all of it has to end
	// within the notice.
	if k.ec2 && *p.DeregistrationDelay+*p.StopTimeout > spotNotice {
		awscdk.Annotations_Of(this.Service).AddWarningV2(jsii.String("okiagari:webservice:spotDrain"), jsii.String(fmt.Sprintf(
			"web service %q runs on EC2 capacity: if its instances are Spot, DeregistrationDelay %s then StopTimeout %s exceed the two-minute interruption notice within which ECS drains an instance",
			p.Name, scaling.Seconds(*p.DeregistrationDelay), scaling.Seconds(*p.StopTimeout))))
	}
}

func (this *Service) scale(s constructs.Construct, p *ServiceProps, k taskCount, util map[string]scaling.Stat) error {
	target, err := scaling.NewServiceTarget(s, jsii.String("ScalableTarget"), this.Service, &scaling.ServiceTargetProps{MinCapacity: k.min, MaxCapacity: k.max})
	if err != nil {
		return err
	}
	this.ScalableTarget = target
	tracking := func(v *float64, scalesIn bool) *scaling.TrackingProps {
		return &scaling.TrackingProps{Target: v, ScaleOutCooldown: p.ScaleOutCooldown, ScaleInCooldown: p.ScaleInCooldown,
			DisableScaleIn: jsii.Bool(!scalesIn), HighResolution: p.HighResolutionMetrics}
	}
	var errs []error
	keep := func(err error) { errs = append(errs, err) }
	if *p.HighResolutionMetrics {
		// The policies below depend on the scalable target, which depends on the service, so
		// CloudFormation updates them after the service's deployment, when every task publishes
		// 20-second metrics (ECS: update the resolution first, then the policy).
		this.Service.Node().DefaultChild().(awsecs.CfnService).SetMonitoring(scaling.HighResolutionMonitoring())
	}
	this.CpuScaling, err = scaling.TrackCpu(target, jsii.String("CpuTracking"), tracking(p.CpuTarget, *p.CpuScalesIn))
	keep(err)
	if p.MemoryTarget != nil {
		_, err = scaling.TrackMemory(target, jsii.String("MemoryTracking"), tracking(p.MemoryTarget, *p.MemoryScalesIn))
		keep(err)
	}
	switch {
	case p.RequestsPerTarget != nil && this.AlternateTargetGroup != nil:
		// ALBRequestCountPerTarget names one target group, and after a progressive deployment the
		// traffic may be in the other: the requests and healthy targets of both, summed.
		lb := this.LoadBalancer.LoadBalancerFullName()
		stat := func(name, statistic string, tg elbv2.ApplicationTargetGroup) scaling.Stat {
			return scaling.Stat{Namespace: "AWS/ApplicationELB", MetricName: name, Statistic: statistic,
				Dimensions: map[string]*string{"LoadBalancer": lb, "TargetGroup": tg.TargetGroupFullName()}}
		}
		_, err = scaling.TrackMetricMath(target, jsii.String("RequestCountTracking"), &scaling.MetricMathProps{
			Metrics: map[string]scaling.Stat{
				"q0": stat("RequestCount", "Sum", this.TargetGroup), "q1": stat("RequestCount", "Sum", this.AlternateTargetGroup),
				"h0": stat("HealthyHostCount", "Average", this.TargetGroup), "h1": stat("HealthyHostCount", "Average", this.AlternateTargetGroup),
			},
			Expression:       jsii.String(RequestsPerTargetExpression),
			Label:            jsii.String("Requests per healthy target (both target groups)"),
			Target:           p.RequestsPerTarget,
			ScaleOutCooldown: p.ScaleOutCooldown,
			ScaleInCooldown:  p.ScaleInCooldown,
		})
		keep(err)
	case p.RequestsPerTarget != nil:
		_, err = scaling.TrackRequestCount(target, jsii.String("RequestCountTracking"), this.TargetGroup,
			&scaling.TrackingProps{Target: p.RequestsPerTarget, ScaleOutCooldown: p.ScaleOutCooldown, ScaleInCooldown: p.ScaleInCooldown})
		keep(err)
	}
	if p.UtilizationTarget != nil {
		_, err = scaling.TrackMetricMath(target, jsii.String("UtilizationTracking"), &scaling.MetricMathProps{
			Metrics:    util,
			Expression: p.UtilizationExpression,
			Label:      jsii.String("CPU and memory utilisation"),
			Target:     p.UtilizationTarget,
			// The cooldowns of the CPU policy, so that both react alike.
			ScaleOutCooldown: p.ScaleOutCooldown,
			ScaleInCooldown:  p.ScaleInCooldown,
			DisableScaleIn:   jsii.Bool(!*p.UtilizationScalesIn),
		})
		keep(err)
	}
	if p.CustomMetric != nil {
		m := *p.CustomMetric
		m.ScaleOutCooldown = or(m.ScaleOutCooldown, p.ScaleOutCooldown)
		m.ScaleInCooldown = or(m.ScaleInCooldown, p.ScaleInCooldown)
		_, err = scaling.TrackMetricMath(target, jsii.String("CustomMetricTracking"), &m)
		keep(err)
	}
	if p.Predictive != nil {
		pr := *p.Predictive
		if pr.Metric == scaling.PredictRequestCount {
			pr.TargetGroup = this.TargetGroup
		}
		this.PredictiveScaling, err = scaling.Predict(target, jsii.String("Predictive"), &pr)
		keep(err)
	}
	if st := p.CpuStep; st != nil {
		this.StepScaling, err = scaling.AddStep(target, jsii.String("CpuStep"), &scaling.StepProps{
			Metric:            util["cpu"].Metric(),
			Threshold:         st.Threshold,
			Steps:             st.Steps,
			EvaluationPeriods: st.EvaluationPeriods,
			DatapointsToAlarm: st.DatapointsToAlarm,
			TreatMissingData:  st.TreatMissingData,
			Cooldown:          st.Cooldown,
		})
		keep(err)
	}
	for i, sc := range p.Schedules {
		keep(scaling.Schedule(target, jsii.String(fmt.Sprintf("Schedule%d", i)), &sc))
	}
	for _, err := range errs {
		if err != nil {
			return err // validate has checked everything these check: a bug if reached
		}
	}
	return nil
}

func (this *Service) alarms(s constructs.Construct, p *ServiceProps, k taskCount, util map[string]scaling.Stat) {
	minute := check.Minutes(1)
	a := p.Alarms
	action := awscloudwatchactions.NewSnsAction(p.AlarmTopic)
	alarm := func(id, what string, metric awscloudwatch.IMetric, threshold float64, op awscloudwatch.ComparisonOperator, of, in int, missing awscloudwatch.TreatMissingData) awscloudwatch.Alarm {
		al := awscloudwatch.NewAlarm(s, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			ComparisonOperator: op,
			EvaluationPeriods:  jsii.Number(float64(in)),
			DatapointsToAlarm:  jsii.Number(float64(of)),
			TreatMissingData:   missing,
			AlarmDescription:   jsii.String(fmt.Sprintf("%s: %s", p.Name, what)),
		})
		al.AddAlarmAction(action)
		al.AddOkAction(action)
		return al
	}
	gt := awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD
	this.Alarms.Cpu = alarm("CpuAlarm", fmt.Sprintf("average CPU above %g %% for 3 minutes", *a.CpuPercent),
		util["cpu"].Metric(), *a.CpuPercent, gt, 3, 3, awscloudwatch.TreatMissingData_MISSING)
	this.Alarms.Memory = alarm("MemoryAlarm", fmt.Sprintf("average memory above %g %% for 3 minutes", *a.MemoryPercent),
		util["mem"].Metric(), *a.MemoryPercent, gt, 3, 3, awscloudwatch.TreatMissingData_MISSING)
	// The target-group alarms. With a progressive strategy the live revision may be in either
	// target group, and a canary is in the alternate one while the primary still takes most of
	// the traffic: each figure is then taken per target group and combined so that a regression
	// of the new revision is seen undiluted (the worse 5xx rate, not the average).
	groups := []elbv2.ApplicationTargetGroup{this.TargetGroup}
	if this.AlternateTargetGroup != nil {
		groups = append(groups, this.AlternateTargetGroup)
	}
	per := func(label, expression string, metric func(i int, m elbv2.IApplicationTargetGroupMetrics) awscloudwatch.IMetric) awscloudwatch.IMetric {
		if len(groups) == 1 {
			return metric(0, this.TargetGroup.Metrics())
		}
		using := map[string]awscloudwatch.IMetric{}
		var ids []string
		for i, g := range groups {
			id := fmt.Sprintf("tg%d", i)
			using[id] = metric(i, g.Metrics())
			ids = append(ids, id)
		}
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(fmt.Sprintf("%s([%s])", expression, strings.Join(ids, ", "))), UsingMetrics: &using,
			Label: jsii.String(label), Period: minute,
		})
	}
	sum := func(stat string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Statistic: jsii.String(stat), Period: minute}
	}
	rate := per("Target 5xx % (the worse target group)", "MAX", func(i int, m elbv2.IApplicationTargetGroupMetrics) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			// ALBs publish no zero counts: a minute without 5xx has no datapoint, hence FILL.
			Expression: jsii.String(fmt.Sprintf("IF(requests%[1]s > 0, 100 * FILL(errors%[1]s, 0) / requests%[1]s, 0)", suffix(i, len(groups)))),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"errors" + suffix(i, len(groups)):   m.HttpCodeTarget(elbv2.HttpCodeTarget_TARGET_5XX_COUNT, sum("Sum")),
				"requests" + suffix(i, len(groups)): m.RequestCount(sum("Sum")),
			},
			Label:  jsii.String("Target 5xx %"),
			Period: minute,
		})
	})
	this.Alarms.Target5xx = alarm("Target5xxAlarm", fmt.Sprintf("more than %g %% of responses are target 5xx for 3 minutes", *a.Target5xxPercent),
		rate, *a.Target5xxPercent, gt, 3, 3, awscloudwatch.TreatMissingData_NOT_BREACHING)
	this.Alarms.UnhealthyHosts = alarm("UnhealthyHostsAlarm", "unhealthy targets in 2 of 3 minutes",
		per("Unhealthy targets", "SUM", func(_ int, m elbv2.IApplicationTargetGroupMetrics) awscloudwatch.IMetric {
			return m.UnhealthyHostCount(sum("Maximum"))
		}), 0, gt, 2, 3, awscloudwatch.TreatMissingData_NOT_BREACHING)
	this.Alarms.HealthyHosts = alarm("HealthyHostsAlarm", fmt.Sprintf("fewer than %d healthy targets (the floor) for 2 minutes, or no data", k.floor),
		per("Healthy targets", "SUM", func(_ int, m elbv2.IApplicationTargetGroupMetrics) awscloudwatch.IMetric {
			return m.HealthyHostCount(sum("Minimum"))
		}), float64(k.floor), awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD, 2, 2, awscloudwatch.TreatMissingData_BREACHING)
	this.Alarms.P99ResponseTime = alarm("P99ResponseTimeAlarm", fmt.Sprintf("p99 target response time above %s for 3 minutes", scaling.Seconds(*a.P99ResponseTime)),
		per("p99 target response time (the slower target group)", "MAX", func(_ int, m elbv2.IApplicationTargetGroupMetrics) awscloudwatch.IMetric {
			return m.TargetResponseTime(sum("p99"))
		}), a.P99ResponseTime.Seconds(), gt, 3, 3, awscloudwatch.TreatMissingData_NOT_BREACHING)
}

// RequestsPerTargetExpression is requests per healthy target per minute over both target groups
// of a progressive service (q: RequestCount, h: HealthyHostCount); with no healthy target it is
// the whole request count, so that scaling still sees the load.
const RequestsPerTargetExpression = "IF(SUM([h0, h1]) > 0, SUM([q0, q1]) / SUM([h0, h1]), SUM([q0, q1]))"

// suffix tells the metrics of the i-th of n target groups apart in one math expression (the IDs
// of a metric-math query are unique); one target group keeps the plain IDs.
func suffix(i, n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprint(i)
}

var completeSecretArn = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)

// secretRef references a Secrets Manager secret by name or ARN, without a look-up.
func secretRef(scope constructs.Construct, id, nameOrArn string) awssecretsmanager.ISecret {
	switch {
	case len(nameOrArn) > 4 && nameOrArn[:4] == "arn:" && completeSecretArn.MatchString(nameOrArn):
		return awssecretsmanager.Secret_FromSecretCompleteArn(scope, jsii.String(id), jsii.String(nameOrArn))
	case len(nameOrArn) > 4 && nameOrArn[:4] == "arn:":
		return awssecretsmanager.Secret_FromSecretPartialArn(scope, jsii.String(id), jsii.String(nameOrArn))
	default:
		return awssecretsmanager.Secret_FromSecretNameV2(scope, jsii.String(id), jsii.String(nameOrArn))
	}
}

// stackRegion is the region of scope's stack, "" when it is unknown: an environment-agnostic
// stack (an unresolved token) or no stack at all (Stack_Of throws, which jsii turns into a panic
// that is recovered here; validation then reports the missing region).
func stackRegion(scope constructs.Construct) (region string) {
	if scope == nil {
		return ""
	}
	defer func() {
		if recover() != nil {
			region = ""
		}
	}()
	if r := awscdk.Stack_Of(scope).Region(); !check.Unresolved(r) {
		return *r
	}
	return ""
}

func hasProvider(cps []CapacityProvider, name string) bool {
	for _, cp := range cps {
		if cp.Name == name {
			return true
		}
	}
	return false
}

func secs(d time.Duration) awscdk.Duration {
	return check.Seconds(d.Seconds())
}

func optSecs(d time.Duration) awscdk.Duration {
	if d == 0 {
		return nil
	}
	return secs(d)
}
