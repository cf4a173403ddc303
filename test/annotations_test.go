package test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/okiagari/okiagari/report"
)

// TestAnnotationsFailTheApp: app.Synth() does not fail on error annotations (DESIGN.md), so the
// app reads them from the assembly (report.Annotations) and exits 1 on any. A cdk-nag finding and
// a construct's own error must both be errors; a warning must not.
func TestAnnotationsFailTheApp(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stage := awscdk.NewStage(app, jsii.String("dev"), nil)
	// As stacks.CheckNag does: aspects do not cross stage boundaries.
	awscdk.Aspects_Of(stage).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{}), nil)
	bad := awscdk.NewStack(stage, jsii.String("Bad"), nil)
	awssqs.NewQueue(bad, jsii.String("Queue"), nil) // no DLQ, no TLS policy: AwsSolutions-SQS3, SQS4
	awscdk.Annotations_Of(bad).AddError(jsii.String("a construct's own error"))
	awscdk.Annotations_Of(bad).AddWarningV2(jsii.String("okiagari:test"), jsii.String("only a warning"))
	clean := awscdk.NewStack(stage, jsii.String("Clean"), nil)
	awscdk.NewCfnWaitConditionHandle(clean, jsii.String("Handle"), nil) // no rule applies to it

	errs, warnings, err := report.Annotations(*app.Synth(nil).Directory())
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(errs, "\n")
	for _, want := range []string{"/dev/Bad/Queue/Resource: AwsSolutions-SQS3: The SQS queue is not used as a dead-letter queue", "AwsSolutions-SQS4", "/dev/Bad: a construct's own error"} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "only a warning") || strings.Contains(joined, "/dev/Clean") {
		t.Errorf("a warning or the clean stack was counted as an error:\n%s", joined)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "only a warning") {
		t.Errorf("warnings %q, want the one warning", warnings)
	}
}
