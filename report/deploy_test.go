package report

import (
	"reflect"
	"strings"
	"testing"
)

// TestDeployTimeline works out each strategy's timeline on albWeb: a new task starts in 60 s and
// is healthy 10 s × 2 later (first exposure at 80 s); old tasks drain 30 s, then stop within 60 s.
func TestDeployTimeline(t *testing.T) {
	cases := []struct {
		name, deploy                            string
		strategy                                string
		progressive                             bool
		firstPct                                float64
		first, full, bake, complete, rollback   int
		waves, linearSteps                      int
		summary, rollbackSummary, assumptionHas string
	}{
		{"canary 10 % for 10 min, bake 20 min",
			`{"Strategy": "CANARY", "BakeTimeInMinutes": 20, "CanaryConfiguration": {"CanaryPercent": 10, "CanaryBakeTimeInMinutes": 10}}`,
			"CANARY", true, 10, 80, 80 + 600, 1200, 80 + 600 + 1200 + 30 + 60, 0, 1, 0,
			"canary: 10 % of traffic at 80 s (start 60 + healthy 20), all at 11 min 20 s (+ canary bake 10 min); bake 20 min, then the old revision's planned stop (drain 30 + stop ≤ 60 s): done ≤ 32 min 50 s",
			"rollback: a listener-rule change back to the old revision, which runs until the bake ends", "canary percent"},
		{"canary with ECS's defaults: 5 % for 10 min",
			`{"Strategy": "CANARY", "BakeTimeInMinutes": 5}`,
			"CANARY", true, 5, 80, 680, 300, 680 + 300 + 90, 0, 1, 0,
			"canary: 5 % of traffic at 80 s", "", "CanaryPercent absent: 5 %, the ECS default"},
		{"linear 25 % every 5 min: 3 step bakes",
			`{"Strategy": "LINEAR", "BakeTimeInMinutes": 20, "LinearConfiguration": {"StepPercent": 25, "StepBakeTimeInMinutes": 5}}`,
			"LINEAR", true, 25, 80, 80 + 3*300, 1200, 980 + 1200 + 90, 0, 1, 3,
			"linear +25 % every 5 min: 25 % of traffic at 80 s (start 60 + healthy 20), all at 16 min 20 s (+ 3 step bakes of 5 min)", "",
			"(100 ÷ step) − 1 step bakes when the step divides 100, else floor(100 ÷ step)"},
		{"linear 30 % does not divide 100: floor(100 / 30) = 3 step bakes",
			`{"Strategy": "LINEAR", "BakeTimeInMinutes": 10, "LinearConfiguration": {"StepPercent": 30, "StepBakeTimeInMinutes": 4}}`,
			"LINEAR", true, 30, 80, 80 + 3*240, 600, 800 + 600 + 90, 0, 1, 3,
			"linear +30 % every 4 min: 30 % of traffic at 80 s (start 60 + healthy 20), all at 13 min 20 s (+ 3 step bakes of 4 min)", "", ""},
		{"linear with ECS's defaults: 10 % every 6 min, 9 step bakes",
			`{"Strategy": "LINEAR", "BakeTimeInMinutes": 0}`,
			"LINEAR", true, 10, 80, 80 + 9*360, 0, 80 + 9*360 + 90, 0, 1, 9,
			"no bake", "", "StepBakeTimeInMinutes absent: 6 minutes"},
		{"blue/green: all at once",
			`{"Strategy": "BLUE_GREEN", "BakeTimeInMinutes": 15}`,
			"BLUE_GREEN", true, 100, 80, 80, 900, 80 + 900 + 90, 0, 1, 0,
			"blue/green: all traffic at 80 s (start 60 + healthy 20); bake 15 min, then the old revision's planned stop (drain 30 + stop ≤ 60 s): done ≤ 17 min 50 s", "", ""},
		{"blue/green without a bake in the template",
			`{"Strategy": "BLUE_GREEN"}`,
			"BLUE_GREEN", true, 100, 80, 80, 0, 80 + 90, 0, 1, 0,
			"no bake", "", "BakeTimeInMinutes absent: the template does not state the bake"},
		{"rolling 100/200 of 9: one wave, then the bake",
			`{"Strategy": "ROLLING", "BakeTimeInMinutes": 5, "MinimumHealthyPercent": 100, "MaximumPercent": 200}`,
			"ROLLING", false, 50, 80, 80, 300, 170 + 300, 80, 1, 0,
			"rolling (min 100 % / max 200 % of 9 tasks): 1 wave of ≤ 2 min 50 s (start 60 + healthy 20 + drain 30 + stop ≤ 60 s); 50 % of traffic at 80 s, all at 80 s; bake 5 min; done ≤ 7 min 50 s",
			"rollback: a new rollout of the old revision, serving all traffic again at 80 s", "each wave then stops the replaced tasks as a planned stop"},
		{"rolling 100/150 of 9: ⌊13.5⌋ − 9 = 4 new beside 9 old, 3 waves",
			`{"BakeTimeInMinutes": 0, "MinimumHealthyPercent": 100, "MaximumPercent": 150}`,
			"ROLLING", false, 30.8, 80, 2*170 + 80, 0, 3 * 170, 2*170 + 80, 3, 0,
			"3 waves of ≤ 2 min 50 s", "serving all traffic again at 7 min", ""},
		{"rolling 50/100 of 9: 4 stopped up front, 4 new beside 5 old, 3 waves",
			`{"BakeTimeInMinutes": 1, "MinimumHealthyPercent": 50, "MaximumPercent": 100}`,
			"ROLLING", false, 44.4, 80, 2*170 + 80, 60, 3*170 + 60, 2*170 + 80, 3, 0,
			"44.4 % of traffic at 80 s", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := one(t, envOf(t, "prod", "Services", albWeb(albOpts{deploy: c.deploy})), "web").Deploy
			if d.Strategy != c.strategy || d.Progressive != c.progressive || d.FirstExposurePercent != c.firstPct || d.FirstExposureSeconds != c.first ||
				d.FullTrafficSeconds != c.full || d.BakeSeconds != c.bake || d.RollbackSeconds != c.rollback || d.Waves != c.waves || d.LinearSteps != c.linearSteps {
				t.Errorf("strategy %s progressive %v first %g %% at %d, full %d, bake %d, rollback %d, waves %d, steps %d\nwant %s %v %g %% at %d, %d, %d, %d, %d, %d",
					d.Strategy, d.Progressive, d.FirstExposurePercent, d.FirstExposureSeconds, d.FullTrafficSeconds, d.BakeSeconds, d.RollbackSeconds, d.Waves, d.LinearSteps,
					c.strategy, c.progressive, c.firstPct, c.first, c.full, c.bake, c.rollback, c.waves, c.linearSteps)
			}
			if d.CompleteSeconds != c.complete {
				t.Errorf("complete %d, want %d", d.CompleteSeconds, c.complete)
			}
			containsAll(t, d.Summary, c.summary)
			containsAll(t, d.RollbackSummary, c.rollbackSummary)
			containsAll(t, strings.Join(d.Assumptions, "\n"), c.assumptionHas)
			if d.Progressive && (d.AlternateTargetGroup != "prod/Services/AltTG" || d.ProductionListenerRule != "prod/Services/Rule") {
				t.Errorf("advanced configuration: alternate %q rule %q", d.AlternateTargetGroup, d.ProductionListenerRule)
			}
		})
	}
}

func TestLinearSteps(t *testing.T) {
	for _, c := range []struct {
		step float64
		want int
	}{{25, 3}, {20, 4}, {50, 1}, {100, 0}, {10, 9}, {30, 3}, {3, 33}, {33.3, 3}, {12.5, 7}, {11, 9}} {
		if got := linearSteps(c.step); got != c.want {
			t.Errorf("linearSteps(%g) = %d, want %d", c.step, got, c.want)
		}
	}
}

// TestDeploymentAlarms resolves deployment alarm names to the alarms of the templates (a Ref is
// the alarm's name; a literal matches an AlarmName) and takes the fastest as the detection time.
func TestDeploymentAlarms(t *testing.T) {
	extra := `"Errors": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"EvaluationPeriods": 3, "Metrics": [
			{"Id": "e", "Expression": "100 * m1 / m2"}, {"Id": "m1", "MetricStat": {"Period": 60}}, {"Id": "m2", "MetricStat": {"Period": 60}}]}},
		"Named": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": "web-unhealthy", "Period": 30, "EvaluationPeriods": 3, "DatapointsToAlarm": 2}}`
	deploy := `{"Strategy": "CANARY", "BakeTimeInMinutes": 20, "Alarms": {"Enable": true, "Rollback": true,
		"AlarmNames": [{"Ref": "Errors"}, "web-unhealthy", "from-elsewhere"]}}`
	d := one(t, envOf(t, "prod", "Services", albWeb(albOpts{deploy: deploy, extra: extra})), "web").Deploy
	if !reflect.DeepEqual(d.AlarmNames, []string{"prod/Services/Errors", "web-unhealthy", "from-elsewhere"}) {
		t.Errorf("alarm names %v", d.AlarmNames)
	}
	if len(d.Alarms) != 2 || d.Alarms[0].ReactionSeconds != 180 || d.Alarms[1].ReactionSeconds != 60 || d.Alarms[1].Name != "web-unhealthy" {
		t.Errorf("alarms %+v", d.Alarms)
	}
	// The fastest: 2 datapoints of 30 s.
	if d.AlarmDetectSeconds != 60 {
		t.Errorf("detection %d, want 60", d.AlarmDetectSeconds)
	}
	containsAll(t, d.RollbackSummary, "alarms see a regression after 60 s (web-unhealthy 2 × 30 s; 3 alarms, rollback on)")
	containsAll(t, strings.Join(d.Assumptions, "\n"), "deployment alarm from-elsewhere is not defined in the templates")

	d = one(t, envOf(t, "prod", "Services", albWeb(albOpts{deploy: `{"Strategy": "CANARY", "BakeTimeInMinutes": 20}`})), "web").Deploy
	if d.AlarmDetectSeconds != 0 || len(d.Alarms) != 0 {
		t.Errorf("no alarms: %+v", d)
	}
	containsAll(t, d.RollbackSummary, "no deployment alarms", "circuit breaker off")
}

// TestWorkerDeploy: a worker's task protected while it works holds back its stop for up to the
// protection expiry, in every wave.
func TestWorkerDeploy(t *testing.T) {
	tmpl := `{"Resources": {"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"Name": "app", "StopTimeout": 120}]}},
		"Svc": {"Type": "AWS::ECS::Service", "Metadata": {"okiagari": {"kind": "worker", "name": "jobs", "minTasks": 2, "protectionExpiryMinutes": 3}},
			"Properties": {"TaskDefinition": {"Ref": "Task"}, "DesiredCount": 2, "DeploymentConfiguration": {"BakeTimeInMinutes": 0}}}}}`
	d := one(t, envOf(t, "prod", "Services", tmpl), "jobs").Deploy
	if d.ProtectionSeconds != 180 || d.WaveSeconds != 60+180+120 || d.CompleteSeconds != 360 || d.BakeSeconds != 0 {
		t.Errorf("%+v", d)
	}
	containsAll(t, d.Summary, "1 wave of ≤ 6 min (start 60 + protection ≤ 180 + stop ≤ 120 s); new tasks at 60 s, all at 60 s; no bake; done ≤ 6 min")
	containsAll(t, d.RollbackSummary, "all its tasks back at 60 s")
}
