package webservice_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/scaling"
	"github.com/okiagari/okiagari/constructs/webservice"
	"github.com/okiagari/okiagari/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const topicArn = "arn:aws:sns:ap-northeast-1:123456789012:alarms"

// base returns the smallest valid props: an explicit image, peak 6, in an imported cluster
// (a Cluster construct is not this package's concern; its EC2 capacity is assumed).
func base(t *testing.T, stack awscdk.Stack) *webservice.ServiceProps {
	t.Helper()
	vpc := testenv.Vpc(t, stack)
	return &webservice.ServiceProps{
		Name: "web",
		Vpc:  vpc,
		Cluster: awsecs.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awsecs.ClusterAttributes{
			ClusterName: jsii.String("main"), Vpc: vpc,
		}),
		AlarmTopic: awssns.Topic_FromTopicArn(stack, jsii.String("Topic"), jsii.String(topicArn)),
		Image:      jsii.String("public.ecr.aws/nginx/nginx:1.27"),
		PeakTasks:  6,
		// nginx's Debian image has curl, which the default container health check runs.
		ImageHasCurl: jsii.Bool(true),
	}
}

func newService(t *testing.T, stack awscdk.Stack, p *webservice.ServiceProps) *webservice.Service {
	t.Helper()
	s, err := webservice.NewService(stack, jsii.String("Web"), p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func d(s int) *time.Duration { v := time.Duration(s) * time.Second; return &v }
func f(v float64) *float64   { return &v }
func i(v int) *int           { return &v }

var (
	like = func(m map[string]any) assertions.Matcher { return assertions.Match_ObjectLike(&m) }
	with = func(v ...any) assertions.Matcher { return assertions.Match_ArrayWith(&v) }
)

func TestDefaults(t *testing.T) {
	stack := testenv.Stack(t)
	s := newService(t, stack, base(t, stack))
	if s.Floor != 9 || s.MinTasks != 9 || s.MaxTasks != 18 {
		t.Fatalf("floor/min/max = %d/%d/%d, want 9/9/18", s.Floor, s.MinTasks, s.MaxTasks)
	}
	if s.LoadBalancer == nil || s.HttpListener == nil || s.HttpsListener != nil || s.TargetGroup == nil || s.TaskDefinition == nil ||
		s.Container == nil || s.XRayContainer != nil || s.Service == nil || s.LogGroup == nil || s.AccessLogBucket == nil ||
		s.ScalableTarget == nil || s.CpuScaling == nil || s.StepScaling != nil || s.SecurityGroup == nil || s.LoadBalancerSecurityGroup == nil {
		t.Fatal("exported resources not set as documented")
	}
	for _, a := range s.Alarms.All() {
		if a == nil {
			t.Fatal("an alarm is not exported")
		}
	}
	tpl := testenv.Template(stack)

	// Load balancer.
	tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), map[string]any{"Scheme": "internet-facing"})
	for k, v := range map[string]string{
		"deletion_protection.enabled":                     "false",
		"routing.http.drop_invalid_header_fields.enabled": "true",
		"load_balancing.cross_zone.enabled":               "true",
		"zonal_shift.config.enabled":                      "true",
		"access_logs.s3.enabled":                          "true",
		"access_logs.s3.prefix":                           "web",
	} {
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), map[string]any{
			"LoadBalancerAttributes": with(map[string]any{"Key": k, "Value": v}),
		})
	}
	lbs := tpl.FindResources(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), nil)
	for _, lb := range *lbs {
		if n := len((*lb)["Properties"].(map[string]any)["Subnets"].([]any)); n != 3 {
			t.Errorf("load balancer in %d subnets, want the 3 public ones", n)
		}
	}
	tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
		"Port": 80, "Protocol": "HTTP", "DefaultActions": []any{like(map[string]any{"Type": "forward"})},
	})
	tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), jsii.Number(1))
	tpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{
		"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		"Properties": like(map[string]any{
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
				map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
			}},
			"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"LifecycleConfiguration":         map[string]any{"Rules": []any{map[string]any{"ExpirationInDays": 90, "Status": "Enabled"}}},
		}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
		"PolicyDocument": like(map[string]any{"Statement": with(like(map[string]any{
			"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		}))}),
	})

	// Target group: fast drain and fast health checks.
	tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), map[string]any{
		"Port": 8080, "Protocol": "HTTP", "TargetType": "ip",
		"HealthCheckPath": "/health", "HealthCheckIntervalSeconds": 10, "HealthCheckTimeoutSeconds": 5,
		"HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2,
		"TargetGroupAttributes": with(map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}),
	})

	// Task and container.
	tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"Cpu": "512", "Memory": "1024", "NetworkMode": "awsvpc", "RequiresCompatibilities": []any{"FARGATE"},
		"ContainerDefinitions": []any{like(map[string]any{
			"Name": "web", "Image": "public.ecr.aws/nginx/nginx:1.27", "Essential": true, "StopTimeout": 60,
			"PortMappings": []any{like(map[string]any{"ContainerPort": 8080})},
			"HealthCheck": map[string]any{
				"Command":  []any{"CMD-SHELL", "curl -fs 'http://localhost:8080/health' || exit 1"},
				"Interval": 10, "Timeout": 5, "Retries": 3, "StartPeriod": 30,
			},
			"LogConfiguration": like(map[string]any{"LogDriver": "awslogs", "Options": like(map[string]any{"mode": "non-blocking"})}),
		})},
	})
	tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"DeletionPolicy": "Retain", "Properties": map[string]any{"RetentionInDays": 90},
	})

	// Service. No DesiredCount: every update of the service would reset a scaled-out service to
	// it (aws-cdk#3919); the scalable target's MinCapacity (the floor, 9) sets the count.
	tpl.HasResource(jsii.String("AWS::ECS::Service"), map[string]any{
		"Metadata": like(map[string]any{"okiagari": map[string]any{"kind": "webservice", "name": "web", "peakTasks": 6, "staticStability": true}}),
		"Properties": like(map[string]any{
			"DesiredCount": assertions.Match_Absent(),
			"DeploymentConfiguration": map[string]any{
				"MinimumHealthyPercent": 100, "MaximumPercent": 200,
				"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
				"Alarms":                   map[string]any{"Enable": true, "Rollback": true, "AlarmNames": assertions.Match_AnyValue()},
			},
			"AvailabilityZoneRebalancing":   "ENABLED",
			"HealthCheckGracePeriodSeconds": 60,
			"EnableExecuteCommand":          false,
			"LaunchType":                    assertions.Match_Absent(),
			"CapacityProviderStrategy":      []any{map[string]any{"CapacityProvider": "FARGATE", "Base": 0, "Weight": 1}},
			"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": like(map[string]any{
				"AssignPublicIp": "DISABLED",
				"Subnets":        assertions.Match_AnyValue(),
			})},
		}),
	})
	// The tasks admit the container port from the load balancer's security group only.
	tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), map[string]any{
		"FromPort": 8080, "ToPort": 8080, "IpProtocol": "tcp",
		"SourceSecurityGroupId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("WebLoadBalancerSecurityGroup")), "GroupId"}},
	})
	ingress := tpl.FindResources(jsii.String("AWS::EC2::SecurityGroupIngress"), nil)
	if len(*ingress) != 1 {
		t.Errorf("%d SecurityGroupIngress resources, want 1 (load balancer → tasks)", len(*ingress))
	}

	// Scaling: static-stability floor as minimum, CPU target tracking with separate cooldowns.
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalableTarget"), map[string]any{
		"MinCapacity": 9, "MaxCapacity": 18, "ScheduledActions": assertions.Match_Absent(),
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"TargetTrackingScalingPolicyConfiguration": map[string]any{
			"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
			"TargetValue":                   70, "ScaleOutCooldown": 60, "ScaleInCooldown": 300,
		},
	})
	tpl.ResourceCountIs(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), jsii.Number(1))

	// Alarms: six, each with alarm and OK actions to the topic.
	alarms := tpl.FindResources(jsii.String("AWS::CloudWatch::Alarm"), nil)
	if len(*alarms) != 6 {
		t.Fatalf("%d alarms, want 6", len(*alarms))
	}
	for id, a := range *alarms {
		props := (*a)["Properties"].(map[string]any)
		for _, k := range []string{"AlarmActions", "OKActions"} {
			if acts, _ := props[k].([]any); len(acts) != 1 || acts[0] != topicArn {
				t.Errorf("alarm %s: %s = %v, want [%s]", id, k, props[k], topicArn)
			}
		}
	}
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "CPUUtilization", "Namespace": "AWS/ECS", "Threshold": 85, "Period": 60,
		"EvaluationPeriods": 3, "DatapointsToAlarm": 3, "ComparisonOperator": "GreaterThanThreshold",
	})
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "HealthyHostCount", "Statistic": "Minimum", "Threshold": 9,
		"ComparisonOperator": "LessThanThreshold", "TreatMissingData": "breaching",
	})
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "UnHealthyHostCount", "Threshold": 0, "ComparisonOperator": "GreaterThanThreshold",
	})
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "TargetResponseTime", "ExtendedStatistic": "p99", "Threshold": 2,
	})
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"Threshold": 5,
		"Metrics":   with(like(map[string]any{"Expression": "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)", "ReturnData": true})),
	})
	// The deployment alarms are the 5xx and unhealthy-host alarms.
	svc := tpl.FindResources(jsii.String("AWS::ECS::Service"), nil)
	for _, r := range *svc {
		names := (*r)["Properties"].(map[string]any)["DeploymentConfiguration"].(map[string]any)["Alarms"].(map[string]any)["AlarmNames"].([]any)
		var refs []string
		for _, n := range names {
			refs = append(refs, n.(map[string]any)["Ref"].(string))
		}
		if len(refs) != 2 || !strings.HasPrefix(refs[0], "WebTarget5xxAlarm") || !strings.HasPrefix(refs[1], "WebUnhealthyHostsAlarm") {
			t.Errorf("deployment alarms %v, want the 5xx and unhealthy-host alarms", refs)
		}
	}
	a := assertions.Annotations_FromStack(stack)
	if w := a.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("plain HTTP"))); len(*w) != 0 {
		t.Error("a non-production HTTP service must not warn")
	}
}

// TestEverything turns every option on: HTTPS, production, Spot, ECR image, secrets, X-Ray,
// ECS Exec, slow start, and every kind of scaling.
func TestEverything(t *testing.T) {
	stack := testenv.Stack(t)
	p := base(t, stack)
	p.Image = nil
	p.Repository = awsecr.Repository_FromRepositoryName(stack, jsii.String("Repo"), jsii.String("web"))
	p.ImageTag = jsii.String("abc123")
	p.Production = jsii.Bool(true)
	p.CertificateArn = jsii.String("arn:aws:acm:ap-northeast-1:123456789012:certificate/11111111-2222-3333-4444-555555555555")
	p.CapacityProviders = []webservice.CapacityProvider{{Name: webservice.Fargate, Base: 2}, {Name: webservice.FargateSpot, Weight: 3}}
	p.Cpu, p.MemoryMiB = i(1024), i(3072)
	p.Environment = map[string]string{"LOG_LEVEL": "info"}
	p.SsmSecrets = map[string]string{"API_KEY": "/web/api-key"}
	p.SecretsManagerSecrets = map[string]string{
		"DB_PASSWORD": "web/db",
		"TOKEN":       "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:web/token-AbCdEf",
	}
	p.XRay, p.EnableExec = jsii.Bool(true), jsii.Bool(true)
	p.SlowStart = d(60)
	p.HealthCheckPath = jsii.String("/api/v1.0/health_check-~%2F")
	p.DeregistrationDelay, p.StopTimeout = d(20), d(90)
	p.MinTasks, p.MaxTasks = i(10), i(30)
	p.MemoryTarget = f(75)
	p.RequestsPerTarget = f(1200)
	p.UtilizationTarget = f(65)
	p.CustomMetric = &scaling.MetricMathProps{
		Metrics: map[string]scaling.Stat{"busy": {Namespace: "App", MetricName: "BusyPercent"}},
		Target:  f(60),
	}
	p.CpuStep = &webservice.CpuStep{}
	p.Schedules = []scaling.ScheduleProps{
		{Cron: "cron(0 8 ? * MON-FRI *)", TimeZone: jsii.String("Asia/Tokyo"), MinCapacity: i(12), MaxCapacity: i(30)},
		{Cron: "cron(0 20 ? * MON-FRI *)", TimeZone: jsii.String("Asia/Tokyo"), MinCapacity: i(10)},
	}
	p.Alarms = &webservice.AlarmThresholds{P99ResponseTime: func() *time.Duration { v := 1500 * time.Millisecond; return &v }()}
	s := newService(t, stack, p)
	if s.HttpsListener == nil || s.XRayContainer == nil || s.StepScaling == nil || s.MinTasks != 10 {
		t.Fatal("exported resources not set as documented")
	}
	tpl := testenv.Template(stack)

	tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), map[string]any{
		"LoadBalancerAttributes": with(map[string]any{"Key": "deletion_protection.enabled", "Value": "true"}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
		"Port": 443, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
		"Certificates": []any{map[string]any{"CertificateArn": *p.CertificateArn}},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]any{
		"Port": 80, "DefaultActions": []any{map[string]any{"Type": "redirect", "RedirectConfig": map[string]any{
			"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301",
		}}},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), map[string]any{
		"TargetGroupAttributes": with(map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "20"}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), map[string]any{
		"TargetGroupAttributes": with(map[string]any{"Key": "slow_start.duration_seconds", "Value": "60"}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
		"DesiredCount":         assertions.Match_Absent(),
		"EnableExecuteCommand": true,
		"CapacityProviderStrategy": []any{
			map[string]any{"CapacityProvider": "FARGATE", "Base": 2, "Weight": 0},
			map[string]any{"CapacityProvider": "FARGATE_SPOT", "Base": 0, "Weight": 3},
		},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"Cpu": "1024", "Memory": "3072",
		"ContainerDefinitions": []any{
			like(map[string]any{
				"Name": "web", "StopTimeout": 90,
				"HealthCheck": like(map[string]any{"Command": []any{"CMD-SHELL", "curl -fs 'http://localhost:8080/api/v1.0/health_check-~%2F' || exit 1"}}),
				"Image":       like(map[string]any{"Fn::Join": assertions.Match_AnyValue()}),
				"Environment": []any{map[string]any{"Name": "LOG_LEVEL", "Value": "info"}},
				"Secrets": []any{
					map[string]any{"Name": "API_KEY", "ValueFrom": assertions.Match_AnyValue()},
					map[string]any{"Name": "DB_PASSWORD", "ValueFrom": assertions.Match_AnyValue()},
					map[string]any{"Name": "TOKEN", "ValueFrom": "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:web/token-AbCdEf"},
				},
			}),
			like(map[string]any{"Name": "xray-daemon", "Image": webservice.XRayImage, "Essential": false, "Cpu": 32, "Memory": 256}),
		},
	})
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": like(map[string]any{"Statement": with(like(map[string]any{
			"Action": with("xray:PutTraceSegments"), "Resource": "*",
		}))}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalableTarget"), map[string]any{
		"MinCapacity": 10, "MaxCapacity": 30,
		"ScheduledActions": []any{
			like(map[string]any{"Schedule": "cron(0 8 ? * MON-FRI *)", "Timezone": "Asia/Tokyo", "ScalableTargetAction": map[string]any{"MinCapacity": 12, "MaxCapacity": 30}}),
			like(map[string]any{"Schedule": "cron(0 20 ? * MON-FRI *)", "ScalableTargetAction": map[string]any{"MinCapacity": 10}}),
		},
	})
	// CPU, memory, request count, utilisation math, custom metric, step.
	tpl.ResourceCountIs(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), jsii.Number(6))
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"TargetTrackingScalingPolicyConfiguration": like(map[string]any{
			"TargetValue": 65,
			"CustomizedMetricSpecification": map[string]any{"Metrics": with(
				like(map[string]any{"Id": "result", "Expression": "MAX([cpu,mem])", "ReturnData": true}),
			)},
		}),
	})
	// Production deploys CANARY: requests per target are summed over both target groups (the
	// predefined ALBRequestCountPerTarget names one, which may be idle after a deployment).
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"TargetTrackingScalingPolicyConfiguration": like(map[string]any{
			"TargetValue": 1200,
			"CustomizedMetricSpecification": map[string]any{"Metrics": with(
				like(map[string]any{"Id": "q1", "MetricStat": like(map[string]any{"Stat": "Sum",
					"Metric": like(map[string]any{"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount"})})}),
				like(map[string]any{"Id": "result", "Expression": webservice.RequestsPerTargetExpression, "ReturnData": true}),
			)},
		}),
	})
	// The default steps: +1 at 75–90 % CPU, +2 at >= 90 %, both reachable.
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"PolicyType": "StepScaling",
		"StepScalingPolicyConfiguration": like(map[string]any{"StepAdjustments": []any{
			map[string]any{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 15, "ScalingAdjustment": 1},
			map[string]any{"MetricIntervalLowerBound": 15, "ScalingAdjustment": 2},
		}}),
	})
	// The CPU step alarm (threshold 75 %, above the 70 % tracking target) treats missing data as
	// breaching; 7 alarms in all.
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "CPUUtilization", "Threshold": 75, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
		"TreatMissingData": "breaching", "EvaluationPeriods": 3, "DatapointsToAlarm": 2,
	})
	tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(7))
	// p99 over both target groups: the slower one.
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"Threshold": 1.5,
		"Metrics": with(
			like(map[string]any{"Expression": "MAX([tg0, tg1])", "ReturnData": true}),
			like(map[string]any{"Id": "tg1", "MetricStat": like(map[string]any{"Stat": "p99",
				"Metric": like(map[string]any{"MetricName": "TargetResponseTime"})})}),
		),
	})
	for _, finding := range testenv.NagFindings(stack) {
		t.Error(finding)
	}
}

// TestPlannedStopNeedsNoLongStopTimeout: without Spot every stop is planned — the drain ends
// before SIGTERM — so a stop timeout shorter than the drain is fine.
func TestPlannedStopNeedsNoLongStopTimeout(t *testing.T) {
	stack := testenv.Stack(t)
	p := base(t, stack)
	p.StopTimeout, p.DeregistrationDelay = d(10), d(60)
	newService(t, stack, p)
	testenv.Template(stack).HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"ContainerDefinitions": with(like(map[string]any{"Name": "web", "StopTimeout": 10})),
	})
}

// TestDefaultHealthCheckNeedsCurl: the default container check runs curl; unless the service says
// its image has it, a warning says so (a first image without curl rolls the first deploy back).
func TestDefaultHealthCheckNeedsCurl(t *testing.T) {
	stack := testenv.Stack(t)
	p := base(t, stack)
	p.ImageHasCurl = nil
	newService(t, stack, p)
	assertions.Annotations_FromStack(stack).HasWarning(jsii.String("/Test/Web/TaskDefinition/web"),
		assertions.Match_StringLikeRegexp(jsii.String("checks its container with curl .* must have curl")))

	stack = testenv.Stack(t)
	p = base(t, stack)
	p.ImageHasCurl, p.HealthCheckCommand = nil, []string{"CMD", "/app/healthcheck"}
	newService(t, stack, p)
	if w := assertions.Annotations_FromStack(stack).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("curl"))); len(*w) != 0 {
		t.Errorf("a service with its own health check command is warned about curl: %v", w)
	}
}

func TestProductionWithoutCertificateWarns(t *testing.T) {
	stack := testenv.Stack(t)
	p := base(t, stack)
	p.Production = jsii.Bool(true)
	newService(t, stack, p)
	a := assertions.Annotations_FromStack(stack)
	a.HasWarning(jsii.String("/Test/Web/LoadBalancer"), assertions.Match_StringLikeRegexp(jsii.String("no CertificateArn: it is served over plain HTTP")))
}

func TestEc2(t *testing.T) {
	stack := testenv.Stack(t)
	p := base(t, stack)
	p.Ec2CapacityProviders = []string{"main-ondemand", "main-spot"}
	p.CapacityProviders = []webservice.CapacityProvider{{Name: "main-ondemand", Base: 3, Weight: 1}, {Name: "main-spot", Weight: 2}}
	p.StaticStability = jsii.Bool(false)
	p.PeakTasks = 3
	p.Cpu, p.MemoryMiB = i(300), i(700)
	// On EC2 a container may burst above its CPU reservation, so a step beyond 100 % can fire.
	p.CpuStep = &webservice.CpuStep{Threshold: f(85), Steps: []scaling.Step{{Lower: 0, Upper: f(20), Change: 1}, {Lower: 20, Change: 2}}}
	newService(t, stack, p)
	tpl := testenv.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"NetworkMode": "awsvpc", "RequiresCompatibilities": []any{"EC2"},
		"Cpu": assertions.Match_Absent(), "Memory": assertions.Match_Absent(),
		"ContainerDefinitions": []any{like(map[string]any{"Cpu": 300, "Memory": 700})},
	})
	tpl.HasResource(jsii.String("AWS::ECS::Service"), map[string]any{
		"Metadata": like(map[string]any{"okiagari": map[string]any{"kind": "webservice", "name": "web", "peakTasks": 3, "staticStability": false}}),
		"Properties": like(map[string]any{
			"DesiredCount": assertions.Match_Absent(),
			"PlacementStrategies": []any{
				map[string]any{"Type": "spread", "Field": "attribute:ecs.availability-zone"},
				map[string]any{"Type": "spread", "Field": "instanceId"},
			},
			"AvailabilityZoneRebalancing": "ENABLED",
			"CapacityProviderStrategy": []any{
				map[string]any{"CapacityProvider": "main-ondemand", "Base": 3, "Weight": 1},
				map[string]any{"CapacityProvider": "main-spot", "Base": 0, "Weight": 2},
			},
		}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"StepScalingPolicyConfiguration": like(map[string]any{"StepAdjustments": with(
			map[string]any{"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2},
		)}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "CPUUtilization", "Threshold": 85, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
	})
	for _, finding := range testenv.NagFindings(stack) {
		t.Error(finding)
	}
}

// TestCertificateToken: a certificate ARN known only at deploy time is not checked.
func TestCertificateToken(t *testing.T) {
	stack := testenv.Stack(t)
	p := base(t, stack)
	p.CertificateArn = awscdk.Fn_ImportValue(jsii.String("shared-certificate-arn"))
	if s := newService(t, stack, p); s.HttpsListener == nil {
		t.Error("no HTTPS listener with a token certificate ARN")
	}
}

// TestEnvironmentAgnosticStack: the load balancer's access logs need the region, so a stack
// without one is an error, not a panic inside CDK; its certificate is not checked against it.
func TestEnvironmentAgnosticStack(t *testing.T) {
	stack := awscdk.NewStack(testenv.App(t), jsii.String("Agnostic"), nil)
	p := base(t, stack)
	p.CertificateArn = jsii.String("arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555")
	before := len(*stack.Node().Children())
	s, err := webservice.NewService(stack, jsii.String("Web"), p)
	want := `webservice "Agnostic/Web": the stack must have an explicit region (StackProps.Env.Region): the load balancer's access logs need it`
	if err == nil || err.Error() != want {
		t.Fatalf("got error\n  %v\nwant\n  %s", err, want)
	}
	if s != nil || len(*stack.Node().Children()) != before {
		t.Fatal("invalid props must create nothing")
	}
}

// TestLogicalIDs pins the logical IDs of the retained resources: a changed ID would orphan the
// old bucket or log group and start an empty one.
func TestLogicalIDs(t *testing.T) {
	stack := testenv.Stack(t)
	newService(t, stack, base(t, stack))
	tpl := testenv.Template(stack)
	for typ, want := range map[string]string{"AWS::S3::Bucket": "WebAccessLogs024BC47D", "AWS::Logs::LogGroup": "WebLogsD9759FC4"} {
		found := tpl.FindResources(jsii.String(typ), map[string]any{"DeletionPolicy": "Retain"})
		if _, ok := (*found)[want]; !ok {
			var got []string
			for id := range *found {
				got = append(got, id)
			}
			t.Errorf("%s: logical ID %s not found, have %v", typ, want, got)
		}
	}
}

func TestInvalid(t *testing.T) {
	const p = `webservice "Test/Web": `
	cases := []struct {
		name   string
		modify func(*webservice.ServiceProps, awscdk.Stack)
		want   string
	}{
		{"stop timeout below drain on Fargate Spot", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.StopTimeout, s.DeregistrationDelay = d(30), d(60)
			s.CapacityProviders = []webservice.CapacityProvider{{Name: webservice.Fargate, Base: 1}, {Name: webservice.FargateSpot, Weight: 1}}
		}, p + "StopTimeout 30s must be >= DeregistrationDelay 60s on FARGATE_SPOT: a Spot interruption sends SIGTERM as the drain starts, so a container that exits sooner drops the requests still draining"},
		{"a drain beyond the Spot notice", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.StopTimeout, s.DeregistrationDelay = d(120), d(150)
			s.CapacityProviders = []webservice.CapacityProvider{{Name: webservice.FargateSpot, Weight: 1}}
		}, p + "DeregistrationDelay 150s must be <= 120s on FARGATE_SPOT: a Spot interruption reclaims the task two minutes after its notice, before a longer drain ends"},
		{"max below floor", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.MaxTasks = i(6) },
			p + "MaxTasks 6 must be >= the static-stability floor 9 (ceil(6 × 3 / 2))"},
		{"bad cron", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.Schedules = []scaling.ScheduleProps{{Cron: "cron(0 8 * * * *)", MinCapacity: i(9)}}
		}, p + `Schedules[0].Cron "cron(0 8 * * * *)" exactly one of day-of-month "*" and day-of-week "*" must be "?", e.g. cron(0 8 * * ? *)`},
		{"negative cooldowns", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.ScaleOutCooldown, s.ScaleInCooldown = d(-1), d(-300)
		},
			p + "ScaleOutCooldown must be >= 0s, got -1s\n" + p + "ScaleInCooldown must be >= 0s, got -300s"},
		{"not a Fargate pair", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.Cpu, s.MemoryMiB = i(256), i(4096) },
			p + "Cpu 256 with MemoryMiB 4096 is not a valid Fargate size; with 256 CPU units use 512, 1024 or 2048 MiB"},
		{"Fargate memory step", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.Cpu, s.MemoryMiB = i(2048), i(5000) },
			p + "Cpu 2048 with MemoryMiB 5000 is not a valid Fargate size; with 2048 CPU units use 4096–16384 MiB in steps of 1024"},
		{"both image sources", func(s *webservice.ServiceProps, st awscdk.Stack) {
			s.Repository, s.ImageTag = awsecr.Repository_FromRepositoryName(st, jsii.String("Repo"), jsii.String("web")), jsii.String("v1")
		}, p + "exactly one of Repository and Image must be set, got both"},
		{"no image source", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.Image = nil },
			p + "exactly one of Repository and Image must be set, got neither"},
		{"unknown capacity provider", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.CapacityProviders = []webservice.CapacityProvider{{Name: "FARGATE", Weight: 1}, {Name: "EC2", Weight: 1}}
		}, p + `CapacityProviders[1].Name "EC2" is not one of FARGATE, FARGATE_SPOT (no EC2 capacity provider is declared)`},
		{"mixed and based strategy", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.Ec2CapacityProviders = []string{"asg"}
			s.CapacityProviders = []webservice.CapacityProvider{{Name: "FARGATE", Base: 1}, {Name: "asg", Base: 2}}
		}, p + "CapacityProviders mixes Fargate and EC2 providers; ECS runs a service on one or the other\n" +
			p + "CapacityProviders: only one provider may have a Base above 0, got FARGATE and asg\n" +
			p + "CapacityProviders: at least one provider must have a Weight above 0, or no task is placed beyond the Base"},
		{"health check interval out of range", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.HealthCheckInterval = d(3) },
			p + "HealthCheckInterval 3s must be whole seconds between 5s and 300s\n" + p + "HealthCheckTimeout 5s must be < HealthCheckInterval 3s"},
		{"deregistration delay above 3600", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.DeregistrationDelay = d(4000) },
			p + "DeregistrationDelay 4000s must be whole seconds between 0s and 3600s"},
		{"peak below 1", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.PeakTasks = 0 },
			p + "PeakTasks must be >= 1, got 0"},
		{"scheduled min below floor", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.Schedules = []scaling.ScheduleProps{{Cron: "cron(0 22 * * ? *)", TimeZone: jsii.String("Asia/Tokyo"), MinCapacity: i(2), MaxCapacity: i(4)}}
		}, p + "Schedules[0].MinCapacity 2 must be >= the static-stability floor 9 (ceil(6 × 3 / 2))\n" +
			p + "Schedules[0].MaxCapacity 4 must be >= the static-stability floor 9 (ceil(6 × 3 / 2))"},
		{"slow start out of range", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.SlowStart = d(10) },
			p + "SlowStart 10s must be 0 (off) or whole seconds between 30s and 900s"},
		{"stop timeout above Fargate maximum", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.StopTimeout = d(180) },
			p + "StopTimeout 180s must be whole seconds between 2s and 120s"},
		{"bad name, env clash", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.Name = "Web_1"
			s.Environment = map[string]string{"TOKEN": "x", "1BAD": "y"}
			s.SsmSecrets = map[string]string{"TOKEN": "/web/token"}
		}, p + `Name "Web_1" must be 1–32 lowercase letters, digits or hyphens, starting with a letter` + "\n" +
			p + `Environment: "1BAD" is not a valid environment variable name` + "\n" +
			p + `SsmSecrets: "TOKEN" is also set in Environment; set each variable once`},
		{"tag with explicit image", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.ImageTag = jsii.String("v1") },
			p + "ImageTag must not be set with Image; put the tag in Image"},
		{"bad step and targets", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.CpuTarget = f(0)
			s.CpuStep = &webservice.CpuStep{Steps: []scaling.Step{{Lower: 0, Upper: f(10), Change: 1}, {Lower: 20, Change: 2}}}
			s.Alarms = &webservice.AlarmThresholds{Target5xxPercent: f(0)}
		}, p + "CpuTarget must be between 1 and 100, got 0\n" +
			p + "CpuStep.Steps[1].Lower 20 must equal CpuStep.Steps[0].Upper 10: steps must neither overlap nor leave a gap\n" +
			p + "Alarms.Target5xxPercent must be > 0 and <= 100, got 0"},
		{"CloudFront certificate", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.CertificateArn = jsii.String("arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555")
		}, p + `CertificateArn "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555" is in us-east-1 but must be in the stack's region ap-northeast-1: a load balancer can use only ACM certificates of its own region (us-east-1 certificates are for CloudFront)`},
		{"certificate of another region", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.CertificateArn = jsii.String("arn:aws:acm:ap-northeast-3:123456789012:certificate/abc-123")
		}, p + `CertificateArn "arn:aws:acm:ap-northeast-3:123456789012:certificate/abc-123" is in ap-northeast-3 but must be in the stack's region ap-northeast-1: a load balancer can use only ACM certificates of its own region`},
		{"not a certificate ARN", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.CertificateArn = jsii.String("not-an-arn") },
			p + `CertificateArn "not-an-arn" must be an ACM certificate ARN, arn:aws:acm:<region>:<12-digit account>:certificate/<id>`},
		{"IAM server certificate", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.CertificateArn = jsii.String("arn:aws:iam::123456789012:server-certificate/web")
		}, p + `CertificateArn "arn:aws:iam::123456789012:server-certificate/web" must be an ACM certificate ARN, arn:aws:acm:<region>:<12-digit account>:certificate/<id>`},
		{"health check path with a query string", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.HealthCheckPath = jsii.String("/health?deep=1&x=2")
		},
			p + `HealthCheckPath "/health?deep=1&x=2" must be / followed only by letters, digits and . _ ~ / % -: no query string, and nothing the container health check's shell would interpret`},
		{"health check path with a quote", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.HealthCheckPath = jsii.String("/x';reboot;'") },
			p + `HealthCheckPath "/x';reboot;'" must be / followed only by letters, digits and . _ ~ / % -: no query string, and nothing the container health check's shell would interpret`},
		{"relative health check path", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.HealthCheckPath = jsii.String("health") },
			p + `HealthCheckPath "health" must be / followed only by letters, digits and . _ ~ / % -: no query string, and nothing the container health check's shell would interpret`},
		{"step threshold at the tracking target", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.CpuTarget = f(80)
			s.CpuStep = &webservice.CpuStep{}
		}, p + "CpuStep.Threshold 75 must be > CpuTarget 80: at or below the target-tracking target the step policy adds tasks that target tracking then removes, and the two fight"},
		{"step beyond 100 % on Fargate", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.CpuStep = &webservice.CpuStep{Threshold: f(85)}
		}, p + "CpuStep.Steps[1] needs CPU >= 100 % (CpuStep.Threshold 85 + Lower 15) and can never fire: Fargate caps CPU utilisation at 100 %; every step must start below 100 %"},
		{"report 1's steps on 85 %", func(s *webservice.ServiceProps, _ awscdk.Stack) {
			s.CpuStep = &webservice.CpuStep{Threshold: f(85), Steps: []scaling.Step{{Lower: 0, Upper: f(20), Change: 1}, {Lower: 20, Change: 2}}}
		}, p + "CpuStep.Steps[1] needs CPU >= 105 % (CpuStep.Threshold 85 + Lower 20) and can never fire: Fargate caps CPU utilisation at 100 %; every step must start below 100 %"},
		{"missing inputs", func(s *webservice.ServiceProps, _ awscdk.Stack) { s.Cluster, s.AlarmTopic = nil, nil },
			p + "Cluster must be set\n" + p + "AlarmTopic must be set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			props := base(t, stack)
			tc.modify(props, stack)
			before := len(*stack.Node().Children())
			s, err := webservice.NewService(stack, jsii.String("Web"), props)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, tc.want)
			}
			if s != nil || len(*stack.Node().Children()) != before {
				t.Fatal("invalid props must create nothing")
			}
		})
	}
}

func TestFloor(t *testing.T) {
	for _, tc := range []struct {
		peak, zones int
		static      bool
		want        int
	}{
		{6, 3, true, 9}, {6, 2, true, 12}, {600, 6, true, 720}, {1, 3, true, 2}, {2, 3, true, 3}, {4, 3, true, 6},
		{5, 3, true, 8}, {6, 3, false, 6}, {3, 1, true, 3},
	} {
		if got := webservice.Floor(tc.peak, tc.zones, tc.static); got != tc.want {
			t.Errorf("Floor(%d, %d, %v) = %d, want %d", tc.peak, tc.zones, tc.static, got, tc.want)
		}
	}
}
