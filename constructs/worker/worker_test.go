package worker_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/worker"
	"github.com/okiagari/okiagari/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const topicArn = "arn:aws:sns:ap-northeast-1:123456789012:alarms"

// fixture is a stack with a VPC, a cluster with Container Insights and Fargate providers, an
// imported repository and an imported alarm topic.
type fixture struct {
	stack   awscdk.Stack
	vpc     awsec2.IVpc
	cluster awsecs.Cluster
	repo    awsecr.IRepository
	topic   awssns.ITopic
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	stack := testenv.Stack(t)
	vpc := testenv.Vpc(t, stack)
	cluster := awsecs.NewCluster(stack, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc:                 vpc,
		ContainerInsightsV2: awsecs.ContainerInsights_ENABLED,
	})
	cluster.EnableFargateCapacityProviders()
	return fixture{
		stack:   stack,
		vpc:     vpc,
		cluster: cluster,
		repo:    awsecr.Repository_FromRepositoryName(stack, jsii.String("Repo"), jsii.String("mailer")),
		topic:   awssns.Topic_FromTopicArn(stack, jsii.String("Topic"), jsii.String(topicArn)),
	}
}

func (f fixture) props() *worker.WorkerProps {
	return &worker.WorkerProps{
		Name:       jsii.String("mailer"),
		Cluster:    f.cluster,
		Repository: f.repo,
		ImageTag:   jsii.String("v1"),
		Queue:      &worker.QueueProps{},
		AlarmTopic: f.topic,
	}
}

func ptr[T any](v T) *T { return &v }

// roleStatements returns the statements of the policies attached to the role whose logical ID
// starts with rolePrefix.
func roleStatements(t *testing.T, tpl assertions.Template, rolePrefix string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, res := range *tpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		r := *res
		props := r["Properties"].(map[string]any)
		attached := false
		for _, role := range props["Roles"].([]any) {
			if ref, ok := role.(map[string]any)["Ref"].(string); ok && strings.HasPrefix(ref, rolePrefix) {
				attached = true
			}
		}
		if !attached {
			continue
		}
		for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	return out
}

// noLoadBalancer fails unless every ECS service has no (or an empty list of) load balancers.
func noLoadBalancer(t *testing.T, tpl assertions.Template) {
	t.Helper()
	for id, svc := range *tpl.FindResources(jsii.String("AWS::ECS::Service"), nil) {
		if lbs, ok := (*svc)["Properties"].(map[string]any)["LoadBalancers"]; ok && len(lbs.([]any)) > 0 {
			t.Errorf("service %s has load balancers %s", id, asJSON(lbs))
		}
	}
}

func actions(s map[string]any) []string {
	switch a := s["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			out = append(out, x.(string))
		}
		slices.Sort(out)
		return out
	}
	return nil
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestWorkerDefaults(t *testing.T) {
	f := newFixture(t)
	props := f.props()
	w, err := worker.NewWorker(f.stack, jsii.String("Mailer"), props)
	if err != nil {
		t.Fatal(err)
	}
	if w.Queue == nil || w.DeadLetterQueue == nil || w.TaskDefinition == nil || w.Container == nil || w.Service == nil ||
		w.LogGroup == nil || w.ScalableTarget == nil || w.BacklogPolicy == nil || len(w.Alarms) != 2 {
		t.Fatal("exported resources not set")
	}
	if w.ScaleFromZeroPolicy != nil || w.ScaleFromZeroAlarm != nil {
		t.Error("scale-from-zero policy created with MinTasks 1")
	}
	if props.Queue.VisibilityTimeout != nil || props.StopTimeout != nil {
		t.Error("NewWorker wrote to the caller's props")
	}
	tpl := testenv.Template(f.stack)

	t.Run("queues", func(t *testing.T) {
		tpl.ResourceCountIs(jsii.String("AWS::SQS::Queue"), jsii.Number(2))
		// Every queue is encrypted and retained.
		queues := *tpl.FindResources(jsii.String("AWS::SQS::Queue"), nil)
		for id, q := range queues {
			q := *q
			if q["Properties"].(map[string]any)["SqsManagedSseEnabled"] != true {
				t.Errorf("queue %s is not encrypted: %s", id, asJSON(q["Properties"]))
			}
			if q["DeletionPolicy"] != "Retain" || q["UpdateReplacePolicy"] != "Retain" {
				t.Errorf("queue %s is not retained", id)
			}
		}
		tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), map[string]any{
			// max(6 × 10 s, 120 s + 30 s)
			"VisibilityTimeout":             150,
			"MessageRetentionPeriod":        345600,
			"ReceiveMessageWaitTimeSeconds": 20,
			"RedrivePolicy": map[string]any{
				"deadLetterTargetArn": map[string]any{"Fn::GetAtt": []any{"MailerDeadLetterQueueAB44ABFD", "Arn"}},
				"maxReceiveCount":     5,
			},
		})
		tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), map[string]any{
			"MessageRetentionPeriod": 1209600,
			"RedrivePolicy":          assertions.Match_Absent(),
		})
		// Both queues deny every request that does not use TLS.
		tpl.ResourceCountIs(jsii.String("AWS::SQS::QueuePolicy"), jsii.Number(2))
		for _, q := range []string{"MailerQueueE613033B", "MailerDeadLetterQueueAB44ABFD"} {
			tpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
				"Queues": []any{map[string]any{"Ref": q}},
				"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
					"Effect":    "Deny",
					"Action":    "sqs:*",
					"Principal": map[string]any{"AWS": "*"},
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
					"Resource":  map[string]any{"Fn::GetAtt": []any{q, "Arn"}},
				}})},
			})
		}
	})

	t.Run("stateful logical IDs", func(t *testing.T) {
		// A changed logical ID replaces the resource and loses its data: these are pinned.
		for typ, want := range map[string][]string{
			"AWS::SQS::Queue":     {"MailerDeadLetterQueueAB44ABFD", "MailerQueueE613033B"},
			"AWS::Logs::LogGroup": {"MailerLogs1CE15877"},
		} {
			var got []string
			for id, r := range *tpl.FindResources(jsii.String(typ), nil) {
				if !strings.HasPrefix(id, "Mailer") {
					continue // the test VPC's flow logs
				}
				got = append(got, id)
				if (*r)["DeletionPolicy"] != "Retain" {
					t.Errorf("%s %s is not retained", typ, id)
				}
			}
			slices.Sort(got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s logical IDs = %q, want %q", typ, got, want)
			}
		}
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 30})
	})

	t.Run("service", func(t *testing.T) {
		tpl.HasResource(jsii.String("AWS::ECS::Service"), map[string]any{
			"Properties": map[string]any{
				"LaunchType": assertions.Match_Absent(),
				"CapacityProviderStrategy": []any{
					map[string]any{"CapacityProvider": "FARGATE", "Base": 0, "Weight": 1},
				},
				"DeploymentConfiguration": map[string]any{
					"MinimumHealthyPercent":    100,
					"MaximumPercent":           200,
					"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
					// Stated, so ECS's 180 minutes for a rolling deployment never applies; 0:
					// no deployment alarm to watch.
					"BakeTimeInMinutes": 0,
					"Alarms":            assertions.Match_Absent(),
				},
				"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": assertions.Match_ObjectLike(&map[string]any{
					"AssignPublicIp": "DISABLED",
					"Subnets": []any{
						map[string]any{"Ref": "VpcPrivateSubnet1Subnet7BECC33A"},
						map[string]any{"Ref": "VpcPrivateSubnet2Subnet55040997"},
						map[string]any{"Ref": "VpcPrivateSubnet3Subnet4FC75495"},
					},
				})},
			},
			"Metadata": map[string]any{
				"okiagari": map[string]any{"kind": "worker", "name": "mailer", "minTasks": 1, "maxTasks": 10, "protectionExpiryMinutes": 3},
			},
		})
		tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
			"Cpu": "256", "Memory": "512", "NetworkMode": "awsvpc", "RequiresCompatibilities": []any{"FARGATE"},
			"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
				"Name":        "Worker",
				"Essential":   true,
				"StopTimeout": 120,
				// The visibility timeout, 150 s, rounded up to whole minutes.
				"Environment": []any{
					map[string]any{"Name": "PROTECTION_EXPIRY_MINUTES", "Value": "3"},
					map[string]any{"Name": "QUEUE_URL", "Value": map[string]any{"Ref": "MailerQueueE613033B"}},
				},
				"LogConfiguration": assertions.Match_ObjectLike(&map[string]any{"LogDriver": "awslogs"}),
			})},
		})
		// No load balancer: CDK writes an empty list.
		noLoadBalancer(t, tpl)
		// Container stop timeout long enough to finish a message: at least 60 s.
		for id, td := range *tpl.FindResources(jsii.String("AWS::ECS::TaskDefinition"), nil) {
			for _, cd := range (*td)["Properties"].(map[string]any)["ContainerDefinitions"].([]any) {
				if st, _ := cd.(map[string]any)["StopTimeout"].(float64); st < 60 {
					t.Errorf("%s: container StopTimeout %v, want >= 60", id, st)
				}
			}
		}
	})

	t.Run("task role", func(t *testing.T) {
		stmts := roleStatements(t, tpl, "MailerTaskDefinitionTaskRole")
		want := []string{
			asJSON(map[string]any{
				"Action":   []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"},
				"Resource": map[string]any{"Fn::GetAtt": []any{"MailerQueueE613033B", "Arn"}},
			}),
			asJSON(map[string]any{
				"Action": []string{"ecs:GetTaskProtection", "ecs:UpdateTaskProtection"},
				"Resource": map[string]any{"Fn::Join": []any{"", []any{
					"arn:aws:ecs:ap-northeast-1:123456789012:task/",
					map[string]any{"Ref": "ClusterEB0386A7"}, "/*",
				}}},
			}),
		}
		var got []string
		for _, s := range stmts {
			if s["Effect"] != "Allow" {
				t.Errorf("unexpected statement %s", asJSON(s))
			}
			if s["Resource"] == "*" {
				t.Errorf("statement on Resource *: %s", asJSON(s))
			}
			for _, a := range actions(s) {
				if strings.Contains(a, "*") {
					t.Errorf("wildcard action %q", a)
				}
			}
			got = append(got, asJSON(map[string]any{"Action": actions(s), "Resource": s["Resource"]}))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("task role statements\n got %s\nwant %s", got, want)
		}
	})

	t.Run("scaling", func(t *testing.T) {
		tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalableTarget"), map[string]any{
			"MinCapacity": 1, "MaxCapacity": 10, "ScalableDimension": "ecs:service:DesiredCount", "ServiceNamespace": "ecs",
		})
		tpl.ResourceCountIs(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
			"PolicyType": "TargetTrackingScaling",
			"TargetTrackingScalingPolicyConfiguration": map[string]any{
				// 300 s latency target ÷ 10 s per message
				"TargetValue":      30,
				"ScaleOutCooldown": 60,
				"ScaleInCooldown":  300,
				"CustomizedMetricSpecification": map[string]any{"Metrics": assertions.Match_ArrayWith(&[]any{
					map[string]any{
						"Id": "running", "ReturnData": false,
						"MetricStat": map[string]any{"Stat": "Average", "Metric": map[string]any{
							"Namespace": "ECS/ContainerInsights", "MetricName": "RunningTaskCount",
							"Dimensions": assertions.Match_ArrayWith(&[]any{
								map[string]any{"Name": "ClusterName", "Value": map[string]any{"Ref": "ClusterEB0386A7"}},
								map[string]any{"Name": "ServiceName", "Value": map[string]any{"Fn::GetAtt": []any{"MailerService1D1A1DD3", "Name"}}},
							}),
						}},
					},
					map[string]any{
						"Id": "visible", "ReturnData": false,
						"MetricStat": map[string]any{"Stat": "Average", "Metric": map[string]any{
							"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
							"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{"MailerQueueE613033B", "QueueName"}}}},
						}},
					},
					map[string]any{"Expression": worker.BacklogExpression, "ReturnData": true, "Id": assertions.Match_AnyValue(), "Label": "Backlog per task"},
				})},
			},
		})
	})

	t.Run("alarms", func(t *testing.T) {
		tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(2))
		actions := []any{topicArn}
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
			"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
			"Dimensions":         []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{"MailerDeadLetterQueueAB44ABFD", "QueueName"}}}},
			"Threshold":          0,
			"ComparisonOperator": "GreaterThanThreshold",
			"TreatMissingData":   "notBreaching",
			"AlarmActions":       actions, "OKActions": actions,
		})
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
			"Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage",
			"Dimensions":         []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{"MailerQueueE613033B", "QueueName"}}}},
			"Threshold":          900, // 3 × the 300 s latency target
			"ComparisonOperator": "GreaterThanThreshold",
			"AlarmActions":       actions, "OKActions": actions,
		})
	})

	t.Run("nag", func(t *testing.T) {
		for _, f := range testenv.NagFindings(f.stack) {
			t.Error(f)
		}
	})
}

func TestWorkerScaleToZeroKms(t *testing.T) {
	f := newFixture(t)
	key := awskms.Key_FromKeyArn(f.stack, jsii.String("Key"), jsii.String("arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))
	_, err := worker.NewWorker(f.stack, jsii.String("Mailer"), &worker.WorkerProps{
		Cluster:               f.cluster,
		Image:                 jsii.String("public.ecr.aws/docker/library/busybox:1.36"),
		Command:               []string{"worker", "--queue", "mail"},
		Environment:           map[string]string{"LOG_LEVEL": "info"},
		Cpu:                   ptr(1024),
		MemoryMiB:             ptr(3072),
		CapacityProviders:     []worker.CapacityProvider{{Name: worker.Fargate, Base: 1, Weight: 1}, {Name: worker.FargateSpot, Weight: 3}},
		StopTimeout:           ptr(60 * time.Second),
		MessageProcessingTime: ptr(40 * time.Second),
		LatencyTarget:         ptr(2 * time.Minute),
		MinTasks:              ptr(0),
		MaxTasks:              ptr(4),
		Queue: &worker.QueueProps{
			RetentionPeriod: ptr(7 * 24 * time.Hour),
			MaxReceiveCount: ptr(3),
			EncryptionKey:   key,
		},
		OldestMessageAgeThreshold: ptr(10 * time.Minute),
	})
	if err != nil {
		t.Fatal(err)
	}
	tpl := testenv.Template(f.stack)
	// Both queues use the customer key.
	for id, q := range *tpl.FindResources(jsii.String("AWS::SQS::Queue"), nil) {
		if _, ok := (*q)["Properties"].(map[string]any)["KmsMasterKeyId"]; !ok {
			t.Errorf("queue %s is not encrypted with the key", id)
		}
	}
	tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), map[string]any{
		"VisibilityTimeout":      240, // 6 × 40 s > 60 s + 30 s
		"MessageRetentionPeriod": 604800,
		"RedrivePolicy":          map[string]any{"maxReceiveCount": 3, "deadLetterTargetArn": assertions.Match_AnyValue()},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"Cpu": "1024", "Memory": "3072",
		"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
			"Image":       "public.ecr.aws/docker/library/busybox:1.36",
			"Command":     []any{"worker", "--queue", "mail"},
			"StopTimeout": 60,
			"Environment": assertions.Match_ArrayWith(&[]any{map[string]any{"Name": "LOG_LEVEL", "Value": "info"}}),
		})},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
		"CapacityProviderStrategy": []any{
			map[string]any{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1},
			map[string]any{"CapacityProvider": "FARGATE_SPOT", "Base": 0, "Weight": 3},
		},
	})
	tpl.HasResource(jsii.String("AWS::ECS::Service"), map[string]any{
		"Metadata": map[string]any{"okiagari": map[string]any{"kind": "worker", "name": "Mailer", "minTasks": 0, "maxTasks": 4}},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalableTarget"), map[string]any{"MinCapacity": 0, "MaxCapacity": 4})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"PolicyType": "TargetTrackingScaling",
		"TargetTrackingScalingPolicyConfiguration": assertions.Match_ObjectLike(&map[string]any{"TargetValue": 3}), // 120 s ÷ 40 s
	})
	// Scale from zero: a step policy adding one task, driven by its own alarm on messages
	// waiting while no task runs.
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"PolicyType": "StepScaling",
		"StepScalingPolicyConfiguration": assertions.Match_ObjectLike(&map[string]any{
			"AdjustmentType":        "ChangeInCapacity",
			"StepAdjustments":       []any{map[string]any{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}},
			"MetricAggregationType": "Maximum",
		}),
	})
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"Threshold":          1,
		"ComparisonOperator": "GreaterThanOrEqualToThreshold",
		"EvaluationPeriods":  1,
		"TreatMissingData":   "notBreaching",
		"AlarmActions":       []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("ScaleFromZero"))}},
		"Metrics": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{"Expression": worker.ScaleFromZeroExpression}),
			assertions.Match_ObjectLike(&map[string]any{"Id": "running", "MetricStat": assertions.Match_ObjectLike(&map[string]any{
				"Metric": assertions.Match_ObjectLike(&map[string]any{"MetricName": "RunningTaskCount"}),
			})}),
			assertions.Match_ObjectLike(&map[string]any{"Id": "visible", "MetricStat": assertions.Match_ObjectLike(&map[string]any{
				"Stat": "Maximum", "Metric": assertions.Match_ObjectLike(&map[string]any{"MetricName": "ApproximateNumberOfMessagesVisible"}),
			})}),
		}),
	})
	// No topic: the alarms exist without actions.
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"MetricName": "ApproximateAgeOfOldestMessage", "Threshold": 600, "AlarmActions": assertions.Match_Absent(),
	})
	// The task role may also decrypt with the key.
	stmts := roleStatements(t, tpl, "MailerTaskDefinitionTaskRole")
	var decrypt bool
	for _, s := range stmts {
		if reflect.DeepEqual(actions(s), []string{"kms:Decrypt"}) {
			decrypt = s["Resource"] == "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		}
	}
	if !decrypt || len(stmts) != 3 {
		t.Errorf("task role statements %s, want queue, kms:Decrypt on the key, task protection", asJSON(stmts))
	}
	for _, f := range testenv.NagFindings(f.stack) {
		t.Error(f)
	}
}

func TestWorkerExternalMetric(t *testing.T) {
	f := newFixture(t)
	w, err := worker.NewWorker(f.stack, jsii.String("Indexer"), &worker.WorkerProps{
		Cluster:    f.cluster,
		Repository: f.repo,
		ImageTag:   jsii.String("v1"),
		ExternalMetric: &worker.ExternalMetric{
			Namespace: "Okiagari/Jobs", MetricName: "QueueLength",
			Dimensions: map[string]string{"List": "index"},
		},
		AlarmTopic: f.topic,
	})
	if err != nil {
		t.Fatal(err)
	}
	if w.Queue != nil || w.DeadLetterQueue != nil || len(w.Alarms) != 0 {
		t.Error("an external-metric worker must create no queue and no queue alarm")
	}
	tpl := testenv.Template(f.stack)
	tpl.ResourceCountIs(jsii.String("AWS::SQS::Queue"), jsii.Number(0))
	tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(0))
	tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		// No QUEUE_URL; the protection expiry defaults to 15 minutes without a queue.
		"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{"Environment": []any{
			map[string]any{"Name": "PROTECTION_EXPIRY_MINUTES", "Value": "15"},
		}})},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), map[string]any{
		"TargetTrackingScalingPolicyConfiguration": assertions.Match_ObjectLike(&map[string]any{
			"TargetValue": 30,
			"CustomizedMetricSpecification": map[string]any{"Metrics": assertions.Match_ArrayWith(&[]any{
				map[string]any{
					"Id": "visible", "ReturnData": false,
					"MetricStat": map[string]any{"Stat": "Average", "Metric": map[string]any{
						"Namespace": "Okiagari/Jobs", "MetricName": "QueueLength",
						"Dimensions": []any{map[string]any{"Name": "List", "Value": "index"}},
					}},
				},
				assertions.Match_ObjectLike(&map[string]any{"Expression": worker.BacklogExpression}),
			})},
		}),
	})
	// No queue permission: only task protection.
	stmts := roleStatements(t, tpl, "IndexerTaskDefinitionTaskRole")
	if len(stmts) != 1 || !reflect.DeepEqual(actions(stmts[0]), []string{"ecs:GetTaskProtection", "ecs:UpdateTaskProtection"}) {
		t.Errorf("task role statements %s, want task protection only", asJSON(stmts))
	}
}

func TestWorkerEc2(t *testing.T) {
	f := newFixture(t)
	asg := awsautoscaling.NewAutoScalingGroup(f.stack, jsii.String("Asg"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:          f.vpc,
		InstanceType: awsec2.NewInstanceType(jsii.String("t3.medium")),
		MachineImage: awsecs.EcsOptimizedImage_AmazonLinux2023(awsecs.AmiHardwareType_STANDARD, nil),
		MaxCapacity:  jsii.Number(2),
	})
	cp := awsecs.NewAsgCapacityProvider(f.stack, jsii.String("Ec2Provider"), &awsecs.AsgCapacityProviderProps{
		AutoScalingGroup:     asg,
		CapacityProviderName: jsii.String("ec2-workers"),
	})
	f.cluster.AddAsgCapacityProvider(cp, nil)
	props := f.props()
	props.Ec2CapacityProviders = []string{"ec2-workers"}
	props.CapacityProviders = []worker.CapacityProvider{{Name: "ec2-workers", Weight: 1}}
	props.MemoryMiB = ptr(1024)
	w, err := worker.NewWorker(f.stack, jsii.String("Mailer"), props)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := w.Service.(awsecs.Ec2Service); !ok {
		t.Errorf("service is %T, want an Ec2Service", w.Service)
	}
	tpl := testenv.Template(f.stack)
	noLoadBalancer(t, tpl)
	tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"NetworkMode":             "awsvpc",
		"RequiresCompatibilities": []any{"EC2"},
		"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
			"Cpu": 256, "Memory": 1024, "StopTimeout": 120,
		})},
	})
	tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
		"CapacityProviderStrategy": []any{map[string]any{"CapacityProvider": "ec2-workers", "Base": 0, "Weight": 1}},
		"NetworkConfiguration":     assertions.Match_ObjectLike(&map[string]any{"AwsvpcConfiguration": assertions.Match_AnyValue()}),
	})
}

func TestWorkerInvalid(t *testing.T) {
	stack := testenv.Stack(t)
	cluster := awsecs.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awsecs.ClusterAttributes{
		ClusterName: jsii.String("main"), Vpc: awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
			VpcId: jsii.String("vpc-1"), AvailabilityZones: jsii.Strings(testenv.Zones...),
		}),
	})
	base := func(mod func(p *worker.WorkerProps)) worker.WorkerProps {
		p := worker.WorkerProps{Cluster: cluster, Image: jsii.String("busybox"), Queue: &worker.QueueProps{}}
		mod(&p)
		return p
	}
	const prefix = `worker "Test/Worker": `
	cases := []struct {
		name  string
		props worker.WorkerProps
		want  string
	}{
		{"visibility not above stop timeout", base(func(p *worker.WorkerProps) { p.Queue.VisibilityTimeout = ptr(120 * time.Second) }),
			"Queue.VisibilityTimeout 120s must be > StopTimeout 120s, or a message a stopping worker is finishing is delivered again"},
		{"stop timeout too long", base(func(p *worker.WorkerProps) {
			p.StopTimeout = ptr(130 * time.Second)
			p.Queue.VisibilityTimeout = ptr(300 * time.Second)
		}), "StopTimeout 130s must be between 2s and 120s (the ECS maximum)"},
		{"stop timeout too short", base(func(p *worker.WorkerProps) { p.StopTimeout = ptr(time.Second) }),
			"StopTimeout 1s must be between 2s and 120s (the ECS maximum)"},
		{"max receive count 0", base(func(p *worker.WorkerProps) { p.Queue.MaxReceiveCount = ptr(0) }),
			"Queue.MaxReceiveCount must be between 1 and 1000, got 0"},
		{"max receive count 1001", base(func(p *worker.WorkerProps) { p.Queue.MaxReceiveCount = ptr(1001) }),
			"Queue.MaxReceiveCount must be between 1 and 1000, got 1001"},
		{"min above max", base(func(p *worker.WorkerProps) { p.MinTasks, p.MaxTasks = ptr(5), ptr(3) }),
			"MinTasks 5 must be <= MaxTasks 3"},
		{"max below 1", base(func(p *worker.WorkerProps) { p.MinTasks, p.MaxTasks = ptr(0), ptr(0) }),
			"MaxTasks must be >= 1, got 0"},
		{"latency target 0", base(func(p *worker.WorkerProps) { p.LatencyTarget = ptr(time.Duration(0)) }),
			"LatencyTarget 0s must be > 0s"},
		{"processing time negative", base(func(p *worker.WorkerProps) { p.MessageProcessingTime = ptr(-5 * time.Second) }),
			"MessageProcessingTime -5s must be > 0s"},
		{"retention too short", base(func(p *worker.WorkerProps) { p.Queue.RetentionPeriod = ptr(30 * time.Second) }),
			"Queue.RetentionPeriod 30s must be between 60s and 1209600s (14 days)"},
		{"retention too long", base(func(p *worker.WorkerProps) { p.Queue.RetentionPeriod = ptr(15 * 24 * time.Hour) }),
			"Queue.RetentionPeriod 1296000s must be between 60s and 1209600s (14 days)"},
		{"retention as long as the dead-letter queue's", base(func(p *worker.WorkerProps) { p.Queue.RetentionPeriod = ptr(14 * 24 * time.Hour) }),
			"Queue.RetentionPeriod 1209600s must be shorter than the dead-letter queue's 1209600s (14 days, the SQS maximum): a message keeps its original enqueue time when it moves to the dead-letter queue, so with the same retention it expires there at once; use at most 1123200s (13 days)"},
		{"protection expiry in seconds", base(func(p *worker.WorkerProps) { p.ProtectionExpiry = ptr(90 * time.Second) }),
			"ProtectionExpiry 1m30s must be whole minutes between 1m and 2880m (ECS task scale-in protection)"},
		{"bake beyond a day", base(func(p *worker.WorkerProps) { p.Bake = ptr(25 * time.Hour) }),
			"Bake 25h0m0s must be whole minutes between 0 and 1440 (ECS)"},
		{"unnamed deployment alarm", base(func(p *worker.WorkerProps) { p.DeploymentAlarms = []string{""} }),
			"DeploymentAlarms[0] must name an alarm"},
		{"both queue sources", base(func(p *worker.WorkerProps) {
			p.ExternalMetric = &worker.ExternalMetric{Namespace: "App", MetricName: "Length"}
		}), "exactly one of Queue and ExternalMetric must be set, got both"},
		{"neither queue source", base(func(p *worker.WorkerProps) { p.Queue = nil }),
			"exactly one of Queue and ExternalMetric must be set, got neither"},
		{"both images", base(func(p *worker.WorkerProps) {
			p.Repository = awsecr.Repository_FromRepositoryName(stack, jsii.String("Repo"), jsii.String("r"))
			p.ImageTag = nil
		}), "exactly one of Repository and Image must be set, got both\n" + prefix + "ImageTag must be set with Repository"},
		{"no image", base(func(p *worker.WorkerProps) { p.Image = nil }),
			"exactly one of Repository and Image must be set, got neither"},
		{"repository without tag", base(func(p *worker.WorkerProps) {
			p.Image = nil
			p.Repository = awsecr.Repository_FromRepositoryName(stack, jsii.String("UntaggedRepo"), jsii.String("r"))
		}), "ImageTag must be set with Repository"},
		{"tag with image", base(func(p *worker.WorkerProps) { p.ImageTag = jsii.String("v1") }),
			"ImageTag must not be set with Image; put the tag in Image"},
		{"bad fargate size", base(func(p *worker.WorkerProps) { p.Cpu, p.MemoryMiB = ptr(256), ptr(4096) }),
			"Cpu 256 with MemoryMiB 4096 is not a valid Fargate size; with 256 CPU units use 512, 1024 or 2048 MiB"},
		{"unknown provider", base(func(p *worker.WorkerProps) {
			p.CapacityProviders = []worker.CapacityProvider{{Name: "SPOT", Weight: 1}}
		}), `CapacityProviders[0].Name "SPOT" is not one of FARGATE, FARGATE_SPOT (no EC2 capacity provider is declared)`},
		{"negative base", base(func(p *worker.WorkerProps) {
			p.CapacityProviders = []worker.CapacityProvider{{Name: "FARGATE", Base: -1, Weight: 1}}
		}), `CapacityProviders[0].Base must be between 0 and 100000, got -1`},
		{"negative weight", base(func(p *worker.WorkerProps) {
			p.CapacityProviders = []worker.CapacityProvider{{Name: "FARGATE", Weight: 1}, {Name: "FARGATE_SPOT", Weight: -2}}
		}), `CapacityProviders[1].Weight must be between 0 and 1000, got -2`},
		{"mixed providers", base(func(p *worker.WorkerProps) {
			p.Ec2CapacityProviders = []string{"ec2"}
			p.CapacityProviders = []worker.CapacityProvider{{Name: "FARGATE", Weight: 1}, {Name: "ec2", Weight: 1}}
		}), "CapacityProviders mixes Fargate and EC2 providers; ECS runs a service on one or the other"},
		{"no weight", base(func(p *worker.WorkerProps) {
			p.CapacityProviders = []worker.CapacityProvider{{Name: "FARGATE", Base: 1}}
		}), "CapacityProviders: at least one provider must have a Weight above 0, or no task is placed beyond the Base"},
		{"fractional stop timeout", base(func(p *worker.WorkerProps) { p.StopTimeout = ptr(90500 * time.Millisecond) }),
			"StopTimeout must be a whole number of seconds, got 90.5s"},
		{"external metric without name", base(func(p *worker.WorkerProps) {
			p.Queue = nil
			p.ExternalMetric = &worker.ExternalMetric{Namespace: "App"}
		}), `ExternalMetric needs a Namespace and a MetricName, got "App" and ""`},
		{"no cluster", base(func(p *worker.WorkerProps) { p.Cluster = nil }), "Cluster is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(*stack.Node().Children())
			w, err := worker.NewWorker(stack, jsii.String("Worker"), &tc.props)
			if err == nil || err.Error() != prefix+tc.want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, prefix+tc.want)
			}
			if w != nil || len(*stack.Node().Children()) != before {
				t.Fatal("an invalid worker must create nothing")
			}
		})
	}
	t.Run("all problems at once", func(t *testing.T) {
		_, err := worker.NewWorker(stack, jsii.String("Worker"), &worker.WorkerProps{})
		want := strings.Join([]string{
			prefix + "Cluster is required",
			prefix + "exactly one of Repository and Image must be set, got neither",
			prefix + "exactly one of Queue and ExternalMetric must be set, got neither",
		}, "\n")
		if err == nil || err.Error() != want {
			t.Fatalf("got error\n  %v\nwant\n  %s", err, want)
		}
	})
}

// TestWorkerDeployment: deployment alarms roll a deploy back after a 5-minute bake by default; the
// worst case a pipeline must wait counts the task start, the protection expiry, the stop timeout
// and the bake.
func TestWorkerDeployment(t *testing.T) {
	f := newFixture(t)
	w, err := worker.NewWorker(f.stack, jsii.String("Mailer"), &worker.WorkerProps{
		Cluster: f.cluster, Repository: f.repo, ImageTag: jsii.String("v1"),
		Queue:            &worker.QueueProps{},
		ProtectionExpiry: ptr(10 * time.Minute),
		DeploymentAlarms: []string{"mailer-errors"},
	})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Template(f.stack).HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
		"DeploymentConfiguration": assertions.Match_ObjectLike(&map[string]any{
			"BakeTimeInMinutes": 5,
			"Alarms":            map[string]any{"AlarmNames": []any{"mailer-errors"}, "Enable": true, "Rollback": true},
		}),
	})
	// 60 s start + 10 min protection + 120 s stop timeout + 5 min bake.
	if want := 60*time.Second + 10*time.Minute + 120*time.Second + 5*time.Minute; w.DeployWorstCase != want {
		t.Errorf("DeployWorstCase %s, want %s", w.DeployWorstCase, want)
	}
}

// TestWorkerHardening: a non-root user and a read-only root file system, with /tmp as a task
// volume; root is refused.
func TestWorkerHardening(t *testing.T) {
	f := newFixture(t)
	_, err := worker.NewWorker(f.stack, jsii.String("Mailer"), &worker.WorkerProps{
		Cluster: f.cluster, Repository: f.repo, ImageTag: jsii.String("v1"), Queue: &worker.QueueProps{},
		User: jsii.String("app"), ReadonlyRootFilesystem: jsii.Bool(true), WritablePaths: []string{"/tmp"},
	})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Template(f.stack).HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
			"User": "app", "ReadonlyRootFilesystem": true,
			"MountPoints": []any{map[string]any{"ContainerPath": "/tmp", "SourceVolume": "writable-tmp", "ReadOnly": false}},
		})},
		"Volumes": []any{map[string]any{"Name": "writable-tmp"}},
	})
	_, err = worker.NewWorker(f.stack, jsii.String("Root"), &worker.WorkerProps{
		Cluster: f.cluster, Repository: f.repo, ImageTag: jsii.String("v1"), Queue: &worker.QueueProps{}, User: jsii.String("root"),
	})
	if want := `worker "Test/Root": User "root" runs as root; name a non-root user, or leave User unset to keep the image's`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
