package test

import (
	"slices"
	"strings"
	"testing"
)

// Template-level checks that cdk-nag does not make: they walk every resource of every stack.

// resources calls f for every resource of every stack, with "stack/logicalID" as its name.
func resources(f func(name, typ string, res map[string]any)) {
	for stack, tpl := range synthesized.templates {
		rs, _ := tpl["Resources"].(map[string]any)
		for id, r := range rs {
			res := r.(map[string]any)
			typ, _ := res["Type"].(string)
			f(stack+"/"+id, typ, res)
		}
	}
}

// statements returns the IAM policy documents a resource carries, identity and resource policies.
func statements(typ string, props map[string]any) []map[string]any {
	var docs []any
	switch typ {
	case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
		docs = append(docs, props["PolicyDocument"])
	case "AWS::IAM::Role":
		docs = append(docs, props["AssumeRolePolicyDocument"])
		for _, p := range asList(props["Policies"]) {
			docs = append(docs, p.(map[string]any)["PolicyDocument"])
		}
	case "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::EFS::FileSystem":
		docs = append(docs, props["PolicyDocument"], props["FileSystemPolicy"])
	case "AWS::KMS::Key":
		docs = append(docs, props["KeyPolicy"])
	case "AWS::ECR::Repository":
		docs = append(docs, props["RepositoryPolicyText"])
	}
	var out []map[string]any
	for _, d := range docs {
		if doc, ok := d.(map[string]any); ok {
			for _, s := range asList(doc["Statement"]) {
				out = append(out, s.(map[string]any))
			}
		}
	}
	return out
}

func asList(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case nil:
		return nil
	default:
		return []any{v}
	}
}

// TestNoWildcardPermissions: no Allow statement anywhere grants every action ("*"), uses
// NotAction, or allows iam:PassRole on every role. (The default EcsDeployAction role does the
// last two; DESIGN.md "Known traps".)
func TestNoWildcardPermissions(t *testing.T) {
	checked := 0
	resources(func(name, typ string, res map[string]any) {
		props, _ := res["Properties"].(map[string]any)
		for _, s := range statements(typ, props) {
			checked++
			if s["Effect"] != "Allow" {
				continue
			}
			if _, ok := s["NotAction"]; ok {
				t.Errorf("%s: an Allow statement with NotAction: %v", name, s)
			}
			actions := asList(s["Action"])
			wildResource := slices.ContainsFunc(asList(s["Resource"]), func(r any) bool { return r == "*" })
			for _, a := range actions {
				a, _ := a.(string)
				if a == "*" {
					t.Errorf("%s: allows every action: %v", name, s)
				}
				if wildResource && (strings.EqualFold(a, "iam:PassRole") || strings.EqualFold(a, "iam:*") || strings.EqualFold(a, "iam:Pass*")) {
					t.Errorf("%s: allows %s on every resource: %v", name, a, s)
				}
			}
		}
	})
	if checked == 0 {
		t.Fatal("no IAM statement found: the walk is broken")
	}
}

// statefulTypes hold data that a replacement or a stack deletion would lose. KMS keys are not
// listed: a key that encrypts stored data (the pipeline's artifacts) is retained by its
// construct's own test, while the alarm topic's key protects messages only in flight.
var statefulTypes = []string{
	"AWS::EFS::FileSystem", "AWS::ECR::Repository", "AWS::SQS::Queue", "AWS::S3::Bucket",
	"AWS::Logs::LogGroup", "AWS::DynamoDB::Table", "AWS::RDS::DBInstance",
}

// TestStatefulResourcesRetained: every stateful resource survives both stack deletion and
// replacement (cdk-nag does not check removal policies).
func TestStatefulResourcesRetained(t *testing.T) {
	n := 0
	defer func() {
		if n == 0 {
			t.Error("no stateful resource found: the walk is broken")
		}
	}()
	resources(func(name, typ string, res map[string]any) {
		if !slices.Contains(statefulTypes, typ) {
			return
		}
		n++
		if res["DeletionPolicy"] != "Retain" || res["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("%s (%s): DeletionPolicy %v, UpdateReplacePolicy %v; want Retain for both",
				name, typ, res["DeletionPolicy"], res["UpdateReplacePolicy"])
		}
	})
}

// TestLaunchTemplatesRequireIMDSv2: every launch template requires session tokens (cdk-nag does
// not look inside launch templates).
func TestLaunchTemplatesRequireIMDSv2(t *testing.T) {
	n := 0
	defer func() {
		// The cluster's EC2 capacity and every auto-heal host have one, in every environment.
		if n < 2*len(synthesized.envs) {
			t.Errorf("%d launch templates found, want at least %d: the walk is broken", n, 2*len(synthesized.envs))
		}
	}()
	resources(func(name, typ string, res map[string]any) {
		if typ != "AWS::EC2::LaunchTemplate" {
			return
		}
		n++
		data := dig(res, "Properties", "LaunchTemplateData")
		if got := dig(data, "MetadataOptions", "HttpTokens"); got != "required" {
			t.Errorf("%s: MetadataOptions.HttpTokens %v, want required", name, got)
		}
	})
}

// dig follows keys through nested objects; nil when one is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
