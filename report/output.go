package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Report is the resilience report of a whole assembly.
type Report struct {
	Environments []EnvironmentReport `json:"environments"`
}

// EnvironmentReport is the report of one environment.
type EnvironmentReport struct {
	Name       string     `json:"name"`
	Production bool       `json:"production"`
	Thresholds Thresholds `json:"thresholds"`
	Workloads  []Workload `json:"workloads"`
	Findings   []Finding  `json:"findings"`
	// Cost is the monthly cost at floor and at peak (Report.AddCosts); nil until priced.
	Cost *EnvironmentCost `json:"cost,omitempty"`
}

// Settings say how an environment is gated: whether it is production, and its thresholds.
type Settings func(env string) (production bool, th Thresholds)

// Build analyses and gates every environment of the assembly. settings says which environments
// are production and their thresholds (nil: none is, with DefaultThresholds).
func Build(a *Assembly, settings Settings) *Report {
	r := &Report{Environments: []EnvironmentReport{}}
	for _, env := range a.Environments {
		prod, th := false, DefaultThresholds()
		if settings != nil {
			prod, th = settings(env.Name)
		}
		ws := Analyze(env)
		r.Environments = append(r.Environments, EnvironmentReport{
			Name: env.Name, Production: prod, Thresholds: th, Workloads: ws, Findings: append(Gate(ws, prod, th), Placeholders(env)...),
		})
	}
	return r
}

// Findings returns the findings of every environment.
func (r *Report) Findings() []Finding {
	out := []Finding{}
	for _, e := range r.Environments {
		out = append(out, e.Findings...)
	}
	return out
}

// WriteJSON writes the report as indented JSON. Field names are stable (camelCase); every list
// is present, possibly empty.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteText writes a table per environment: one block per workload, one line per figure, then
// the findings. With assumptions, each workload's assumptions follow its figures.
func WriteText(w io.Writer, r *Report, assumptions bool) error {
	var b strings.Builder
	for i, env := range r.Environments {
		if i > 0 {
			b.WriteString("\n")
		}
		kind := "not production"
		if env.Production {
			kind = "production"
		}
		fmt.Fprintf(&b, "== %s (%s) ==\n", env.Name, kind)
		if len(env.Workloads) == 0 {
			b.WriteString("no workloads\n")
		}
		for _, wl := range env.Workloads {
			fmt.Fprintf(&b, "\n%s  %s  (%s %s)\n", wl.ID(), wl.Kind, wl.Stack, wl.LogicalID)
			line := func(label, text string) {
				if text != "" {
					fmt.Fprintf(&b, "  %-14s %s\n", label, text)
				}
			}
			var as []string
			if a := wl.AZLoss; a != nil {
				line("AZ loss", a.Summary)
				as = append(as, a.Assumptions...)
			}
			if a := wl.CapacityAZLoss; a != nil {
				line("EC2 capacity", a.Summary)
				as = append(as, a.Assumptions...)
			}
			if d := wl.Detection; d != nil {
				line("detection", d.Summary)
				as = append(as, d.Assumptions...)
			}
			if d := wl.Drain; d != nil {
				line("drain/stop", d.Summary)
				as = append(as, d.Assumptions...)
			}
			if s := wl.Scaling; s != nil {
				line("scaling", s.Summary)
				for _, p := range s.Policies {
					line("", "  "+p.Summary)
					as = append(as, p.Assumptions...)
				}
				for _, a := range s.Scheduled {
					line("", "  "+scheduledText(a))
				}
				as = append(as, s.Assumptions...)
			}
			if d := wl.Deploy; d != nil {
				line("deploy", d.Summary)
				if d.RollbackSummary != "" {
					line("", "  "+d.RollbackSummary)
				}
				if d.RollingReason != "" {
					line("", "  rolls in production because: "+d.RollingReason)
				}
				as = append(as, d.Assumptions...)
			}
			if s := wl.Spot; s != nil {
				line("Spot", s.Summary)
				as = append(as, s.Assumptions...)
			}
			if h := wl.AutoHeal; h != nil {
				line("auto-heal", h.Summary)
				line("on deploy", h.DeployRestart)
				as = append(as, h.Assumptions...)
			}
			if ev := wl.Evacuation; ev != nil {
				line("evacuation", ev.Summary)
				as = append(as, ev.Assumptions...)
			}
			for _, n := range wl.Notes {
				line("note", n)
			}
			if assumptions {
				for _, a := range dedupe(as) {
					line("assumes", a)
				}
			}
		}
		if len(env.Findings) > 0 {
			b.WriteString("\nfindings:\n")
			for _, f := range env.Findings {
				fmt.Fprintf(&b, "  %s\n", f)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func scheduledText(a ScheduledAction) string {
	var bounds []string
	if a.MinCapacity != nil {
		bounds = append(bounds, fmt.Sprintf("min %d", *a.MinCapacity))
	}
	if a.MaxCapacity != nil {
		bounds = append(bounds, fmt.Sprintf("max %d", *a.MaxCapacity))
	}
	return fmt.Sprintf("scheduled %s: %s %s → %s", a.Name, a.Schedule, a.Timezone, strings.Join(bounds, ", "))
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
