package report

import (
	"strconv"
	"strings"
	"testing"
)

// envOf builds an environment from hand-written templates given as name/JSON pairs, the way
// Load would: stack "Services" of environment "prod" is displayed "prod/Services" and named
// "prod-Services" in CloudFormation.
func envOf(t *testing.T, name string, pairs ...string) *Environment {
	t.Helper()
	e := &Environment{Name: name}
	for i := 0; i+1 < len(pairs); i += 2 {
		tmpl, err := ParseTemplate([]byte(pairs[i+1]))
		if err != nil {
			t.Fatalf("template %s: %v", pairs[i], err)
		}
		e.Stacks = append(e.Stacks, &Stack{
			Name: name + "/" + pairs[i], StackName: name + "-" + pairs[i],
			Account: "111111111111", Region: "ap-northeast-1", Template: tmpl,
		})
	}
	e.all = e.Stacks
	return e
}

// one analyses the environment and returns its only workload with the given name.
func one(t *testing.T, e *Environment, name string) Workload {
	t.Helper()
	for _, w := range Analyze(e) {
		if w.Name == name {
			return w
		}
	}
	t.Fatalf("no workload %q in %s", name, e.Name)
	return Workload{}
}

// Subnets in three AZs, and references to them.
const (
	subnets3 = `"SubnetA": {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZone": "ap-northeast-1a"}},
		"SubnetC": {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZone": "ap-northeast-1c"}},
		"SubnetD": {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZone": "ap-northeast-1d"}}`
	refs3 = `[{"Ref": "SubnetA"}, {"Ref": "SubnetC"}, {"Ref": "SubnetD"}]`
	refs2 = `[{"Ref": "SubnetA"}, {"Ref": "SubnetC"}]`
	refs1 = `[{"Ref": "SubnetA"}]`
	// A task definition with one container and no health check.
	plainTask = `"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"Name": "app", "Image": "app"}]}}`
)

// webTemplate is a Services template: three subnets, plainTask, a web service named "web"
// with the given okiagari metadata and properties (without the Properties braces), and extra
// resources.
func webTemplate(metadata, props, extra string) string {
	if metadata == "" {
		metadata = `{"kind": "webservice", "name": "web", "peakTasks": 6, "staticStability": true}`
	}
	if extra != "" {
		extra = ",\n" + extra
	}
	return `{"Resources": {` + subnets3 + `, ` + plainTask + `,
		"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": ` + metadata + `},
			"Properties": {"TaskDefinition": {"Ref": "Task"}, ` + props + `}}` + extra + `}}`
}

func containsAll(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%q\ndoes not contain %q", got, w)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
