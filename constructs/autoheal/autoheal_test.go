package autoheal_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
			"MetadataOptions":                   map[string]any{"HttpTokens": "required", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 1},
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
	asgID := logicalID(t, tpl, "AWS::AutoScaling::AutoScalingGroup", "Test/Chat/AutoScalingGroup/ASG")
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{
			map[string]any{
				"Effect":   "Allow",
				"Action":   []any{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientRootAccess", "elasticfilesystem:ClientWrite"},
				"Resource": map[string]any{"Fn::GetAtt": []any{fileSystemLogicalID, "Arn"}},
			},
			// The boot hook: find the group, then complete the hook or extend it, on this group only.
			map[string]any{"Effect": "Allow", "Action": "autoscaling:DescribeAutoScalingInstances", "Resource": "*"},
			map[string]any{
				"Effect": "Allow",
				"Action": []any{"autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"},
				"Resource": map[string]any{"Fn::Join": []any{"", []any{
					"arn:", map[string]any{"Ref": "AWS::Partition"}, ":autoscaling:", map[string]any{"Ref": "AWS::Region"}, ":",
					map[string]any{"Ref": "AWS::AccountId"}, ":autoScalingGroup:*:autoScalingGroupName/*",
				}}},
				"Condition": map[string]any{"StringEquals": map[string]any{
					"autoscaling:ResourceTag/aws:cloudformation:stack-id":   map[string]any{"Ref": "AWS::StackId"},
					"autoscaling:ResourceTag/aws:cloudformation:logical-id": asgID,
				}},
			},
		}},
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
			// Launch elsewhere when the zone cannot launch; follow zonal shifts, replacing a dead
			// instance even when its zone is shifted away.
			"AvailabilityZoneDistribution": map[string]any{"CapacityDistributionStrategy": "balanced-best-effort"},
			"AvailabilityZoneImpairmentPolicy": map[string]any{
				"ZonalShiftEnabled": true, "ImpairedZoneHealthCheckBehavior": "ReplaceUnhealthy",
			},
			// Out of service until the boot script has started the app; abandoned after 30 minutes
			// without progress.
			"LifecycleHookSpecificationList": []any{map[string]any{
				"LifecycleHookName": autoheal.BootHook, "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
				"HeartbeatTimeout": 1800, "DefaultResult": "ABANDON",
			}},
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
	aws := "aws autoscaling --region <Ref:AWS::Region> "
	hook := `--auto-scaling-group-name "$group" --lifecycle-hook-name okiagari-boot --instance-id "$instance"`
	steps := []string{ // in the order they must run
		"#!/bin/bash\nset -euo pipefail\n",
		"giveup() {", "systemctl poweroff; exit 1; }",
		"\ntrap 'giveup \"boot script failed at line $LINENO\"' ERR\n",
		// Failures that a new host would share are retried with back-off, with a heartbeat each.
		"retry() {\n", "\n  until \"$@\"; do\n", "\n    heartbeat || true\n", "    wait=$((wait * 2 > 300 ? 300 : wait * 2))\n",
		"fetch_verified() {\n",
		"heartbeat() { [ -z \"${group:-}\" ] || " + aws + "record-lifecycle-action-heartbeat " + hook + " >/dev/null; }\n",
		"instance=$(retry \"reading the instance ID\" imds instance-id)\n",
		"group=$(retry \"looking up the Auto Scaling group\" group_of \"$instance\")\n",
		"retry \"installing packages\" dnf install -y amazon-efs-utils docker amazon-ecr-credential-helper\n",
		// The plugin of the instance's architecture, installed only with the published checksum.
		"retry \"downloading the compose plugin\" fetch_verified https://github.com/docker/compose/releases/download/v2.32.4/docker-compose-linux-x86_64 " +
			"ed1917fb54db184192ea9d0717bcd59e3662ea79db48bff36d3475516c480a6b /usr/local/lib/docker/cli-plugins/docker-compose\n",
		"systemctl enable --now docker\n",
		`echo '{"credHelpers": {"<Ref:AWS::AccountId>.dkr.ecr.<Ref:AWS::Region>.<Ref:AWS::URLSuffix>": "ecr-login"}}' > /root/.docker/config.json`,
		"echo '" + fs + ":/ /mnt/efs efs _netdev,tls,iam 0 0' >> /etc/fstab\n",
		"until mountpoint -q /mnt/efs; do\n  mount /mnt/efs || true\n",
		`giveup "` + fs + ` not mounted at /mnt/efs after 300 s"`,
		"\nmkdir -p /mnt/efs/chat\n",
		"cat > /etc/systemd/system/compose-chat.service <<'UNIT'\n[Unit]\n",
		"After=docker.service remote-fs.target network-online.target\n",
		"RequiresMountsFor=/mnt/efs\n",
		"WorkingDirectory=/mnt/efs/chat\nEnvironment=DOCKER_CONFIG=/root/.docker\nExecStart=/usr/bin/docker compose up --remove-orphans\nExecStop=/usr/bin/docker compose down\nRestart=always\n",
		"WantedBy=multi-user.target\nUNIT\n",
		"systemctl enable --now compose-chat.service\n",
		// Only now does the group count the host as in service.
		"retry \"completing the boot hook\" " + aws + "complete-lifecycle-action " + hook + " --lifecycle-action-result CONTINUE",
	}
	at := 0
	for _, s := range steps {
		i := strings.Index(script[at:], s)
		if i < 0 {
			t.Fatalf("user data lacks (after byte %d)\n%s\n--- script:\n%s", at, s, script)
		}
		at += i + len(s)
	}
	// A failed download never shuts the host down: the only poweroff is in giveup, which only
	// the ERR trap and the mount deadline call, and every download runs under retry.
	if n := strings.Count(script, "poweroff"); n != 1 {
		t.Errorf("user data powers off in %d places, want 1 (giveup)", n)
	}
	for _, line := range strings.Split(script, "\n") {
		if strings.Contains(line, "giveup \"") && !strings.Contains(line, "trap ") && !strings.Contains(line, "not mounted at") {
			t.Errorf("user data gives up on something other than the mount or an unexpected error: %s", line)
		}
		if (strings.Contains(line, "curl ") || strings.Contains(line, "dnf ")) && !strings.HasPrefix(strings.TrimSpace(line), "retry ") &&
			!strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "#") {
			t.Errorf("user data downloads outside retry: %s", line)
		}
	}
	// The script must at least parse.
	cmd := exec.Command("bash", "-n")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
}

// TestHostUserDataFunctions runs the boot script's own log, retry and fetch_verified, as
// rendered, offline: curl reads file:// URLs, sleep and the hook's heartbeat are stubbed.
func TestHostUserDataFunctions(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
	stack, vpc, topic := fixture(t)
	if _, err := autoheal.NewHost(stack, jsii.String("Chat"), chat(vpc, topic)); err != nil {
		t.Fatal(err)
	}
	script := userData(t, testenv.Template(stack))
	var funcs strings.Builder
	for _, name := range []string{"log", "retry", "fetch_verified"} {
		funcs.WriteString(shellFunc(t, script, name) + "\n")
	}
	dir := t.TempDir()
	plugin := []byte("#!/bin/sh\necho 'Docker Compose version v2.32.4'\n")
	if err := os.WriteFile(filepath.Join(dir, "plugin"), plugin, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(plugin))
	wrong := strings.Repeat("0", 64)
	// run executes body after the script's functions, with stubs that log instead of waiting.
	run := func(body string) (string, error) {
		prog := "set -euo pipefail\ncd " + dir + "\nslept=0\n" +
			"sleep() { echo \"sleep $1\" >&2; slept=$((slept + 1)); }\n" +
			"heartbeat() { echo heartbeat >&2; }\n" + funcs.String() + body
		out, err := exec.Command("bash", "-c", prog).CombinedOutput()
		return string(out), err
	}
	src := "file://" + filepath.Join(dir, "plugin")

	t.Run("checksum matches", func(t *testing.T) {
		out, err := run("fetch_verified " + src + " " + sum + " good\n")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		fi, err := os.Stat(filepath.Join(dir, "good"))
		if err != nil || fi.Mode().Perm() != 0o755 {
			t.Fatalf("installed file: %v, %v; want mode 0755", fi, err)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "good")); string(got) != string(plugin) {
			t.Errorf("installed %q, want %q", got, plugin)
		}
	})
	t.Run("checksum differs", func(t *testing.T) {
		out, err := run("fetch_verified " + src + " " + wrong + " bad\n")
		if err == nil {
			t.Fatalf("fetch_verified accepted a file whose checksum differs\n%s", out)
		}
		want := "autoheal: " + src + " has SHA-256 " + sum + ", not the pinned " + wrong + "\n"
		if out != want {
			t.Errorf("output %q, want %q", out, want)
		}
		for _, f := range []string{"bad", "bad.part"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				t.Errorf("%s left behind", f)
			}
		}
	})
	t.Run("download fails", func(t *testing.T) {
		out, err := run("fetch_verified file://" + filepath.Join(dir, "missing") + " " + sum + " none\n")
		if err == nil {
			t.Fatalf("fetch_verified succeeded without a download\n%s", out)
		}
		if _, err := os.Stat(filepath.Join(dir, "none")); err == nil {
			t.Error("a failed download installed a file")
		}
	})
	t.Run("retry until the download appears", func(t *testing.T) {
		// The release appears after the second pause: two failures, then success.
		late := filepath.Join(dir, "late")
		out, err := run("sleep() { echo \"sleep $1\" >&2; slept=$((slept + 1)); [ $slept -lt 2 ] || cp plugin " + late + "; }\n" +
			"retry \"downloading the compose plugin\" fetch_verified file://" + late + " " + sum + " retried\necho done\n")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if !strings.HasPrefix(l, "curl:") { // curl's own complaint about the missing file
				lines = append(lines, l)
			}
		}
		want := []string{
			"autoheal: downloading the compose plugin failed (attempt 1); next attempt in 5 s", "heartbeat", "sleep 5",
			"autoheal: downloading the compose plugin failed (attempt 2); next attempt in 10 s", "heartbeat", "sleep 10",
			"done",
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("output\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "retried")); string(got) != string(plugin) {
			t.Errorf("installed %q after the retries, want %q", got, plugin)
		}
	})
	t.Run("back-off is capped", func(t *testing.T) {
		out, err := run("tries=0\nflaky() { tries=$((tries + 1)); [ $tries -gt 8 ]; }\nretry flaky flaky 2>&1 | grep '^sleep' | tr '\\n' ' '\n")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if want := "sleep 5 sleep 10 sleep 20 sleep 40 sleep 80 sleep 160 sleep 300 sleep 300 "; out != want {
			t.Errorf("pauses %q, want %q", out, want)
		}
	})
}

// shellFunc returns the definition of the shell function name in script: a one-line
// "name() { ...; }" or the lines from "name() {" to the next "}" on a line of its own.
func shellFunc(t *testing.T, script, name string) string {
	t.Helper()
	lines := strings.Split(script, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, name+"() {") {
			continue
		}
		if strings.HasSuffix(l, "}") {
			return l
		}
		for j := i + 1; j < len(lines); j++ {
			if lines[j] == "}" {
				return strings.Join(lines[i:j+1], "\n")
			}
		}
	}
	t.Fatalf("no function %s in the user data", name)
	return ""
}

func TestHostOptions(t *testing.T) {
	stack, vpc, topic := fixture(t)
	hop, ia, root := 2, 1, 50
	grace := 10 * time.Minute
	props := &autoheal.HostProps{
		Name: "wiki", Vpc: vpc, Topic: topic,
		MountPoint: jsii.String("/data"), ComposeDirectory: "/data/apps/wiki",
		InstanceType:           jsii.String("t4g.medium"),
		HealthCheckGracePeriod: &grace,
		MetadataHopLimit:       &hop, InfrequentAccessAfterDays: &ia, RootVolumeGiB: &root,
		// docker-compose-linux-aarch64 of v2.29.7, as its release's checksums.txt lists it.
		ComposePluginVersion: jsii.String("v2.29.7"),
		ComposePluginSHA256:  jsii.String("6e9fbd5daa20dca5d7d89145081ae8155d68ef2928b497d9f85b54fe0f9dbb2c"),
		ZonalShift:           jsii.Bool(false),
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
			"MetadataOptions":     map[string]any{"HttpTokens": "required", "HttpPutResponseHopLimit": 2},
			"BlockDeviceMappings": []any{map[string]any{"DeviceName": "/dev/xvda", "Ebs": assertions.Match_ObjectLike(&map[string]any{"VolumeSize": 50})}},
		},
	})
	tpl.HasParameter(jsii.String("*"), map[string]any{
		"Default": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64",
	})
	tpl.HasResourceProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
		"HealthCheckGracePeriod": 600, "Cooldown": "300",
		// Zonal shift off leaves the policy out; a replacement still goes to another zone.
		"AvailabilityZoneImpairmentPolicy": assertions.Match_Absent(),
		"AvailabilityZoneDistribution":     map[string]any{"CapacityDistributionStrategy": "balanced-best-effort"},
	})
	tpl.HasResource(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
		"Metadata": map[string]any{"okiagari": map[string]any{"kind": "autoheal", "name": "wiki", "graceSeconds": 600}},
	})
	script := userData(t, tpl)
	for _, want := range []string{
		"/ /data efs _netdev,tls,iam 0 0",
		"RequiresMountsFor=/data\n",
		"WorkingDirectory=/data/apps/wiki\n",
		"/download/v2.29.7/docker-compose-linux-aarch64 6e9fbd5daa20dca5d7d89145081ae8155d68ef2928b497d9f85b54fe0f9dbb2c /usr/local/lib/docker/cli-plugins/docker-compose\n",
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

func TestHostPinnedImage(t *testing.T) {
	stack, vpc, topic := fixture(t)
	p := chat(vpc, topic)
	p.ImageID = jsii.String("ami-0123456789abcdef0")
	p.InstanceType = jsii.String("t4g.small")
	if _, err := autoheal.NewHost(stack, jsii.String("Chat"), p); err != nil {
		t.Fatal(err)
	}
	tpl := testenv.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::EC2::LaunchTemplate"), map[string]any{
		"LaunchTemplateData": assertions.Match_ObjectLike(&map[string]any{"ImageId": "ami-0123456789abcdef0", "InstanceType": "t4g.small"}),
	})
	// No SSM parameter: a new Amazon Linux release changes nothing at the next deploy.
	for id, p := range *tpl.FindParameters(jsii.String("*"), nil) {
		if typ := fmt.Sprint((*p)["Type"]); strings.Contains(typ, "AWS::EC2::Image::Id") {
			t.Errorf("template has parameter %s of type %s, want no AMI parameter", id, typ)
		}
	}
	if mappings := *tpl.FindMappings(jsii.String("*"), nil); len(mappings) != 0 {
		t.Errorf("template has mappings %v, want the AMI ID as a literal", mappings)
	}

	// An AMI ID belongs to one region: a stack without one cannot use it.
	agnostic := awscdk.NewStack(testenv.App(t), jsii.String("Agnostic"), nil)
	vpc2 := awsec2.NewVpc(agnostic, jsii.String("Vpc"), nil)
	topic2 := awssns.NewTopic(agnostic, jsii.String("Alarms"), nil)
	p2 := chat(vpc2, topic2)
	p2.ImageID = jsii.String("ami-0123456789abcdef0")
	want := `autoheal "Agnostic/Chat": ImageID "ami-0123456789abcdef0" needs a stack with an explicit region: an AMI ID exists in one region only`
	if _, err := autoheal.NewHost(agnostic, jsii.String("Chat"), p2); err == nil || err.Error() != want {
		t.Errorf("got error\n  %v\nwant\n  %s", err, want)
	}
	// The default plugin version's published aarch64 checksum, for the Graviton type.
	if script := userData(t, tpl); !strings.Contains(script, "/download/v2.32.4/docker-compose-linux-aarch64 "+
		"0c4591cf3b1ed039adcd803dbbeddf757375fc08c11245b0154135f838495a2f /usr/local/lib/docker/cli-plugins/docker-compose\n") {
		t.Errorf("user data does not fetch the aarch64 plugin with its checksum:\n%s", script)
	}
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
		{"other compose version without checksum", func(p *autoheal.HostProps) { p.ComposePluginVersion = jsii.String("v2.29.7") },
			at + `ComposePluginSHA256 is required with ComposePluginVersion "v2.29.7" (only v2.32.4's checksums are built in): ` +
				`the SHA-256 of docker-compose-linux-x86_64 from https://github.com/docker/compose/releases/download/v2.29.7/checksums.txt`},
		{"other compose version without checksum, Graviton", func(p *autoheal.HostProps) {
			p.ComposePluginVersion, p.InstanceType = jsii.String("v2.29.7"), jsii.String("m7g.large")
		}, at + `ComposePluginSHA256 is required with ComposePluginVersion "v2.29.7" (only v2.32.4's checksums are built in): ` +
			`the SHA-256 of docker-compose-linux-aarch64 from https://github.com/docker/compose/releases/download/v2.29.7/checksums.txt`},
		{"checksum in upper case", func(p *autoheal.HostProps) {
			p.ComposePluginSHA256 = jsii.String("ED1917FB54DB184192EA9D0717BCD59E3662EA79DB48BFF36D3475516C480A6B")
		}, at + `ComposePluginSHA256 "ED1917FB54DB184192EA9D0717BCD59E3662EA79DB48BFF36D3475516C480A6B" must be 64 lowercase hexadecimal digits, as in the release's checksums.txt`},
		{"checksum too short", func(p *autoheal.HostProps) { p.ComposePluginSHA256 = jsii.String("ed1917fb") },
			at + `ComposePluginSHA256 "ed1917fb" must be 64 lowercase hexadecimal digits, as in the release's checksums.txt`},
		{"image that is no AMI", func(p *autoheal.HostProps) { p.ImageID = jsii.String("al2023") },
			at + `ImageID "al2023" must be an AMI ID like "ami-0123456789abcdef0"`},
		{"AMI ID of the wrong length", func(p *autoheal.HostProps) { p.ImageID = jsii.String("ami-0123456789") },
			at + `ImageID "ami-0123456789" must be an AMI ID like "ami-0123456789abcdef0"`},
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
