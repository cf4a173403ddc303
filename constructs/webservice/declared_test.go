package webservice_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/webservice"
	"github.com/okiagari/okiagari/testenv"
)

// onDeclaredCluster returns base props on a cluster whose providers are declared, as an
// okiagari cluster (constructs/cluster) declares its own.
func onDeclaredCluster(t *testing.T, stack awscdk.Stack) *webservice.ServiceProps {
	p := base(t, stack)
	cl := awsecs.NewCluster(stack, jsii.String("Main"), &awsecs.ClusterProps{Vpc: p.Vpc})
	capacity.Declare(cl, []string{"main-ec2"})
	p.Cluster = cl
	return p
}

func TestStrategyOnDeclaredCluster(t *testing.T) {
	stack := testenv.Stack(t)
	p := onDeclaredCluster(t, stack)
	// No Ec2CapacityProviders: the cluster's are known.
	p.CapacityProviders = []webservice.CapacityProvider{{Name: "main-ec2", Weight: 1}}
	if s := newService(t, stack, p); !*s.TaskDefinition.IsEc2Compatible() || *s.TaskDefinition.IsFargateCompatible() {
		t.Error("an EC2 strategy must get an EC2 task definition")
	}

	stack = testenv.Stack(t)
	p = onDeclaredCluster(t, stack)
	p.CapacityProviders = []webservice.CapacityProvider{{Name: "main-ec", Weight: 1}}
	_, err := webservice.NewService(stack, jsii.String("Web"), p)
	want := `webservice "Test/Web": CapacityProviders[0].Name "main-ec" is not one of FARGATE, FARGATE_SPOT, main-ec2`
	if err == nil || err.Error() != want {
		t.Fatalf("got error\n  %v\nwant\n  %s", err, want)
	}
}
