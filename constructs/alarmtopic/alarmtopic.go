package alarmtopic

import (
	"net/mail"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/check"
)

// AlarmTopicProps configures an AlarmTopic.
type AlarmTopicProps struct {
	// Emails are the addresses subscribed to the topic, written as plain addresses
	// ("oncall@example.com", no display name), no duplicates. Each address gets a confirmation
	// mail from AWS and receives nothing until it confirms. Default: no subscriptions; alarms are
	// still visible in the console and other subscribers (chat, paging) can be added to Topic.
	Emails []string
	// Encrypted encrypts the topic with a customer-managed KMS key (rotated yearly) whose policy
	// lets CloudWatch alarms use it; an AWS-managed key would not work, because its policy cannot
	// be changed to admit CloudWatch. Default: true (about 1 USD a month for the key).
	Encrypted *bool
	// DisplayName is the sender name shown in notification emails. Default: "okiagari alarms".
	DisplayName *string
}

func defaults() AlarmTopicProps {
	return AlarmTopicProps{
		Encrypted:   jsii.Bool(true),
		DisplayName: jsii.String("okiagari alarms"),
	}
}

// AlarmTopic is the SNS topic an environment's alarms notify.
type AlarmTopic struct {
	constructs.Construct
	// Topic is the alarm topic; pass it to alarms as an SNS action.
	Topic awssns.Topic
	// Key encrypts the topic; nil when Encrypted is false.
	Key awskms.Key
	// Subscriptions are the email subscriptions, in the order of Emails.
	Subscriptions []awssns.Subscription
}

// NewAlarmTopic creates the topic. It returns an error, and creates nothing, when props are
// invalid.
func NewAlarmTopic(scope constructs.Construct, id *string, props *AlarmTopicProps) (*AlarmTopic, error) {
	p := defaults()
	if props != nil {
		p.Emails = props.Emails
		if props.Encrypted != nil {
			p.Encrypted = props.Encrypted
		}
		if props.DisplayName != nil {
			p.DisplayName = props.DisplayName
		}
	}
	if err := validate(scope, id, &p); err != nil {
		return nil, err
	}

	this := &AlarmTopic{Construct: constructs.NewConstruct(scope, id)}
	c := this.Construct
	stack := awscdk.Stack_Of(c)
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	if *p.Encrypted {
		this.Key = awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the alarm topic " + *scope.Node().Path() + "/" + *id),
			EnableKeyRotation: jsii.Bool(true),
			// The key protects messages only while SNS delivers them; SNS stores nothing, so a
			// deleted stack leaves nothing behind that the key would still be needed for.
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
			PendingWindow: check.Days(7),
		})
		// CloudWatch publishes as its service principal, which must be able to make the data key
		// the encrypted topic asks the publisher for; without this every alarm action fails with
		// KMS.AccessDeniedException and nobody is told.
		this.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowCloudWatchAlarms"),
			Principals: &[]awsiam.IPrincipal{cloudwatch},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
			Resources:  jsii.Strings("*"),
		}), nil)
		// Auto Scaling groups (auto-heal hosts) publish their launch and terminate notifications
		// as the account's Auto Scaling service-linked role, whose own policy grants no KMS use:
		// without this statement they are dropped silently. The role is named in a condition,
		// not as the principal, because it exists only once the account's first group does and
		// KMS refuses a key policy naming a principal that does not exist.
		this.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowAutoScalingNotifications"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"aws:PrincipalArn": stack.FormatArn(&awscdk.ArnComponents{
					Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role"),
					ResourceName: jsii.String("aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"),
					ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
				}),
				"kms:ViaService": "sns." + *stack.Region() + ".amazonaws.com",
			}},
		}), nil)
	}
	this.Topic = awssns.NewTopic(c, jsii.String("Resource"), &awssns.TopicProps{
		DisplayName: p.DisplayName,
		MasterKey:   this.Key,
		// Denies sns:Publish when aws:SecureTransport is false.
		EnforceSSL: jsii.Bool(true),
	})
	// A topic policy replaces SNS's default one, which is what let CloudWatch publish; say it
	// again, for this account's alarms only.
	this.Topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarms"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{this.Topic.TopicArn()},
		Conditions: &map[string]any{
			"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String("*"),
				ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			})},
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		},
	}))
	if this.Key == nil {
		check.Suppress(this.Topic, check.Suppression{
			ID: "AwsSolutions-SNS2",
			Reason: "Encryption switched off for this environment (AlarmTopicProps.Encrypted=false): the topic carries " +
				"alarm names, states and metric values only, never application data, and publishing is TLS-only",
		})
	}
	for _, email := range p.Emails {
		// The ID is the address, not its place in the list: reordering the list must not
		// unsubscribe and resubscribe (and re-ask for confirmation of) anybody.
		this.Subscriptions = append(this.Subscriptions,
			awssns.NewSubscription(c, jsii.String("Email:"+strings.ToLower(email)), &awssns.SubscriptionProps{
				Topic:    this.Topic,
				Protocol: awssns.SubscriptionProtocol_EMAIL,
				Endpoint: jsii.String(email),
			}))
	}
	return this, nil
}

func validate(scope constructs.Construct, id *string, p *AlarmTopicProps) error {
	c := check.For("alarmtopic", scope, *id)
	seen := map[string]bool{}
	for i, email := range p.Emails {
		if !validEmail(email) {
			c.Addf("Emails[%d] %q is not a plain email address like oncall@example.com", i, email)
			continue
		}
		if key := strings.ToLower(email); seen[key] {
			c.Addf("Emails[%d] %q is listed twice; each address once", i, email)
		} else {
			seen[key] = true
		}
	}
	if n := len(*p.DisplayName); n > 100 {
		c.Addf("DisplayName must be at most 100 characters, got %d", n)
	}
	return c.Err()
}

// validEmail accepts a bare address with a dotted domain: what SNS can deliver to, without the
// display names and comments that net/mail also parses.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.ContainsAny(s, " \"()<>[]\\,;:")
}
