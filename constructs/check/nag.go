package check

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Suppression accepts the findings of one cdk-nag rule on one resource, and says why. cdk-nag
// reads suppressions from the resource's "cdk_nag" CloudFormation metadata (its own
// NagSuppressions writes the same), so a construct records them without importing cdk-nag, and a
// fork of a construct does not need it to build.
type Suppression struct {
	// ID is the rule, e.g. "AwsSolutions-IAM5". Default: none, required.
	ID string
	// Reason says why the finding is acceptable here, specifically enough for a reviewer to check
	// it; cdk-nag prints it in its reports. Default: none, required.
	Reason string
	// AppliesTo narrows a granular rule to these findings, e.g. "Resource::*" or
	// "Action::s3:List*"; one written /between slashes/ is a regular expression
	// ("/^Resource::arn:.*-\?{6}$/"). Default: every finding of the rule on the resource.
	AppliesTo []string
}

// nagKey is the CloudFormation metadata key cdk-nag reads suppressions from.
const nagKey = "cdk_nag"

// recorded holds what Suppress has written per resource, so that a second suppression on the same
// resource merges here instead of reading the metadata back through jsii (jsii hands out one Go
// value per CDK object, so the resource itself is the key).
var recorded = map[awscdk.CfnResource]any{}

// Suppress records rules on the CloudFormation resource of c: the default child of an L2
// construct (its L1), or c itself when it is an L1. It merges with what Suppress recorded there
// before; cdk-nag's own NagSuppressions, used afterwards, merges with it too. (Suppressions that
// cdk-nag's NagSuppressions wrote on the resource before the first Suppress are replaced: a
// construct suppresses on resources it has just created, which nothing else has touched yet.)
// It panics when there is no such resource: suppressing a finding on nothing is a bug.
func Suppress(c constructs.IConstruct, rules ...Suppression) {
	cfn, ok := c.(awscdk.CfnResource) // an L1: its Go type says so, no need to ask the CDK
	if !ok {
		if d := c.Node().DefaultChild(); d != nil {
			cfn, ok = d.(awscdk.CfnResource)
		}
	}
	if !ok {
		panic("check.Suppress: " + *c.Node().Path() + " is not a CloudFormation resource and has none as its default child")
	}
	merged := mergeSuppressions(recorded[cfn], rules)
	recorded[cfn] = merged
	cfn.AddMetadata(jsii.String(nagKey), merged)
}

// SuppressPolicy records rules on the default policy of role: the AWS::IAM::Policy that holds
// the role's grants, where cdk-nag reports wildcard permissions (AwsSolutions-IAM5). Call it
// after the last grant; it panics when the role has no default policy yet.
func SuppressPolicy(role constructs.IConstruct, rules ...Suppression) {
	// The role's descendants in one round trip (the role, its CfnRole, DefaultPolicy and its
	// CfnPolicy); jsii gives each its Go type, so the CfnPolicy is found without asking the CDK.
	for _, c := range *role.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if policy, ok := c.(awsiam.CfnPolicy); ok {
			Suppress(policy, rules...)
			return
		}
	}
	panic("check.SuppressPolicy: " + *role.Node().Path() + " has no DefaultPolicy yet; suppress after the last grant")
}

// mergeSuppressions returns the metadata value with rules added after the existing ones,
// leaving out duplicates, in cdk-nag's format: {"rules_to_suppress": [{"id", "reason",
// "applies_to"}]}, a reason with characters beyond Latin-1 base64-encoded as cdk-nag does.
func mergeSuppressions(existing any, rules []Suppression) map[string]any {
	var list []any
	seen := map[string]bool{}
	add := func(r any) {
		b, _ := json.Marshal(r)
		if !seen[string(b)] {
			seen[string(b)] = true
			list = append(list, r)
		}
	}
	if m, ok := existing.(map[string]any); ok {
		if old, ok := m["rules_to_suppress"].([]any); ok {
			for _, r := range old {
				add(r)
			}
		}
	}
	for _, r := range rules {
		if r.ID == "" || strings.TrimSpace(r.Reason) == "" {
			panic("check.Suppress: a suppression needs a rule ID and a reason")
		}
		entry := map[string]any{"id": r.ID, "reason": r.Reason}
		if strings.IndexFunc(r.Reason, func(c rune) bool { return c > 255 }) >= 0 {
			entry["reason"] = base64.StdEncoding.EncodeToString([]byte(r.Reason))
			entry["is_reason_encoded"] = true
		}
		if len(r.AppliesTo) > 0 {
			applies := make([]any, len(r.AppliesTo))
			for i, a := range r.AppliesTo {
				if len(a) > 2 && strings.HasPrefix(a, "/") && strings.HasSuffix(a, "/") {
					applies[i] = map[string]any{"regex": a}
				} else {
					applies[i] = a
				}
			}
			entry["applies_to"] = applies
		}
		add(entry)
	}
	return map[string]any{"rules_to_suppress": list}
}
