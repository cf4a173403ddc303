package alarmtopic_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/alarmtopic"
	"github.com/okiagari/okiagari/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var (
	match  = assertions.Match_ObjectLike
	arrayW = assertions.Match_ArrayWith
)

// tlsDeny is the statement EnforceSSL writes: no publishing over plain HTTP.
var tlsDeny = map[string]any{
	"Effect":    "Deny",
	"Action":    "sns:Publish",
	"Principal": "*",
	"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
}

// cloudWatchPublish lets this account's alarms publish (the topic policy replaces SNS's default).
var cloudWatchPublish = match(&map[string]any{
	"Sid":       "AllowCloudWatchAlarms",
	"Effect":    "Allow",
	"Action":    "sns:Publish",
	"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
	"Condition": map[string]any{
		"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:*"},
		"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"},
	},
})

func TestAlarmTopicDefaults(t *testing.T) {
	stack := testenv.Stack(t)
	a, err := alarmtopic.NewAlarmTopic(stack, jsii.String("Alarms"), &alarmtopic.AlarmTopicProps{
		Emails: []string{"oncall@example.com", "Team.Lead+alerts@example.co.jp"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Topic == nil || a.Key == nil || len(a.Subscriptions) != 2 {
		t.Fatal("exported resources not set")
	}
	tpl := testenv.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]any{
		"DisplayName":    "okiagari alarms",
		"KmsMasterKeyId": map[string]any{"Fn::GetAtt": []any{"AlarmsKey3C2381B3", "Arn"}},
	})
	tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
		"PolicyDocument": match(&map[string]any{"Statement": arrayW(&[]any{match(&tlsDeny), cloudWatchPublish})}),
	})
	tpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{
		"Properties": match(&map[string]any{
			"EnableKeyRotation":   true,
			"PendingWindowInDays": 7,
			"KeyPolicy": match(&map[string]any{"Statement": arrayW(&[]any{match(&map[string]any{
				"Sid":       "AllowCloudWatchAlarms",
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Action":    []any{"kms:Decrypt", "kms:GenerateDataKey*"},
				"Resource":  "*",
			}), match(&map[string]any{
				// Auto Scaling notifications (auto-heal hosts) are published by its service-linked
				// role through SNS.
				"Sid":       "AllowAutoScalingNotifications",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": "*"},
				"Action":    []any{"kms:Decrypt", "kms:GenerateDataKey*"},
				"Resource":  "*",
				"Condition": map[string]any{"StringEquals": map[string]any{
					"aws:PrincipalArn": "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
					"kms:ViaService":   "sns.ap-northeast-1.amazonaws.com",
				}},
			})})}),
		}),
		"DeletionPolicy": "Delete",
	})
	tpl.ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(2))
	for _, email := range []string{"oncall@example.com", "Team.Lead+alerts@example.co.jp"} {
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
			"Protocol": "email", "Endpoint": email, "TopicArn": map[string]any{"Ref": "AlarmsB3E93623"},
		})
	}
}

func TestAlarmTopicUnencrypted(t *testing.T) {
	stack := testenv.Stack(t)
	a, err := alarmtopic.NewAlarmTopic(stack, jsii.String("Alarms"), &alarmtopic.AlarmTopicProps{
		Encrypted: jsii.Bool(false), DisplayName: jsii.String("dev alarms"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Key != nil || a.Subscriptions != nil {
		t.Fatal("an unencrypted topic without emails must have no key and no subscriptions")
	}
	tpl := testenv.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]any{
		"DisplayName": "dev alarms", "KmsMasterKeyId": assertions.Match_Absent(),
	})
	tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(0))
	tpl.ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(0))
	tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
		"PolicyDocument": match(&map[string]any{"Statement": arrayW(&[]any{match(&tlsDeny), cloudWatchPublish})}),
	})
	// SNS2 (no KMS) is suppressed with a reason; SNS3 (TLS only) must pass on its own.
	for _, f := range testenv.NagFindings(stack) {
		t.Error(f)
	}
}

func TestAlarmTopicInvalid(t *testing.T) {
	cases := []struct {
		name  string
		props alarmtopic.AlarmTopicProps
		want  string
	}{
		{"no at", alarmtopic.AlarmTopicProps{Emails: []string{"oncall"}},
			`alarmtopic "Test/Alarms": Emails[0] "oncall" is not a plain email address like oncall@example.com`},
		{"display name", alarmtopic.AlarmTopicProps{Emails: []string{"On Call <oncall@example.com>"}},
			`alarmtopic "Test/Alarms": Emails[0] "On Call <oncall@example.com>" is not a plain email address like oncall@example.com`},
		{"no dot in domain", alarmtopic.AlarmTopicProps{Emails: []string{"oncall@localhost"}},
			`alarmtopic "Test/Alarms": Emails[0] "oncall@localhost" is not a plain email address like oncall@example.com`},
		{"space", alarmtopic.AlarmTopicProps{Emails: []string{" oncall@example.com"}},
			`alarmtopic "Test/Alarms": Emails[0] " oncall@example.com" is not a plain email address like oncall@example.com`},
		{"duplicate ignoring case", alarmtopic.AlarmTopicProps{Emails: []string{"a@example.com", "b@example.com", "A@example.com"}},
			`alarmtopic "Test/Alarms": Emails[2] "A@example.com" is listed twice; each address once`},
		{"long display name", alarmtopic.AlarmTopicProps{DisplayName: jsii.String(strings.Repeat("x", 101))},
			`alarmtopic "Test/Alarms": DisplayName must be at most 100 characters, got 101`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			a, err := alarmtopic.NewAlarmTopic(stack, jsii.String("Alarms"), &tc.props)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, tc.want)
			}
			if a != nil || len(*stack.Node().Children()) != 0 {
				t.Fatal("an invalid alarm topic must create nothing")
			}
		})
	}
}

func TestAlarmTopicNag(t *testing.T) {
	stack := testenv.Stack(t)
	if _, err := alarmtopic.NewAlarmTopic(stack, jsii.String("Alarms"), &alarmtopic.AlarmTopicProps{Emails: []string{"oncall@example.com"}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range testenv.NagFindings(stack) {
		t.Error(f)
	}
}
