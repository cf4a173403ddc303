package network_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/network"
	"github.com/okiagari/okiagari/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestVpcDefaults(t *testing.T) {
	stack := testenv.Stack(t)
	v, err := network.NewVpc(stack, jsii.String("Net"), &network.VpcProps{AvailabilityZones: testenv.Zones})
	if err != nil {
		t.Fatal(err)
	}
	if v.Vpc == nil || v.FlowLogGroup == nil || v.FlowLog == nil || v.S3Endpoint == nil {
		t.Fatal("exported resources not set")
	}
	tpl := testenv.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::EC2::Subnet"), jsii.Number(9))
	tpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(3))
	for _, az := range testenv.Zones {
		// One public, one private, one isolated subnet per zone.
		subnets := tpl.FindResources(jsii.String("AWS::EC2::Subnet"), map[string]any{
			"Properties": map[string]any{"AvailabilityZone": az},
		})
		if len(*subnets) != 3 {
			t.Errorf("zone %s has %d subnets, want 3", az, len(*subnets))
		}
	}
	tpl.HasResourceProperties(jsii.String("AWS::EC2::Subnet"), map[string]any{
		"CidrBlock": "10.0.192.0/21", "MapPublicIpOnLaunch": true,
	})
	tpl.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), map[string]any{
		"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
	})
	tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"Properties":     map[string]any{"RetentionInDays": 365},
		"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
	})
	tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{
		"VpcEndpointType": "Gateway",
		"ServiceName":     assertions.Match_ObjectLike(&map[string]any{}),
	})
	tpl.ResourceCountIs(jsii.String("AWS::EC2::VPCEndpoint"), jsii.Number(1))
	// The default security group is emptied by CDK's custom resource.
	tpl.HasResourceProperties(jsii.String("Custom::VpcRestrictDefaultSG"), map[string]any{})
}

func TestVpcOptions(t *testing.T) {
	stack := testenv.Stack(t)
	one := 1
	_, err := network.NewVpc(stack, jsii.String("Net"), &network.VpcProps{
		AvailabilityZones:  testenv.Zones,
		Cidr:               jsii.String("10.8.0.0/20"),
		NatGateways:        &one,
		FlowLogRetention:   awslogs.RetentionDays_ONE_MONTH,
		InterfaceEndpoints: []string{"ecr.api", "ecr.dkr", "logs"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tpl := testenv.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 30})
	tpl.HasResourceProperties(jsii.String("AWS::EC2::Subnet"), map[string]any{"CidrBlock": "10.8.12.0/25"})
	tpl.HasResourceProperties(jsii.String("AWS::EC2::Subnet"), map[string]any{"CidrBlock": "10.8.4.0/22"})
	for _, svc := range []string{"ecr.api", "ecr.dkr", "logs"} {
		tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{
			"ServiceName": "com.amazonaws.ap-northeast-1." + svc, "VpcEndpointType": "Interface", "PrivateDnsEnabled": true,
		})
	}
}

func TestVpcInvalid(t *testing.T) {
	zero, four := 0, 4
	cases := []struct {
		name  string
		props network.VpcProps
		want  string
	}{
		{"one zone", network.VpcProps{AvailabilityZones: testenv.Zones[:1]},
			`network "Test/Net": AvailabilityZones must name at least 2 zones, got 1 ["ap-northeast-1a"]`},
		{"duplicate zone", network.VpcProps{AvailabilityZones: []string{"a", "b", "a"}},
			`network "Test/Net": AvailabilityZones names "a" twice; each zone once`},
		{"bad cidr", network.VpcProps{AvailabilityZones: testenv.Zones, Cidr: jsii.String("10.0.0.0/33")},
			`network "Test/Net": Cidr "10.0.0.0/33" is not a valid IPv4 CIDR`},
		{"host bits", network.VpcProps{AvailabilityZones: testenv.Zones, Cidr: jsii.String("10.0.0.1/16")},
			`network "Test/Net": Cidr "10.0.0.1/16" has host bits set; use "10.0.0.0/16"`},
		{"prefix too small", network.VpcProps{AvailabilityZones: testenv.Zones, Cidr: jsii.String("10.0.0.0/24")},
			`network "Test/Net": Cidr "10.0.0.0/24" must have a prefix between /16 and /20, got /24`},
		{"no nat", network.VpcProps{AvailabilityZones: testenv.Zones, NatGateways: &zero},
			`network "Test/Net": NatGateways must be between 1 and the number of zones (3), got 0`},
		{"too many nat", network.VpcProps{AvailabilityZones: testenv.Zones, NatGateways: &four},
			`network "Test/Net": NatGateways must be between 1 and the number of zones (3), got 4`},
		{"unknown endpoint", network.VpcProps{AvailabilityZones: testenv.Zones, InterfaceEndpoints: []string{"ecr"}},
			`network "Test/Net": InterfaceEndpoints: "ecr" is not one of ecr.api, ecr.dkr, logs, monitoring, ssm, ssmmessages, ec2messages, secretsmanager, sqs, sts, kms, elasticfilesystem`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			v, err := network.NewVpc(stack, jsii.String("Net"), &tc.props)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, tc.want)
			}
			if v != nil || len(*stack.Node().Children()) != 0 {
				t.Fatal("an invalid VPC must create nothing")
			}
		})
	}
}

func TestVpcNag(t *testing.T) {
	stack := testenv.Stack(t)
	if _, err := network.NewVpc(stack, jsii.String("Net"), &network.VpcProps{AvailabilityZones: testenv.Zones, InterfaceEndpoints: []string{"logs"}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range testenv.NagFindings(stack) {
		t.Error(f)
	}
}

// CDK's Vpc asks for the account's zones even when they are named; unanswered, `cdk synth` must
// call AWS for them (and fails without credentials). AnswerZoneLookup answers under the key CDK
// asks for.
func TestAnswerZoneLookup(t *testing.T) {
	for _, answer := range []bool{false, true} {
		app := awscdk.NewApp(nil)
		if answer {
			network.AnswerZoneLookup(app, testenv.Account, testenv.Region, testenv.Zones)
		}
		stack := awscdk.NewStack(app, jsii.String("Net"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String(testenv.Account), Region: jsii.String(testenv.Region)},
		})
		if _, err := network.NewVpc(stack, jsii.String("Vpc"), &network.VpcProps{AvailabilityZones: testenv.Zones}); err != nil {
			t.Fatal(err)
		}
		var lookups []string
		if missing := app.Synth(nil).Manifest().Missing; missing != nil {
			for _, m := range *missing {
				lookups = append(lookups, *m.Key)
			}
		}
		want := []string{network.ZoneLookupKey(testenv.Account, testenv.Region)}
		if answer {
			want = nil
		}
		if !slices.Equal(lookups, want) {
			t.Errorf("answered %v: synthesis asks for %q, want %q", answer, lookups, want)
		}
	}
}
