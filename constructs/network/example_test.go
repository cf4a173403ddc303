package network_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/network"
)

func ExampleNewVpc() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Network"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("ap-northeast-1")},
	})
	one := 1 // a cheap environment: one NAT gateway for all zones
	vpc, err := network.NewVpc(stack, jsii.String("Vpc"), &network.VpcProps{
		AvailabilityZones:  []string{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"},
		Cidr:               jsii.String("10.10.0.0/16"),
		NatGateways:        &one,
		FlowLogRetention:   awslogs.RetentionDays_ONE_MONTH,
		InterfaceEndpoints: []string{"ecr.api", "ecr.dkr", "logs"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(*vpc.Vpc.PrivateSubnets()), len(vpc.InterfaceEndpoints))

	_, err = network.NewVpc(stack, jsii.String("Bad"), &network.VpcProps{
		AvailabilityZones: []string{"ap-northeast-1a"},
		Cidr:              jsii.String("10.0.0.0/33"),
	})
	fmt.Println(err)
	// Output:
	// 3 3
	// network "Network/Bad": AvailabilityZones must name at least 2 zones, got 1 ["ap-northeast-1a"]
	// network "Network/Bad": Cidr "10.0.0.0/33" is not a valid IPv4 CIDR
}
