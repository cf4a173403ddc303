package autoheal_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/autoheal"
	"github.com/okiagari/okiagari/constructs/network"
)

// A chat server's compose project, kept in /mnt/efs/chat on the file system, on one t3.small
// that comes back by itself.
func ExampleNewHost() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("AutoHeal"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("ap-northeast-1")},
	})
	vpc, err := network.NewVpc(stack, jsii.String("Network"), &network.VpcProps{
		AvailabilityZones: []string{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	topic := awssns.NewTopic(stack, jsii.String("Alarms"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})

	host, err := autoheal.NewHost(stack, jsii.String("Chat"), &autoheal.HostProps{
		Name:             "chat",
		Vpc:              vpc.Vpc,
		Topic:            topic,
		ComposeDirectory: "/mnt/efs/chat",
		InstanceType:     jsii.String("t3.small"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The compose project pulls its images from ECR: let the instance do so.
	awsecr.Repository_FromRepositoryName(stack, jsii.String("ChatImages"), jsii.String("chat")).GrantPull(host.InstanceRole)
}
