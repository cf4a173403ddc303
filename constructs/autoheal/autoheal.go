package autoheal

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsefs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/check"
)

// InfrequentAccessDays are the values EFS accepts for moving a file to the Infrequent Access
// storage class after that many days without access.
var InfrequentAccessDays = []int{1, 7, 14, 30, 60, 90, 180, 270, 365}

// BootSeconds is the rough time from "instance launched" to "compose project started" that the
// resilience metadata reports: about 40 s to boot, 60 s to install efs-utils and Docker, 10 s to
// fetch the compose plugin, 10 s to mount EFS and 60 s to pull and start a small project.
const BootSeconds = 180

// MountTimeout is how long the user data waits for the file system to mount before it gives up
// and shuts the instance down, so that the group replaces it. New mount targets take up to about
// 90 s to appear in DNS; five minutes leaves room for that and for a slow boot.
const MountTimeout = 300 * time.Second

// BootHook is the name of the group's launch lifecycle hook: a new instance stays out of service
// (Pending:Wait) until its boot script has started the compose project and completes the hook.
const BootHook = "okiagari-boot"

// BootHeartbeatTimeout is how long a booting instance may go without completing BootHook or
// recording a heartbeat before the group abandons it and launches another. The boot script
// records a heartbeat after every failed download, at least every 10 minutes while it retries, so
// only a host that is hung or cut off from the Auto Scaling API is abandoned; one that keeps
// retrying is kept for the hook's global limit, "48 hours or 100 times the heartbeat timeout,
// whichever is smaller" (EC2 Auto Scaling User Guide: How lifecycle hooks work; Configure
// instance retention): 48 h.
const BootHeartbeatTimeout = 30 * time.Minute

// RetryMaxWait is the longest pause between two attempts of a download in the boot script; the
// pause starts at 5 s and doubles after each failure.
const RetryMaxWait = 300 * time.Second

// DefaultComposePluginVersion is the Docker Compose release installed when ComposePluginVersion
// is not set; its checksums are in composePluginSHA256.
const DefaultComposePluginVersion = "v2.32.4"

// composePluginSHA256 are the SHA-256 checksums docker/compose publishes for its Linux plugin
// binaries (docker-compose-linux-<arch>, listed in the release's checksums.txt), by release and
// architecture (uname -m). Sourced, not computed here: v2.32.4's from the release's checksums.txt
// as recorded by docker-library/docker (versions.json, commit 188ce9e "Update 27 to compose
// 2.32.4") and periareon/rules_docker_compose (versions.bzl, generated from checksums.txt), which
// agree.
var composePluginSHA256 = map[string]map[string]string{
	"v2.32.4": {
		"x86_64":  "ed1917fb54db184192ea9d0717bcd59e3662ea79db48bff36d3475516c480a6b",
		"aarch64": "0c4591cf3b1ed039adcd803dbbeddf757375fc08c11245b0154135f838495a2f",
	},
}

// HostProps configures a Host.
type HostProps struct {
	// Name names the app: it appears in the resilience metadata, the systemd unit
	// (compose-<name>.service), the alarm description and tags. 1 to 32 lowercase letters,
	// digits and hyphens, starting with a letter. Default: none, required.
	Name string
	// Vpc is the VPC the host runs in; the instance and the mount targets go in its
	// PRIVATE_WITH_EGRESS subnets, one per zone. The instance needs egress (NAT) to install
	// packages, fetch the compose plugin and pull images. Default: none, required.
	Vpc awsec2.IVpc
	// Topic receives the group's launch, launch-error, terminate and terminate-error
	// notifications and the in-service alarm's ALARM and OK actions. Default: none, required.
	Topic awssns.ITopic
	// ComposeDirectory is the directory on the file system, written as the absolute path under
	// MountPoint where it is mounted ("/mnt/efs/chat"), that holds the compose file. The host
	// creates it if it is missing and runs `docker compose up` in it until a compose file
	// appears there. Default: none, required.
	ComposeDirectory string
	// MountPoint is where the file system is mounted on the host. Default: /mnt/efs.
	MountPoint *string
	// InstanceType is the EC2 instance type ("t3.small"). A Graviton type ("t4g.small") gets the
	// arm64 image. Default: t3.small, 2 vCPU and 2 GiB, enough for a small compose project.
	InstanceType *string
	// Capacity is the number of instances. It must be 1: the compose project assumes it is the
	// only writer of its files on EFS. It exists so that a configuration asking for more fails
	// loudly instead of silently running one. Default: 1.
	Capacity *int
	// HealthCheckGracePeriod is how long after the host enters service (its boot hook completed)
	// the group ignores failed health checks, whole seconds: the time the compose project takes
	// to pull its images and start. Default: 300 s (SOURCES.md, report 5).
	HealthCheckGracePeriod *time.Duration
	// Cooldown is how long the group waits after a scaling activity before the next one, whole
	// seconds. Default: half of HealthCheckGracePeriod in whole seconds, 150 s with the default
	// (report 5).
	Cooldown *time.Duration
	// MetadataHopLimit is the instance metadata (IMDSv2) PUT response hop limit, 1 to 64. With 1
	// only the host's own processes get the instance role's credentials (the boot script, the
	// EFS mount helper, the SSM agent, the ECR credential helper Docker runs on the host); the
	// containers on Docker's bridge network are one hop further and get none. 2 lets every
	// container act as the instance role (EFS root access, Session Manager, whatever else it is
	// granted): set it only for a compose project whose containers call AWS with the instance's
	// credentials, and accept that. Default: 1.
	MetadataHopLimit *int
	// InfrequentAccessAfterDays moves a file to EFS Infrequent Access after that many days
	// without access, one of InfrequentAccessDays; the first access moves it back. Default: 30.
	InfrequentAccessAfterDays *int
	// RootVolumeGiB is the size of the encrypted gp3 root volume, which holds the OS and the
	// Docker images (not the app's data), 8 to 16384. Default: 30.
	RootVolumeGiB *int
	// ComposePluginVersion is the Docker Compose CLI plugin release fetched from GitHub at boot
	// (Amazon Linux 2023 does not package it). Default: DefaultComposePluginVersion (v2.32.4).
	ComposePluginVersion *string
	// ComposePluginSHA256 is the SHA-256 of the plugin binary for the instance's architecture
	// (docker-compose-linux-x86_64, or -aarch64 for a Graviton type), as listed in the release's
	// checksums.txt. The boot script installs the download only if it matches. Default: the
	// published checksum when ComposePluginVersion is DefaultComposePluginVersion; required for
	// any other version.
	ComposePluginSHA256 *string
	// ImageID pins the instance's AMI ("ami-0123456789abcdef0", an Amazon Linux 2023 image of
	// the instance type's architecture in the stack's region). A pinned host is restarted by a
	// deploy only when its launch template changes; change the ID deliberately, in a quiet hour,
	// to take a new Amazon Linux release. Default: none, the latest Amazon Linux 2023 from the
	// public SSM parameter, which CloudFormation resolves at every deploy: each new Amazon Linux
	// release restarts the host (a boot's downtime) at the next deploy.
	ImageID *string
	// ZonalShift registers the group with ARC zonal shift (AvailabilityZoneImpairmentPolicy):
	// while a zonal shift is active, the group launches nothing in the shifted zone and replaces
	// an unhealthy instance in another one (ReplaceUnhealthy: a group of one must not keep a dead
	// instance just because its zone is shifted away). Default: true.
	ZonalShift *bool
	// TargetGroup is an ALB target group (target type instance) the instance registers with. The
	// caller opens the app's port from the load balancer to InstanceSecurityGroup when the
	// target group is imported. Default: none, the instance is behind no load balancer.
	TargetGroup elbv2.IApplicationTargetGroup
	// ElbHealthCheck makes the group replace the instance when TargetGroup reports it
	// unhealthy. Off unless asked for: an app that fails its check (a bad compose file, a
	// migration) would be replaced again and again without ever getting better, and each
	// replacement costs a boot. Requires TargetGroup. Default: false, EC2 status checks only.
	ElbHealthCheck *bool
}

func defaults() HostProps {
	hop, ia, root, one := 1, 30, 30, 1
	grace := 300 * time.Second
	return HostProps{
		MountPoint:                jsii.String("/mnt/efs"),
		InstanceType:              jsii.String("t3.small"),
		Capacity:                  &one,
		HealthCheckGracePeriod:    &grace,
		MetadataHopLimit:          &hop,
		InfrequentAccessAfterDays: &ia,
		RootVolumeGiB:             &root,
		ComposePluginVersion:      jsii.String(DefaultComposePluginVersion),
		ElbHealthCheck:            jsii.Bool(false),
		ZonalShift:                jsii.Bool(true),
	}
}

// Host is one self-healing instance running a docker-compose project whose files live on EFS.
type Host struct {
	constructs.Construct
	// FileSystem holds the app's data and its compose project; it is retained when the stack is
	// deleted or the resource replaced.
	FileSystem awsefs.FileSystem
	// FileSystemSecurityGroup admits NFS (2049) to the mount targets from
	// InstanceSecurityGroup only.
	FileSystemSecurityGroup awsec2.SecurityGroup
	// InstanceSecurityGroup is the instance's security group: no ingress, all egress. Open the
	// app's port on it for a load balancer.
	InstanceSecurityGroup awsec2.SecurityGroup
	// InstanceRole is the instance's role: Session Manager and root access to FileSystem. Grant
	// it what the compose project needs: pulls from the account's ECR registry (the host's
	// Docker uses the ECR credential helper for it), secrets.
	InstanceRole awsiam.Role
	// UserData is the boot script: install, mount, start the compose project.
	UserData awsec2.UserData
	// LaunchTemplate describes the instance; a change to it replaces the instance.
	LaunchTemplate awsec2.LaunchTemplate
	// AutoScalingGroup keeps exactly one instance running.
	AutoScalingGroup awsautoscaling.AutoScalingGroup
	// Alarm fires when the group has had no instance in service for five minutes.
	Alarm awscloudwatch.Alarm
}

// NewHost creates the host. It returns an error, and creates nothing, when props are invalid.
func NewHost(scope constructs.Construct, id *string, props *HostProps) (*Host, error) {
	p := defaults()
	if props != nil {
		p.Name, p.Vpc, p.Topic, p.ComposeDirectory = props.Name, props.Vpc, props.Topic, props.ComposeDirectory
		p.TargetGroup = props.TargetGroup
		p.MountPoint = overlay(p.MountPoint, props.MountPoint)
		p.InstanceType = overlay(p.InstanceType, props.InstanceType)
		p.Capacity = overlay(p.Capacity, props.Capacity)
		p.HealthCheckGracePeriod = overlay(p.HealthCheckGracePeriod, props.HealthCheckGracePeriod)
		p.Cooldown = props.Cooldown
		p.MetadataHopLimit = overlay(p.MetadataHopLimit, props.MetadataHopLimit)
		p.InfrequentAccessAfterDays = overlay(p.InfrequentAccessAfterDays, props.InfrequentAccessAfterDays)
		p.RootVolumeGiB = overlay(p.RootVolumeGiB, props.RootVolumeGiB)
		p.ComposePluginVersion = overlay(p.ComposePluginVersion, props.ComposePluginVersion)
		p.ElbHealthCheck = overlay(p.ElbHealthCheck, props.ElbHealthCheck)
		p.ComposePluginSHA256, p.ImageID = props.ComposePluginSHA256, props.ImageID
		p.ZonalShift = overlay(p.ZonalShift, props.ZonalShift)
	}
	if p.Cooldown == nil {
		// Half the grace period in whole seconds; a negative grace period is reported once, as
		// itself, not again as a negative cooldown.
		half := max(*p.HealthCheckGracePeriod/2, 0).Truncate(time.Second)
		p.Cooldown = &half
	}
	// The plugin binary and the AMI follow the instance type's architecture (uname -m names).
	arch := "x86_64"
	if instanceTypeRe.MatchString(*p.InstanceType) && awsec2.NewInstanceType(p.InstanceType).Architecture() == awsec2.InstanceArchitecture_ARM_64 {
		arch = "aarch64"
	}
	if sum, ok := composePluginSHA256[*p.ComposePluginVersion][arch]; ok && p.ComposePluginSHA256 == nil {
		p.ComposePluginSHA256 = &sum
	}
	region := awscdk.Stack_Of(scope).Region()
	if err := validate(scope, id, &p, arch, region); err != nil {
		return nil, err
	}

	// Children are created in this.Construct: jsii cannot take the Go struct itself as a scope.
	this := &Host{Construct: constructs.NewConstruct(scope, id)}
	c := this.Construct
	private := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, OnePerAz: jsii.Bool(true)}

	this.InstanceSecurityGroup = awsec2.NewSecurityGroup(c, jsii.String("InstanceSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:         p.Vpc,
		Description: jsii.String(fmt.Sprintf("autoheal %s instance: no ingress, egress for packages, images and EFS", p.Name)),
		// Egress to the internet (through NAT) for dnf, GitHub and image registries.
		AllowAllOutbound: jsii.Bool(true),
	})
	this.FileSystemSecurityGroup = awsec2.NewSecurityGroup(c, jsii.String("FileSystemSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String(fmt.Sprintf("autoheal %s file system: NFS from the instance only", p.Name)),
		AllowAllOutbound: jsii.Bool(false),
	})
	this.FileSystemSecurityGroup.AddIngressRule(this.InstanceSecurityGroup, awsec2.Port_Tcp(jsii.Number(2049)),
		jsii.String("NFS from the autoheal instance"), nil)

	this.FileSystem = awsefs.NewFileSystem(c, jsii.String("FileSystem"), &awsefs.FileSystemProps{
		Vpc:                         p.Vpc,
		VpcSubnets:                  private,
		SecurityGroup:               this.FileSystemSecurityGroup,
		Encrypted:                   jsii.Bool(true),
		EnableAutomaticBackups:      jsii.Bool(true),
		OneZone:                     jsii.Bool(false),
		LifecyclePolicy:             awsefs.LifecyclePolicy(fmt.Sprintf("AFTER_%d_DAY%s", *p.InfrequentAccessAfterDays, plural(*p.InfrequentAccessAfterDays))),
		OutOfInfrequentAccessPolicy: awsefs.OutOfInfrequentAccessPolicy_AFTER_1_ACCESS,
		PerformanceMode:             awsefs.PerformanceMode_GENERAL_PURPOSE,
		// Elastic: no burst credits to run out of; a small app pays for the bytes it moves.
		ThroughputMode:       awsefs.ThroughputMode_ELASTIC,
		AllowAnonymousAccess: jsii.Bool(false),
		RemovalPolicy:        awscdk.RemovalPolicy_RETAIN,
	})
	// Clients that do not encrypt in transit are refused, whatever the mount options say.
	this.FileSystem.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyUnencryptedTransport"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("*"),
		Conditions: &map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}))

	this.InstanceRole = awsiam.NewRole(c, jsii.String("InstanceRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("autoheal %s instance: Session Manager and its EFS file system", p.Name)),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonSSMManagedInstanceCore")),
		},
	})
	check.Suppress(this.InstanceRole, check.Suppression{
		ID: "AwsSolutions-IAM4",
		Reason: "AmazonSSMManagedInstanceCore is AWS's maintained minimum for Session Manager, " +
			"which replaces SSH keys on this host; a copy would drift from the agent's needs",
		AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore"},
	})
	// Root access: the compose project's containers run as whatever user their images choose.
	this.FileSystem.GrantRootAccess(this.InstanceRole)

	this.UserData = awsec2.UserData_ForLinux(nil)
	this.UserData.AddCommands(*jsii.Strings(script(&p, arch, *this.FileSystem.FileSystemId(), *awscdk.Aws_REGION(), *awscdk.Aws_URL_SUFFIX(), *awscdk.Aws_ACCOUNT_ID())...)...)

	// A pinned AMI is a literal in the launch template (the stack's region is known, so CDK's
	// per-region map needs no CloudFormation mapping).
	var image awsec2.IMachineImage
	if p.ImageID != nil {
		image = awsec2.MachineImage_GenericLinux(&map[string]*string{*region: p.ImageID}, nil)
	} else {
		cpu := awsec2.AmazonLinuxCpuType_X86_64
		if arch == "aarch64" {
			cpu = awsec2.AmazonLinuxCpuType_ARM_64
		}
		// The public SSM parameter (al2023-ami-kernel-6.1-<arch>: CDK fixes the kernel), resolved by
		// CloudFormation at each deploy: no context look-up. A new Amazon Linux release therefore
		// replaces the instance at the next deploy.
		image = awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{CpuType: cpu})
	}
	this.LaunchTemplate = awsec2.NewLaunchTemplate(c, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType:  awsec2.NewInstanceType(p.InstanceType),
		MachineImage:  image,
		UserData:      this.UserData,
		Role:          this.InstanceRole,
		SecurityGroup: this.InstanceSecurityGroup,
		// The boot script shuts down a host that cannot start its app; terminating (not stopping)
		// lets the group replace it at once.
		InstanceInitiatedShutdownBehavior: awsec2.InstanceInitiatedShutdownBehavior_TERMINATE,
		HttpEndpoint:                      jsii.Bool(true),
		HttpTokens:                        awsec2.LaunchTemplateHttpTokens_REQUIRED,
		HttpPutResponseHopLimit:           jsii.Number(float64(*p.MetadataHopLimit)),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"), // Amazon Linux 2023's root device
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(float64(*p.RootVolumeGiB)), &awsec2.EbsDeviceOptions{
				VolumeType:          awsec2.EbsDeviceVolumeType_GP3,
				Encrypted:           jsii.Bool(true),
				DeleteOnTermination: jsii.Bool(true),
			}),
		}},
	})

	grace := check.Seconds(p.HealthCheckGracePeriod.Seconds())
	healthChecks := awsautoscaling.HealthChecks_Ec2(&awsautoscaling.Ec2HealthChecksOptions{GracePeriod: grace})
	if *p.ElbHealthCheck {
		healthChecks = awsautoscaling.HealthChecks_WithAdditionalChecks(&awsautoscaling.AdditionalHealthChecksOptions{
			AdditionalTypes: &[]awsautoscaling.AdditionalHealthCheckType{awsautoscaling.AdditionalHealthCheckType_ELB},
			GracePeriod:     grace,
		})
	}
	this.AutoScalingGroup = awsautoscaling.NewAutoScalingGroup(c, jsii.String("AutoScalingGroup"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:             p.Vpc,
		VpcSubnets:      private,
		LaunchTemplate:  this.LaunchTemplate,
		MinCapacity:     jsii.Number(1),
		MaxCapacity:     jsii.Number(1),
		DesiredCapacity: jsii.Number(1),
		HealthChecks:    healthChecks,
		Cooldown:        check.Seconds(p.Cooldown.Seconds()),
		// Terminate before launch when replacing an unhealthy instance or refreshing: never two
		// writers on the file system, not even for a minute.
		MinHealthyPercentage: jsii.Number(0),
		MaxHealthyPercentage: jsii.Number(100),
		TerminationPolicies:  &[]awsautoscaling.TerminationPolicy{awsautoscaling.TerminationPolicy_OLDEST_INSTANCE},
		// A launch template change replaces the instance. With at most one instance, zero must
		// stay in service: the old one stops before the new one starts, a boot's downtime.
		UpdatePolicy: awsautoscaling.UpdatePolicy_RollingUpdate(&awsautoscaling.RollingUpdateOptions{
			MinInstancesInService: jsii.Number(0),
			MaxBatchSize:          jsii.Number(1),
		}),
		Notifications: &[]*awsautoscaling.NotificationConfiguration{{
			Topic: p.Topic,
			ScalingEvents: awsautoscaling.NewScalingEvents(
				awsautoscaling.ScalingEvent_INSTANCE_LAUNCH, awsautoscaling.ScalingEvent_INSTANCE_LAUNCH_ERROR,
				awsautoscaling.ScalingEvent_INSTANCE_TERMINATE, awsautoscaling.ScalingEvent_INSTANCE_TERMINATE_ERROR),
		}},
		// Free at one-minute granularity; the in-service alarm needs GroupInServiceInstances.
		GroupMetrics: &[]awsautoscaling.GroupMetrics{awsautoscaling.GroupMetrics_All()},
		// When launches fail in the chosen zone (no capacity, an impaired zone), launch in
		// another: a group of one has no balance to keep (EC2 Auto Scaling User Guide: Auto
		// Scaling group Availability Zone distribution).
		AzCapacityDistributionStrategy: awsautoscaling.CapacityDistributionStrategy_BALANCED_BEST_EFFORT,
	})
	// CDK warns that a desired capacity resets the group's size on every deployment: with
	// min = max = desired = 1 that reset is exactly the intent.
	awscdk.Annotations_Of(this.AutoScalingGroup).AcknowledgeWarning(jsii.String("@aws-cdk/aws-autoscaling:desiredCapacitySet"),
		jsii.String("min = max = desired = 1: a deployment can only ever set it back to the one instance"))
	// The first instance must find a mount target in its zone.
	this.AutoScalingGroup.Node().AddDependency(this.FileSystem.MountTargetsAvailable())
	awscdk.Tags_Of(c).Add(jsii.String("okiagari:autoheal"), jsii.String(p.Name), nil)
	if p.TargetGroup != nil {
		this.AutoScalingGroup.AttachToApplicationTargetGroup(p.TargetGroup)
	}
	cfn := this.AutoScalingGroup.Node().DefaultChild().(awsautoscaling.CfnAutoScalingGroup)
	// A new instance stays out of service until its boot script has started the app, so that a
	// boot stuck on a download counts as down (the in-service alarm fires) instead of as a
	// healthy host. In the group, not in a separate AWS::AutoScaling::LifecycleHook, so that it
	// also holds for the instance launched when the group is created (aws/aws-cdk#16356).
	cfn.SetLifecycleHookSpecificationList([]any{&awsautoscaling.CfnAutoScalingGroup_LifecycleHookSpecificationProperty{
		LifecycleHookName:   jsii.String(BootHook),
		LifecycleTransition: jsii.String("autoscaling:EC2_INSTANCE_LAUNCHING"),
		HeartbeatTimeout:    jsii.Number(BootHeartbeatTimeout.Seconds()),
		DefaultResult:       jsii.String("ABANDON"),
	}})
	if *p.ZonalShift {
		cfn.SetAvailabilityZoneImpairmentPolicy(&awsautoscaling.CfnAutoScalingGroup_AvailabilityZoneImpairmentPolicyProperty{
			ZonalShiftEnabled:               jsii.Bool(true),
			ImpairedZoneHealthCheckBehavior: jsii.String("ReplaceUnhealthy"),
		})
	}
	// The boot script finds its group and completes (or extends) the boot hook. Describe
	// actions take no resource ARN; the lifecycle actions are limited to this group by the tags
	// CloudFormation puts on it. Naming the group's ARN instead would make the instance's policy
	// depend on the group, which depends on the launch template, which depends on the policy.
	this.InstanceRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("autoscaling:DescribeAutoScalingInstances"),
		Resources: jsii.Strings("*"),
	}))
	groups := fmt.Sprintf("arn:%s:autoscaling:%s:%s:autoScalingGroup:*:autoScalingGroupName/*", *awscdk.Aws_PARTITION(), *awscdk.Aws_REGION(), *awscdk.Aws_ACCOUNT_ID())
	this.InstanceRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"),
		Resources: jsii.Strings(groups),
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"autoscaling:ResourceTag/aws:cloudformation:stack-id":   awscdk.Aws_STACK_ID(),
			"autoscaling:ResourceTag/aws:cloudformation:logical-id": awscdk.Stack_Of(c).GetLogicalId(cfn),
		}},
	}))
	check.SuppressPolicy(this.InstanceRole,
		check.Suppression{
			ID:        "AwsSolutions-IAM5",
			Reason:    "autoscaling:DescribeAutoScalingInstances supports no resource-level permissions; it is read-only and finds the instance's group for the boot hook",
			AppliesTo: []string{"Resource::*"},
		},
		check.Suppression{
			ID: "AwsSolutions-IAM5",
			Reason: "the boot hook's lifecycle actions on this account's and region's groups, narrowed by condition to the one group " +
				"whose CloudFormation stack-id and logical-id tags are this host's (its ARN would make a dependency cycle)",
			AppliesTo: []string{"Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/*"},
		})
	cfn.AddMetadata(jsii.String("okiagari"), map[string]any{
		"kind":         "autoheal",
		"name":         p.Name,
		"bootSeconds":  BootSeconds,
		"graceSeconds": int(p.HealthCheckGracePeriod.Seconds()),
	})

	topic := awscloudwatchactions.NewSnsAction(p.Topic)
	this.Alarm = awscloudwatch.NewAlarm(c, jsii.String("InServiceAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String(fmt.Sprintf("autoheal %s: no instance in service for 5 minutes; the app is down, or a new host cannot finish its boot (its console log says why)", p.Name)),
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/AutoScaling"),
			MetricName:    jsii.String("GroupInServiceInstances"),
			DimensionsMap: &map[string]*string{"AutoScalingGroupName": this.AutoScalingGroup.AutoScalingGroupName()},
			// Maximum: a minute counts as down only when no instance was in service at all.
			Statistic: jsii.String("Maximum"),
			Period:    check.Minutes(1),
		}),
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(5),
		DatapointsToAlarm:  jsii.Number(5),
		// No data means no group metrics: treat it as down, never as fine.
		TreatMissingData: awscloudwatch.TreatMissingData_BREACHING,
	})
	this.Alarm.AddAlarmAction(topic)
	this.Alarm.AddOkAction(topic)
	return this, nil
}

// script returns the boot script's lines (without the shebang UserData adds). arch is the
// instance's architecture as uname -m names it; region, urlSuffix and account locate the
// account's ECR registry, whose pulls use the instance role, and the Auto Scaling API.
func script(p *HostProps, arch, fileSystemID, region, urlSuffix, account string) []string {
	mp, dir := *p.MountPoint, p.ComposeDirectory
	unit := "compose-" + p.Name + ".service"
	plugins := "/usr/local/lib/docker/cli-plugins"
	timeout := int(MountTimeout.Seconds())
	autoscaling := "aws autoscaling --region " + region
	hook := `--auto-scaling-group-name "$group" --lifecycle-hook-name ` + BootHook + ` --instance-id "$instance"`
	plugin := fmt.Sprintf("https://github.com/docker/compose/releases/download/%s/docker-compose-linux-%s", *p.ComposePluginVersion, arch)
	registry := fmt.Sprintf("%s.dkr.ecr.%s.%s", account, region, urlSuffix)
	return []string{
		"set -euo pipefail",
		"# Two kinds of failure. A download or an AWS API call that fails (GitHub, NAT, a package",
		"# mirror or AWS unreachable) is retried here, with back-off: a new host would fail the same",
		"# way, so replacing this one would only loop. Meanwhile the group's boot hook keeps the host",
		"# out of service, which trips the in-service alarm. Anything else means this host cannot",
		"# start the app: it shuts down, the launch template makes that a termination and the group",
		"# launches a fresh one, with a notification for each.",
		`log() { echo "autoheal: $*" >&2; }`,
		`giveup() { log "$1; shutting down so that the Auto Scaling group replaces this instance"; systemctl poweroff; exit 1; }`,
		`trap 'giveup "boot script failed at line $LINENO"' ERR`,
		"# retry WHAT COMMAND...: runs COMMAND until it succeeds, 5 s after the first failure, then",
		fmt.Sprintf("# twice as long after each next one, at most %d s; each failure records a heartbeat of the", int(RetryMaxWait.Seconds())),
		"# boot hook, so that the group keeps waiting while the failure lasts.",
		"retry() {",
		"  local what=$1 wait=5 attempt=1",
		"  shift",
		`  until "$@"; do`,
		`    log "$what failed (attempt $attempt); next attempt in $wait s"`,
		"    heartbeat || true",
		`    sleep "$wait"`,
		"    attempt=$((attempt + 1))",
		fmt.Sprintf("    wait=$((wait * 2 > %[1]d ? %[1]d : wait * 2))", int(RetryMaxWait.Seconds())),
		"  done",
		"}",
		"# fetch_verified URL SHA256 FILE: downloads URL and installs it as the executable FILE only if",
		"# its SHA-256 is SHA256.",
		"fetch_verified() {",
		`  local part="$3.part" sum`,
		`  rm -f "$part"`,
		`  curl -fsSL --connect-timeout 10 --max-time 300 -o "$part" "$1" || return 1`,
		`  sum=$(sha256sum "$part" | cut -d ' ' -f 1)`,
		`  if [ "$sum" != "$2" ]; then`,
		`    log "$1 has SHA-256 $sum, not the pinned $2"`,
		`    rm -f "$part"`,
		"    return 1",
		"  fi",
		`  chmod 0755 "$part" && mv -f "$part" "$3"`,
		"}",
		"# imds PATH: reads the instance metadata (IMDSv2).",
		"imds() {",
		"  local token",
		"  token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token) &&",
		`    curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"`,
		"}",
		"# group_of INSTANCE: the Auto Scaling group the instance belongs to.",
		"group_of() {",
		"  local g",
		"  g=$(" + autoscaling + ` describe-auto-scaling-instances --instance-ids "$1" --query 'AutoScalingInstances[0].AutoScalingGroupName' --output text) &&`,
		`    [ -n "$g" ] && [ "$g" != None ] && echo "$g"`,
		"}",
		`heartbeat() { [ -z "${group:-}" ] || ` + autoscaling + " record-lifecycle-action-heartbeat " + hook + " >/dev/null; }",
		`instance=$(retry "reading the instance ID" imds instance-id)`,
		`group=$(retry "looking up the Auto Scaling group" group_of "$instance")`,
		"# Packages: the EFS mount helper (TLS, IAM), Docker and the ECR credential helper. Amazon",
		"# Linux 2023 does not package the compose plugin: the pinned release comes from GitHub and is",
		"# installed only if its SHA-256 is the one pinned.",
		`retry "installing packages" dnf install -y amazon-efs-utils docker amazon-ecr-credential-helper`,
		"mkdir -p " + plugins,
		fmt.Sprintf(`retry "downloading the compose plugin" fetch_verified %s %s %s/docker-compose`, plugin, *p.ComposePluginSHA256, plugins),
		"docker compose version",
		"systemctl enable --now docker",
		"# Pulls from the account's ECR registry authenticate with the instance role.",
		"mkdir -p /root/.docker",
		fmt.Sprintf(`echo '{"credHelpers": {"%s": "ecr-login"}}' > /root/.docker/config.json`, registry),
		"# The file system: TLS in transit, IAM auth with the instance role, mounted again at every boot.",
		"mkdir -p " + mp,
		fmt.Sprintf("grep -q ' %s efs ' /etc/fstab || echo '%s:/ %s efs _netdev,tls,iam 0 0' >> /etc/fstab", mp, fileSystemID, mp),
		fmt.Sprintf("deadline=$((SECONDS + %d))", timeout),
		"until mountpoint -q " + mp + "; do",
		"  mount " + mp + " || true",
		"  if mountpoint -q " + mp + "; then break; fi",
		`  if [ "$SECONDS" -ge "$deadline" ]; then`,
		fmt.Sprintf(`    giveup "%s not mounted at %s after %d s"`, fileSystemID, mp, timeout),
		"  fi",
		"  sleep 5",
		"done",
		"mkdir -p " + dir,
		"# The compose project on EFS, started by systemd now and at every boot, restarted when it exits.",
		"cat > /etc/systemd/system/" + unit + " <<'UNIT'",
		"[Unit]",
		"Description=docker compose project " + p.Name + " in " + dir,
		"Requires=docker.service",
		"After=docker.service remote-fs.target network-online.target",
		"Wants=network-online.target",
		"RequiresMountsFor=" + mp,
		"",
		"[Service]",
		"WorkingDirectory=" + dir,
		"Environment=DOCKER_CONFIG=/root/.docker",
		"ExecStart=/usr/bin/docker compose up --remove-orphans",
		"ExecStop=/usr/bin/docker compose down",
		"Restart=always",
		"RestartSec=10",
		"",
		"[Install]",
		"WantedBy=multi-user.target",
		"UNIT",
		"systemctl daemon-reload",
		"systemctl enable --now " + unit,
		"# Booted: the group counts the host in service from now on, registers it with its target",
		"# group, if any, and starts its health checks after the grace period.",
		`retry "completing the boot hook" ` + autoscaling + " complete-lifecycle-action " + hook + " --lifecycle-action-result CONTINUE",
	}
}

var (
	nameRe          = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	pathRe          = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
	instanceTypeRe  = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9-]+$`)
	pluginVersionRe = regexp.MustCompile(`^v2\.[0-9]+\.[0-9]+$`)
	sha256Re        = regexp.MustCompile(`^[0-9a-f]{64}$`)
	imageIDRe       = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// validate checks p; arch is the instance type's architecture (uname -m), which names the
// plugin binary whose checksum is needed, and region the stack's region, which an AMI ID needs.
func validate(scope constructs.Construct, id *string, p *HostProps, arch string, region *string) error {
	c := check.For("autoheal", scope, *id)
	if !nameRe.MatchString(p.Name) {
		c.Addf("Name %q must be 1 to 32 lowercase letters, digits and hyphens, starting with a letter", p.Name)
	}
	if p.Vpc == nil {
		c.Addf("Vpc is required")
	}
	if p.Topic == nil {
		c.Addf("Topic is required: the group's notifications and alarm go to it")
	}
	if *p.Capacity != 1 {
		c.Addf("Capacity must be 1 (one writer: a second instance would write the same EFS data at the same time), got %d", *p.Capacity)
	}
	mp := *p.MountPoint
	mountOK := checkPath(c, "MountPoint", mp)
	if mountOK && mp == "/" {
		c.Addf("MountPoint must not be %q", mp)
		mountOK = false
	}
	switch dir := p.ComposeDirectory; {
	case dir == "":
		c.Addf("ComposeDirectory is required: the directory on EFS, under MountPoint %q, that holds the compose file", mp)
	case checkPath(c, "ComposeDirectory", dir) && mountOK && dir != mp && !strings.HasPrefix(dir, mp+"/"):
		c.Addf("ComposeDirectory %q must be under MountPoint %q", dir, mp)
	}
	if !instanceTypeRe.MatchString(*p.InstanceType) {
		c.Addf("InstanceType %q must be an EC2 instance type like \"t3.small\"", *p.InstanceType)
	}
	checkDuration(c, "HealthCheckGracePeriod", *p.HealthCheckGracePeriod)
	checkDuration(c, "Cooldown", *p.Cooldown)
	c.Range("MetadataHopLimit", float64(*p.MetadataHopLimit), 1, 64)
	if days := *p.InfrequentAccessAfterDays; !slices.Contains(InfrequentAccessDays, days) {
		allowed := make([]string, len(InfrequentAccessDays))
		for i, d := range InfrequentAccessDays {
			allowed[i] = strconv.Itoa(d)
		}
		c.Addf("InfrequentAccessAfterDays must be one of %s, got %d", strings.Join(allowed, ", "), days)
	}
	c.Range("RootVolumeGiB", float64(*p.RootVolumeGiB), 8, 16384)
	switch v, sum := *p.ComposePluginVersion, p.ComposePluginSHA256; {
	case !pluginVersionRe.MatchString(v):
		c.Addf("ComposePluginVersion %q must be a Docker Compose v2 release tag like %q", v, DefaultComposePluginVersion)
	case sum == nil:
		c.Addf("ComposePluginSHA256 is required with ComposePluginVersion %q (only %s's checksums are built in): "+
			"the SHA-256 of docker-compose-linux-%s from https://github.com/docker/compose/releases/download/%s/checksums.txt",
			v, DefaultComposePluginVersion, arch, v)
	case !sha256Re.MatchString(*sum):
		c.Addf("ComposePluginSHA256 %q must be 64 lowercase hexadecimal digits, as in the release's checksums.txt", *sum)
	}
	switch img := p.ImageID; {
	case img == nil:
	case !imageIDRe.MatchString(*img):
		c.Addf("ImageID %q must be an AMI ID like \"ami-0123456789abcdef0\"", *img)
	case check.Unresolved(region):
		c.Addf("ImageID %q needs a stack with an explicit region: an AMI ID exists in one region only", *img)
	}
	if *p.ElbHealthCheck && p.TargetGroup == nil {
		c.Addf("ElbHealthCheck needs a TargetGroup to take the health of the instance from")
	}
	return c.Err()
}

// checkPath records a problem and returns false unless v is a clean absolute path made of
// characters that are safe in a shell script and a systemd unit.
func checkPath(c *check.Problems, field, v string) bool {
	switch {
	case !path.IsAbs(v):
		c.Addf("%s %q must be an absolute path", field, v)
	case !pathRe.MatchString(v):
		c.Addf("%s %q may contain only letters, digits, \".\", \"_\", \"-\" and \"/\"", field, v)
	case path.Clean(v) != v:
		c.Addf("%s %q is not a clean path; use %q", field, v, path.Clean(v))
	default:
		return true
	}
	return false
}

func checkDuration(c *check.Problems, field string, d time.Duration) {
	switch {
	case d < 0:
		c.Addf("%s must be >= 0s, got %s", field, d)
	case d != d.Truncate(time.Second):
		c.Addf("%s must be a whole number of seconds, got %s", field, d)
	}
}

func overlay[T any](def, v *T) *T {
	if v != nil {
		return v
	}
	return def
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "S"
}
