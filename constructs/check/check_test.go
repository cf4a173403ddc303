package check

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func TestProblems(t *testing.T) {
	c := New("webservice", "prod/Services/Web")
	if c.Err() != nil {
		t.Fatal("a new list has no problem")
	}
	c.Addf("StopTimeout %ds must be >= DeregistrationDelay %ds", 10, 30)
	c.Range("Weight", 1001, 0, 1000)
	c.Range("Base", 5, 0, 10) // in range: no problem
	c.Add(errors.New("scaling \"prod/Services/Web/Target\": MinCapacity must be >= 0, got -1\nscaling \"prod/Services/Web/Target\": MaxCapacity must be >= 1, got 0"))
	c.Add(nil)
	want := `webservice "prod/Services/Web": StopTimeout 10s must be >= DeregistrationDelay 30s
webservice "prod/Services/Web": Weight must be between 0 and 1000, got 1001
scaling "prod/Services/Web/Target": MinCapacity must be >= 0, got -1
scaling "prod/Services/Web/Target": MaxCapacity must be >= 1, got 0`
	if got := c.Err().Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestMergeSuppressions: the metadata is cdk-nag's own format, so cdk-nag applies it and prints
// the reasons; existing suppressions are kept and duplicates dropped.
func TestMergeSuppressions(t *testing.T) {
	existing := map[string]any{"rules_to_suppress": []any{
		map[string]any{"id": "AwsSolutions-S1", "reason": "a log bucket"},
	}}
	got := mergeSuppressions(existing, []Suppression{
		{ID: "AwsSolutions-S1", Reason: "a log bucket"}, // already there
		{ID: "AwsSolutions-IAM5", Reason: "no resource-level permissions", AppliesTo: []string{"Resource::*", `/^Resource::arn:.*-\?{6}$/`}},
		{ID: "AwsSolutions-ECS2", Reason: "drain → stop"}, // beyond Latin-1: base64, as cdk-nag writes it
	})
	b, _ := json.Marshal(got)
	want := `{"rules_to_suppress":[{"id":"AwsSolutions-S1","reason":"a log bucket"},` +
		`{"applies_to":["Resource::*",{"regex":"/^Resource::arn:.*-\\?{6}$/"}],"id":"AwsSolutions-IAM5","reason":"no resource-level permissions"},` +
		`{"id":"AwsSolutions-ECS2","is_reason_encoded":true,"reason":"ZHJhaW4g4oaSIHN0b3A="}]}`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
}

func TestSuppressionWithoutReasonPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a suppression without a reason was accepted")
		}
	}()
	mergeSuppressions(nil, []Suppression{{ID: "AwsSolutions-IAM5", Reason: " "}})
}

// TestUnresolved: the Go-side test agrees with the CDK's Token.isUnresolved on tokens of every
// kind a construct meets, and on plain strings that merely look like them.
func TestUnresolved(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Agnostic"), nil)
	for _, s := range []*string{
		stack.Region(), stack.Account(), awscdk.Aws_PARTITION(),
		awscdk.Token_AsString(awscdk.Token_AsNumber(stack.Region()), nil),
		jsii.String("arn:aws:acm:" + *stack.Region() + ":123456789012:certificate/x"),
		awscdk.Fn_Join(jsii.String(","), awscdk.Token_AsList(stack.Region(), nil)),
		jsii.String("ap-northeast-1"), jsii.String(""), jsii.String("Token[x]"), jsii.String("${Token[x y]}"),
		jsii.String("-1.1234567890e+289"),
	} {
		if got, want := Unresolved(s), *awscdk.Token_IsUnresolved(s); got != want {
			t.Errorf("Unresolved(%q) = %v, Token.isUnresolved says %v", *s, got, want)
		}
	}
	if Unresolved(nil) {
		t.Error("Unresolved(nil)")
	}
}
