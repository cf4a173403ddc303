package cluster

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/check"
)

// CapacityProvider is one entry of a capacity-provider strategy (capacity.Provider), the same
// type the web service and the worker take.
type CapacityProvider = capacity.Provider

// The Fargate capacity providers every cluster has.
const (
	Fargate     = capacity.Fargate
	FargateSpot = capacity.FargateSpot
)

// Ec2ProviderName is the name of the EC2 capacity provider of the cluster named clusterName:
// clusterName + "-ec2". A DefaultStrategy that uses the EC2 capacity names it so; services find it
// in Cluster.Ec2CapacityProviderName.
func Ec2ProviderName(clusterName string) string {
	return clusterName + "-ec2"
}

// ClusterProps configures a Cluster.
type ClusterProps struct {
	// Vpc is the VPC the cluster's instances run in: the PRIVATE_WITH_EGRESS subnets of all its
	// zones (at least two; not checked for a Fargate-only cluster). Default: none, required.
	Vpc awsec2.IVpc
	// Name names the cluster and, with "-ec2" appended (Ec2ProviderName), the EC2 capacity
	// provider, so that service stacks can name the provider in a strategy without a cross-stack
	// reference. Capacity provider names are unique per account and region: include the
	// environment ("okiagari-prod"). 1 to 251 letters, digits, "-" and "_", not starting with
	// "aws", "ecs" or "fargate" (AWS reserves those prefixes). Default: none, required.
	Name *string
	// ContainerInsights is the Container Insights level: ContainerInsights_ENHANCED (task and
	// container metrics, what the AWS resilience deep dive, SOURCES.md 3, tunes scaling with) or
	// ContainerInsights_ENABLED (cluster and service metrics, cheaper). Turning it off is not
	// allowed. Default: ContainerInsights_ENHANCED.
	ContainerInsights awsecs.ContainerInsights
	// DefaultStrategy is the capacity provider strategy for services and tasks that name none:
	// FARGATE and FARGATE_SPOT, or the EC2 provider by its real name (Ec2ProviderName(Name)), never
	// both kinds. Default: Fargate with Base 1 and Weight 1, FargateSpot with Weight 1: one task
	// of every service on regular Fargate so a Spot reclaim never takes the last one, the rest
	// split evenly (the weighted FARGATE + Spot strategy of SOURCES.md 1).
	DefaultStrategy []CapacityProvider
	// FargateOnly leaves out the EC2 capacity: no Auto Scaling group, launch template, instance
	// role, security group, EC2 capacity provider or teardown function, only the cluster and its
	// FARGATE and FARGATE_SPOT providers. The EC2 props below must then be left unset.
	// Default: false (the cluster has EC2 capacity).
	FargateOnly *bool

	// InstanceTypes are the EC2 instance types the Auto Scaling group may launch, interchangeable
	// for the tasks (same vCPU and memory) and x86_64 (the AMI is). Spot draws from each type in
	// each zone as a separate pool, so Spot needs at least 3; the first type is the one
	// On-Demand capacity uses. Default: m6i.large, m7i.large, m6a.large, m7a.large (2 vCPU,
	// 8 GiB, each encrypting traffic between instances in the Nitro hardware).
	InstanceTypes []string
	// MinCapacity is the group's minimum number of instances. Managed scaling sets the desired
	// count between MinCapacity and MaxCapacity. Default: 0 (no instance while no task needs
	// EC2).
	MinCapacity *int
	// MaxCapacity is the group's maximum number of instances, at least 1. Default: 10.
	MaxCapacity *int
	// OnDemandBaseCapacity is how many instances are On-Demand before any Spot instance is
	// launched, between 0 and MaxCapacity. Default: 1, so the first instance survives Spot
	// reclaims.
	OnDemandBaseCapacity *int
	// OnDemandPercentageAboveBaseCapacity is the share of instances above the base that are
	// On-Demand, 0 to 100 (100 means no Spot at all). Default: 0: everything above the base is Spot,
	// spread over InstanceTypes × zones pools by price-capacity-optimized, with capacity
	// rebalancing and Spot draining moving tasks off an instance before it is reclaimed.
	OnDemandPercentageAboveBaseCapacity *int
	// TargetCapacityPercent is the managed-scaling target: the share of the group's instances
	// that should be running tasks, 1 to 100. Below 100 keeps spare instances so new tasks start
	// without waiting for one to boot. Default: 100.
	TargetCapacityPercent *int
	// RootVolumeSizeGiB is the size of each instance's encrypted gp3 root volume, which holds the
	// images and the containers' writable layers; at least 30 (the AMI's own size). Default: 30.
	RootVolumeSizeGiB *int
	// ContainerStopTimeout is how long the ECS agent waits after SIGTERM before it kills a
	// container whose task definition sets no stopTimeout, whole seconds between 1s and 2m.
	// Default: 2m: Fargate's maximum, so a task stops the same way on either provider, and the
	// length of the Spot interruption notice, after which waiting longer is pointless. (The agent's
	// own default is 30 s.)
	ContainerStopTimeout *time.Duration
	// ZonalShift registers the Auto Scaling group with ARC zonal shift
	// (AvailabilityZoneImpairmentPolicy): while a zone is shifted away, by hand or by zonal
	// autoshift, the group launches new instances only in the other zones, scaling policies cannot
	// lower its desired capacity, and instances that fail their health checks in the shifted zone
	// are left alone rather than replaced (IgnoreUnhealthy): the impairment makes them fail, and
	// replacing them would only churn capacity that comes back with the zone. Default: true.
	ZonalShift *bool
}

func defaults() ClusterProps {
	minCapacity, maxCapacity, base, pct, target, root := 0, 10, 1, 0, 100, 30
	stop := 2 * time.Minute
	fargateOnly, zonalShift := false, true
	return ClusterProps{
		ContainerInsights: awsecs.ContainerInsights_ENHANCED,
		DefaultStrategy: []CapacityProvider{
			{Name: Fargate, Base: 1, Weight: 1},
			{Name: FargateSpot, Weight: 1},
		},
		FargateOnly: &fargateOnly,
		// Every type is one the EC2 User Guide lists as encrypting traffic between instances
		// (README, "Instance types"); m5.large, the usual fourth, does not.
		InstanceTypes:                       []string{"m6i.large", "m7i.large", "m6a.large", "m7a.large"},
		MinCapacity:                         &minCapacity,
		MaxCapacity:                         &maxCapacity,
		OnDemandBaseCapacity:                &base,
		OnDemandPercentageAboveBaseCapacity: &pct,
		TargetCapacityPercent:               &target,
		RootVolumeSizeGiB:                   &root,
		ContainerStopTimeout:                &stop,
		ZonalShift:                          &zonalShift,
	}
}

// Cluster is an ECS cluster with FARGATE, FARGATE_SPOT and (unless FargateOnly) an EC2 Auto
// Scaling group capacity provider (On-Demand base, Spot above it, managed scaling, termination
// protection and draining).
type Cluster struct {
	constructs.Construct
	// Cluster is the ECS cluster.
	Cluster awsecs.Cluster
	// Ec2CapacityProviderName is the EC2 capacity provider's name, a plain string (Name + "-ec2")
	// that service stacks put in their strategies without a cross-stack reference; "" for a
	// Fargate-only cluster.
	Ec2CapacityProviderName string
	// CapacityProviderNames are the names of every provider of the cluster: FARGATE,
	// FARGATE_SPOT and Ec2CapacityProviderName (when there is one). A web service or worker
	// given this cluster checks its strategy against them.
	CapacityProviderNames []string

	// The EC2 capacity; all nil for a Fargate-only cluster.

	// InstanceRole is the EC2 instances' role, used by the ECS agent.
	InstanceRole awsiam.Role
	// SecurityGroup is the instances' security group: no inbound rules, all outbound. Tasks in
	// awsvpc mode have their own; bridge-mode services add their load balancer's rule here.
	SecurityGroup awsec2.SecurityGroup
	// LaunchTemplate launches the instances: ECS-optimized Amazon Linux 2023, IMDSv2 only,
	// encrypted gp3 root volume.
	LaunchTemplate awsec2.LaunchTemplate
	// AutoScalingGroup holds the instances, in the private subnets of every zone.
	AutoScalingGroup awsautoscaling.AutoScalingGroup
	// Ec2CapacityProvider is the capacity provider over AutoScalingGroup.
	Ec2CapacityProvider awsecs.AsgCapacityProvider
	// TeardownFunction lifts the group's scale-in protection when the stack is deleted, or its
	// first deploy rolls back, so that CloudFormation can delete the group (README, "Teardown").
	TeardownFunction awslambda.Function
	// Teardown is the custom resource that runs TeardownFunction.
	Teardown awscdk.CustomResource
}

// NewCluster creates the cluster. It returns an error, and creates nothing, when props are
// invalid.
func NewCluster(scope constructs.Construct, id *string, props *ClusterProps) (*Cluster, error) {
	p := defaults()
	var ec2Set []string // the EC2 props the caller set, which a Fargate-only cluster rejects
	if props != nil {
		p.Vpc = props.Vpc
		p.Name = props.Name
		if props.ContainerInsights != "" {
			p.ContainerInsights = props.ContainerInsights
		}
		if len(props.DefaultStrategy) > 0 {
			p.DefaultStrategy = props.DefaultStrategy
		}
		if props.FargateOnly != nil {
			p.FargateOnly = props.FargateOnly
		}
		if props.InstanceTypes != nil {
			p.InstanceTypes = props.InstanceTypes
			ec2Set = append(ec2Set, "InstanceTypes")
		}
		for _, f := range []struct {
			name string
			dst  **int
			src  *int
		}{
			{"MinCapacity", &p.MinCapacity, props.MinCapacity},
			{"MaxCapacity", &p.MaxCapacity, props.MaxCapacity},
			{"OnDemandBaseCapacity", &p.OnDemandBaseCapacity, props.OnDemandBaseCapacity},
			{"OnDemandPercentageAboveBaseCapacity", &p.OnDemandPercentageAboveBaseCapacity, props.OnDemandPercentageAboveBaseCapacity},
			{"TargetCapacityPercent", &p.TargetCapacityPercent, props.TargetCapacityPercent},
			{"RootVolumeSizeGiB", &p.RootVolumeSizeGiB, props.RootVolumeSizeGiB},
		} {
			if f.src != nil {
				*f.dst = f.src
				ec2Set = append(ec2Set, f.name)
			}
		}
		if props.ContainerStopTimeout != nil {
			p.ContainerStopTimeout = props.ContainerStopTimeout
			ec2Set = append(ec2Set, "ContainerStopTimeout")
		}
		if props.ZonalShift != nil {
			p.ZonalShift = props.ZonalShift
			ec2Set = append(ec2Set, "ZonalShift")
		}
	}
	if err := validate(scope, id, &p, ec2Set); err != nil {
		return nil, err
	}

	this := &Cluster{Construct: constructs.NewConstruct(scope, id)}
	c := this.Construct
	// Not "Resource": the cluster names its capacity provider association after its own ID, and
	// its CfnCluster child is already called "Resource".
	this.Cluster = awsecs.NewCluster(c, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc:                            p.Vpc,
		ClusterName:                    p.Name,
		ContainerInsightsV2:            p.ContainerInsights,
		EnableFargateCapacityProviders: jsii.Bool(true),
	})
	this.CapacityProviderNames = []string{Fargate, FargateSpot}
	if !*p.FargateOnly {
		this.addEc2Capacity(&p)
		this.CapacityProviderNames = append(this.CapacityProviderNames, this.Ec2CapacityProviderName)
	}
	var ec2Names []string
	if this.Ec2CapacityProviderName != "" {
		ec2Names = []string{this.Ec2CapacityProviderName}
	}
	// Services given this cluster check their strategies against its providers.
	capacity.Declare(this.Cluster, ec2Names)

	strategy := make([]*awsecs.CapacityProviderStrategy, len(p.DefaultStrategy))
	for i, s := range p.DefaultStrategy {
		name := jsii.String(s.Name)
		if this.Ec2CapacityProviderName != "" && s.Name == this.Ec2CapacityProviderName {
			// The provider's token, not the string: CDK checks the strategy against the providers
			// it knows, and the association must wait for the provider.
			name = this.Ec2CapacityProvider.CapacityProviderName()
		}
		strategy[i] = &awsecs.CapacityProviderStrategy{
			CapacityProvider: name,
			Weight:           jsii.Number(float64(s.Weight)),
			Base:             jsii.Number(float64(s.Base)),
		}
	}
	this.Cluster.AddDefaultCapacityProviderStrategy(&strategy)
	return this, nil
}

// addEc2Capacity adds the instances, their Auto Scaling group, the EC2 capacity provider and the
// teardown function.
func (this *Cluster) addEc2Capacity(p *ClusterProps) {
	c := this.Construct
	this.Ec2CapacityProviderName = Ec2ProviderName(*p.Name)
	this.InstanceRole = awsiam.NewRole(c, jsii.String("InstanceRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("ECS agent on the instances of cluster " + *p.Name),
	})
	this.SecurityGroup = awsec2.NewSecurityGroup(c, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("ECS container instances of cluster " + *p.Name),
		AllowAllOutbound: jsii.Bool(true),
	})
	userData := awsec2.UserData_ForLinux(nil)
	this.LaunchTemplate = awsec2.NewLaunchTemplate(c, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		// Read at deploy time from the public SSM parameter
		// /aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id through a template
		// parameter: no look-up at synth, and each deploy picks up the newest AMI for new instances.
		MachineImage:  awsecs.EcsOptimizedImage_AmazonLinux2023(awsecs.AmiHardwareType_STANDARD, nil),
		UserData:      userData,
		Role:          this.InstanceRole,
		SecurityGroup: this.SecurityGroup,
		RequireImdsv2: jsii.Bool(true),
		// One hop: the agent (host network) reaches the instance metadata, containers behind the
		// docker bridge do not, so tasks cannot borrow the instance role's credentials.
		HttpPutResponseHopLimit: jsii.Number(1),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(float64(*p.RootVolumeSizeGiB)), &awsec2.EbsDeviceOptions{
				VolumeType:          awsec2.EbsDeviceVolumeType_GP3,
				Encrypted:           jsii.Bool(true),
				DeleteOnTermination: jsii.Bool(true),
			}),
		}},
	})

	overrides := make([]*awsautoscaling.LaunchTemplateOverrides, len(p.InstanceTypes))
	for i, t := range p.InstanceTypes {
		overrides[i] = &awsautoscaling.LaunchTemplateOverrides{InstanceType: awsec2.NewInstanceType(jsii.String(t))}
	}
	this.AutoScalingGroup = awsautoscaling.NewAutoScalingGroup(c, jsii.String("AutoScalingGroup"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:        p.Vpc,
		VpcSubnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		// No desired capacity: managed scaling owns it, and a deploy must not reset it.
		MinCapacity: jsii.Number(float64(*p.MinCapacity)),
		MaxCapacity: jsii.Number(float64(*p.MaxCapacity)),
		MixedInstancesPolicy: &awsautoscaling.MixedInstancesPolicy{
			LaunchTemplate:          this.LaunchTemplate,
			LaunchTemplateOverrides: &overrides,
			InstancesDistribution: &awsautoscaling.InstancesDistribution{
				OnDemandAllocationStrategy:          awsautoscaling.OnDemandAllocationStrategy_PRIORITIZED,
				OnDemandBaseCapacity:                jsii.Number(float64(*p.OnDemandBaseCapacity)),
				OnDemandPercentageAboveBaseCapacity: jsii.Number(float64(*p.OnDemandPercentageAboveBaseCapacity)),
				// Lowest price among the pools least likely to be reclaimed.
				SpotAllocationStrategy: awsautoscaling.SpotAllocationStrategy_PRICE_CAPACITY_OPTIMIZED,
			},
		},
		// Replace a Spot instance as soon as EC2 signals it is at elevated risk, before the
		// two-minute interruption notice.
		CapacityRebalance: jsii.Bool(true),
	})
	if *p.ZonalShift {
		// An L1 property the L2 does not offer (CDK 2.270).
		asg := this.AutoScalingGroup.Node().DefaultChild().(awsautoscaling.CfnAutoScalingGroup)
		asg.SetAvailabilityZoneImpairmentPolicy(&awsautoscaling.CfnAutoScalingGroup_AvailabilityZoneImpairmentPolicyProperty{
			ZonalShiftEnabled:               jsii.Bool(true),
			ImpairedZoneHealthCheckBehavior: jsii.String("IgnoreUnhealthy"),
		})
	}
	this.Ec2CapacityProvider = awsecs.NewAsgCapacityProvider(c, jsii.String("Ec2CapacityProvider"), &awsecs.AsgCapacityProviderProps{
		AutoScalingGroup:     this.AutoScalingGroup,
		CapacityProviderName: jsii.String(this.Ec2CapacityProviderName),
		EnableManagedScaling: jsii.Bool(true),
		// Sets the group's new-instances-protected-from-scale-in: scale-in only ever picks
		// instances that run no task (the job the 2018 drain-and-terminate Lambdas did,
		// SOURCES.md 2).
		EnableManagedTerminationProtection: jsii.Bool(true),
		// Tasks are moved off an instance before the group terminates it for any reason
		// (scale-in, rebalance, instance refresh).
		EnableManagedDraining: jsii.Bool(true),
		TargetCapacityPercent: jsii.Number(float64(*p.TargetCapacityPercent)),
	})
	// Writes ECS_CLUSTER to the user data and gives InstanceRole the agent's permissions.
	this.Cluster.AddAsgCapacityProvider(this.Ec2CapacityProvider, nil)
	// CDK writes this line only for groups with a spotPrice, never for a MixedInstancesPolicy
	// (DESIGN.md, known traps): the agent sets its instance to DRAINING on the Spot interruption
	// notice, so services start replacements elsewhere during the two minutes.
	userData.AddCommands(
		jsii.String("echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config"),
		jsii.String(fmt.Sprintf("echo ECS_CONTAINER_STOP_TIMEOUT=%ds >> /etc/ecs/ecs.config", int(p.ContainerStopTimeout.Seconds()))),
		// awsvpc tasks get their own network interface, which the hop limit does not cover.
		jsii.String("echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config"),
	)
	// Spot draining: the agent marks its own instance DRAINING. CDK's policy lacks this action;
	// container-instance ARNs come in two formats, so the resource is "*" narrowed by the cluster
	// condition (as CDK's own drain hook does it).
	this.InstanceRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("ecs:UpdateContainerInstancesState"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnEquals": map[string]any{"ecs:cluster": this.Cluster.ClusterArn()}},
	}))
	this.addTeardown(*p.Name)

	check.SuppressPolicy(this.InstanceRole, check.Suppression{
		ID: "AwsSolutions-IAM5",
		Reason: "The ECS agent's permissions, as CDK grants them for a cluster's capacity: ecs:Submit* " +
			"(SubmitTaskStateChange, SubmitContainerStateChange, SubmitAttachmentStateChanges) is limited to this cluster's ARN; " +
			"ecs:Poll, ecs:StartTelemetrySession and ecs:UpdateContainerInstancesState take container-instance ARNs (two formats) " +
			"and are narrowed by an ArnEquals ecs:cluster condition; ecs:DiscoverPollEndpoint and ecr:GetAuthorizationToken " +
			"support no resource-level permissions; logs:CreateLogStream/PutLogEvents on * serve the awslogs driver of tasks " +
			"without an execution role, whose log groups the cluster cannot know",
		AppliesTo: []string{"Action::ecs:Submit*", "Resource::*"},
	})
	check.Suppress(this.AutoScalingGroup, check.Suppression{
		ID: "AwsSolutions-AS3",
		Reason: "The group is an ECS capacity provider: every launch and terminate is a managed-scaling " +
			"decision recorded in the ECS and Auto Scaling activity history, and tasks are drained before any " +
			"termination; per-instance notifications would page people about routine scaling. Failures that matter " +
			"surface as service alarms (running tasks below desired)",
	}, check.Suppression{
		ID: "CdkNagValidationFailure",
		Reason: "cdk-nag's EC26 reads the group's LaunchTemplate property, which a MixedInstancesPolicy group " +
			"does not have, and throws; the launch template's only block device (the gp3 root volume) is encrypted, " +
			"which this package's tests assert",
		AppliesTo: []string{"AwsSolutions-EC26"},
	})
}

var (
	namePattern         = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,251}$`)
	instanceTypePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	// gravitonFamily matches arm64 families: a "g" right after the generation digit (m7g, c6gn,
	// t4g, r8gd, is4gen), and a1.
	gravitonFamily = regexp.MustCompile(`^(?:[a-z]+[0-9]+g[a-z]*|a1)\.`)
)

func validate(scope constructs.Construct, id *string, p *ClusterProps, ec2Set []string) error {
	c := check.For("cluster", scope, *id)
	fargateOnly := *p.FargateOnly

	if p.Vpc == nil {
		c.Addf("Vpc is required")
	} else if !fargateOnly {
		zones := map[string]bool{}
		for _, s := range *p.Vpc.PrivateSubnets() {
			zones[*s.AvailabilityZone()] = true
		}
		if len(zones) < 2 {
			c.Addf("Vpc must have PRIVATE_WITH_EGRESS subnets in at least 2 zones, got %d", len(zones))
		}
	}
	var ec2Names []string
	nameOK := false
	switch {
	case p.Name == nil:
		c.Addf("Name is required")
	case !namePattern.MatchString(*p.Name):
		c.Addf("Name %q must be 1 to 251 letters, digits, \"-\" and \"_\"", *p.Name)
	case hasReservedPrefix(*p.Name):
		c.Addf("Name %q must not start with \"aws\", \"ecs\" or \"fargate\" (AWS reserves them for capacity provider names)", *p.Name)
	default:
		nameOK = true
		if !fargateOnly {
			ec2Names = []string{Ec2ProviderName(*p.Name)}
		}
	}
	if ci := p.ContainerInsights; ci != awsecs.ContainerInsights_ENHANCED && ci != awsecs.ContainerInsights_ENABLED {
		c.Addf("ContainerInsights must be %s or %s, got %s", awsecs.ContainerInsights_ENHANCED, awsecs.ContainerInsights_ENABLED, ci)
	}
	if nameOK {
		// Without a valid name the EC2 provider's name is unknown: its entries would only add noise.
		capacity.CheckStrategy(c, "DefaultStrategy", p.DefaultStrategy, ec2Names)
	}
	if fargateOnly {
		if len(ec2Set) > 0 {
			c.Addf("%s set, but FargateOnly is true: a Fargate-only cluster has no EC2 instances; leave them unset or FargateOnly false",
				strings.Join(ec2Set, ", "))
		}
		return c.Err()
	}

	minCapacity, maxCapacity, base := *p.MinCapacity, *p.MaxCapacity, *p.OnDemandBaseCapacity
	if minCapacity < 0 {
		c.Addf("MinCapacity must be >= 0, got %d", minCapacity)
	}
	if maxCapacity < 1 {
		c.Addf("MaxCapacity must be >= 1, got %d", maxCapacity)
	}
	if minCapacity > maxCapacity {
		c.Addf("MinCapacity %d must be <= MaxCapacity %d", minCapacity, maxCapacity)
	}
	if base < 0 || base > maxCapacity {
		c.Addf("OnDemandBaseCapacity %d must be between 0 and MaxCapacity %d", base, maxCapacity)
	}
	pct := *p.OnDemandPercentageAboveBaseCapacity
	c.Range("OnDemandPercentageAboveBaseCapacity", float64(pct), 0, 100)
	c.Range("TargetCapacityPercent", float64(*p.TargetCapacityPercent), 1, 100)
	c.Range("RootVolumeSizeGiB", float64(*p.RootVolumeSizeGiB), 30, 16384)
	if d := *p.ContainerStopTimeout; d < time.Second || d > 2*time.Minute || d%time.Second != 0 {
		c.Addf("ContainerStopTimeout must be whole seconds between 1s and 2m0s, got %s", d)
	}

	types := p.InstanceTypes
	if len(types) == 0 {
		c.Addf("InstanceTypes must name at least one instance type")
	}
	seen := map[string]bool{}
	for _, t := range types {
		switch {
		case !instanceTypePattern.MatchString(t):
			c.Addf("InstanceTypes: %q is not an instance type like \"m6i.large\"", t)
		case gravitonFamily.MatchString(t):
			c.Addf("InstanceTypes: %q is an arm64 (Graviton) type; the AMI is the x86_64 ECS-optimized Amazon Linux 2023", t)
		case seen[t]:
			c.Addf("InstanceTypes names %q twice; each type once", t)
		}
		seen[t] = true
	}
	if n := len(types); n > 0 && n < 3 && pct < 100 {
		c.Addf("InstanceTypes names %d types; Spot (OnDemandPercentageAboveBaseCapacity %d < 100) needs at least 3: "+
			"each type in each zone is one Spot pool, and price-capacity-optimized can only move away from a pool "+
			"being reclaimed if there are others", n, pct)
	}
	return c.Err()
}

func hasReservedPrefix(name string) bool {
	lower := strings.ToLower(name)
	for _, prefix := range []string{"aws", "ecs", "fargate"} {
		if strings.HasPrefix(lower, prefix) {
			return true
		}
	}
	return false
}
