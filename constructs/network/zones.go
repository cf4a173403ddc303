package network

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ZoneLookupKey is the context key under which CDK looks up the availability zones of an account
// and region: "availability-zones:account=<account>:region=<region>".
func ZoneLookupKey(account, region string) string {
	return "availability-zones:account=" + account + ":region=" + region
}

// AnswerZoneLookup answers CDK's availability-zone look-up for account and region with zones,
// in scope's context, so that `cdk synth` needs no AWS credentials. CDK's Vpc asks for the
// account's zones even when its zones are named (to check them); left unanswered, the CLI calls
// EC2 DescribeAvailabilityZones, and without credentials synthesis fails with "Need to perform
// AWS calls for account …". Pass the zones the VPC names.
//
// Call it on the App (or the Stage) before adding stacks to it: context cannot be set on a
// construct that already has children.
func AnswerZoneLookup(scope constructs.Construct, account, region string, zones []string) {
	scope.Node().SetContext(jsii.String(ZoneLookupKey(account, region)), zones)
}
