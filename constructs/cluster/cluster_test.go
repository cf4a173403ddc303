package cluster_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/check"
	"github.com/okiagari/okiagari/constructs/cluster"
	"github.com/okiagari/okiagari/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func ptr[T any](v T) *T { return &v }

var (
	match  = assertions.Match_ObjectLike
	arrayW = assertions.Match_ArrayWith
)

func TestClusterDefaults(t *testing.T) {
	stack := testenv.Stack(t)
	vpc := testenv.Vpc(t, stack)
	cl, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{Vpc: vpc, Name: jsii.String("okiagari-test")})
	if err != nil {
		t.Fatal(err)
	}
	if cl.Cluster == nil || cl.AutoScalingGroup == nil || cl.LaunchTemplate == nil || cl.Ec2CapacityProvider == nil ||
		cl.InstanceRole == nil || cl.SecurityGroup == nil {
		t.Fatal("exported resources not set")
	}
	if cl.TeardownFunction == nil || cl.Teardown == nil {
		t.Fatal("teardown resources not set")
	}
	if cl.Ec2CapacityProviderName != "okiagari-test-ec2" {
		t.Errorf("Ec2CapacityProviderName = %q, want okiagari-test-ec2", cl.Ec2CapacityProviderName)
	}
	if got := strings.Join(cl.CapacityProviderNames, ","); got != "FARGATE,FARGATE_SPOT,okiagari-test-ec2" {
		t.Errorf("CapacityProviderNames = %s", got)
	}
	tpl := testenv.Template(stack)

	t.Run("container insights", func(t *testing.T) {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Cluster"), map[string]any{
			"ClusterName":     "okiagari-test",
			"ClusterSettings": []any{map[string]any{"Name": "containerInsights", "Value": "enhanced"}},
		})
	})
	t.Run("capacity provider associations", func(t *testing.T) {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::ClusterCapacityProviderAssociations"), map[string]any{
			"CapacityProviders": []any{"FARGATE", "FARGATE_SPOT", map[string]any{"Ref": "ClusterEc2CapacityProvider232026A5"}},
			"DefaultCapacityProviderStrategy": []any{
				map[string]any{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1},
				map[string]any{"CapacityProvider": "FARGATE_SPOT", "Base": 0, "Weight": 1},
			},
		})
	})
	t.Run("managed scaling, termination protection and draining", func(t *testing.T) {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::CapacityProvider"), map[string]any{
			"Name": "okiagari-test-ec2",
			"AutoScalingGroupProvider": map[string]any{
				"AutoScalingGroupArn":          map[string]any{"Ref": "ClusterAutoScalingGroupASG8FBA5099"},
				"ManagedScaling":               map[string]any{"Status": "ENABLED", "TargetCapacity": 100},
				"ManagedTerminationProtection": "ENABLED",
				"ManagedDraining":              "ENABLED",
			},
		})
		// Managed termination protection needs the group to protect new instances.
		tpl.HasResourceProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
			"NewInstancesProtectedFromScaleIn": true,
		})
		// With managed draining CDK must not add its Lambda drain hook.
		tpl.ResourceCountIs(jsii.String("AWS::AutoScaling::LifecycleHook"), jsii.Number(0))
		tpl.ResourceCountIs(jsii.String("AWS::SNS::Topic"), jsii.Number(0))
	})
	t.Run("mixed instances policy and capacity rebalance", func(t *testing.T) {
		tpl.HasResourceProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
			"MinSize":           "0",
			"MaxSize":           "10",
			"DesiredCapacity":   assertions.Match_Absent(),
			"CapacityRebalance": true,
			"MixedInstancesPolicy": map[string]any{
				"InstancesDistribution": map[string]any{
					"OnDemandAllocationStrategy":          "prioritized",
					"OnDemandBaseCapacity":                1,
					"OnDemandPercentageAboveBaseCapacity": 0,
					"SpotAllocationStrategy":              "price-capacity-optimized",
				},
				"LaunchTemplate": match(&map[string]any{
					"Overrides": []any{
						map[string]any{"InstanceType": "m6i.large"}, map[string]any{"InstanceType": "m7i.large"},
						map[string]any{"InstanceType": "m6a.large"}, map[string]any{"InstanceType": "m7a.large"},
					},
				}),
			},
		})
	})
	t.Run("subnets in 3 zones", func(t *testing.T) {
		subnets := tpl.FindResources(jsii.String("AWS::EC2::Subnet"), nil)
		for _, asg := range *tpl.FindResources(jsii.String("AWS::AutoScaling::AutoScalingGroup"), nil) {
			zones := map[string]bool{}
			for _, ref := range (*asg)["Properties"].(map[string]any)["VPCZoneIdentifier"].([]any) {
				subnet := (*subnets)[ref.(map[string]any)["Ref"].(string)]
				props := (*subnet)["Properties"].(map[string]any)
				if props["MapPublicIpOnLaunch"] == true {
					t.Errorf("subnet %v is public", ref)
				}
				zones[props["AvailabilityZone"].(string)] = true
			}
			if len(zones) != 3 {
				t.Errorf("the group's subnets are in %d zones, want 3: %v", len(zones), zones)
			}
		}
	})
	t.Run("launch template", func(t *testing.T) {
		lts := tpl.FindResources(jsii.String("AWS::EC2::LaunchTemplate"), nil)
		if len(*lts) == 0 {
			t.Fatal("no launch template")
		}
		for id, lt := range *lts {
			data := (*lt)["Properties"].(map[string]any)["LaunchTemplateData"].(map[string]any)
			if got := data["MetadataOptions"].(map[string]any)["HttpTokens"]; got != "required" {
				t.Errorf("%s: HttpTokens = %v, want required", id, got)
			}
			userData, _ := json.Marshal(data["UserData"])
			for _, line := range []string{
				`echo ECS_CLUSTER=`,
				`echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true \u003e\u003e /etc/ecs/ecs.config`,
				`echo ECS_CONTAINER_STOP_TIMEOUT=120s \u003e\u003e /etc/ecs/ecs.config`,
				`echo ECS_AWSVPC_BLOCK_IMDS=true`,
			} {
				if !strings.Contains(string(userData), line) {
					t.Errorf("%s: user data lacks %q:\n%s", id, line, userData)
				}
			}
		}
		tpl.HasResourceProperties(jsii.String("AWS::EC2::LaunchTemplate"), map[string]any{
			"LaunchTemplateData": match(&map[string]any{
				"BlockDeviceMappings": []any{map[string]any{
					"DeviceName": "/dev/xvda",
					"Ebs":        map[string]any{"VolumeType": "gp3", "Encrypted": true, "VolumeSize": 30, "DeleteOnTermination": true},
				}},
				"MetadataOptions": map[string]any{"HttpTokens": "required", "HttpPutResponseHopLimit": 1},
				"ImageId": map[string]any{
					"Ref": "SsmParameterValueawsserviceecsoptimizedamiamazonlinux2023recommendedimageidC96584B6F00A464EAD1953AFF4B05118Parameter",
				},
			}),
		})
	})
	t.Run("AMI from the public SSM parameter, no look-up", func(t *testing.T) {
		tpl.HasParameter(jsii.String("*"), map[string]any{
			"Type":    "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
			"Default": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
		})
		if missing := awscdk.Stage_Of(stack).Synth(nil).Manifest().Missing; missing != nil && len(*missing) > 0 {
			t.Errorf("synthesis asked for context look-ups: %v", *(*missing)[0].Key)
		}
	})
	t.Run("instance role may drain its own instance", func(t *testing.T) {
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": match(&map[string]any{"Statement": arrayW(&[]any{match(&map[string]any{
				"Action":    arrayW(&[]any{"ecs:UpdateContainerInstancesState"}),
				"Resource":  "*",
				"Condition": map[string]any{"ArnEquals": map[string]any{"ecs:cluster": map[string]any{"Fn::GetAtt": []any{"ClusterC2E21B66", "Arn"}}}},
			})})}),
		})
	})
}

func TestClusterOptions(t *testing.T) {
	stack := testenv.Stack(t)
	vpc := testenv.Vpc(t, stack)
	_, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{
		Vpc:               vpc,
		Name:              jsii.String("prod_main"),
		ContainerInsights: awsecs.ContainerInsights_ENABLED,
		DefaultStrategy: []cluster.CapacityProvider{
			{Name: cluster.Ec2ProviderName("prod_main"), Base: 2, Weight: 1},
		},
		InstanceTypes:                       []string{"c6i.xlarge", "c7i.xlarge", "c5.xlarge"},
		MinCapacity:                         ptr(2),
		MaxCapacity:                         ptr(30),
		OnDemandBaseCapacity:                ptr(2),
		OnDemandPercentageAboveBaseCapacity: ptr(25),
		TargetCapacityPercent:               ptr(80),
		RootVolumeSizeGiB:                   ptr(50),
		ContainerStopTimeout:                ptr(90 * time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	tpl := testenv.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ECS::Cluster"), map[string]any{
		"ClusterSettings": []any{map[string]any{"Name": "containerInsights", "Value": "enabled"}},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ECS::ClusterCapacityProviderAssociations"), map[string]any{
		"DefaultCapacityProviderStrategy": []any{
			map[string]any{"CapacityProvider": map[string]any{"Ref": "ClusterEc2CapacityProvider232026A5"}, "Base": 2, "Weight": 1},
		},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ECS::CapacityProvider"), map[string]any{
		"Name":                     "prod_main-ec2",
		"AutoScalingGroupProvider": match(&map[string]any{"ManagedScaling": map[string]any{"Status": "ENABLED", "TargetCapacity": 80}}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
		"MinSize": "2", "MaxSize": "30",
		"MixedInstancesPolicy": match(&map[string]any{
			"InstancesDistribution": match(&map[string]any{"OnDemandBaseCapacity": 2, "OnDemandPercentageAboveBaseCapacity": 25}),
			"LaunchTemplate": match(&map[string]any{"Overrides": []any{
				map[string]any{"InstanceType": "c6i.xlarge"}, map[string]any{"InstanceType": "c7i.xlarge"}, map[string]any{"InstanceType": "c5.xlarge"},
			}}),
		}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::EC2::LaunchTemplate"), map[string]any{
		"LaunchTemplateData": match(&map[string]any{
			"BlockDeviceMappings": []any{match(&map[string]any{"Ebs": match(&map[string]any{"VolumeSize": 50})})},
			"UserData": map[string]any{"Fn::Base64": map[string]any{"Fn::Join": []any{"", arrayW(&[]any{
				assertions.Match_StringLikeRegexp(jsii.String("ECS_CONTAINER_STOP_TIMEOUT=90s")),
			})}}},
		}),
	})
}

// validProps returns props that pass validation; each invalid case breaks some of them.
func validProps(vpc awsec2.IVpc) cluster.ClusterProps {
	return cluster.ClusterProps{Vpc: vpc, Name: jsii.String("dev")}
}

func TestClusterInvalid(t *testing.T) {
	const prefix = `cluster "Test/Cluster": `
	cases := []struct {
		name   string
		change func(p *cluster.ClusterProps)
		want   []string
	}{
		{"no vpc and no name", func(p *cluster.ClusterProps) { p.Vpc, p.Name = nil, nil },
			[]string{`Vpc is required`, `Name is required`}},
		{"name charset", func(p *cluster.ClusterProps) { p.Name = jsii.String("dev env") },
			[]string{`Name "dev env" must be 1 to 251 letters, digits, "-" and "_"`}},
		{"name reserved prefix", func(p *cluster.ClusterProps) { p.Name = jsii.String("ECS-dev") },
			[]string{`Name "ECS-dev" must not start with "aws", "ecs" or "fargate" (AWS reserves them for capacity provider names)`}},
		{"insights off", func(p *cluster.ClusterProps) { p.ContainerInsights = awsecs.ContainerInsights_DISABLED },
			[]string{`ContainerInsights must be ENHANCED or ENABLED, got DISABLED`}},
		{"empty instance types", func(p *cluster.ClusterProps) { p.InstanceTypes = []string{} },
			[]string{`InstanceTypes must name at least one instance type`}},
		{"too few types for spot", func(p *cluster.ClusterProps) { p.InstanceTypes = []string{"m6i.large", "m7i.large"} },
			[]string{`InstanceTypes names 2 types; Spot (OnDemandPercentageAboveBaseCapacity 0 < 100) needs at least 3: each type in each zone is one Spot pool, and price-capacity-optimized can only move away from a pool being reclaimed if there are others`}},
		{"duplicate and malformed types", func(p *cluster.ClusterProps) {
			p.InstanceTypes = []string{"m6i.large", "M6i.large", "m6i.large", "m7g.large"}
		}, []string{
			`InstanceTypes: "M6i.large" is not an instance type like "m6i.large"`,
			`InstanceTypes names "m6i.large" twice; each type once`,
			`InstanceTypes: "m7g.large" is an arm64 (Graviton) type; the AMI is the x86_64 ECS-optimized Amazon Linux 2023`,
		}},
		{"on-demand base above max", func(p *cluster.ClusterProps) { p.MaxCapacity, p.OnDemandBaseCapacity = ptr(3), ptr(4) },
			[]string{`OnDemandBaseCapacity 4 must be between 0 and MaxCapacity 3`}},
		{"percentage above 100", func(p *cluster.ClusterProps) { p.OnDemandPercentageAboveBaseCapacity = ptr(101) },
			[]string{`OnDemandPercentageAboveBaseCapacity must be between 0 and 100, got 101`}},
		{"percentage negative", func(p *cluster.ClusterProps) { p.OnDemandPercentageAboveBaseCapacity = ptr(-1) },
			[]string{`OnDemandPercentageAboveBaseCapacity must be between 0 and 100, got -1`}},
		{"min above max", func(p *cluster.ClusterProps) { p.MinCapacity, p.MaxCapacity = ptr(5), ptr(3) },
			[]string{`MinCapacity 5 must be <= MaxCapacity 3`}},
		{"max zero", func(p *cluster.ClusterProps) {
			p.MinCapacity, p.MaxCapacity, p.OnDemandBaseCapacity = ptr(0), ptr(0), ptr(0)
		},
			[]string{`MaxCapacity must be >= 1, got 0`}},
		{"target capacity zero", func(p *cluster.ClusterProps) { p.TargetCapacityPercent = ptr(0) },
			[]string{`TargetCapacityPercent must be between 1 and 100, got 0`}},
		{"small root volume and long stop timeout", func(p *cluster.ClusterProps) {
			p.RootVolumeSizeGiB, p.ContainerStopTimeout = ptr(20), ptr(150*time.Second)
		}, []string{
			`RootVolumeSizeGiB must be between 30 and 16384, got 20`,
			`ContainerStopTimeout must be whole seconds between 1s and 2m0s, got 2m30s`,
		}},
		{"strategy negative weight and base", func(p *cluster.ClusterProps) {
			p.DefaultStrategy = []cluster.CapacityProvider{{Name: cluster.Fargate, Weight: -1, Base: -1}, {Name: cluster.FargateSpot, Weight: 1}}
		}, []string{
			`DefaultStrategy[0].Base must be between 0 and 100000, got -1`,
			`DefaultStrategy[0].Weight must be between 0 and 1000, got -1`,
		}},
		{"strategy unknown provider names the known ones", func(p *cluster.ClusterProps) {
			p.DefaultStrategy = []cluster.CapacityProvider{{Name: "EC2", Weight: 1}}
		}, []string{`DefaultStrategy[0].Name "EC2" is not one of FARGATE, FARGATE_SPOT, dev-ec2`}},
		{"strategy without weight", func(p *cluster.ClusterProps) {
			p.DefaultStrategy = []cluster.CapacityProvider{{Name: cluster.Fargate, Base: 2}}
		}, []string{`DefaultStrategy: at least one provider must have a Weight above 0, or no task is placed beyond the Base`}},
		{"strategy two bases", func(p *cluster.ClusterProps) {
			p.DefaultStrategy = []cluster.CapacityProvider{{Name: cluster.Fargate, Base: 1, Weight: 1}, {Name: cluster.FargateSpot, Base: 1, Weight: 1}}
		}, []string{`DefaultStrategy: only one provider may have a Base above 0, got FARGATE and FARGATE_SPOT`}},
		{"strategy mixes fargate and ec2", func(p *cluster.ClusterProps) {
			p.DefaultStrategy = []cluster.CapacityProvider{{Name: cluster.Fargate, Weight: 1}, {Name: "dev-ec2", Weight: 1}}
		}, []string{`DefaultStrategy mixes Fargate and EC2 providers; ECS runs a service on one or the other`}},
		{"strategy duplicate provider", func(p *cluster.ClusterProps) {
			p.DefaultStrategy = []cluster.CapacityProvider{{Name: "dev-ec2", Weight: 1}, {Name: "dev-ec2", Weight: 1}}
		}, []string{`DefaultStrategy[1].Name "dev-ec2" appears twice; name each provider once`}},
		{"fargate-only strategy on EC2", func(p *cluster.ClusterProps) {
			p.FargateOnly = ptr(true)
			p.DefaultStrategy = []cluster.CapacityProvider{{Name: "dev-ec2", Weight: 1}}
		}, []string{`DefaultStrategy[0].Name "dev-ec2" is not one of FARGATE, FARGATE_SPOT (no EC2 capacity provider is declared)`}},
		{"fargate-only with EC2 props", func(p *cluster.ClusterProps) {
			p.FargateOnly = ptr(true)
			p.InstanceTypes, p.MaxCapacity, p.ZonalShift = []string{"m6i.large"}, ptr(3), ptr(true)
		}, []string{`InstanceTypes, MaxCapacity, ZonalShift set, but FargateOnly is true: a Fargate-only cluster has no EC2 instances; leave them unset or FargateOnly false`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{AvailabilityZones: jsii.Strings(testenv.Zones...)})
			before := len(*stack.Node().Children())
			props := validProps(vpc)
			tc.change(&props)
			cl, err := cluster.NewCluster(stack, jsii.String("Cluster"), &props)
			want := prefix + strings.Join(tc.want, "\n"+prefix)
			if err == nil || err.Error() != want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, want)
			}
			if cl != nil || len(*stack.Node().Children()) != before {
				t.Fatal("an invalid cluster must create nothing")
			}
		})
	}
}

func TestClusterInvalidVpc(t *testing.T) {
	stack := testenv.Stack(t)
	// A VPC with public subnets only: nowhere to put the instances.
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings(testenv.Zones...),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC},
		},
	})
	_, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{Vpc: vpc, Name: jsii.String("dev")})
	want := `cluster "Test/Cluster": Vpc must have PRIVATE_WITH_EGRESS subnets in at least 2 zones, got 0`
	if err == nil || err.Error() != want {
		t.Fatalf("got error\n  %v\nwant\n  %s", err, want)
	}
}

func TestClusterNag(t *testing.T) {
	stack := testenv.Stack(t)
	vpc := testenv.Vpc(t, stack)
	if _, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{Vpc: vpc, Name: jsii.String("dev")}); err != nil {
		t.Fatal(err)
	}
	for _, f := range testenv.NagFindings(stack) {
		t.Error(f)
	}
}

// TestTeardown: the function that lifts the group's scale-in protection, its custom resource,
// their place in the order of creation and deletion, and least-privilege permissions.
func TestTeardown(t *testing.T) {
	stack := testenv.Stack(t)
	vpc := testenv.Vpc(t, stack)
	if _, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{Vpc: vpc, Name: jsii.String("dev")}); err != nil {
		t.Fatal(err)
	}
	tpl := testenv.Template(stack)
	code, err := os.ReadFile("teardown.js")
	if err != nil {
		t.Fatal(err)
	}
	const (
		asg, fn, cr            = "ClusterAutoScalingGroupASG8FBA5099", "ClusterTeardownFunctionFAAB6D67", "ClusterTeardownF462F9EA"
		groupPolicy, fnPolicy  = "ClusterTeardownGroupPolicyC6B2066F", "ClusterTeardownRoleDefaultPolicy24DC6294"
		logs, role, asgArnHead = "ClusterTeardownLogs69B65D0E", "ClusterTeardownRole22FE73EE", "arn:aws:autoscaling:ap-northeast-1:123456789012:autoScalingGroup:*:autoScalingGroupName/"
	)
	// The code is inline: no asset to build or upload.
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Runtime": "nodejs24.x", "Handler": "index.handler", "Timeout": 300,
		"Code":          map[string]any{"ZipFile": string(code)},
		"Role":          map[string]any{"Fn::GetAtt": []any{role, "Arn"}},
		"LoggingConfig": map[string]any{"LogGroup": map[string]any{"Ref": logs}},
	})
	tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"Properties": map[string]any{"RetentionInDays": 90}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
	})
	// The custom resource refers to the group: CloudFormation deletes it first.
	tpl.HasResource(jsii.String("Custom::Ec2CapacityTeardown"), map[string]any{
		"Properties": map[string]any{
			"ServiceToken":         map[string]any{"Fn::GetAtt": []any{fn, "Arn"}},
			"AutoScalingGroupName": map[string]any{"Ref": asg},
			"ServiceTimeout":       "360",
		},
		// It keeps the permissions on the group until its Delete has run.
		"DependsOn": []any{groupPolicy},
	})
	// The capacity provider, and with it the cluster's association, are deleted before the
	// custom resource: ECS no longer manages the group when its protection is lifted.
	tpl.HasResource(jsii.String("AWS::ECS::CapacityProvider"), map[string]any{"DependsOn": []any{cr}})
	// The group waits for the function: a function that fails to create rolls back before any
	// instance is protected.
	tpl.HasResource(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{"DependsOn": []any{fn}})

	// Least privilege: the actions that change the group, on this group only; describing groups
	// (no resource-level permissions) on *; the stack's status on this stack only.
	tpl.HasResource(jsii.String("AWS::IAM::Policy"), map[string]any{
		"Properties": match(&map[string]any{
			"PolicyName": groupPolicy,
			"Roles":      []any{map[string]any{"Ref": role}},
			"PolicyDocument": match(&map[string]any{"Statement": []any{map[string]any{
				"Effect":   "Allow",
				"Action":   []any{"autoscaling:SetInstanceProtection", "autoscaling:UpdateAutoScalingGroup"},
				"Resource": map[string]any{"Fn::Join": []any{"", []any{asgArnHead, map[string]any{"Ref": asg}}}},
			}}}),
		}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyName": fnPolicy,
		"PolicyDocument": match(&map[string]any{"Statement": []any{
			map[string]any{"Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"},
				"Resource": map[string]any{"Fn::GetAtt": []any{logs, "Arn"}}},
			map[string]any{"Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": map[string]any{"Ref": "AWS::StackId"}},
			map[string]any{"Effect": "Allow", "Action": "autoscaling:DescribeAutoScalingGroups", "Resource": "*"},
		}}),
	})
	tpl.ResourceCountIs(jsii.String("Custom::Ec2CapacityTeardown"), jsii.Number(1))
}

// TestTeardownHandler runs the function's own tests (teardown_test.js, Node's test runner,
// fake AWS clients) on the Node that runs jsii.
func TestTeardownHandler(t *testing.T) {
	node := os.Getenv("JSII_NODE")
	if node == "" {
		var err error
		if node, err = exec.LookPath("node"); err != nil {
			t.Fatal("no Node to run teardown_test.js with: set JSII_NODE or put node on PATH")
		}
	}
	out, err := exec.Command(node, "--test", "teardown_test.js").CombinedOutput()
	if err != nil {
		t.Fatalf("node --test teardown_test.js: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "fail 0") {
		t.Fatalf("node --test teardown_test.js did not report its results:\n%s", out)
	}
}

func TestZonalShift(t *testing.T) {
	for _, tc := range []struct {
		name  string
		shift *bool
		want  any
	}{
		{"default: on", nil, map[string]any{"ZonalShiftEnabled": true, "ImpairedZoneHealthCheckBehavior": "IgnoreUnhealthy"}},
		{"on", ptr(true), map[string]any{"ZonalShiftEnabled": true, "ImpairedZoneHealthCheckBehavior": "IgnoreUnhealthy"}},
		// Off leaves the property out: ZonalShiftEnabled false is only for a group that had it on.
		{"off", ptr(false), assertions.Match_Absent()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			vpc := testenv.Vpc(t, stack)
			if _, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{Vpc: vpc, Name: jsii.String("dev"), ZonalShift: tc.shift}); err != nil {
				t.Fatal(err)
			}
			testenv.Template(stack).HasResourceProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
				"AvailabilityZoneImpairmentPolicy": tc.want,
			})
		})
	}
}

// TestFargateOnly: a Fargate-only cluster is the cluster and its provider associations, nothing
// of EC2; services on it may name only the Fargate providers.
func TestFargateOnly(t *testing.T) {
	stack := testenv.Stack(t)
	vpc := testenv.Vpc(t, stack)
	cl, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{
		Vpc: vpc, Name: jsii.String("dev"), FargateOnly: ptr(true),
		DefaultStrategy: []cluster.CapacityProvider{{Name: cluster.FargateSpot, Weight: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cl.Ec2CapacityProviderName != "" || cl.AutoScalingGroup != nil || cl.Ec2CapacityProvider != nil || cl.LaunchTemplate != nil ||
		cl.InstanceRole != nil || cl.SecurityGroup != nil || cl.TeardownFunction != nil || cl.Teardown != nil {
		t.Error("a Fargate-only cluster exports EC2 resources")
	}
	if got := strings.Join(cl.CapacityProviderNames, ","); got != "FARGATE,FARGATE_SPOT" {
		t.Errorf("CapacityProviderNames = %s", got)
	}
	tpl := testenv.Template(stack)
	for _, typ := range []string{"AWS::AutoScaling::AutoScalingGroup", "AWS::AutoScaling::LifecycleHook", "AWS::AutoScaling::ScalingPolicy",
		"AWS::EC2::LaunchTemplate", "AWS::ECS::CapacityProvider", "Custom::Ec2CapacityTeardown", "AWS::IAM::InstanceProfile"} {
		tpl.ResourceCountIs(jsii.String(typ), jsii.Number(0))
	}
	// Everything the cluster creates, by type: the VPC's resources are not under Cluster.
	var types []string
	for id, r := range *tpl.ToJSON() {
		if id != "Resources" {
			continue
		}
		for logicalID, res := range r.(map[string]any) {
			if strings.HasPrefix(logicalID, "Cluster") {
				types = append(types, res.(map[string]any)["Type"].(string))
			}
		}
	}
	slices.Sort(types)
	if got := strings.Join(types, ","); got != "AWS::ECS::Cluster,AWS::ECS::ClusterCapacityProviderAssociations" {
		t.Errorf("a Fargate-only cluster creates %s; want only the cluster and its provider associations", got)
	}
	tpl.HasResourceProperties(jsii.String("AWS::ECS::ClusterCapacityProviderAssociations"), map[string]any{
		"CapacityProviders":               []any{"FARGATE", "FARGATE_SPOT"},
		"DefaultCapacityProviderStrategy": []any{map[string]any{"CapacityProvider": "FARGATE_SPOT", "Base": 0, "Weight": 1}},
	})

	// cdk-nag on a stack of its own: a stack is synthesized once.
	stack = testenv.Stack(t)
	if _, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{
		Vpc: testenv.Vpc(t, stack), Name: jsii.String("dev"), FargateOnly: ptr(true),
	}); err != nil {
		t.Fatal(err)
	}
	for _, f := range testenv.NagFindings(stack) {
		t.Error(f)
	}
}

// encryptsInTransit are the families of the "Encryption in transit" section of the EC2 User
// Guide's data protection page
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/data-protection.html#encryption-transit),
// general purpose and compute optimized x86_64 families only: instances of these types encrypt
// the traffic between them in the Nitro hardware.
var encryptsInTransit = []string{
	"m5dn", "m5n", "m5zn", "m6a", "m6i", "m6id", "m6idn", "m6in", "m7a", "m7i", "m7i-flex", "m8a", "m8i", "m8i-flex",
	"c5n", "c6a", "c6i", "c6id", "c6in", "c7a", "c7i", "c7i-flex", "c8a", "c8i", "c8i-flex",
}

// TestDefaultInstanceTypesEncryptInTransit: no default instance type lacks Nitro encryption in
// transit (m5.large, the usual fourth type, lacks it).
func TestDefaultInstanceTypesEncryptInTransit(t *testing.T) {
	stack := testenv.Stack(t)
	vpc := testenv.Vpc(t, stack)
	if _, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{Vpc: vpc, Name: jsii.String("dev")}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, asg := range *testenv.Template(stack).FindResources(jsii.String("AWS::AutoScaling::AutoScalingGroup"), nil) {
		overrides := (*asg)["Properties"].(map[string]any)["MixedInstancesPolicy"].(map[string]any)["LaunchTemplate"].(map[string]any)["Overrides"].([]any)
		for _, o := range overrides {
			n++
			typ := o.(map[string]any)["InstanceType"].(string)
			family, size, _ := strings.Cut(typ, ".")
			if !slices.Contains(encryptsInTransit, family) {
				t.Errorf("default instance type %s does not encrypt traffic between instances", typ)
			}
			if size != "large" {
				t.Errorf("default instance type %s is not a .large (2 vCPU, 8 GiB)", typ)
			}
		}
	}
	if n < 3 {
		t.Errorf("%d default instance types, want at least 3", n)
	}
}

// TestDeclaresItsProviders: a web service or worker given the cluster checks its strategy
// against the cluster's providers (capacity.Ec2Providers).
func TestDeclaresItsProviders(t *testing.T) {
	stack := testenv.Stack(t)
	vpc := testenv.Vpc(t, stack)
	withEc2, err := cluster.NewCluster(stack, jsii.String("Cluster"), &cluster.ClusterProps{Vpc: vpc, Name: jsii.String("main")})
	if err != nil {
		t.Fatal(err)
	}
	fargateOnly, err := cluster.NewCluster(stack, jsii.String("Fargate"), &cluster.ClusterProps{Vpc: vpc, Name: jsii.String("side"), FargateOnly: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	c := check.New("svc", "Test/Svc")
	if got := capacity.Ec2Providers(c, "Ec2CapacityProviders", withEc2.Cluster, nil); strings.Join(got, ",") != "main-ec2" {
		t.Errorf("EC2 providers of a cluster with EC2 capacity: %q, want main-ec2", got)
	}
	if got := capacity.Ec2Providers(c, "Ec2CapacityProviders", fargateOnly.Cluster, nil); len(got) != 0 {
		t.Errorf("EC2 providers of a Fargate-only cluster: %q, want none", got)
	}
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
}
