package worker_test

import (
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/worker"
)

// TestStrategyOnDeclaredCluster: on a cluster whose providers are declared, as an okiagari
// cluster (constructs/cluster) declares its own, a declared EC2 provider it lacks and a strategy
// naming an unknown provider are errors naming the known ones.
func TestStrategyOnDeclaredCluster(t *testing.T) {
	f := newFixture(t)
	capacity.Declare(f.cluster, []string{"main-ec2"})
	p := f.props()
	p.Ec2CapacityProviders = []string{"main-ec2", "spare-ec2"}
	p.CapacityProviders = []worker.CapacityProvider{{Name: "main-ec", Weight: 1}}
	_, err := worker.NewWorker(f.stack, jsii.String("Worker"), p)
	const prefix = `worker "Test/Worker": `
	want := prefix + `Ec2CapacityProviders[1] "spare-ec2" is not an EC2 capacity provider of the cluster; it has main-ec2` + "\n" +
		prefix + `CapacityProviders[0].Name "main-ec" is not one of FARGATE, FARGATE_SPOT, main-ec2`
	if err == nil || err.Error() != want {
		t.Fatalf("got error\n  %v\nwant\n  %s", err, want)
	}
}
