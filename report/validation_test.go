package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidationProblems(t *testing.T) {
	construct := func(path, fqn string) string {
		return `{"constructPath": "` + path + `", "constructFqn": "` + fqn + `"}`
	}
	report := func(violations, suppressed string) string {
		return `{"version": "54.0.0", "pluginReports": [{"pluginName": "CloudFormation Validate", "conclusion": "success",
			"violations": [` + violations + `], "suppressedViolations": [` + suppressed + `]}]}`
	}
	w3010 := `{"ruleName": "W3010", "description": "AvailabilityZone: Avoid hardcoding availability zones 'ap-northeast-1a'", "severity": "warning",
		"violatingConstructs": [` + construct("prod/Network/Vpc/Resource/PrivateSubnet1/Subnet", "aws-cdk-lib.aws_ec2.CfnSubnet") + `]}`
	flowLog := `{"ruleName": "F3002", "description": "DestinationOptions: Additional properties are not allowed", "severity": "error",
		"violatingConstructs": [` + construct("prod/Network/Vpc/FlowLog/FlowLog", "aws-cdk-lib.aws_ec2.CfnFlowLog") + `]}`
	cases := []struct {
		name, report, want string
	}{
		{"the expected suppressions", report("", w3010+","+flowLog), ""},
		{"a warning CloudFormation would reject at deploy", report(`{"ruleName": "W3030", "severity": "warning",
			"description": "PredefinedMetricType: 'ECSServiceCPUUtilisation' is not one of [...]",
			"violatingConstructs": [`+construct("prod/Services/Web/ScalableTarget/Predictive", "aws-cdk-lib.aws_applicationautoscaling.CfnScalingPolicy")+`]}`, w3010),
			"WARNING W3030 prod/Services/Web/ScalableTarget/Predictive: PredefinedMetricType: 'ECSServiceCPUUtilisation' is not one of [...]"},
		{"an unknown property hidden by the flow log's acknowledgement", report("", flowLog+`,
			{"ruleName": "F3002", "severity": "error", "description": "Monitorin: Additional properties are not allowed ('Monitorin' was unexpected. Did you mean 'Monitoring'?)",
			"violatingConstructs": [`+construct("prod/Services/Web/Service/Service", "aws-cdk-lib.aws_ecs.CfnService")+`]}`),
			"SUPPRESSED F3002 prod/Services/Web/Service/Service: Monitorin: Additional properties are not allowed ('Monitorin' was unexpected. Did you mean 'Monitoring'?) (suppressed by an acknowledgement meant for another resource)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ValidationFile), []byte(c.report), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := ValidationProblems(dir)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != c.want {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), c.want)
			}
		})
	}
	if _, err := ValidationProblems(t.TempDir()); err == nil || !strings.Contains(err.Error(), "synthesize with CloudFormation validation on") {
		t.Errorf("no report: %v", err)
	}
}
