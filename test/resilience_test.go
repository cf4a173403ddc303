package test

import (
	"strings"
	"testing"
	"time"

	"github.com/okiagari/okiagari/report"
)

// workload returns one workload of the report, failing the test when it is missing.
func workload(t *testing.T, r *report.Report, env, name string) report.Workload {
	t.Helper()
	for _, e := range r.Environments {
		for _, w := range e.Workloads {
			if e.Name == env && w.Name == name {
				return w
			}
		}
	}
	t.Fatalf("no workload %s/%s in the report", env, name)
	return report.Workload{}
}

// TestResilienceReportOfDefaultConfig checks the report of the shipped cdk.json against the
// figures worked out by hand in the README ("A worked example").
func TestResilienceReportOfDefaultConfig(t *testing.T) {
	a, err := report.Load(*synthesized.assembly.Directory())
	if err != nil {
		t.Fatal(err)
	}
	r := report.Build(a, report.TemplateSettings(a))
	web := workload(t, r, "prod", "web")

	// peak 6 over 3 AZs: floor ceil(6 × 3 / 2) = 9, 3 per zone; losing one leaves 6 = the peak.
	az := web.AZLoss
	if len(az.AZs) != 3 || az.Floor != 9 || az.Left != 6 || az.Peak != 6 || az.KeepsPercent != 100 {
		t.Errorf("prod/web AZ loss: %s", az.Summary)
	}
	for _, c := range az.PerAZ {
		if c.Count != 3 {
			t.Errorf("prod/web: %d tasks in %s, want 3: %s", c.Count, c.AZ, az.Summary)
		}
	}
	// Target group: interval 10 s × unhealthy threshold 2 + timeout 5 s = 25 s.
	if lb := web.Detection.LoadBalancer; len(lb) != 1 || lb[0].UnhealthySeconds != 25 {
		t.Errorf("prod/web detection: %s", web.Detection.Summary)
	}
	// A planned stop drains 30 s, then SIGTERM and up to the 60 s stop timeout: 90 s. FARGATE_SPOT
	// is in the strategy, so an interruption (SIGTERM as the drain starts) must fit too: the
	// container outlives the 30 s drain, which ends within the 120 s notice.
	if d := web.Drain; d.DeregistrationDelaySeconds != 30 || d.StopTimeoutSeconds != 60 || d.PlannedStopSeconds != 90 ||
		d.Interruption == nil || !d.Interruption.Safe || strings.Join(d.Interruption.SpotProviders, ",") != "FARGATE_SPOT" ||
		d.Summary != "planned stop ≤ 90 s (drain 30 s, then SIGTERM and up to 60 s to exit); Spot interruption: SIGTERM as the 30 s drain starts; the container outlives it (stop 60 s) within the 120 s notice" {
		t.Errorf("prod/web drain: %s", d.Summary)
	}
	// Canary 10 % for 10 min, bake 20 min: the new revision starts in full behind the alternate
	// target group (60 s) and is healthy after 10 s × 2: 10 % of traffic at 80 s, all at 680 s;
	// then the 20-min bake and the old revision's drain 30 s + stop 60 s: 1970 s. A rollback is a
	// listener-rule change; the faster deployment alarm (unhealthy hosts, 2 of 3 one-minute
	// datapoints) sees a regression after 120 s.
	if d := web.Deploy; d.Strategy != "CANARY" || !d.Progressive || d.DesiredCount != 9 || d.FirstExposureSeconds != 80 || d.FirstExposurePercent != 10 ||
		d.FullTrafficSeconds != 680 || d.BakeSeconds != 1200 || d.CompleteSeconds != 1970 || d.RollbackSeconds != 0 || d.AlarmDetectSeconds != 120 ||
		len(d.Alarms) != 2 || !d.CircuitBreakerRollback || !d.AlarmRollback ||
		d.Summary != "canary: 10 % of traffic at 80 s (start 60 + healthy 20), all at 11 min 20 s (+ canary bake 10 min); bake 20 min, then the old revision's planned stop (drain 30 + stop ≤ 60 s): done ≤ 32 min 50 s" ||
		d.RollbackSummary != "rollback: a listener-rule change back to the old revision, which runs until the bake ends; alarms see a regression after 2 min (WebUnhealthyHostsAlarm 2 × 60 s; 2 alarms, rollback on); circuit breaker with rollback" {
		t.Errorf("prod/web deploy:\n%s\n%s", d.Summary, d.RollbackSummary)
	}
	// Zone evacuation: autoshift ENABLED on the ALB, practice runs ended by the service's
	// healthy-hosts and 5xx alarms, none Sunday 23:00 to Monday 01:00 UTC; with one zone shifted
	// away the other two hold 6 tasks, the peak, while the zone's own 3 idle.
	if ev := web.Evacuation; ev == nil || !ev.ZonalShift || ev.Autoshift != "ENABLED" || !ev.InternetFacing || ev.KeptTasks != 6 || ev.ShiftedZoneTasks != 3 ||
		strings.Join(ev.BlockedWindows, ",") != "Sun:23:00-Mon:01:00" || len(ev.OutcomeAlarms) != 2 ||
		ev.Summary != "zonal shift on; autoshift ENABLED, practice runs stop on WebHealthyHostsAlarm, WebTarget5xxAlarm, blocked Sun:23:00-Mon:01:00 (UTC); with a zone shifted away 6 of 6 peak tasks serve (the zone's own 3 keep running, without traffic)" {
		t.Errorf("prod/web evacuation: %+v", ev)
	}
	// FARGATE base 3 weight 1 + FARGATE_SPOT weight 1 at 9 tasks: 3 + 3 on FARGATE, 3 on Spot;
	// with every Spot task reclaimed 6 are left, the peak.
	if s := web.Spot; s.OnSpot != 3 || s.Left != 6 || s.KeepsPercent != 100 {
		t.Errorf("prod/web Spot: %s", s.Summary)
	}
	// CPU tracking on the 20-second metric: 3 datapoints of 20 s, 60 s, faster than the step
	// policy's 2 of 3 one-minute datapoints (120 s). CPU and request count scale in; MAX([cpu,mem])
	// scales out only, so nothing blocks scale-in; the forecast is forecast-only.
	if s := web.Scaling; s.MinCapacity != 9 || s.FastestScaleOutSeconds != 60 || len(s.ScaleInBlockers) != 0 ||
		s.Summary != "9–24 tasks; fastest scale-out 60 s; scales in by CpuTracking, RequestCountTracking; nothing blocks scale-in; predictive ECSServiceCPUUtilization 70, forecast only" {
		t.Errorf("prod/web scaling: %s", s.Summary)
	}
	for _, p := range web.Scaling.Policies {
		switch p.Name {
		case "CpuTracking":
			if !p.HighResolution || p.FirstActionSeconds != 60 || p.Direction != "both" {
				t.Errorf("prod/web CPU tracking: %s", p.Summary)
			}
		case "CpuStep":
			if p.FirstActionSeconds != 120 {
				t.Errorf("prod/web CPU step: %s", p.Summary)
			}
		case "Predictive":
			if p.Mode != "ForecastOnly" || p.Metric != "ECSServiceCPUUtilization" || p.TargetValue != 70 || p.FirstActionSeconds != 0 {
				t.Errorf("prod/web predictive: %s", p.Summary)
			}
		}
	}
	// Every service of every environment: no policy that can block scale-in (the shipped config
	// opts none in), and every scaled one scales in.
	for _, env := range r.Environments {
		for _, w := range env.Workloads {
			if s := w.Scaling; s != nil && (len(s.ScaleInBlockers) > 0 || len(s.Policies) > 0 && len(s.ScaleIn) == 0) {
				t.Errorf("%s scaling: %s", w.ID(), s.Summary)
			}
		}
	}
	chat := workload(t, r, "prod", "chat")
	if ev := chat.Evacuation; ev == nil || len(ev.Groups) != 1 || !ev.Groups[0].FollowsZonalShift || ev.Groups[0].Distribution != "balanced-best-effort" {
		t.Errorf("prod/chat evacuation: %+v", ev)
	}
	if h := chat.AutoHeal; h == nil || h.RecoverySeconds != 420 {
		t.Errorf("prod/chat auto-heal: %+v", h)
	}
	// The shipped config takes the latest Amazon Linux 2023 from SSM: a deploy restarts the host
	// after every new release, for launch 60 s + boot 180 s.
	if h := chat.AutoHeal; h == nil || h.ImagePinned || h.Image != "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64" ||
		!strings.HasPrefix(h.DeployRestart, "a deploy restarts it (~240 s down: launch + boot) whenever its launch template changes, and at the first deploy after every new AMI") {
		t.Errorf("prod/chat on deploy: %+v", h)
	}

	// Only dev's web service, which turns static stability off, falls short: a warning there.
	// The shipped placeholders (all-zero certificate and connection ids) warn too.
	var got []string
	for _, f := range r.Findings() {
		got = append(got, f.String())
	}
	want := []string{"WARNING dev/web: keeps 0 % of peak (0 of 1) after losing ap-northeast-1a; raise the floor to 2 tasks (peak × AZs / (AZs − 1)) or turn static stability back on",
		placeholderConnection("dev", "111111111111"), placeholderCertificate, placeholderConnection("prod", "333333333333"), placeholderConnection("stg", "222222222222")}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The shipped cdk.json's placeholders: every synth warns about them, naming the key to set.
const placeholderCertificate = "WARNING prod/Services/Web/LoadBalancer/Https: certificate arn:aws:acm:ap-northeast-1:333333333333:certificate/00000000-0000-0000-0000-000000000000 is a placeholder (all-zero id): " +
	"the HTTPS listener cannot be created with it; set services.web[].certificateArn to an ACM certificate of account 333333333333 in ap-northeast-1"

func placeholderConnection(env, account string) string {
	return "WARNING " + env + "/Pipeline/Pipeline: source connection arn:aws:codeconnections:ap-northeast-1:" + account + ":connection/00000000-0000-0000-0000-000000000000 is a placeholder (all-zero id): " +
		"the pipeline cannot fetch its source with it; set pipeline.source.connectionArn to a CodeConnections connection of account " + account + ", created and made AVAILABLE in the console"
}

// TestReportTimelineMatchesConstruct: the report, reading only templates, works out the same
// deploy timeline as the webservice construct does from its props (webservice.DeployTimeline),
// for every web service of every environment.
func TestReportTimelineMatchesConstruct(t *testing.T) {
	a, err := report.Load(*synthesized.assembly.Directory())
	if err != nil {
		t.Fatal(err)
	}
	r := report.Build(a, report.TemplateSettings(a))
	secs := func(d time.Duration) int { return int(d / time.Second) }
	n := 0
	for i, env := range synthesized.envs {
		for name, svc := range synthesized.built[i].Services.Web {
			tl, d := svc.Timeline, workload(t, r, env.Name, name).Deploy
			n++
			if d.Strategy != string(tl.Strategy) || d.FirstExposureSeconds != secs(tl.FirstExposure) || d.FirstExposurePercent != tl.FirstExposurePercent ||
				d.FullTrafficSeconds != secs(tl.FullTraffic) || d.BakeSeconds != secs(tl.Bake) || d.CompleteSeconds != secs(tl.Complete) ||
				d.RollbackSeconds != secs(tl.Rollback) {
				t.Errorf("%s/%s: the report's timeline %s: first %g %% at %d s, full %d s, bake %d s, complete %d s, rollback %d s;\nthe construct's %+v",
					env.Name, name, d.Strategy, d.FirstExposurePercent, d.FirstExposureSeconds, d.FullTrafficSeconds, d.BakeSeconds, d.CompleteSeconds, d.RollbackSeconds, tl)
			}
		}
	}
	if n == 0 {
		t.Fatal("no web service built")
	}
}

// TestResilienceGate runs the app as a user would on a cdk.json that breaks a production gate:
// a web service that no longer covers its peak after losing an AZ, one that deploys rolling,
// one whose load balancer has no autoshift. In production the synth fails (exit 1) naming the
// service, what is missing and the fix, unless the config records why (rollingReason,
// optOutReason); elsewhere it is a warning and the synth succeeds. Each case is its own
// process, so they run in parallel.
func TestResilienceGate(t *testing.T) {
	off := func(env string) func(c map[string]any) {
		return func(c map[string]any) { web(c, env)["staticStability"] = false }
	}
	rollingNoAutoshift := func(reasons bool) func(c map[string]any) {
		return func(c map[string]any) {
			d := map[string]any{"strategy": "rolling", "bakeMinutes": 20.0}
			z := map[string]any{"autoshift": false}
			if reasons {
				d["rollingReason"] = "the app keeps sessions in memory until it moves them to a store"
				z["optOutReason"] = "a dependency runs in one zone only"
			}
			web(c, "prod")["deployment"] = d
			env(c, "prod")["zonalShift"] = z
		}
	}
	for _, tc := range []struct {
		name   string
		env    string
		mutate func(map[string]any)
		code   int
		want   []string
	}{
		// Without static stability prod runs its peak, 6 tasks, 2 per zone: 4 are left.
		{"prod without static stability", "prod", off("prod"), 1, []string{
			"ERROR prod/web: keeps 67 % of peak (4 of 6) after losing ap-northeast-1a; raise the floor to 9 tasks (peak × AZs / (AZs − 1)) or turn static stability back on",
			placeholderCertificate, placeholderConnection("prod", "333333333333"),
			gateVerdict,
		}},
		// The same change in stg (peak 2: 1+1+0 tasks) only warns.
		{"stg without static stability", "stg", off("stg"), 0, []string{
			"WARNING stg/web: keeps 50 % of peak (1 of 2) after losing ap-northeast-1a; raise the floor to 3 tasks (peak × AZs / (AZs − 1)) or turn static stability back on",
			placeholderConnection("stg", "222222222222"),
		}},
		{"prod rolling, without autoshift", "prod", rollingNoAutoshift(false), 1, []string{
			"ERROR prod/web: deploys ROLLING in production, so a regression reaches a whole wave of tasks with no small first exposure and no listener-rule rollback; " +
				"set services.web[].deployment.strategy to canary, linear or blueGreen (DeploymentConfiguration.Strategy CANARY, LINEAR or BLUE_GREEN), " +
				"or record why it must roll with services.web[].deployment.rollingReason",
			"ERROR prod/web: its internet-facing load balancer WebLoadBalancer has no zonal autoshift ENABLED, so an impaired zone keeps its traffic until someone shifts it away by hand, " +
				"and no practice run ever tests the zones' spare capacity; set zonalShift.autoshift to true (an AWS::ARCZonalShift::ZonalAutoshiftConfiguration ENABLED with practice runs, " +
				"and zonal_shift.config.enabled on the load balancer), or record why with zonalShift.optOutReason",
			placeholderCertificate, placeholderConnection("prod", "333333333333"),
			gateVerdict,
		}},
		{"prod rolling, without autoshift, both with their reasons", "prod", rollingNoAutoshift(true), 0,
			[]string{placeholderCertificate, placeholderConnection("prod", "333333333333")}},
		// Real-looking ARNs of another account: still placeholders, named by account.
		{"prod with another account's certificate and connection", "prod", func(c map[string]any) {
			web(c, "prod")["certificateArn"] = "arn:aws:acm:ap-northeast-1:444444444444:certificate/6f1e0c5e-3a0b-4a35-9d0e-5b8c2a7d1e42"
			section(c, "prod", "pipeline")["source"].(map[string]any)["connectionArn"] = "arn:aws:codeconnections:ap-northeast-1:333333333333:connection/6f1e0c5e-3a0b-4a35-9d0e-5b8c2a7d1e42"
		}, 0, []string{"WARNING prod/Services/Web/LoadBalancer/Https: certificate arn:aws:acm:ap-northeast-1:444444444444:certificate/6f1e0c5e-3a0b-4a35-9d0e-5b8c2a7d1e42 belongs to account 444444444444, not the stack's 333333333333: " +
			"the HTTPS listener cannot be created with it; set services.web[].certificateArn to an ACM certificate of account 333333333333 in ap-northeast-1"}},
	} {
		if tc.name == gateThroughTheApp {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			// The gate as the app applies it, in-process: the report of the synthesized
			// environment, its findings, and the verdict when a production gate fails.
			dir, _ := synthAssembly(t, mutate(t, tc.mutate), tc.env)
			a, err := report.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			r := report.Build(a, report.TemplateSettings(a))
			var got []string
			for _, f := range r.Findings() {
				got = append(got, f.String())
			}
			code := 0
			if report.HasErrors(r.Findings()) {
				got, code = append(got, gateVerdict), 1
			}
			if code != tc.code || strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("exit code %d, output\n%s\nwant %d,\n%s", code, strings.Join(got, "\n"), tc.code, strings.Join(tc.want, "\n"))
			}
		})
	}
}

// gateVerdict is the app's last line when a production gate fails; gateThroughTheApp the case
// of TestResilienceGate that TestResilienceGateFailsTheApp runs through the built app.
const (
	gateVerdict       = "resilience gates failed in a production environment: fix the services above (details: go run ./bin report)"
	gateThroughTheApp = "prod without static stability"
)

// TestResilienceGateFailsTheApp runs one failing gate through the built app, as a user's
// `cdk synth` runs it (cdk-nag on): exit code 1 and exactly the findings and the verdict on
// stderr, nothing else, no stack dump. TestResilienceGate checks the other cases in-process.
func TestResilienceGateFailsTheApp(t *testing.T) {
	t.Parallel()
	off := func(c map[string]any) { web(c, "prod")["staticStability"] = false }
	out, code, _ := runApp(t, off, "-c", "env=prod")
	want := []string{
		"ERROR prod/web: keeps 67 % of peak (4 of 6) after losing ap-northeast-1a; raise the floor to 9 tasks (peak × AZs / (AZs − 1)) or turn static stability back on",
		placeholderCertificate, placeholderConnection("prod", "333333333333"), gateVerdict,
	}
	if code != 1 {
		t.Fatalf("exit code %d, want 1; output:\n%s", code, out)
	}
	if got := strings.TrimSpace(out); got != strings.Join(want, "\n") {
		t.Errorf("output\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}
