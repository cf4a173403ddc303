package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/constructs/network"
)

// Network is the stack holding an environment's VPC.
type Network struct {
	awscdk.Stack
	Vpc *network.Vpc
}

// NewNetwork creates the "Network" stack of env.
func NewNetwork(scope constructs.Construct, env config.Environment) (*Network, error) {
	stack := newStack(scope, "Network", env, "VPC over three availability zones")
	retention, err := config.Retention(env.Network.FlowLogRetentionDays)
	if err != nil {
		return nil, err
	}
	vpc, err := network.NewVpc(stack, jsii.String("Vpc"), &network.VpcProps{
		AvailabilityZones:  env.AvailabilityZones,
		Cidr:               jsii.String(env.Network.Cidr),
		NatGateways:        env.Network.NatGateways,
		FlowLogRetention:   retention,
		InterfaceEndpoints: env.Network.InterfaceEndpoints,
	})
	if err != nil {
		return nil, err
	}
	return &Network{Stack: stack, Vpc: vpc}, nil
}
