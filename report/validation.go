package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ValidationFile is the report `cdk synth` writes into the assembly when CloudFormation
// validation is on (CDK_VALIDATION, validateOnSynth).
const ValidationFile = "validation-report.json"

// expectedSuppressions are the suppressed findings CDK's own constructs carry and that hold for
// okiagari's templates: W3010, literal AZs, which every stack with explicit AZs has; F3002 on a
// VPC flow log, whose DestinationOptions CloudFormation takes in camelCase. CDK acknowledges
// both app-wide, so anywhere else they would hide a real problem: an F3002 on another resource
// is a property CloudFormation does not know (a misspelt override), which a deploy rejects.
var expectedSuppressions = map[string]func(fqn string) bool{
	"W3010": func(string) bool { return true },
	"F3002": func(fqn string) bool { return fqn == "aws-cdk-lib.aws_ec2.CfnFlowLog" },
}

type validationReport struct {
	PluginReports []struct {
		PluginName           string                `json:"pluginName"`
		Violations           []validationViolation `json:"violations"`
		SuppressedViolations []validationViolation `json:"suppressedViolations"`
	} `json:"pluginReports"`
}

type validationViolation struct {
	RuleName            string `json:"ruleName"`
	Description         string `json:"description"`
	Severity            string `json:"severity"`
	ViolatingConstructs []struct {
		ConstructPath string `json:"constructPath"`
		ConstructFqn  string `json:"constructFqn"`
	} `json:"violatingConstructs"`
}

// ValidationProblems reads the validation report of the assembly in dir and lists what CI must
// not let through: every violation, warnings included (`cdk synth` succeeds on a warning, yet a
// W3030 "is not one of" is a value CloudFormation rejects at deploy), and every suppressed
// violation but the expected ones. An assembly synthesized without validation has no report:
// an error, so that CI cannot pass by skipping it.
func ValidationProblems(dir string) ([]string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ValidationFile))
	if err != nil {
		return nil, fmt.Errorf("%w: synthesize with CloudFormation validation on (CDK_VALIDATION unset or true)", err)
	}
	var r validationReport
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", ValidationFile, err)
	}
	var out []string
	for _, p := range r.PluginReports {
		for _, v := range p.Violations {
			for _, c := range v.ViolatingConstructs {
				out = append(out, fmt.Sprintf("%s %s %s: %s", strings.ToUpper(v.Severity), v.RuleName, c.ConstructPath, v.Description))
			}
		}
		for _, v := range p.SuppressedViolations {
			ok := expectedSuppressions[v.RuleName]
			for _, c := range v.ViolatingConstructs {
				if ok == nil || !ok(c.ConstructFqn) {
					out = append(out, fmt.Sprintf("SUPPRESSED %s %s: %s (suppressed by an acknowledgement meant for another resource)", v.RuleName, c.ConstructPath, v.Description))
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
