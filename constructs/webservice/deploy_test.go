package webservice_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/webservice"
	"github.com/okiagari/okiagari/testenv"
)

func minutes(m int) *time.Duration { v := time.Duration(m) * time.Minute; return &v }

// TestProductionDeploysCanary: a production service deploys CANARY (10 % for 10 minutes, then a
// 20-minute bake) behind two target groups and one production rule, ECS shifting traffic with a
// role limited to them; zonal autoshift is on, practice runs ended by the service's own alarms.
func TestProductionDeploysCanary(t *testing.T) {
	stack := testenv.Stack(t)
	p := base(t, stack)
	p.Production = jsii.Bool(true)
	p.ZonalAutoshift = &webservice.AutoshiftProps{BlockedWindows: []string{"Sun:23:00-Mon:01:00"}, BlockedDates: []string{"2026-12-31"}}
	s := newService(t, stack, p)
	tpl := testenv.Template(stack)

	tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
		"DeploymentConfiguration": like(map[string]any{
			"Strategy":                 "CANARY",
			"BakeTimeInMinutes":        20,
			"CanaryConfiguration":      map[string]any{"CanaryPercent": 10, "CanaryBakeTimeInMinutes": 10},
			"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
			"Alarms":                   like(map[string]any{"Enable": true, "Rollback": true}),
		}),
		"LoadBalancers": []any{like(map[string]any{
			"TargetGroupArn": map[string]any{"Ref": "WebTargetGroupFE6444AE"},
			"AdvancedConfiguration": map[string]any{
				"AlternateTargetGroupArn": map[string]any{"Ref": "WebAlternateTargetGroupB211FDA6"},
				"ProductionListenerRule":  map[string]any{"Ref": "WebProductionRule64DA67B6"},
				"RoleArn":                 map[string]any{"Fn::GetAtt": []any{"WebTrafficShiftRoleBB5D224F", "Arn"}},
			},
		})},
	})
	tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), jsii.Number(2))
	// All production traffic through one rule, both target groups from the start.
	tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), map[string]any{
		"Priority":   1,
		"Conditions": []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/*"}}}},
		"Actions": []any{like(map[string]any{"Type": "forward", "ForwardConfig": like(map[string]any{"TargetGroups": []any{
			map[string]any{"TargetGroupArn": map[string]any{"Ref": "WebTargetGroupFE6444AE"}, "Weight": 100},
			map[string]any{"TargetGroupArn": map[string]any{"Ref": "WebAlternateTargetGroupB211FDA6"}, "Weight": 0},
		}})})},
	})
	if s.AlternateTargetGroup == nil || s.ProductionRule == nil || s.TrafficShiftRole == nil || s.ZonalAutoshift == nil {
		t.Fatal("the deployment resources are not exported")
	}

	// The traffic-shift role: the managed policy's actions, only Describe on "*".
	roles := tpl.FindResources(jsii.String("AWS::IAM::Policy"), map[string]any{
		"Properties": like(map[string]any{"Roles": []any{map[string]any{"Ref": "WebTrafficShiftRoleBB5D224F"}}}),
	})
	if len(*roles) != 1 {
		t.Fatalf("%d policies of the traffic-shift role, want 1", len(*roles))
	}
	for _, pol := range *roles {
		b, _ := json.Marshal(pol)
		var doc struct {
			Properties struct {
				PolicyDocument struct {
					Statement []struct {
						Action   any
						Resource any
					}
				}
			}
		}
		json.Unmarshal(b, &doc)
		var got []string
		for _, st := range doc.Properties.PolicyDocument.Statement {
			a, _ := json.Marshal(st.Action)
			r, _ := json.Marshal(st.Resource)
			got = append(got, string(a)+" on "+string(r))
		}
		want := []string{
			`["elasticloadbalancing:DescribeListeners","elasticloadbalancing:DescribeRules","elasticloadbalancing:DescribeTargetGroups","elasticloadbalancing:DescribeTargetHealth"] on "*"`,
			`["elasticloadbalancing:DeregisterTargets","elasticloadbalancing:RegisterTargets"] on [{"Ref":"WebAlternateTargetGroupB211FDA6"},{"Ref":"WebTargetGroupFE6444AE"}]`,
			`"elasticloadbalancing:ModifyRule" on {"Ref":"WebProductionRule64DA67B6"}`,
			`"elasticloadbalancing:ModifyListener" on {"Ref":"WebLoadBalancerHttp3272F7AC"}`,
		}
		if !slices.Equal(got, want) {
			t.Errorf("traffic-shift role statements\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}

	// The 5xx alarm takes the worse of the two target groups' rates, the healthy-hosts alarm
	// their sum.
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"Metrics": with(like(map[string]any{"Expression": "MAX([tg0, tg1])", "Label": "Target 5xx % (the worse target group)"})),
	})
	tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
		"Threshold": 9, "ComparisonOperator": "LessThanThreshold", "TreatMissingData": "breaching",
		"Metrics": with(like(map[string]any{"Expression": "SUM([tg0, tg1])", "Label": "Healthy targets"})),
	})

	tpl.HasResourceProperties(jsii.String("AWS::ARCZonalShift::ZonalAutoshiftConfiguration"), map[string]any{
		"ResourceIdentifier":   map[string]any{"Ref": "WebLoadBalancer8E8983B1"},
		"ZonalAutoshiftStatus": "ENABLED",
		"PracticeRunConfiguration": map[string]any{
			"OutcomeAlarms": []any{
				map[string]any{"AlarmIdentifier": map[string]any{"Fn::GetAtt": []any{"WebHealthyHostsAlarm101FE398", "Arn"}}, "Type": "CLOUDWATCH"},
				map[string]any{"AlarmIdentifier": map[string]any{"Fn::GetAtt": []any{"WebTarget5xxAlarm7BF86FB8", "Arn"}}, "Type": "CLOUDWATCH"},
			},
			"BlockedWindows": []any{"Sun:23:00-Mon:01:00"},
			"BlockedDates":   []any{"2026-12-31"},
		},
	})

	// Start 60 s + healthy 10 s × 2 = 80 s, then 10 % for 10 minutes, all at 10 min 80 s, the
	// 20-minute bake, drain 30 s and stop 60 s.
	want := webservice.DeployTimeline{
		Strategy: webservice.Canary, FirstExposure: 80 * time.Second, FirstExposurePercent: 10,
		FullTraffic: 11*time.Minute + 20*time.Second, Bake: 20 * time.Minute,
		Complete: 32*time.Minute + 50*time.Second,
	}
	if s.Timeline != want {
		t.Errorf("timeline %+v, want %+v", s.Timeline, want)
	}
	for _, finding := range testenv.NagFindings(stack) {
		t.Error(finding)
	}
}

// TestOtherStrategies: rolling (the default outside production) has one target group, no
// traffic-shift role and no autoshift; linear and blue/green write their settings and timelines.
func TestOtherStrategies(t *testing.T) {
	cases := []struct {
		name       string
		deployment *webservice.DeploymentProps
		config     map[string]any
		groups     int
		timeline   webservice.DeployTimeline
	}{
		{"rolling by default", nil,
			map[string]any{"Strategy": "ROLLING", "BakeTimeInMinutes": 5, "CanaryConfiguration": assertions.Match_Absent()}, 1,
			webservice.DeployTimeline{Strategy: webservice.Rolling, FirstExposure: 80 * time.Second, FirstExposurePercent: 50,
				FullTraffic: 80 * time.Second, Bake: 5 * time.Minute, Complete: 80*time.Second + 5*time.Minute + 90*time.Second, Rollback: 80 * time.Second}},
		{"linear", &webservice.DeploymentProps{Strategy: webservice.Linear, LinearStepPercent: f(20), LinearStepBake: minutes(3), Bake: minutes(10)},
			map[string]any{"Strategy": "LINEAR", "BakeTimeInMinutes": 10, "LinearConfiguration": map[string]any{"StepPercent": 20, "StepBakeTimeInMinutes": 3}}, 2,
			// 20 % steps: four step bakes before the fifth step reaches 100 %.
			webservice.DeployTimeline{Strategy: webservice.Linear, FirstExposure: 80 * time.Second, FirstExposurePercent: 20,
				FullTraffic: 80*time.Second + 12*time.Minute, Bake: 10 * time.Minute, Complete: 80*time.Second + 22*time.Minute + 90*time.Second}},
		{"blue/green", &webservice.DeploymentProps{Strategy: webservice.BlueGreen, Bake: minutes(15)},
			map[string]any{"Strategy": "BLUE_GREEN", "BakeTimeInMinutes": 15}, 2,
			webservice.DeployTimeline{Strategy: webservice.BlueGreen, FirstExposure: 80 * time.Second, FirstExposurePercent: 100,
				FullTraffic: 80 * time.Second, Bake: 15 * time.Minute, Complete: 80*time.Second + 15*time.Minute + 90*time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			p := base(t, stack)
			p.Deployment = tc.deployment
			s := newService(t, stack, p)
			tpl := testenv.Template(stack)
			tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{"DeploymentConfiguration": like(tc.config)})
			tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), jsii.Number(float64(tc.groups)))
			tpl.ResourceCountIs(jsii.String("AWS::ARCZonalShift::ZonalAutoshiftConfiguration"), jsii.Number(0))
			if (s.TrafficShiftRole != nil) != (tc.groups == 2) {
				t.Errorf("traffic-shift role %v with %d target groups", s.TrafficShiftRole != nil, tc.groups)
			}
			if s.Timeline != tc.timeline {
				t.Errorf("timeline %+v, want %+v", s.Timeline, tc.timeline)
			}
		})
	}
}

func TestInvalidDeployment(t *testing.T) {
	const path = `webservice "Test/Web": `
	cases := []struct {
		name   string
		modify func(p *webservice.ServiceProps)
		want   string
	}{
		{"unknown strategy", func(p *webservice.ServiceProps) { p.Deployment = &webservice.DeploymentProps{Strategy: "ALL_AT_ONCE"} },
			`Deployment.Strategy "ALL_AT_ONCE" must be ROLLING, CANARY, LINEAR or BLUE_GREEN`},
		{"canary percent 0", func(p *webservice.ServiceProps) {
			p.Deployment = &webservice.DeploymentProps{Strategy: webservice.Canary, CanaryPercent: f(0)}
		}, `Deployment.CanaryPercent must be between 0.1 and 100 in steps of 0.1 (ECS), got 0`},
		{"linear step 100.05", func(p *webservice.ServiceProps) {
			p.Deployment = &webservice.DeploymentProps{Strategy: webservice.Linear, LinearStepPercent: f(100.05)}
		}, `Deployment.LinearStepPercent must be between 3 and 100 in steps of 0.1 (ECS), got 100.05`},
		{"bake in seconds", func(p *webservice.ServiceProps) { p.Deployment = &webservice.DeploymentProps{Bake: d(90)} },
			`Deployment.Bake 1m30s must be whole minutes between 0 and 1440 (ECS)`},
		{"linear over 33 hours", func(p *webservice.ServiceProps) {
			// 3 % steps: 33 step bakes of 60 minutes, plus a 60-minute bake.
			p.Deployment = &webservice.DeploymentProps{Strategy: webservice.Linear, LinearStepPercent: f(3), LinearStepBake: minutes(60), Bake: minutes(60)}
		}, `Deployment: 33h0m0s of traffic shifting plus Bake 1h0m0s is 34h0m0s, over the 33h CloudFormation waits for a deployment (it rejects the template): shorten the bakes`},
		{"linear settings on a canary", func(p *webservice.ServiceProps) {
			p.Deployment = &webservice.DeploymentProps{Strategy: webservice.Canary, LinearStepBake: minutes(5)}
		}, `Deployment.LinearStepBake applies only to Strategy LINEAR, got Strategy CANARY`},
		{"eleven deployment alarms", func(p *webservice.ServiceProps) {
			p.Deployment = &webservice.DeploymentProps{Alarms: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}}
		}, `Deployment.Alarms names 9 alarms; with the service's own 2 that is 11, over the 10 ECS watches`},
		{"practice-run settings without autoshift", func(p *webservice.ServiceProps) {
			p.ZonalAutoshift = &webservice.AutoshiftProps{BlockedDates: []string{"2026-12-31"}}
		}, `ZonalAutoshift: BlockedDates, BlockedWindows and OutcomeAlarms configure practice runs, which run only with Enabled`},
		{"an impossible date", func(p *webservice.ServiceProps) {
			p.ZonalAutoshift = &webservice.AutoshiftProps{Enabled: jsii.Bool(true), BlockedDates: []string{"2026-02-30"}}
		}, `ZonalAutoshift.BlockedDates[0] "2026-02-30" must be a UTC date YYYY-MM-DD, e.g. 2026-12-31`},
		{"a window at 24:00", func(p *webservice.ServiceProps) {
			p.ZonalAutoshift = &webservice.AutoshiftProps{Enabled: jsii.Bool(true), BlockedWindows: []string{"Sat:00:00-Sat:24:00"}}
		}, `ZonalAutoshift.BlockedWindows[0] "Sat:00:00-Sat:24:00" must be a weekly UTC window Day:HH:MM-Day:HH:MM, e.g. Sat:00:00-Sat:08:00`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			p := base(t, stack)
			tc.modify(p)
			_, err := webservice.NewService(stack, jsii.String("Web"), p)
			if err == nil || err.Error() != path+tc.want {
				t.Fatalf("got %v\nwant %s", err, path+tc.want)
			}
		})
	}
}

// TestHardening: a non-root user and a read-only root file system, with /tmp as a task volume.
func TestHardening(t *testing.T) {
	stack := testenv.Stack(t)
	p := base(t, stack)
	p.User, p.ReadonlyRootFilesystem, p.WritablePaths = jsii.String("1000:1000"), jsii.Bool(true), []string{"/tmp", "/var/cache/app"}
	newService(t, stack, p)
	testenv.Template(stack).HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"ContainerDefinitions": with(like(map[string]any{
			"Name": "web", "User": "1000:1000", "ReadonlyRootFilesystem": true,
			"MountPoints": []any{
				map[string]any{"ContainerPath": "/tmp", "SourceVolume": "writable-tmp", "ReadOnly": false},
				map[string]any{"ContainerPath": "/var/cache/app", "SourceVolume": "writable-var-cache-app", "ReadOnly": false},
			},
		})),
		"Volumes": []any{map[string]any{"Name": "writable-tmp"}, map[string]any{"Name": "writable-var-cache-app"}},
	})
	for _, tc := range []struct {
		name   string
		modify func(p *webservice.ServiceProps)
		want   string
	}{
		{"root", func(p *webservice.ServiceProps) { p.User = jsii.String("0:0") },
			`User "0:0" runs as root; name a non-root user, or leave User unset to keep the image's`},
		{"writable paths without a read-only root", func(p *webservice.ServiceProps) { p.WritablePaths = []string{"/tmp"} },
			`WritablePaths apply only with ReadonlyRootFilesystem: the root file system is writable anyway`},
		{"a relative path", func(p *webservice.ServiceProps) {
			p.ReadonlyRootFilesystem, p.WritablePaths = jsii.Bool(true), []string{"tmp"}
		}, `WritablePaths[0] "tmp" must be a clean absolute directory other than /`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			p := base(t, stack)
			tc.modify(p)
			if _, err := webservice.NewService(stack, jsii.String("Web"), p); err == nil || err.Error() != `webservice "Test/Web": `+tc.want {
				t.Fatalf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}
