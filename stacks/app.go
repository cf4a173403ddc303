package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AppProps are the props of okiagari's app. They switch off metadata that nothing okiagari or
// the CDK CLI commands it documents (synth, diff, deploy, ls) reads, and that costs synthesis
// time: the aws:cdk:trace stack trace on every construct's metadata, the creation stack trace
// of every construct (it points into the jsii kernel, not at Go code), and tree.json (read only
// by the CLI's notices filter and the construct explorer, which proceed without it). Templates
// are the same either way.
func AppProps() *awscdk.AppProps {
	return &awscdk.AppProps{
		StackTraces:  jsii.Bool(false),
		TreeMetadata: jsii.Bool(false),
		PostCliContext: &map[string]any{
			"aws:cdk:disable-creation-stack-traces": true,
		},
	}
}

// CheckNag adds cdk-nag's AwsSolutions checks to every stack of the environments. Aspects do not
// cross stage boundaries, so each stage gets its own; one added to the app would check nothing.
// Findings become error annotations, which the app (bin) and the tests (test/) fail on; the
// constructs record their suppressions, with reasons, as "cdk_nag" metadata (package check).
func CheckNag(envs []*Environment) {
	for _, e := range envs {
		awscdk.Aspects_Of(e.Stage).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	}
}
