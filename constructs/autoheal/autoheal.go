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
	// HealthCheckGracePeriod is how long after launch the group ignores failed health checks,
	// whole seconds. Default: 300 s (SOURCES.md, report 5), well above BootSeconds.
	HealthCheckGracePeriod *time.Duration
	// Cooldown is how long the group waits after a scaling activity before the next one, whole
	// seconds. Default: half of HealthCheckGracePeriod in whole seconds, 150 s with the default
	// (report 5).
	Cooldown *time.Duration
	// MetadataHopLimit is the instance metadata (IMDSv2) PUT response hop limit, 1 to 64. 2 lets
	// containers on Docker's bridge network reach the instance's credentials (their packets
	// cross one more hop); it also means every container can act as the instance role. Set 1
	// when no container needs AWS credentials from the instance. Default: 2.
	MetadataHopLimit *int
	// InfrequentAccessAfterDays moves a file to EFS Infrequent Access after that many days
	// without access, one of InfrequentAccessDays; the first access moves it back. Default: 30.
	InfrequentAccessAfterDays *int
	// RootVolumeGiB is the size of the encrypted gp3 root volume, which holds the OS and the
	// Docker images (not the app's data), 8 to 16384. Default: 30.
	RootVolumeGiB *int
	// ComposePluginVersion is the Docker Compose CLI plugin release fetched from GitHub at boot
	// (Amazon Linux 2023 does not package it). Default: v2.32.4.
	ComposePluginVersion *string
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
	hop, ia, root, one := 2, 30, 30, 1
	grace := 300 * time.Second
	return HostProps{
		MountPoint:                jsii.String("/mnt/efs"),
		InstanceType:              jsii.String("t3.small"),
		Capacity:                  &one,
		HealthCheckGracePeriod:    &grace,
		MetadataHopLimit:          &hop,
		InfrequentAccessAfterDays: &ia,
		RootVolumeGiB:             &root,
		ComposePluginVersion:      jsii.String("v2.32.4"),
		ElbHealthCheck:            jsii.Bool(false),
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
	}
	if p.Cooldown == nil {
		// Half the grace period in whole seconds; a negative grace period is reported once, as
		// itself, not again as a negative cooldown.
		half := max(*p.HealthCheckGracePeriod/2, 0).Truncate(time.Second)
		p.Cooldown = &half
	}
	if err := validate(scope, id, &p); err != nil {
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
	registry := fmt.Sprintf("%s.dkr.ecr.%s.%s", *awscdk.Aws_ACCOUNT_ID(), *awscdk.Aws_REGION(), *awscdk.Aws_URL_SUFFIX())
	this.UserData.AddCommands(*jsii.Strings(script(&p, *this.FileSystem.FileSystemId(), registry)...)...)

	instanceType := awsec2.NewInstanceType(p.InstanceType)
	cpu := awsec2.AmazonLinuxCpuType_X86_64
	if instanceType.Architecture() == awsec2.InstanceArchitecture_ARM_64 {
		cpu = awsec2.AmazonLinuxCpuType_ARM_64
	}
	this.LaunchTemplate = awsec2.NewLaunchTemplate(c, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType: instanceType,
		// The public SSM parameter (al2023-ami-kernel-6.1-<arch>: CDK fixes the kernel), resolved by
		// CloudFormation at each deploy: no context look-up. A new Amazon Linux release therefore
		// replaces the instance at the next deploy.
		MachineImage:  awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{CpuType: cpu}),
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
	cfn.AddMetadata(jsii.String("okiagari"), map[string]any{
		"kind":         "autoheal",
		"name":         p.Name,
		"bootSeconds":  BootSeconds,
		"graceSeconds": int(p.HealthCheckGracePeriod.Seconds()),
	})

	topic := awscloudwatchactions.NewSnsAction(p.Topic)
	this.Alarm = awscloudwatch.NewAlarm(c, jsii.String("InServiceAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String(fmt.Sprintf("autoheal %s: no instance in service for 5 minutes; the app is down", p.Name)),
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

// script returns the boot script's lines (without the shebang UserData adds). registry is the
// account's ECR registry host, whose pulls use the instance role.
func script(p *HostProps, fileSystemID, registry string) []string {
	mp, dir := *p.MountPoint, p.ComposeDirectory
	unit := "compose-" + p.Name + ".service"
	plugins := "/usr/local/lib/docker/cli-plugins"
	timeout := int(MountTimeout.Seconds())
	return []string{
		"set -euo pipefail",
		"# A host that cannot start its app gives itself up: the launch template terminates it on",
		"# shutdown and the group launches a fresh one, with a notification for each.",
		`giveup() { echo "autoheal: $1; shutting down so that the Auto Scaling group replaces this instance" >&2; systemctl poweroff; exit 1; }`,
		`trap 'giveup "boot script failed at line $LINENO"' ERR`,
		"# Packages: the EFS mount helper (TLS, IAM), Docker and the ECR credential helper. Amazon",
		"# Linux 2023 does not package the compose plugin, so the pinned release comes from GitHub.",
		"dnf install -y amazon-efs-utils docker amazon-ecr-credential-helper",
		"mkdir -p " + plugins,
		fmt.Sprintf(`curl -fsSL --retry 5 --retry-connrefused -o %s/docker-compose "https://github.com/docker/compose/releases/download/%s/docker-compose-linux-$(uname -m)"`,
			plugins, *p.ComposePluginVersion),
		"chmod 0755 " + plugins + "/docker-compose",
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
	}
}

var (
	nameRe          = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	pathRe          = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
	instanceTypeRe  = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9-]+$`)
	pluginVersionRe = regexp.MustCompile(`^v2\.[0-9]+\.[0-9]+$`)
)

func validate(scope constructs.Construct, id *string, p *HostProps) error {
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
	if v := *p.ComposePluginVersion; !pluginVersionRe.MatchString(v) {
		c.Addf("ComposePluginVersion %q must be a Docker Compose v2 release tag like \"v2.32.4\"", v)
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
