package stacks

import (
	"errors"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/constructs/alarmtopic"
	"github.com/okiagari/okiagari/constructs/cluster"
	"github.com/okiagari/okiagari/constructs/registry"
)

// Platform is the stack holding what an environment's services share: ECR repositories, the ECS
// cluster with its capacity providers, and the alarm topic.
type Platform struct {
	awscdk.Stack
	Registry   *registry.Registry
	Cluster    *cluster.Cluster
	AlarmTopic *alarmtopic.AlarmTopic
	// Ec2ProviderName is the cluster's EC2 capacity provider, what "EC2" in a strategy means; ""
	// for a Fargate-only cluster.
	Ec2ProviderName string
}

// NewPlatform creates the "Platform" stack of env on its network.
func NewPlatform(scope constructs.Construct, env config.Environment, net *Network) (*Platform, error) {
	pc := env.Platform
	capacity := "Fargate, Fargate Spot and EC2 capacity"
	if pc.Cluster.FargateOnly {
		capacity = "Fargate and Fargate Spot capacity"
	}
	stack := newStack(scope, "Platform", env, "ECR repositories, ECS cluster with "+capacity+", alarm topic")
	p := &Platform{Stack: stack}
	var errs []error
	var err error
	p.Registry, err = registry.NewRegistry(stack, jsii.String("Registry"), &registry.RegistryProps{
		RepositoryNames:        pc.Repositories,
		KeepTaggedImages:       pc.KeepTaggedImages,
		UntaggedExpiryDays:     pc.UntaggedExpiryDays,
		ReleaseParameterPrefix: jsii.String(ReleasePrefix(env)),
		InitialReleaseTag:      pc.InitialReleaseTag,
	})
	errs = append(errs, err)

	ec2 := pc.Cluster.Ec2
	name := "okiagari-" + env.Name
	if !pc.Cluster.FargateOnly {
		p.Ec2ProviderName = cluster.Ec2ProviderName(name)
	}
	cp := &cluster.ClusterProps{
		Vpc:                                 net.Vpc.Vpc,
		Name:                                jsii.String(name),
		DefaultStrategy:                     strategy(pc.Cluster.DefaultCapacityProviders, p),
		FargateOnly:                         jsii.Bool(pc.Cluster.FargateOnly),
		InstanceTypes:                       ec2.InstanceTypes,
		MinCapacity:                         ec2.MinInstances,
		MaxCapacity:                         ec2.MaxInstances,
		OnDemandBaseCapacity:                ec2.OnDemandBase,
		OnDemandPercentageAboveBaseCapacity: ec2.OnDemandPercentAboveBase,
		TargetCapacityPercent:               ec2.TargetCapacityPercent,
		RootVolumeSizeGiB:                   ec2.RootVolumeGiB,
		ContainerStopTimeout:                seconds(ec2.ContainerStopTimeoutSeconds),
	}
	if !pc.Cluster.FargateOnly {
		// For now production's; later the environment's zone-evacuation setting.
		cp.ZonalShift = env.ZonalShift.Autoshift
	}
	p.Cluster, err = cluster.NewCluster(stack, jsii.String("Cluster"), cp)
	errs = append(errs, err)

	p.AlarmTopic, err = alarmtopic.NewAlarmTopic(stack, jsii.String("Alarms"), &alarmtopic.AlarmTopicProps{
		Emails:      pc.Alarms.Emails,
		Encrypted:   pc.Alarms.Encrypted,
		DisplayName: jsii.String("okiagari " + env.Name + " alarms"),
	})
	errs = append(errs, err)
	if p.Cluster != nil && p.Cluster.AutoScalingGroup != nil && p.Registry != nil && p.AlarmTopic != nil {
		// The group launches (protected) instances only once the rest of the stack exists: a first
		// deploy that fails on a repository or the topic rolls back before any instance is
		// protected, so the rollback never waits on the teardown (README, "Tearing an environment
		// down").
		p.Cluster.AutoScalingGroup.Node().AddDependency(p.Registry.Construct, p.AlarmTopic.Construct)
	}
	return p, errors.Join(errs...)
}

// ec2Providers are the names of the platform's EC2 capacity providers, for the services'
// Ec2CapacityProviders: none for a Fargate-only cluster.
func (p *Platform) ec2Providers() []string {
	if p.Ec2ProviderName == "" {
		return nil
	}
	return []string{p.Ec2ProviderName}
}

// ReleasePrefix is the path of env's release parameters, one per repository: the tag the
// pipeline last released, which the services read at deploy time.
func ReleasePrefix(env config.Environment) string {
	return "/okiagari/" + env.Name + "/release"
}
