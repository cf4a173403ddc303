package report

import (
	"fmt"
	"html"
	"strings"
)

// Colours of the picture, one per kind of capacity; the legend under each picture names them.
var slotColour = map[string]string{
	"fargate":      "#2563eb",
	"fargate-spot": "#f59e0b",
	"ec2":          "#0d9488",
	"ec2-ondemand": "#047857",
	"ec2-spot":     "#84cc16",
	"autoheal":     "#7c3aed",
}

var slotLabel = map[string]string{
	"fargate":      "Fargate",
	"fargate-spot": "Fargate Spot",
	"ec2":          "task on EC2",
	"ec2-ondemand": "EC2 On-Demand",
	"ec2-spot":     "EC2 Spot",
	"autoheal":     "auto-heal host",
}

const (
	svgWidth   = 1180
	labelWidth = 240
	zoneGap    = 14
	slotSize   = 12
	slotGap    = 3
)

// svgWriter builds an SVG document with escaped text and a running height.
type svgWriter struct {
	b strings.Builder
	y int
}

func (w *svgWriter) f(format string, args ...any) { fmt.Fprintf(&w.b, format, args...) }

func (w *svgWriter) text(x, y int, class, s string) {
	w.f(`<text x="%d" y="%d" class="%s">%s</text>`, x, y, class, html.EscapeString(s))
}

func (w *svgWriter) rect(x, y, wd, ht int, class string) {
	w.f(`<rect x="%d" y="%d" width="%d" height="%d" rx="6" class="%s"/>`, x, y, wd, ht, class)
}

// zoneX returns the left edge and width of zone i's column.
func zoneX(i, n int) (int, int) {
	if n == 0 {
		n = 1
	}
	wd := (svgWidth - labelWidth - 10 - zoneGap*(n-1)) / n
	return labelWidth + i*(wd+zoneGap), wd
}

// slots draws task or instance squares in rows from (x, y) within width; it returns the height.
func (w *svgWriter) slots(x, y, width int, ss []Slot, lost bool) int {
	perRow := max(1, (width-16)/(slotSize+slotGap))
	for i, s := range ss {
		cx := x + 8 + (i%perRow)*(slotSize+slotGap)
		cy := y + (i/perRow)*(slotSize+slotGap)
		colour := slotColour[s.Kind]
		switch {
		case lost:
			w.f(`<rect x="%d" y="%d" width="%d" height="%d" rx="2" fill="#cbd5e1"/>`, cx, cy, slotSize, slotSize)
		case s.AtFloor:
			w.f(`<rect x="%d" y="%d" width="%d" height="%d" rx="2" fill="%s"><title>%s, runs at the floor</title></rect>`, cx, cy, slotSize, slotSize, colour, slotLabel[s.Kind])
		default:
			w.f(`<rect x="%d" y="%d" width="%d" height="%d" rx="2" fill="white" stroke="%s" stroke-width="1.5" stroke-dasharray="3 2"><title>%s, only at the peak</title></rect>`, cx+1, cy+1, slotSize-2, slotSize-2, colour, slotLabel[s.Kind])
		}
	}
	rows := (len(ss) + perRow - 1) / perRow
	if rows == 0 {
		return 0
	}
	return rows*(slotSize+slotGap) - slotGap
}

// row is one line of the picture: a label on the left and something drawn in each zone.
type row struct {
	label, sub string
	// draw draws the zone's content at (x, y) within width and returns its height.
	draw func(w *svgWriter, az string, x, y, width int) int
	// measure returns the height the row needs in a zone.
	measure func(az string, width int) int
	anchor  string // service name, for the pipeline's arrows
}

func slotRow(label, sub, anchor string, per map[string][]Slot, lost string) row {
	return row{label: label, sub: sub, anchor: anchor,
		measure: func(az string, width int) int {
			perRow := max(1, (width-16)/(slotSize+slotGap))
			n := len(per[az])
			return max(1, (n+perRow-1)/perRow)*(slotSize+slotGap) - slotGap
		},
		draw: func(w *svgWriter, az string, x, y, width int) int {
			return w.slots(x, y, width, per[az], az == lost)
		}}
}

func chipRow(label, sub string, chips func(az string) []string, class string) row {
	return row{label: label, sub: sub,
		measure: func(string, int) int { return 18 },
		draw: func(w *svgWriter, az string, x, y, width int) int {
			cx := x + 8
			for _, c := range chips(az) {
				wd := 12 + 7*len(c)
				if cx+wd > x+width-4 {
					break
				}
				w.f(`<rect x="%d" y="%d" width="%d" height="18" rx="9" class="%s"/>`, cx, y, wd, class)
				w.text(cx+6, y+13, "chip", c)
				cx += wd + 4
			}
			return 18
		}}
}

// ArchitectureSVG draws the environment by availability zone: one column per zone, one band
// per subnet tier, in each band what runs there at the floor (filled) and at the peak
// (dashed); above, the pipeline and the services it deploys; below, the regional pieces. With
// lostAZ set, that zone is shown gone and only what the others hold at the floor is drawn.
func ArchitectureSVG(t *Topology, lostAZ string) string {
	w := &svgWriter{}
	n := len(t.AZs)
	// Marker IDs are unique in the page, which holds two pictures per environment.
	id := cssID(t.Env)
	if lostAZ != "" {
		id += "-lost"
	}
	// Pipeline lane.
	var body svgWriter
	y := 16
	anchors := map[string]int{}
	var pipelineY int
	if lostAZ == "" && len(t.Pipelines) > 0 {
		for _, pl := range t.Pipelines {
			body.text(10, y+16, "lbl", "Pipeline")
			x := labelWidth
			for i, s := range pl.Stages {
				wd := 24 + 8*len(s)
				body.rect(x, y, wd, 26, "stage")
				body.text(x+12, y+17, "stagetxt", s)
				if i < len(pl.Stages)-1 {
					body.f(`<line x1="%d" y1="%d" x2="%d" y2="%d" class="arrow" marker-end="url(#arrow-%s)"/>`, x+wd, y+13, x+wd+18, y+13, id)
				}
				x += wd + 22
			}
			if len(pl.Deploys) > 0 {
				body.text(x+4, y+17, "note", "deploys "+strings.Join(pl.Deploys, ", ")+"; ECS rolls back on its alarms")
			}
			pipelineY = y + 26
			y += 44
		}
	}
	// Zone headers.
	for i, az := range t.AZs {
		x, wd := zoneX(i, n)
		cls := "zonehead"
		label := az
		if az == lostAZ {
			cls, label = "zonehead lost", az+": lost"
		}
		body.rect(x, y, wd, 26, cls)
		body.text(x+wd/2, y+18, "zonetxt", label)
	}
	y += 34

	// Bands. Subnets without CDK's tier tags form one tier, which then holds everything; a
	// template without subnets still gets one band, so every workload is drawn.
	tiers := t.Tiers
	if len(tiers) == 0 {
		tiers = []Tier{{Name: "Subnets", CIDRs: map[string]string{}}}
	}
	publicTier, privateTier := tiers[0].Name, tiers[0].Name
	for _, tier := range tiers {
		switch tier.Name {
		case "Public":
			publicTier = "Public"
		case "Private":
			privateTier = "Private"
		}
	}
	if publicTier != "Public" {
		publicTier = privateTier
	}
	for _, tier := range tiers {
		var rows []row
		if tier.Name == publicTier {
			if len(t.NATs) > 0 {
				rows = append(rows, chipRow("NAT gateways", "egress for the private subnets", func(az string) []string {
					if az == lostAZ || t.NATs[az] == 0 {
						return nil
					}
					return []string{"NAT"}
				}, "nat"))
			}
			for _, lb := range t.LoadBalancers {
				lb := lb
				rows = append(rows, chipRow("ALB "+lb.Owner, "internet-facing, cross-zone", func(az string) []string {
					if az == lostAZ || !contains(lb.AZs, az) {
						return nil
					}
					return []string{"ALB node"}
				}, "alb"))
			}
		}
		if tier.Name == privateTier {
			if len(t.Endpoints) > 0 {
				rows = append(rows, chipRow("Interface endpoints", "ECR, logs … without NAT", func(az string) []string {
					var out []string
					for _, e := range t.Endpoints {
						if az != lostAZ && contains(e.AZs, az) {
							out = append(out, e.Service)
						}
					}
					return out
				}, "endpoint"))
			}
			for _, s := range t.Services {
				sub := fmt.Sprintf("%s: %d–%d tasks", s.Kind, s.Floor, s.Peak)
				per := s.PerAZ
				if lostAZ != "" {
					per = floorOnly(per)
					sub = fmt.Sprintf("%s, floor %d", s.Kind, s.Floor)
				}
				rows = append(rows, slotRow(s.Name, sub, s.Name, per, lostAZ))
			}
			for _, g := range t.Groups {
				per := g.PerAZ
				if lostAZ != "" {
					per = floorOnly(per)
				}
				if g.AutoHeal {
					per = map[string][]Slot{}
					if len(g.Group.AZs) > 0 {
						home := g.Group.AZs[0]
						if home == lostAZ && len(g.Group.AZs) > 1 {
							home = g.Group.AZs[1] // Auto Scaling launches the replacement in a zone that works
						}
						per[home] = []Slot{{Kind: "autoheal", AtFloor: true}}
					}
					sub := fmt.Sprintf("1 × %s, any of %d zones", g.Group.Type, len(g.Group.AZs))
					if lostAZ != "" && g.Heal != nil {
						sub = fmt.Sprintf("back in another zone in ~%d s", g.Heal.RecoverySeconds)
					}
					rows = append(rows, slotRow("host "+g.Name, sub, "", per, lostAZ))
					continue
				}
				sub := fmt.Sprintf("%d–%d × %s, OD base %d + %d %%", g.Group.MinSize, g.Group.MaxSize, g.Group.Type, g.Group.OnDemandBase, g.Group.OnDemandPercent)
				rows = append(rows, slotRow(g.Name, sub, "", per, lostAZ))
			}
			for _, fs := range t.FileSystems {
				fs := fs
				rows = append(rows, chipRow("EFS "+fs.Owner, "mount targets of a regional FS", func(az string) []string {
					if az == lostAZ || !contains(fs.AZs, az) {
						return nil
					}
					return []string{"mount target"}
				}, "efs"))
			}
		}
		if len(rows) == 0 {
			rows = append(rows, row{label: "", measure: func(string, int) int { return 6 }, draw: func(*svgWriter, string, int, int, int) int { return 6 }})
		}
		// Band height: tier header + rows.
		heights := make([]int, len(rows))
		total := 24
		for i, r := range rows {
			h := 18
			for j, az := range t.AZs {
				_, wd := zoneX(j, n)
				h = max(h, r.measure(az, wd))
			}
			heights[i] = h + 12
			if r.sub != "" {
				heights[i] = max(heights[i], 34)
			}
			total += heights[i]
		}
		for i, az := range t.AZs {
			x, wd := zoneX(i, n)
			cls := "band " + strings.ToLower(tier.Name)
			if az == lostAZ {
				cls += " gone"
			}
			body.rect(x, y, wd, total, cls)
			body.text(x+8, y+16, "tier", fmt.Sprintf("%s %s", tier.Name, tier.CIDRs[az]))
		}
		body.text(10, y+16, "tierlbl", tier.Name+" subnets")
		ry := y + 24
		for i, r := range rows {
			if r.label != "" {
				body.text(10, ry+12, "lbl", r.label)
				if r.sub != "" {
					body.text(10, ry+26, "sub", r.sub)
				}
			}
			if r.anchor != "" {
				anchors[r.anchor] = ry + 8
			}
			for j, az := range t.AZs {
				x, wd := zoneX(j, n)
				r.draw(&body, az, x, ry, wd)
			}
			ry += heights[i]
		}
		y += total + 10
	}
	if lostAZ != "" {
		for i, az := range t.AZs {
			if az == lostAZ {
				x, wd := zoneX(i, n)
				body.f(`<line x1="%d" y1="%d" x2="%d" y2="%d" class="cross"/>`, x+10, 60, x+wd-10, y-20)
				body.f(`<line x1="%d" y1="%d" x2="%d" y2="%d" class="cross"/>`, x+wd-10, 60, x+10, y-20)
			}
		}
	}
	// Regional pieces: queues and their workers.
	if len(t.Queues) > 0 && lostAZ == "" {
		body.text(10, y+16, "tierlbl", "Regional")
		x := labelWidth
		for _, q := range t.Queues {
			label := "SQS queue → " + q.Worker
			cls := "queue"
			if q.DeadLetter {
				label, cls = "dead-letter queue ("+q.Worker+")", "dlq"
			}
			wd := 24 + 7*len(label)
			body.rect(x, y, wd, 26, cls)
			body.text(x+12, y+17, "chip", label)
			x += wd + 12
		}
		y += 36
	}
	// The pipeline's path to the services: one arrow down the left edge to each deployed row.
	if lostAZ == "" && pipelineY > 0 {
		for _, pl := range t.Pipelines {
			for i, d := range pl.Deploys {
				ay, ok := anchors[d]
				if !ok {
					continue
				}
				lx := labelWidth - 14 - 6*i
				body.f(`<path d="M %d %d L %d %d L %d %d" class="deploy" marker-end="url(#arrowd-%s)"/>`, labelWidth+40, pipelineY, lx, pipelineY+8, lx, ay-2, id)
			}
		}
	}
	height := y + 6
	w.f(`<svg xmlns="http://www.w3.org/2000/svg" class="arch" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		svgWidth, height, svgWidth, height, html.EscapeString(fmt.Sprintf("architecture of %s by availability zone", t.Env)))
	w.f(`<defs><marker id="arrow-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0 L10 5 L0 10 z" fill="#475569"/></marker>`+
		`<marker id="arrowd-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0 L10 5 L0 10 z" fill="#7c3aed"/></marker></defs>`, id, id)
	w.b.WriteString(body.b.String())
	w.f(`</svg>`)
	return w.b.String()
}

func floorOnly(per map[string][]Slot) map[string][]Slot {
	out := map[string][]Slot{}
	for az, ss := range per {
		for _, s := range ss {
			if s.AtFloor {
				out[az] = append(out[az], s)
			}
		}
	}
	return out
}
