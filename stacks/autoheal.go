package stacks

import (
	"errors"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/constructs/autoheal"
)

// AutoHeal is the stack holding an environment's self-healing single-instance hosts.
type AutoHeal struct {
	awscdk.Stack
	Hosts map[string]*autoheal.Host
}

// NewAutoHeal creates the "AutoHeal" stack of env.
func NewAutoHeal(scope constructs.Construct, env config.Environment, net *Network, platform *Platform) (*AutoHeal, error) {
	stack := newStack(scope, "AutoHeal", env, "self-healing single-instance docker-compose hosts on EFS")
	a := &AutoHeal{Stack: stack, Hosts: map[string]*autoheal.Host{}}
	var errs []error
	for _, h := range env.AutoHeal {
		host, err := autoheal.NewHost(stack, jsii.String(constructID(h.Name)), &autoheal.HostProps{
			Name:                      h.Name,
			Vpc:                       net.Vpc.Vpc,
			Topic:                     platform.AlarmTopic.Topic,
			ComposeDirectory:          h.ComposeDirectory,
			MountPoint:                h.MountPoint,
			InstanceType:              h.InstanceType,
			Capacity:                  h.Capacity,
			HealthCheckGracePeriod:    seconds(h.HealthCheckGracePeriodSeconds),
			Cooldown:                  seconds(h.CooldownSeconds),
			MetadataHopLimit:          h.MetadataHopLimit,
			InfrequentAccessAfterDays: h.InfrequentAccessAfterDays,
			RootVolumeGiB:             h.RootVolumeGiB,
			ComposePluginVersion:      h.ComposePluginVersion,
			ComposePluginSHA256:       h.ComposePluginSHA256,
			ImageID:                   h.ImageID,
			// For now production follows zonal shifts; an environment-level zone-evacuation
			// setting will decide it (issue 11).
			ZonalShift: env.ZonalShift.Autoshift,
		})
		errs = append(errs, err)
		a.Hosts[h.Name] = host
	}
	return a, errors.Join(errs...)
}
