package autoheal_test

import (
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/cloudassemblyschema"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/autoheal"
	"github.com/okiagari/okiagari/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fileSystemLogicalID is the EFS file system's logical ID for a Host "Chat" in a stack. It is
// pinned: a changed ID makes CloudFormation create a new, empty file system (the old one is
// retained, but the app no longer sees its data).
const fileSystemLogicalID = "ChatFileSystemAF16CBEF"

// fixture is a stack with a VPC and a topic, ready for a Host.
func fixture(t *testing.T) (awscdk.Stack, awsec2.IVpc, awssns.ITopic) {
	t.Helper()
	stack := testenv.Stack(t)
	vpc := testenv.Vpc(t, stack)
	topic := awssns.NewTopic(stack, jsii.String("Alarms"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})
	return stack, vpc, topic
}

func chat(vpc awsec2.IVpc, topic awssns.ITopic) *autoheal.HostProps {
	return &autoheal.HostProps{Name: "chat", Vpc: vpc, Topic: topic, ComposeDirectory: "/mnt/efs/chat"}
}

func TestHostDefaults(t *testing.T) {
	stack, vpc, topic := fixture(t)
	h, err := autoheal.NewHost(stack, jsii.String("Chat"), chat(vpc, topic))
	if err != nil {
		t.Fatal(err)
	}
	if h.FileSystem == nil || h.FileSystemSecurityGroup == nil || h.InstanceSecurityGroup == nil || h.LaunchTemplate == nil ||
		h.AutoScalingGroup == nil || h.InstanceRole == nil || h.Alarm == nil || h.UserData == nil {
		t.Fatal("exported resources not set")
	}
	// No AMI or SSM context look-up: the AMI comes from an SSM parameter that CloudFormation
	// resolves, so synthesis needs neither credentials nor cdk.context.json for it. (The stack's
	// availability-zones entry comes from the test VPC, whose zones are explicit.)
	if missing := awscdk.Stage_Of(stack).Synth(nil).Manifest().Missing; missing != nil {
		for _, m := range *missing {
			if m.Provider != cloudassemblyschema.ContextProvider_AVAILABILITY_ZONE_PROVIDER {
				t.Errorf("synthesis asks for context %s", *m.Key)
			}
		}
	}
	tpl := testenv.Template(stack)

	// EFS: encrypted, backed up, IA after 30 days and back on access, retained, mount target per zone.
	tpl.ResourceCountIs(jsii.String("AWS::EFS::FileSystem"), jsii.Number(1))
	tpl.HasResource(jsii.String("AWS::EFS::FileSystem"), map[string]any{
		"Properties": map[string]any{
			"Encrypted":    true,
			"BackupPolicy": map[string]any{"Status": "ENABLED"},
			"LifecyclePolicies": []any{
				map[string]any{"TransitionToIA": "AFTER_30_DAYS"},
				map[string]any{"TransitionToPrimaryStorageClass": "AFTER_1_ACCESS"},
			},
			"AvailabilityZoneName": assertions.Match_Absent(),
			"ThroughputMode":       "elastic",
			"FileSystemPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Sid": "DenyUnencryptedTransport", "Effect": "Deny", "Principal": map[string]any{"AWS": "*"}, "Action": "*",
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			}})},
		},
		"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
	})
	tpl.ResourceCountIs(jsii.String("AWS::EFS::MountTarget"), jsii.Number(3))
	subnets := map[string]bool{}
	for _, mt := range *tpl.FindResources(jsii.String("AWS::EFS::MountTarget"), nil) {
		subnets[fmt.Sprint((*mt)["Properties"].(map[string]any)["SubnetId"])] = true
	}
	if len(subnets) != 3 {
		t.Errorf("mount targets are in %d subnets, want 3: %v", len(subnets), subnets)
	}

	// NFS to the file system only from the instance's security group, nothing else.
	fsSG := logicalID(t, tpl, "AWS::EC2::SecurityGroup", "Test/Chat/FileSystemSecurityGroup/Resource")
	instSG := logicalID(t, tpl, "AWS::EC2::SecurityGroup", "Test/Chat/InstanceSecurityGroup/Resource")
	tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), map[string]any{
		"GroupDescription":     "autoheal chat file system: NFS from the instance only",
		"SecurityGroupIngress": assertions.Match_Absent(),
	})
	ingress := tpl.FindResources(jsii.String("AWS::EC2::SecurityGroupIngress"), nil)
	if len(*ingress) != 1 {
		t.Fatalf("want exactly one ingress rule (NFS), got %d", len(*ingress))
	}
	tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), map[string]any{
		"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049,
		"GroupId":               map[string]any{"Fn::GetAtt": []any{fsSG, "GroupId"}},
		"SourceSecurityGroupId": map[string]any{"Fn::GetAtt": []any{instSG, "GroupId"}},
	})

	// Launch template: AL2023 from the public SSM parameter, IMDSv2, no key, encrypted gp3 root.
	tpl.HasResourceProperties(jsii.String("AWS::EC2::LaunchTemplate"), map[string]any{
		"LaunchTemplateData": map[string]any{
			"InstanceType":                      "t3.small",
			"KeyName":                           assertions.Match_Absent(),
			"InstanceInitiatedShutdownBehavior": "terminate",
			"MetadataOptions":                   map[string]any{"HttpTokens": "required", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 2},
			"BlockDeviceMappings": []any{map[string]any{"DeviceName": "/dev/xvda", "Ebs": map[string]any{
				"Encrypted": true, "VolumeType": "gp3", "VolumeSize": 30, "DeleteOnTermination": true,
			}}},
			"SecurityGroupIds": []any{map[string]any{"Fn::GetAtt": []any{instSG, "GroupId"}}},
		},
	})
	tpl.HasParameter(jsii.String("*"), map[string]any{
		"Type":    "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
		"Default": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64",
	})
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"ManagedPolicyArns": []any{map[string]any{"Fn::Join": []any{"", []any{
			"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::aws:policy/AmazonSSMManagedInstanceCore",
		}}}},
	})
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action":   []any{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientRootAccess", "elasticfilesystem:ClientWrite"},
			"Resource": map[string]any{"Fn::GetAtt": []any{fileSystemLogicalID, "Arn"}},
		}}},
	})

	// ASG: exactly one over the three private subnets, notified, OldestInstance, replaced in place.
	tpl.HasResource(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
		"Properties": map[string]any{
			"MinSize": "1", "MaxSize": "1", "DesiredCapacity": "1",
			"VPCZoneIdentifier":         assertions.Match_ArrayWith(&[]any{map[string]any{"Ref": "VpcPrivateSubnet1Subnet7BECC33A"}}),
			"TerminationPolicies":       []any{"OldestInstance"},
			"HealthCheckType":           "EC2",
			"HealthCheckGracePeriod":    300,
			"Cooldown":                  "150",
			"InstanceMaintenancePolicy": map[string]any{"MinHealthyPercentage": 0, "MaxHealthyPercentage": 100},
			"MetricsCollection":         []any{map[string]any{"Granularity": "1Minute"}},
			"TargetGroupARNs":           assertions.Match_Absent(),
			"NotificationConfigurations": []any{map[string]any{
				"TopicARN": map[string]any{"Ref": logicalID(t, tpl, "AWS::SNS::Topic", "Test/Alarms/Resource")},
				"NotificationTypes": []any{
					"autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
					"autoscaling:EC2_INSTANCE_TERMINATE", "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
				},
			}},
		},
		"UpdatePolicy": map[string]any{"AutoScalingRollingUpdate": map[string]any{"MinInstancesInService": 0, "MaxBatchSize": 1}},
		"Metadata":     map[string]any{"okiagari": map[string]any{"kind": "autoheal", "name": "chat", "bootSeconds": autoheal.BootSeconds, "graceSeconds": 300}},
		"DependsOn":    assertions.Match_ArrayWith(&[]any{assertions.Match_StringLikeRegexp(jsii.String("^ChatFileSystemEfsMountTarget"))}),
	})
	asg := *tpl.FindResources(jsii.String("AWS::AutoScaling::AutoScalingGroup"), nil)
	for _, r := range asg {
		if n := len((*r)["Properties"].(map[string]any)["VPCZoneIdentifier"].([]any)); n != 3 {
			t.Errorf("group spans %d subnets, want 3", n)
		}
	}

	// Alarm: no instance in service for five one-minute periods, missing data breaching.
	topicRef := map[string]any{"Ref": logicalID(t, tpl, "AWS::SNS::Topic", "Test/Alarms/Resource")}
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"Namespace": "AWS/AutoScaling", "MetricName": "GroupInServiceInstances",
		"ComparisonOperator": "LessThanThreshold", "Threshold": 1,
		"Period": 60, "EvaluationPeriods": 5, "DatapointsToAlarm": 5,
		"TreatMissingData": "breaching",
		"AlarmActions":     []any{topicRef}, "OKActions": []any{topicRef},
	})
}

func TestHostUserData(t *testing.T) {
	stack, vpc, topic := fixture(t)
	if _, err := autoheal.NewHost(stack, jsii.String("Chat"), chat(vpc, topic)); err != nil {
		t.Fatal(err)
	}
	script := userData(t, testenv.Template(stack))
	fs := "<Ref:" + fileSystemLogicalID + ">"
	steps := []string{ // in the order they must run
		"#!/bin/bash\nset -euo pipefail\n",
		"\ndnf install -y amazon-efs-utils docker amazon-ecr-credential-helper\n",
		`"https://github.com/docker/compose/releases/download/v2.32.4/docker-compose-linux-$(uname -m)"`,
		"\nsystemctl enable --now docker\n",
		`echo '{"credHelpers": {"<Ref:AWS::AccountId>.dkr.ecr.<Ref:AWS::Region>.<Ref:AWS::URLSuffix>": "ecr-login"}}' > /root/.docker/config.json`,
		"echo '" + fs + ":/ /mnt/efs efs _netdev,tls,iam 0 0' >> /etc/fstab\n",
		"\nuntil mountpoint -q /mnt/efs; do\n  mount /mnt/efs || true\n",
		`giveup "` + fs + ` not mounted at /mnt/efs after 300 s"`,
		"\nmkdir -p /mnt/efs/chat\n",
		"cat > /etc/systemd/system/compose-chat.service <<'UNIT'\n[Unit]\n",
		"\nAfter=docker.service remote-fs.target network-online.target\n",
		"\nRequiresMountsFor=/mnt/efs\n",
		"\nWorkingDirectory=/mnt/efs/chat\nEnvironment=DOCKER_CONFIG=/root/.docker\nExecStart=/usr/bin/docker compose up --remove-orphans\nExecStop=/usr/bin/docker compose down\nRestart=always\n",
		"\nWantedBy=multi-user.target\nUNIT\n",
		"\nsystemctl enable --now compose-chat.service",
	}
	at := 0
	for _, s := range steps {
		i := strings.Index(script[at:], s)
		if i < 0 {
			t.Fatalf("user data lacks (after byte %d)\n%s\n--- script:\n%s", at, s, script)
		}
		at += i + len(s)
	}
	// The script must at least parse.
	cmd := exec.Command("bash", "-n")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
}

func TestHostOptions(t *testing.T) {
	stack, vpc, topic := fixture(t)
	hop, ia, root := 1, 1, 50
	grace := 10 * time.Minute
	props := &autoheal.HostProps{
		Name: "wiki", Vpc: vpc, Topic: topic,
		MountPoint: jsii.String("/data"), ComposeDirectory: "/data/apps/wiki",
		InstanceType:           jsii.String("t4g.medium"),
		HealthCheckGracePeriod: &grace,
		MetadataHopLimit:       &hop, InfrequentAccessAfterDays: &ia, RootVolumeGiB: &root,
		ComposePluginVersion: jsii.String("v2.29.7"),
	}
	if _, err := autoheal.NewHost(stack, jsii.String("Wiki"), props); err != nil {
		t.Fatal(err)
	}
	if props.Cooldown != nil || props.Capacity != nil {
		t.Error("NewHost wrote to the caller's props")
	}
	tpl := testenv.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::EFS::FileSystem"), map[string]any{
		"LifecyclePolicies": assertions.Match_ArrayWith(&[]any{map[string]any{"TransitionToIA": "AFTER_1_DAY"}}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::EC2::LaunchTemplate"), map[string]any{
		"LaunchTemplateData": map[string]any{
			"InstanceType":        "t4g.medium",
			"MetadataOptions":     map[string]any{"HttpTokens": "required", "HttpPutResponseHopLimit": 1},
			"BlockDeviceMappings": []any{map[string]any{"DeviceName": "/dev/xvda", "Ebs": assertions.Match_ObjectLike(&map[string]any{"VolumeSize": 50})}},
		},
	})
	tpl.HasParameter(jsii.String("*"), map[string]any{
		"Default": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64",
	})
	tpl.HasResourceProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
		"HealthCheckGracePeriod": 600, "Cooldown": "300",
	})
	tpl.HasResource(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
		"Metadata": map[string]any{"okiagari": map[string]any{"kind": "autoheal", "name": "wiki", "graceSeconds": 600}},
	})
	script := userData(t, tpl)
	for _, want := range []string{
		"/ /data efs _netdev,tls,iam 0 0",
		"RequiresMountsFor=/data\n",
		"WorkingDirectory=/data/apps/wiki\n",
		"/download/v2.29.7/",
		"systemctl enable --now compose-wiki.service",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("user data lacks %q", want)
		}
	}

	// An explicit cooldown wins over half the grace period.
	stack, vpc, topic = fixture(t)
	cool := 45 * time.Second
	p := chat(vpc, topic)
	p.Cooldown = &cool
	if _, err := autoheal.NewHost(stack, jsii.String("Chat"), p); err != nil {
		t.Fatal(err)
	}
	testenv.Template(stack).HasResourceProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
		"HealthCheckGracePeriod": 300, "Cooldown": "45",
	})
}

func TestHostTargetGroup(t *testing.T) {
	for _, elb := range []bool{false, true} {
		t.Run(fmt.Sprintf("ElbHealthCheck=%v", elb), func(t *testing.T) {
			stack, vpc, topic := fixture(t)
			tg := elbv2.ApplicationTargetGroup_FromTargetGroupAttributes(stack, jsii.String("TG"), &elbv2.TargetGroupAttributes{
				TargetGroupArn: jsii.String("arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/chat/0123456789abcdef"),
			})
			p := chat(vpc, topic)
			p.TargetGroup, p.ElbHealthCheck = tg, jsii.Bool(elb)
			if _, err := autoheal.NewHost(stack, jsii.String("Chat"), p); err != nil {
				t.Fatal(err)
			}
			want := map[bool]string{false: "EC2", true: "ELB"}[elb]
			testenv.Template(stack).HasResourceProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
				"HealthCheckType": want, "HealthCheckGracePeriod": 300,
				"TargetGroupARNs": []any{"arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/chat/0123456789abcdef"},
			})
			// AwsSolutions-AS2 asks only for a grace period with ELB checks; off, nothing to suppress.
			for _, f := range testenv.NagFindings(stack) {
				t.Error(f)
			}
		})
	}
}

func TestHostLogicalIDs(t *testing.T) {
	stack, vpc, topic := fixture(t)
	if _, err := autoheal.NewHost(stack, jsii.String("Chat"), chat(vpc, topic)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for id := range *testenv.Template(stack).FindResources(jsii.String("AWS::EFS::FileSystem"), nil) {
		got = append(got, id)
	}
	if len(got) != 1 || got[0] != fileSystemLogicalID {
		t.Fatalf("EFS logical IDs %v, want [%s]: a changed ID gives the app a new, empty file system", got, fileSystemLogicalID)
	}
}

func TestHostNag(t *testing.T) {
	stack, vpc, topic := fixture(t)
	if _, err := autoheal.NewHost(stack, jsii.String("Chat"), chat(vpc, topic)); err != nil {
		t.Fatal(err)
	}
	for _, f := range testenv.NagFindings(stack) {
		t.Error(f)
	}
}

func TestHostInvalid(t *testing.T) {
	two, zero, hop0, hop65, ia45, root4 := 2, 0, 0, 65, 45, 4
	neg, frac := -time.Second, 1500*time.Millisecond
	const at = `autoheal "Test/Chat": `
	cases := []struct {
		name   string
		change func(p *autoheal.HostProps)
		want   string
	}{
		{"capacity 2", func(p *autoheal.HostProps) { p.Capacity = &two },
			at + "Capacity must be 1 (one writer: a second instance would write the same EFS data at the same time), got 2"},
		{"capacity 0", func(p *autoheal.HostProps) { p.Capacity = &zero },
			at + "Capacity must be 1 (one writer: a second instance would write the same EFS data at the same time), got 0"},
		{"no compose directory", func(p *autoheal.HostProps) { p.ComposeDirectory = "" },
			at + `ComposeDirectory is required: the directory on EFS, under MountPoint "/mnt/efs", that holds the compose file`},
		{"relative compose directory", func(p *autoheal.HostProps) { p.ComposeDirectory = "chat" },
			at + `ComposeDirectory "chat" must be an absolute path`},
		{"compose directory outside the mount", func(p *autoheal.HostProps) { p.ComposeDirectory = "/srv/chat" },
			at + `ComposeDirectory "/srv/chat" must be under MountPoint "/mnt/efs"`},
		{"compose directory prefix only", func(p *autoheal.HostProps) { p.ComposeDirectory = "/mnt/efs2/chat" },
			at + `ComposeDirectory "/mnt/efs2/chat" must be under MountPoint "/mnt/efs"`},
		{"compose directory escapes", func(p *autoheal.HostProps) { p.ComposeDirectory = "/mnt/efs/../etc" },
			at + `ComposeDirectory "/mnt/efs/../etc" is not a clean path; use "/mnt/etc"`},
		{"compose directory with a space", func(p *autoheal.HostProps) { p.ComposeDirectory = "/mnt/efs/my chat" },
			at + `ComposeDirectory "/mnt/efs/my chat" may contain only letters, digits, ".", "_", "-" and "/"`},
		{"relative mount point", func(p *autoheal.HostProps) { p.MountPoint = jsii.String("efs") },
			at + `MountPoint "efs" must be an absolute path`},
		{"root mount point", func(p *autoheal.HostProps) { p.MountPoint = jsii.String("/") },
			at + `MountPoint must not be "/"`},
		{"negative grace", func(p *autoheal.HostProps) { p.HealthCheckGracePeriod = &neg },
			at + "HealthCheckGracePeriod must be >= 0s, got -1s"},
		{"fractional grace", func(p *autoheal.HostProps) { p.HealthCheckGracePeriod = &frac },
			at + "HealthCheckGracePeriod must be a whole number of seconds, got 1.5s"},
		{"negative cooldown", func(p *autoheal.HostProps) { p.Cooldown = &neg },
			at + "Cooldown must be >= 0s, got -1s"},
		{"bad instance type", func(p *autoheal.HostProps) { p.InstanceType = jsii.String("t3small") },
			at + `InstanceType "t3small" must be an EC2 instance type like "t3.small"`},
		{"hop limit 0", func(p *autoheal.HostProps) { p.MetadataHopLimit = &hop0 },
			at + "MetadataHopLimit must be between 1 and 64, got 0"},
		{"hop limit 65", func(p *autoheal.HostProps) { p.MetadataHopLimit = &hop65 },
			at + "MetadataHopLimit must be between 1 and 64, got 65"},
		{"IA 45 days", func(p *autoheal.HostProps) { p.InfrequentAccessAfterDays = &ia45 },
			at + "InfrequentAccessAfterDays must be one of 1, 7, 14, 30, 60, 90, 180, 270, 365, got 45"},
		{"root volume 4 GiB", func(p *autoheal.HostProps) { p.RootVolumeGiB = &root4 },
			at + "RootVolumeGiB must be between 8 and 16384, got 4"},
		{"bad compose version", func(p *autoheal.HostProps) { p.ComposePluginVersion = jsii.String("2.32.4") },
			at + `ComposePluginVersion "2.32.4" must be a Docker Compose v2 release tag like "v2.32.4"`},
		{"ELB check without target group", func(p *autoheal.HostProps) { p.ElbHealthCheck = jsii.Bool(true) },
			at + "ElbHealthCheck needs a TargetGroup to take the health of the instance from"},
		{"uppercase name", func(p *autoheal.HostProps) { p.Name = "Chat" },
			at + `Name "Chat" must be 1 to 32 lowercase letters, digits and hyphens, starting with a letter`},
		{"no vpc, no topic", func(p *autoheal.HostProps) { p.Vpc, p.Topic = nil, nil },
			at + "Vpc is required\n" + at + "Topic is required: the group's notifications and alarm go to it"},
		{"all at once", func(p *autoheal.HostProps) { p.Name, p.Capacity, p.ComposeDirectory = "", &two, "" },
			at + `Name "" must be 1 to 32 lowercase letters, digits and hyphens, starting with a letter` + "\n" +
				at + "Capacity must be 1 (one writer: a second instance would write the same EFS data at the same time), got 2\n" +
				at + `ComposeDirectory is required: the directory on EFS, under MountPoint "/mnt/efs", that holds the compose file`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack, vpc, topic := fixture(t)
			before := len(*stack.Node().Children())
			p := chat(vpc, topic)
			tc.change(p)
			h, err := autoheal.NewHost(stack, jsii.String("Chat"), p)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, tc.want)
			}
			if h != nil || len(*stack.Node().Children()) != before {
				t.Fatal("an invalid Host must create nothing")
			}
		})
	}
}

// logicalID returns the logical ID of the one resource of type typ at construct path path.
func logicalID(t *testing.T, tpl assertions.Template, typ, path string) string {
	t.Helper()
	found := *tpl.FindResources(jsii.String(typ), map[string]any{"Metadata": map[string]any{"aws:cdk:path": path}})
	for id := range found {
		return id
	}
	t.Fatalf("no %s at %s", typ, path)
	return ""
}

// userData renders the launch template's user data: the Fn::Base64 of an Fn::Join, with every
// token (Ref, Fn::GetAtt) replaced by a placeholder such as <Ref:LogicalId>.
func userData(t *testing.T, tpl assertions.Template) string {
	t.Helper()
	lts := *tpl.FindResources(jsii.String("AWS::EC2::LaunchTemplate"), nil)
	if len(lts) != 1 {
		t.Fatalf("want one launch template, got %d", len(lts))
	}
	for _, lt := range lts {
		ud := (*lt)["Properties"].(map[string]any)["LaunchTemplateData"].(map[string]any)["UserData"]
		return render(t, ud.(map[string]any)["Fn::Base64"])
	}
	return ""
}

func render(t *testing.T, v any) string {
	t.Helper()
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if j, ok := v["Fn::Join"].([]any); ok {
			var b strings.Builder
			for i, part := range j[1].([]any) {
				if i > 0 {
					b.WriteString(j[0].(string))
				}
				b.WriteString(render(t, part))
			}
			return b.String()
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(keys) == 1 && keys[0] == "Ref" {
			return fmt.Sprintf("<Ref:%v>", v["Ref"])
		}
		if len(keys) == 1 && keys[0] == "Fn::GetAtt" {
			a := v["Fn::GetAtt"].([]any)
			return fmt.Sprintf("<GetAtt:%v.%v>", a[0], a[1])
		}
	}
	t.Fatalf("cannot render %v", v)
	return ""
}
