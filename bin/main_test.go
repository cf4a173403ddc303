package main

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/okiagari/okiagari/testenv"
)

func TestMain(m *testing.M) {
	os.Setenv("CDK_VALIDATION", "false")
	testenv.UseProjectNode()
	code := m.Run()
	closeJsii()
	os.Exit(code)
}

// TestAnnotationsFailTheApp: app.Synth() does not fail on error annotations (DESIGN.md), so the
// app walks them itself. A cdk-nag finding and a construct's own error must both be returned;
// a warning must not.
func TestAnnotationsFailTheApp(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stage := awscdk.NewStage(app, jsii.String("dev"), nil)
	// As stacks.NewEnvironment does: aspects do not cross stage boundaries.
	awscdk.Aspects_Of(stage).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{}), nil)
	stack := awscdk.NewStack(stage, jsii.String("Bad"), nil)
	awssqs.NewQueue(stack, jsii.String("Queue"), nil) // no DLQ, no TLS policy: AwsSolutions-SQS3, SQS4
	awscdk.Annotations_Of(stack).AddError(jsii.String("a construct's own error"))
	awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("okiagari:test"), jsii.String("only a warning"))

	errs, err := annotations(*app.Synth(nil).Directory(), false)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(errs, "\n")
	for _, want := range []string{"AwsSolutions-SQS3", "AwsSolutions-SQS4", "a construct's own error"} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "only a warning") {
		t.Errorf("a warning was counted as an error:\n%s", joined)
	}
}

func TestClean(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stage := awscdk.NewStage(app, jsii.String("dev"), nil)
	awscdk.Aspects_Of(stage).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{}), nil)
	stack := awscdk.NewStack(stage, jsii.String("Clean"), nil)
	awscdk.NewCfnWaitConditionHandle(stack, jsii.String("Handle"), nil) // no rule applies to it
	if errs, err := annotations(*app.Synth(nil).Directory(), false); err != nil || len(errs) != 0 {
		t.Errorf("an empty stack has errors: %v", errs)
	}
}
