package test

import (
	"strings"
	"testing"

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
	if d := web.Drain; d.DeregistrationDelaySeconds != 30 || d.StopTimeoutSeconds != 60 || !d.StopOutlivesDrain {
		t.Errorf("prod/web drain: %s", d.Summary)
	}
	// 100 % / 200 % of 9 tasks: 9 new tasks start at once, none is stopped first: one wave of
	// start 60 s + healthy 10 s × 2 + drain 30 s.
	if d := web.Deploy; d.DesiredCount != 9 || d.Waves != 1 || d.WaveSeconds != 110 || !d.CircuitBreakerRollback || !d.AlarmRollback {
		t.Errorf("prod/web deploy: %s", d.Summary)
	}
	// FARGATE base 3 weight 1 + FARGATE_SPOT weight 1 at 9 tasks: 3 + 3 on FARGATE, 3 on Spot;
	// with every Spot task reclaimed 6 are left, the peak.
	if s := web.Spot; s.OnSpot != 3 || s.Left != 6 || s.KeepsPercent != 100 {
		t.Errorf("prod/web Spot: %s", s.Summary)
	}
	// The step policy's alarm is 2 of 3 one-minute datapoints: 120 s, faster than target tracking.
	if s := web.Scaling; s.MinCapacity != 9 || s.FastestScaleOutSeconds != 120 {
		t.Errorf("prod/web scaling: %s", s.Summary)
	}
	chat := workload(t, r, "prod", "chat")
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
	var got []string
	for _, f := range r.Findings() {
		got = append(got, f.String())
	}
	want := []string{"WARNING dev/web: keeps 0 % of peak (0 of 1) after losing ap-northeast-1a; raise the floor to 2 tasks (peak × AZs / (AZs − 1)) or turn static stability back on"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestResilienceGate runs the app as a user would on a cdk.json whose web service no longer
// covers its peak after losing an AZ: in production the synth fails (exit 1) naming the service,
// the figure and the fix; elsewhere it is a warning and the synth succeeds. Each case is its own
// process, so they run in parallel.
func TestResilienceGate(t *testing.T) {
	off := func(env string) func(c map[string]any) {
		return func(c map[string]any) { web(c, env)["staticStability"] = false }
	}
	for _, tc := range []struct {
		env  string
		code int
		want []string
	}{
		// Without static stability prod runs its peak, 6 tasks, 2 per zone: 4 are left.
		{"prod", 1, []string{
			"ERROR prod/web: keeps 67 % of peak (4 of 6) after losing ap-northeast-1a; raise the floor to 9 tasks (peak × AZs / (AZs − 1)) or turn static stability back on",
			"resilience gates failed in a production environment: fix the services above (details: go run ./bin report)",
		}},
		// The same change in stg (peak 2: 1+1+0 tasks) only warns.
		{"stg", 0, []string{
			"WARNING stg/web: keeps 50 % of peak (1 of 2) after losing ap-northeast-1a; raise the floor to 3 tasks (peak × AZs / (AZs − 1)) or turn static stability back on",
		}},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Parallel()
			out, code, _ := runApp(t, off(tc.env), "-c", "env="+tc.env)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d; output:\n%s", code, tc.code, out)
			}
			// Every line is a finding or the gate's verdict: nothing else, no stack dump.
			if got := strings.TrimSpace(out); got != strings.Join(tc.want, "\n") {
				t.Errorf("output\n%s\nwant\n%s", got, strings.Join(tc.want, "\n"))
			}
		})
	}
}
