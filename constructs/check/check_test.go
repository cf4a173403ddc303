package check

import (
	"encoding/json"
	"errors"
	"testing"
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

// TestUnresolved: the Go-side test agrees with the CDK's Token.isUnresolved on the strings the
// CDK hands to Go for tokens — a string token, a number token as a string, a string with a token
// inside — and on plain strings that merely look like them. (The samples are what jsii returns
// for stack.Region(), Token.asString(Token.asNumber(…)) and an ARN around a region token.)
func TestUnresolved(t *testing.T) {
	for s, want := range map[string]bool{
		"${Token[AWS.Region.9]}":                      true,
		"${Token[TOKEN.123]}":                         true,
		"-1.8881545897087626e+289":                    false, // a number token is only a token where CDK's test sees "Token["
		"${Token[TOKEN.7]}-1.8881545897087626e+289":   true,
		"arn:aws:acm:${Token[AWS.Region.9]}:1:cert/x": true,
		"ap-northeast-1":                              false,
		"":                                            false,
		"Token[x]":                                    false,
		"${Token[x y]}":                               false,
		"#{Token[TOKEN.5]}":                           false, // a list token, not a string one
	} {
		if got := Unresolved(&s); got != want {
			t.Errorf("Unresolved(%q) = %v, want %v", s, got, want)
		}
	}
	if Unresolved(nil) {
		t.Error("Unresolved(nil)")
	}
}
