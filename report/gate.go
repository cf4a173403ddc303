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
	// Rule is "azLoss", "stopBeforeDrain" or "oneWriter".
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
//   - a web service's stop timeout must not be shorter than its deregistration delay.
//
// Both are errors when production is true and warnings otherwise. An auto-heal group that can
// run more than one instance is always a warning (its construct already refuses it).
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
			if d := w.Drain; d != nil && d.DeregistrationDelaySeconds > 0 && !d.StopOutlivesDrain {
				add(w, sev, "stopBeforeDrain", "%s", drainMessage(d))
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

func drainMessage(d *Drain) string {
	msg := fmt.Sprintf("stop timeout %d s is shorter than its deregistration delay %d s, so a task stopped while it drains is killed before its in-flight requests finish; ",
		d.StopTimeoutSeconds, d.DeregistrationDelaySeconds)
	if d.DeregistrationDelaySeconds <= fargateMaxStopTimeout {
		return msg + fmt.Sprintf("raise the container's StopTimeout to %d s or lower the deregistration delay to %d s",
			d.DeregistrationDelaySeconds, d.StopTimeoutSeconds)
	}
	return msg + fmt.Sprintf("lower the deregistration delay to %d s, or to at most %d s (Fargate's StopTimeout limit) with StopTimeout raised to match",
		d.StopTimeoutSeconds, fargateMaxStopTimeout)
}
