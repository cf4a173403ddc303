package report

import (
	"fmt"
	"strings"
)

// Thresholds are the limits Gate holds workloads to.
type Thresholds struct {
	// MinPeakAfterAZLossPercent is the share of its declared peak a web service must keep after
	// losing the availability zone that holds most of its tasks. 0 turns the check off.
	MinPeakAfterAZLossPercent int `json:"minPeakAfterAzLossPercent"`
}

// DefaultThresholds returns the thresholds okiagari ships with: keep 100 % of the peak.
func DefaultThresholds() Thresholds {
	return Thresholds{MinPeakAfterAZLossPercent: 100}
}

// Severity of a finding.
type Severity string

const (
	// Error fails the synth; Gate reports rule breaches as errors in production environments.
	Error Severity = "ERROR"
	// Warning is printed and does not fail the synth.
	Warning Severity = "WARNING"
)

// Finding is one breached rule.
type Finding struct {
	Severity    Severity `json:"severity"`
	Environment string   `json:"environment"`
	Workload    string   `json:"workload"`
	// Rule is "azLoss", "spotInterruption", "progressiveDeploy", "autoshift", "scaleIn",
	// "oneWriter" or "placeholder" (see Placeholders; no Workload).
	Rule string `json:"rule"`
	// Message names the environment and workload, the figure and the fix.
	Message string `json:"message"`
}

func (f Finding) String() string { return string(f.Severity) + " " + f.Message }

// HasErrors reports whether any finding is an Error.
func HasErrors(findings []Finding) bool {
	for _, f := range findings {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// Gate checks the workloads of one environment:
//   - a web service must keep MinPeakAfterAZLossPercent of its peak after losing an AZ;
//   - a web service with Spot in its capacity strategy must survive an interruption, which sends
//     SIGTERM as the drain starts: stop timeout >= deregistration delay <= the 120 s notice;
//   - a service with scaling policies has one that scales in;
//
// these are errors when production is true and warnings otherwise. A target-tracking policy
// that can block scale-in (it scales in on memory or an app-published metric) is a warning
// everywhere: the config chose it explicitly. In production only:
//   - a web service with a load balancer deploys with a progressive strategy (CANARY, LINEAR,
//     BLUE_GREEN), unless its metadata records a rollingReason;
//   - a web service's internet-facing load balancer has zonal autoshift ENABLED (and zonal shift
//     on), unless its metadata records an autoshiftOptOutReason.
//
// An auto-heal group that can run more than one instance is always a warning (its construct
// already refuses it).
func Gate(workloads []Workload, production bool, th Thresholds) []Finding {
	sev := Warning
	if production {
		sev = Error
	}
	out := []Finding{}
	add := func(w Workload, s Severity, rule, format string, args ...any) {
		out = append(out, Finding{Severity: s, Environment: w.Environment, Workload: w.Name, Rule: rule,
			Message: w.ID() + ": " + fmt.Sprintf(format, args...)})
	}
	for _, w := range workloads {
		if sc := w.Scaling; sc != nil {
			for _, b := range sc.ScaleInBlockers {
				id, why, _ := strings.Cut(b, ": ")
				add(w, Warning, "scaleIn", "target-tracking policy %s scales in and %s; Application Auto Scaling scales in only when every target-tracking policy is ready to, so it can hold the task count at its highest: "+
					"let it scale out only (DisableScaleIn; in cdk.json leave memoryScalesIn, utilizationScalesIn and busyMetric.scalesIn unset) and let CPU or request count scale in", id, why)
			}
			if len(sc.Policies) > 0 && len(sc.ScaleIn) == 0 {
				add(w, sev, "scaleIn", "none of its %d scaling policies scales in, so the task count never falls from its highest; let CPU or request-count target tracking scale in (cpuScalesIn true, or requestsPerTarget)", len(sc.Policies))
			}
		}
		switch w.Kind {
		case KindWebService:
			if a := w.AZLoss; a != nil && th.MinPeakAfterAZLossPercent > 0 {
				need := ceilDiv(a.Peak*th.MinPeakAfterAZLossPercent, 100)
				switch {
				case len(a.AZs) == 0:
					add(w, Warning, "azLoss", "the AZs of its subnets could not be resolved from the templates; AZ loss not checked")
				case a.Left < need:
					add(w, sev, "azLoss", "%s", azLossMessage(w, a, need, th.MinPeakAfterAZLossPercent))
				}
			}
			if d := w.Drain; d != nil && d.DeregistrationDelaySeconds > 0 && d.Interruption != nil && !d.Interruption.Safe {
				add(w, sev, "spotInterruption", "%s", spotMessage(d))
			}
			if !production {
				continue
			}
			if d := w.Deploy; d != nil && w.Detection != nil && len(w.Detection.LoadBalancer) > 0 && d.Controller == "ECS" && !d.Progressive && d.RollingReason == "" {
				add(w, Error, "progressiveDeploy", "deploys %s in production, so a regression reaches a whole wave of tasks with no small first exposure and no listener-rule rollback; "+
					"set services.web[].deployment.strategy to canary, linear or blueGreen (DeploymentConfiguration.Strategy CANARY, LINEAR or BLUE_GREEN), "+
					"or record why it must roll with services.web[].deployment.rollingReason", d.Strategy)
			}
			if ev := w.Evacuation; ev != nil && ev.LoadBalancer != "" && ev.InternetFacing && ev.OptOutReason == "" && (ev.Autoshift != "ENABLED" || !ev.ZonalShift) {
				add(w, Error, "autoshift", "%s", autoshiftMessage(ev))
			}
		case KindAutoHeal:
			if h := w.AutoHeal; h != nil && !h.OneWriter {
				add(w, Warning, "oneWriter", "MinSize %d, MaxSize %d, DesiredCapacity %d allow more than one instance, and two copies of a stateful compose project corrupt its data; set all three to 1",
					h.MinSize, h.MaxSize, h.DesiredCapacity)
			}
		}
	}
	return out
}

func azLossMessage(w Workload, a *AZLoss, need, pct int) string {
	msg := fmt.Sprintf("keeps %d %% of peak (%d of %d) after losing %s", a.KeepsPercent, a.Kept, a.Peak, a.WorstAZ)
	if pct != 100 {
		msg += fmt.Sprintf(", below the required %d %% (%d tasks)", pct, need)
	}
	var fixes []string
	k := len(a.AZs)
	if k < 2 {
		fixes = append(fixes, fmt.Sprintf("spread its subnets over at least 2 AZs and raise the floor to %d tasks (3 AZs: %d)",
			floorForPeak(need, 2), floorForPeak(need, 3)))
	} else {
		f := fmt.Sprintf("raise the floor to %d tasks", floorForPeak(need, k))
		if need == a.Peak {
			f += " (peak × AZs / (AZs − 1))"
		}
		fixes = append(fixes, f)
		if k == 2 {
			fixes = append(fixes, fmt.Sprintf("spread it over 3 AZs with a floor of %d", floorForPeak(need, 3)))
		}
	}
	if w.StaticStability != nil && !*w.StaticStability {
		fixes = append(fixes, "turn static stability back on")
	}
	return msg + "; " + strings.Join(fixes, " or ")
}

// spotMessage explains why a Spot interruption cuts the drain short, and the fix.
func spotMessage(d *Drain) string {
	in := d.Interruption
	var why []string
	if !in.StopOutlivesDrain {
		why = append(why, fmt.Sprintf("its stop timeout %d s is shorter than the deregistration delay %d s, so the task is killed %d s before its in-flight requests drain",
			d.StopTimeoutSeconds, d.DeregistrationDelaySeconds, d.DeregistrationDelaySeconds-d.StopTimeoutSeconds))
	}
	if !in.DrainWithinNotice {
		why = append(why, fmt.Sprintf("the deregistration delay %d s outlasts the %d s notice", d.DeregistrationDelaySeconds, in.NoticeSeconds))
	}
	msg := fmt.Sprintf("runs on Spot (%s), where an interruption sends SIGTERM as the drain starts and ends the task %d s later: %s; ",
		strings.Join(in.SpotProviders, ", "), in.NoticeSeconds, strings.Join(why, ", and "))
	var fix string
	switch {
	case in.DrainWithinNotice:
		fix = fmt.Sprintf("raise the container's StopTimeout to %d s or lower the deregistration delay to %d s", d.DeregistrationDelaySeconds, d.StopTimeoutSeconds)
	case d.StopTimeoutSeconds < in.NoticeSeconds:
		fix = fmt.Sprintf("lower the deregistration delay to %d s, or to at most %d s with StopTimeout raised to match", d.StopTimeoutSeconds, in.NoticeSeconds)
	default:
		fix = fmt.Sprintf("lower the deregistration delay to at most %d s", in.NoticeSeconds)
	}
	return msg + fix + ", or take Spot out of its capacity strategy"
}

// autoshiftMessage says what zone evacuation the load balancer lacks, and the fix.
func autoshiftMessage(ev *Evacuation) string {
	lb := shortName(ev.LoadBalancer)
	missing := fmt.Sprintf("its internet-facing load balancer %s has no zonal autoshift ENABLED", lb)
	switch {
	case !ev.ZonalShift && ev.Autoshift == "ENABLED":
		missing = fmt.Sprintf("its internet-facing load balancer %s has autoshift ENABLED but not the attribute zonal_shift.config.enabled, so ARC cannot shift it", lb)
	case ev.Autoshift != "":
		missing = fmt.Sprintf("its internet-facing load balancer %s has zonal autoshift %s", lb, ev.Autoshift)
	}
	return missing + ", so an impaired zone keeps its traffic until someone shifts it away by hand, and no practice run ever tests the zones' spare capacity; " +
		"set zonalShift.autoshift to true (an AWS::ARCZonalShift::ZonalAutoshiftConfiguration ENABLED with practice runs, and zonal_shift.config.enabled on the load balancer), " +
		"or record why with zonalShift.optOutReason"
}
