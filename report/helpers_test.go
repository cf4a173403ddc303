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

// albOpts shapes albWeb's web service; zero values give an internet-facing ALB with zonal
// shift on and no autoshift configuration, FARGATE, drain 30 s, stop 60 s and ECS's default
// deployment (rolling).
type albOpts struct {
	meta       string // more okiagari metadata fields: `, "rollingReason": "..."`
	deploy     string // DeploymentConfiguration
	strategy   string // CapacityProviderStrategy
	drain      int
	stop       int
	scheme     string // load balancer Scheme
	zonalShift string // zonal_shift.config.enabled
	autoshift  string // a ZonalAutoshiftConfiguration with this status; "" for none
	practice   string // its PracticeRunConfiguration
	extra      string // more resources
}

// albWeb is a Services template: a web service "web" (peak 6, floor 9 over three AZs) behind an
// Application Load Balancer, whose HTTPS listener forwards to the primary target group and
// whose production rule weighs it against the alternate one, as the webservice construct
// writes them. Target groups: interval 10 s × healthy threshold 2 (a new task is healthy after
// 20 s).
func albWeb(o albOpts) string {
	if o.drain == 0 {
		o.drain = 30
	}
	if o.stop == 0 {
		o.stop = 60
	}
	if o.strategy == "" {
		o.strategy = `[{"CapacityProvider": "FARGATE", "Weight": 1}]`
	}
	if o.deploy == "" {
		o.deploy = `{}`
	}
	if o.scheme == "" {
		o.scheme = "internet-facing"
	}
	if o.zonalShift == "" {
		o.zonalShift = "true"
	}
	tg := `{"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {"HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2,
		"TargetGroupAttributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "` + itoa(o.drain) + `"}]}}`
	autoshift := ""
	if o.autoshift != "" {
		if o.practice == "" {
			o.practice = `{"OutcomeAlarms": [{"AlarmIdentifier": {"Fn::GetAtt": ["Healthy", "Arn"]}, "Type": "CLOUDWATCH"}]}`
		}
		autoshift = `, "Autoshift": {"Type": "AWS::ARCZonalShift::ZonalAutoshiftConfiguration", "Properties": {"ResourceIdentifier": {"Ref": "ALB"},
			"ZonalAutoshiftStatus": "` + o.autoshift + `", "PracticeRunConfiguration": ` + o.practice + `}}`
	}
	if o.extra != "" {
		o.extra = ", " + o.extra
	}
	return `{"Resources": {` + subnets3 + `,
		"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"Name": "app", "StopTimeout": ` + itoa(o.stop) + `}]}},
		"TG": ` + tg + `, "AltTG": ` + tg + `,
		"ALB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Scheme": "` + o.scheme + `", "Subnets": ` + refs3 + `,
			"LoadBalancerAttributes": [{"Key": "zonal_shift.config.enabled", "Value": "` + o.zonalShift + `"}]}},
		"Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"LoadBalancerArn": {"Ref": "ALB"}, "Port": 443,
			"DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TG"}}]}},
		"Rule": {"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "Properties": {"ListenerArn": {"Ref": "Listener"}, "Priority": 1,
			"Actions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": {"Ref": "TG"}, "Weight": 100}, {"TargetGroupArn": {"Ref": "AltTG"}, "Weight": 0}]}}]}},
		"Healthy": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Period": 60, "EvaluationPeriods": 2, "DatapointsToAlarm": 2}},
		"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "webservice", "name": "web", "peakTasks": 6` + o.meta + `}},
			"Properties": {"TaskDefinition": {"Ref": "Task"}, "DesiredCount": 9, "CapacityProviderStrategy": ` + o.strategy + `,
				"DeploymentConfiguration": ` + o.deploy + `,
				"NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ` + refs3 + `}},
				"LoadBalancers": [{"ContainerName": "app", "ContainerPort": 8080, "TargetGroupArn": {"Ref": "TG"},
					"AdvancedConfiguration": {"AlternateTargetGroupArn": {"Ref": "AltTG"}, "ProductionListenerRule": {"Ref": "Rule"}}}]}}` +
		autoshift + o.extra + `}}`
}
