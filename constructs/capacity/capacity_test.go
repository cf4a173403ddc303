package capacity_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/check"
	"github.com/okiagari/okiagari/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const prefix = `svc "Test/Svc": `

type provider = capacity.Provider

func TestCheckStrategyValid(t *testing.T) {
	for _, tc := range []struct {
		name      string
		providers []provider
		ec2Names  []string
		wantEc2   bool
	}{
		{"Fargate only", []provider{{Name: capacity.Fargate, Weight: 1}}, nil, false},
		{"Fargate base, Spot weight", []provider{{Name: capacity.Fargate, Base: 2, Weight: 1}, {Name: capacity.FargateSpot, Weight: 3}}, nil, false},
		{"Spot only, EC2 declared but unused", []provider{{Name: capacity.FargateSpot, Base: 1, Weight: 1}}, []string{"asg"}, false},
		{"limits", []provider{{Name: capacity.Fargate, Base: 100000, Weight: 1000}, {Name: capacity.FargateSpot}}, nil, false},
		{"EC2 providers", []provider{{Name: "ondemand", Base: 3, Weight: 1}, {Name: "spot", Weight: 2}}, []string{"ondemand", "spot"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := check.New("svc", "Test/Svc")
			ec2 := capacity.CheckStrategy(c, "CapacityProviders", tc.providers, tc.ec2Names)
			if err := c.Err(); err != nil {
				t.Fatal(err)
			}
			if ec2 != tc.wantEc2 {
				t.Errorf("ec2 = %v, want %v", ec2, tc.wantEc2)
			}
		})
	}
}

func TestCheckStrategyInvalid(t *testing.T) {
	for _, tc := range []struct {
		name      string
		providers []provider
		ec2Names  []string
		want      []string
	}{
		{"empty", nil, nil, []string{"CapacityProviders must name at least one provider"}},
		{"unknown, none declared", []provider{{Name: "FARGATE", Weight: 1}, {Name: "EC2", Weight: 1}}, nil,
			[]string{`CapacityProviders[1].Name "EC2" is not one of FARGATE, FARGATE_SPOT (no EC2 capacity provider is declared)`}},
		{"unknown, some declared", []provider{{Name: "spot", Weight: 1}}, []string{"a", "b"},
			[]string{`CapacityProviders[0].Name "spot" is not one of FARGATE, FARGATE_SPOT, a, b`}},
		{"twice", []provider{{Name: "FARGATE", Weight: 1}, {Name: "FARGATE", Weight: 2}}, nil,
			[]string{`CapacityProviders[1].Name "FARGATE" appears twice; name each provider once`}},
		{"base out of range", []provider{{Name: "FARGATE", Base: -1, Weight: 1}, {Name: "FARGATE_SPOT", Weight: 1}, {Name: "asg", Base: 100001, Weight: 1}}, []string{"asg"},
			[]string{
				"CapacityProviders[0].Base must be between 0 and 100000, got -1",
				"CapacityProviders[2].Base must be between 0 and 100000, got 100001",
				"CapacityProviders mixes Fargate and EC2 providers; ECS runs a service on one or the other",
			}},
		{"weight out of range", []provider{{Name: "FARGATE", Weight: 1001}, {Name: "FARGATE_SPOT", Weight: -2}}, nil,
			[]string{
				"CapacityProviders[0].Weight must be between 0 and 1000, got 1001",
				"CapacityProviders[1].Weight must be between 0 and 1000, got -2",
			}},
		{"two bases", []provider{{Name: "FARGATE", Base: 1, Weight: 1}, {Name: "FARGATE_SPOT", Base: 1, Weight: 1}}, nil,
			[]string{"CapacityProviders: only one provider may have a Base above 0, got FARGATE and FARGATE_SPOT"}},
		{"no weight", []provider{{Name: "FARGATE", Base: 1}}, nil,
			[]string{"CapacityProviders: at least one provider must have a Weight above 0, or no task is placed beyond the Base"}},
		{"mixed, based, unweighted", []provider{{Name: "FARGATE", Base: 1}, {Name: "asg", Base: 2}}, []string{"asg"},
			[]string{
				"CapacityProviders mixes Fargate and EC2 providers; ECS runs a service on one or the other",
				"CapacityProviders: only one provider may have a Base above 0, got FARGATE and asg",
				"CapacityProviders: at least one provider must have a Weight above 0, or no task is placed beyond the Base",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := check.New("svc", "Test/Svc")
			capacity.CheckStrategy(c, "CapacityProviders", tc.providers, tc.ec2Names)
			want := prefix + strings.Join(tc.want, "\n"+prefix)
			if err := c.Err(); err == nil || err.Error() != want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, want)
			}
		})
	}
}

func TestCheckFargateSize(t *testing.T) {
	for _, ok := range [][2]int{{256, 512}, {256, 1024}, {256, 2048}, {512, 1024}, {512, 4096}, {1024, 2048}, {1024, 8192},
		{2048, 4096}, {2048, 16384}, {4096, 8192}, {4096, 30720}, {8192, 16384}, {8192, 61440}, {16384, 32768}, {16384, 122880}} {
		if err := capacity.CheckFargateSize(ok[0], ok[1]); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, bad := range [][2]int{{256, 3072}, {512, 512}, {1024, 9216}, {2048, 4608}, {4096, 31744}, {8192, 18432},
		{16384, 36864}, {300, 1024}} {
		if capacity.CheckFargateSize(bad[0], bad[1]) == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	for _, tc := range []struct {
		cpu, memory int
		want        string
	}{
		{300, 1024, "Cpu 300 is not a Fargate size; use 256, 512, 1024, 2048, 4096, 8192 or 16384"},
		{256, 4096, "Cpu 256 with MemoryMiB 4096 is not a valid Fargate size; with 256 CPU units use 512, 1024 or 2048 MiB"},
		{2048, 5000, "Cpu 2048 with MemoryMiB 5000 is not a valid Fargate size; with 2048 CPU units use 4096–16384 MiB in steps of 1024"},
		{1024, 1000, "Cpu 1024 with MemoryMiB 1000 is not a valid Fargate size; with 1024 CPU units use 2048–8192 MiB in steps of 1024"},
		{8192, 65536, "Cpu 8192 with MemoryMiB 65536 is not a valid Fargate size; with 8192 CPU units use 16384–61440 MiB in steps of 4096"},
	} {
		if err := capacity.CheckFargateSize(tc.cpu, tc.memory); err == nil || err.Error() != tc.want {
			t.Errorf("CheckFargateSize(%d, %d) = %v, want %s", tc.cpu, tc.memory, err, tc.want)
		}
	}
}

func TestCheckTaskSize(t *testing.T) {
	for _, tc := range []struct {
		name        string
		ec2         bool
		cpu, memory int
		want        []string
	}{
		{"Fargate ok", false, 512, 1024, nil},
		{"Fargate bad", false, 512, 512, []string{"Cpu 512 with MemoryMiB 512 is not a valid Fargate size; with 512 CPU units use 1024–4096 MiB in steps of 1024"}},
		{"EC2 ok, not a Fargate size", true, 128, 300, nil},
		{"EC2 too small", true, 64, 100, []string{"Cpu 64 must be >= 128 units on EC2", "MemoryMiB 100 must be >= 128 on EC2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := check.New("svc", "Test/Svc")
			capacity.CheckTaskSize(c, tc.ec2, tc.cpu, tc.memory)
			err := c.Err()
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			want := prefix + strings.Join(tc.want, "\n"+prefix)
			if err == nil || err.Error() != want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, want)
			}
		})
	}
}

func TestStrategy(t *testing.T) {
	got := *capacity.Strategy([]provider{{Name: capacity.Fargate, Base: 2, Weight: 1}, {Name: capacity.FargateSpot, Weight: 3}})
	want := []struct {
		name         string
		base, weight float64
	}{{"FARGATE", 2, 1}, {"FARGATE_SPOT", 0, 3}}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		// Base 0 is written out, not left absent: the deployed templates carry it.
		if g := got[i]; *g.CapacityProvider != w.name || *g.Base != w.base || *g.Weight != w.weight {
			t.Errorf("[%d] = {%s %g %g}, want %v", i, *g.CapacityProvider, *g.Base, *g.Weight, w)
		}
	}
}

func TestNewTaskDefinition(t *testing.T) {
	stack := testenv.Stack(t)
	for _, tc := range []struct {
		id  string
		ec2 bool
	}{{"Fargate", false}, {"Ec2", true}} {
		td := capacity.NewTaskDefinition(stack, jsii.String(tc.id), tc.ec2, 512, 1024)
		td.AddContainer(jsii.String("App"), &awsecs.ContainerDefinitionOptions{
			Image:          awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/nginx:1"), nil),
			MemoryLimitMiB: jsii.Number(1024),
		})
	}
	tpl := testenv.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::ECS::TaskDefinition"), jsii.Number(2))
	tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"RequiresCompatibilities": []any{"FARGATE"}, "NetworkMode": "awsvpc", "Cpu": "512", "Memory": "1024",
	})
	tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"RequiresCompatibilities": []any{"EC2"}, "NetworkMode": "awsvpc", "Cpu": assertions.Match_Absent(), "Memory": assertions.Match_Absent(),
	})
}

func TestEc2Providers(t *testing.T) {
	stack := testenv.Stack(t)
	vpc := testenv.Vpc(t, stack)
	newCluster := func(id string) awsecs.Cluster {
		return awsecs.NewCluster(stack, jsii.String(id), &awsecs.ClusterProps{Vpc: vpc})
	}
	withEc2, fargateOnly, other := newCluster("WithEc2"), newCluster("FargateOnly"), newCluster("Other")
	capacity.Declare(withEc2, []string{"main-ec2"})
	capacity.Declare(fargateOnly, nil)
	for _, tc := range []struct {
		name     string
		cluster  awsecs.ICluster
		declared []string
		want     []string
		problems []string
	}{
		{"declared cluster, none named: the cluster's", withEc2, nil, []string{"main-ec2"}, nil},
		{"declared cluster, its own named", withEc2, []string{"main-ec2"}, []string{"main-ec2"}, nil},
		{"declared cluster, a misspelt one", withEc2, []string{"main-ec"}, nil,
			[]string{`Ec2CapacityProviders[0] "main-ec" is not an EC2 capacity provider of the cluster; it has main-ec2`}},
		{"Fargate-only cluster", fargateOnly, []string{"main-ec2"}, nil,
			[]string{`Ec2CapacityProviders[0] "main-ec2": the cluster is Fargate-only; it has no EC2 capacity provider`}},
		{"Fargate-only cluster, none named", fargateOnly, nil, []string{}, nil},
		{"any other cluster: taken as declared", other, []string{"anything"}, []string{"anything"}, nil},
		{"no cluster", nil, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := check.New("svc", "Test/Svc")
			got := capacity.Ec2Providers(c, "Ec2CapacityProviders", tc.cluster, tc.declared)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			err := c.Err()
			if tc.problems == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := prefix + strings.Join(tc.problems, "\n"+prefix); err == nil || err.Error() != want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, want)
			}
		})
	}

	// The strategy of a service on the declared cluster is checked against its providers, and an
	// unknown name is an error naming the known ones.
	c := check.New("svc", "Test/Svc")
	capacity.CheckStrategy(c, "CapacityProviders", []provider{{Name: "main-ec", Weight: 1}},
		capacity.Ec2Providers(c, "Ec2CapacityProviders", withEc2, nil))
	want := prefix + `CapacityProviders[0].Name "main-ec" is not one of FARGATE, FARGATE_SPOT, main-ec2`
	if err := c.Err(); err == nil || err.Error() != want {
		t.Fatalf("got error\n  %v\nwant\n  %s", err, want)
	}
}
