package test

import (
	"slices"
	"strings"
	"testing"
)

// pinnedStateful are the logical IDs of every resource that holds data, per stack, the same in
// every environment. CloudFormation replaces a resource whose logical ID changes: a new, empty
// repository, queue, file system or bucket, and the old one orphaned (retained) or lost. A change
// here must be deliberate, with a migration for the data.
var pinnedStateful = map[string][]string{
	"Network": {"AWS::Logs::LogGroup VpcFlowLogs3A4A3791"},
	"Platform": {
		"AWS::ECR::Repository RegistryApp116F68EC",
		"AWS::Logs::LogGroup ClusterTeardownLogs69B65D0E",
	},
	"Services": {
		"AWS::Logs::LogGroup MailerLogs1CE15877",
		"AWS::Logs::LogGroup WebLogsD9759FC4",
		"AWS::S3::Bucket WebAccessLogs024BC47D",
		"AWS::SQS::Queue MailerDeadLetterQueueAB44ABFD",
		"AWS::SQS::Queue MailerQueueE613033B",
	},
	"AutoHeal": {"AWS::EFS::FileSystem ChatFileSystemAF16CBEF"},
	"Pipeline": {
		"AWS::Logs::LogGroup PipelineBuildLogs0FB13851",
		"AWS::S3::Bucket PipelineArtifactBucket5F943F51",
	},
}

// TestStatefulLogicalIDs pins the logical IDs of the stateful resources of every stack of every
// environment.
func TestStatefulLogicalIDs(t *testing.T) {
	for name, tpl := range synthesized.templates {
		_, stack, _ := strings.Cut(name, "/")
		var got []string
		for id, r := range tpl["Resources"].(map[string]any) {
			typ, _ := r.(map[string]any)["Type"].(string)
			if slices.Contains(statefulTypes, typ) {
				got = append(got, typ+" "+id)
			}
		}
		slices.Sort(got)
		want := pinnedStateful[stack]
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: %s is gone: a changed logical ID replaces the resource and loses its data", name, w)
			}
		}
		for _, g := range got {
			if !slices.Contains(want, g) {
				t.Errorf("%s: stateful %s is not pinned; add it to pinnedStateful", name, g)
			}
		}
	}
}

// TestReleaseParametersFrozen: CloudFormation writes an SSM parameter's Value again on every
// update of the resource, so any change to a release parameter's properties (a tag, a
// description) would reset the released tag to the initial one, and the next deploy of the
// services would roll back to that image. Their properties are exactly these three.
func TestReleaseParametersFrozen(t *testing.T) {
	n := 0
	resources(func(name, typ string, res map[string]any) {
		if typ != "AWS::SSM::Parameter" {
			return
		}
		n++
		props := res["Properties"].(map[string]any)
		var keys []string
		for k := range props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if strings.Join(keys, ",") != "Name,Type,Value" {
			t.Errorf("%s: properties %v, want exactly Name, Type, Value (an update would reset the released tag)", name, keys)
		}
		if v, _ := props["Name"].(string); !strings.HasPrefix(v, "/okiagari/") || !strings.Contains(v, "/release/") {
			t.Errorf("%s: Name %v, want /okiagari/<env>/release/<repository>", name, props["Name"])
		}
	})
	if n != len(synthesized.envs) {
		t.Errorf("%d release parameters, want one per environment (one repository each)", n)
	}
}
