package cluster_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/cluster"
)

func ExampleNewCluster() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Platform"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("ap-northeast-1")},
	})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings("ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"),
	})
	base, pct := 2, 25
	cl, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{
		Vpc:                                 vpc,
		Name:                                jsii.String("okiagari-prod"),
		OnDemandBaseCapacity:                &base,
		OnDemandPercentageAboveBaseCapacity: &pct,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// A service in another stack names the EC2 provider by this plain string.
	fmt.Println(cl.Ec2CapacityProviderName)
	// Output: okiagari-prod-ec2
}

func ExampleNewCluster_fargateOnly() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Platform"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("ap-northeast-1")},
	})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings("ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"),
	})
	fargateOnly := true
	cl, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{
		Vpc:         vpc,
		Name:        jsii.String("okiagari-dev"),
		FargateOnly: &fargateOnly,
		// One task of each service on regular Fargate, the rest on Fargate Spot.
		DefaultStrategy: []cluster.CapacityProvider{
			{Name: cluster.Fargate, Base: 1, Weight: 0},
			{Name: cluster.FargateSpot, Weight: 1},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// No EC2 capacity: services name only these.
	fmt.Println(cl.CapacityProviderNames, cl.AutoScalingGroup == nil)
	// Output: [FARGATE FARGATE_SPOT] true
}
