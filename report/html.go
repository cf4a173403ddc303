package report

import (
	"fmt"
	"html"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// HTMLFile is the page's name in the assembly directory.
const HTMLFile = "okiagari-report.html"

// WriteHTML writes the report as one self-contained page: per environment an architecture
// picture by availability zone (inline SVG), the same picture with a zone lost, the resilience
// figures and findings, and the monthly cost at floor and at peak, itemised, with the price
// table and the assumptions behind it. It needs no network and no JavaScript: styles are
// inline, pictures are SVG, and links only point at the pricing pages for the reader.
//
// The page is well-formed XML (every element closed, only XML's own entities), so tests parse
// it with encoding/xml. a gives the templates the pictures are drawn from; r must carry costs
// (Report.AddCosts) for the cost tables, and tables the price tables to list.
func WriteHTML(w io.Writer, a *Assembly, r *Report, tables map[string]PriceTable, as CostAssumptions) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
	p("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>okiagari: architecture, resilience and cost</title>\n<style>%s</style>\n</head>\n<body>\n", pageCSS)
	p("<header><h1>okiagari</h1><p>Each environment of <code>%s</code> as its templates will deploy it: what runs in each availability zone, what is left when one is lost, how fast it recovers, and what it costs a month.</p>", esc(filepath.Base(a.Dir)))
	p("<nav>")
	for _, e := range r.Environments {
		p("<a href=\"#env-%s\">%s</a> ", cssID(e.Name), esc(e.Name))
	}
	p("<a href=\"#prices\">prices and assumptions</a></nav></header>\n")

	regions := map[string]bool{}
	for _, er := range r.Environments {
		env := a.Environment(er.Name)
		if env == nil {
			continue
		}
		topo := BuildTopology(env, er.Workloads)
		kind := "not production"
		if er.Production {
			kind = "production"
		}
		p("<section class=\"env\" id=\"env-%s\" data-env=\"%s\">\n", cssID(er.Name), esc(er.Name))
		region := ""
		if er.Cost != nil {
			region = er.Cost.Region
			if er.Cost.Priced {
				regions[region] = true
			}
		}
		p("<h2>%s <span class=\"tag %s\">%s</span> <span class=\"dim\">%s</span></h2>\n", esc(er.Name), map[bool]string{true: "prod", false: "nonprod"}[er.Production], kind, esc(region))
		writeCards(&b, er, topo)
		p("<div class=\"picture\"><h3>By availability zone</h3>%s%s</div>\n", ArchitectureSVG(topo, ""), legend())
		if len(topo.AZs) > 1 {
			lost := topo.AZs[0]
			p("<div class=\"picture\"><h3>%s lost</h3><p class=\"dim\">The zone that holds the most of every service (ECS fills the first zones first). Nothing is replaced or scaled out yet: this is what static stability must carry.</p>%s", esc(lost), ArchitectureSVG(topo, lost))
			writeZoneLost(&b, topo, lost)
			p("</div>\n")
		}
		writeFigures(&b, er)
		writeCost(&b, er)
		p("</section>\n")
	}
	writePrices(&b, tables, regions, as)
	p("<footer>Written by <code>go run ./bin report --html</code> from the templates alone. %s; %s.</footer>\n</body>\n</html>\n", esc(FloorMeans), esc(PeakMeans))
	_, err := io.WriteString(w, b.String())
	return err
}

func esc(s string) string { return html.EscapeString(s) }

// cssID turns a name into an id-safe token.
func cssID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	return b.String()
}

func usd(x float64) string {
	s := fmt.Sprintf("%.2f", x)
	// Thousands separators for readability: 12345.60 → 12,345.60.
	intPart, frac, _ := strings.Cut(s, ".")
	var out []string
	for len(intPart) > 3 {
		out = append([]string{intPart[len(intPart)-3:]}, out...)
		intPart = intPart[:len(intPart)-3]
	}
	out = append([]string{intPart}, out...)
	return "$" + strings.Join(out, ",") + "." + frac
}

func money(x float64, id string) string {
	attr := ""
	if id != "" {
		attr = fmt.Sprintf(" id=\"%s\"", id)
	}
	return fmt.Sprintf("<span class=\"usd\"%s data-usd=\"%.2f\">%s</span>", attr, x, usd(x))
}

func writeCards(b *strings.Builder, er EnvironmentReport, t *Topology) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	id := cssID(er.Name)
	p("<div class=\"cards\">")
	if c := er.Cost; c != nil && c.Priced {
		p("<div class=\"card\"><div class=\"k\">a month at the floor</div><div class=\"v\">%s</div><div class=\"dim\">MinCapacity / MinSize, 730 h</div></div>", money(c.FloorUSD, "cost-"+id+"-floor"))
		p("<div class=\"card\"><div class=\"k\">a month at the peak</div><div class=\"v\">%s</div><div class=\"dim\">MaxCapacity / MaxSize, 730 h</div></div>", money(c.PeakUSD, "cost-"+id+"-peak"))
	} else if c != nil {
		p("<div class=\"card warn\"><div class=\"k\">cost</div><div class=\"v small\">no prices</div><div class=\"dim\">%s</div></div>", esc(c.Notice))
	}
	worst, worstName := 101, ""
	for _, w := range er.Workloads {
		if w.Kind == KindWebService && w.AZLoss != nil && w.AZLoss.KeepsPercent < worst {
			worst, worstName = w.AZLoss.KeepsPercent, w.Name
		}
	}
	if worstName != "" {
		cls := "ok"
		if worst < 100 {
			cls = "bad"
		}
		p("<div class=\"card %s\"><div class=\"k\">after losing a zone</div><div class=\"v\">%d %%</div><div class=\"dim\">of peak kept by the weakest web service (%s)</div></div>", cls, worst, esc(worstName))
	}
	errs, warns := 0, 0
	for _, f := range er.Findings {
		if f.Severity == Error {
			errs++
		} else {
			warns++
		}
	}
	cls := "ok"
	if errs > 0 {
		cls = "bad"
	} else if warns > 0 {
		cls = "warn"
	}
	p("<div class=\"card %s\"><div class=\"k\">findings</div><div class=\"v\">%d</div><div class=\"dim\">%d error%s, %d warning%s</div></div>", cls, errs+warns, errs, plural(errs), warns, plural(warns))
	p("<div class=\"card\"><div class=\"k\">zones</div><div class=\"v\">%d</div><div class=\"dim\">%s</div></div>", len(t.AZs), esc(strings.Join(t.AZs, ", ")))
	p("</div>\n")
}

func legend() string {
	var b strings.Builder
	b.WriteString("<p class=\"legend\">")
	for _, k := range []string{"fargate", "fargate-spot", "ec2", "ec2-ondemand", "ec2-spot", "autoheal"} {
		fmt.Fprintf(&b, "<span><span class=\"sw\" style=\"background:%s\"></span>%s</span> ", slotColour[k], slotLabel[k])
	}
	b.WriteString("<span><span class=\"sw dashed\"></span>only at the peak</span> <span>one square = one task or instance; filled squares run at the floor</span></p>")
	return b.String()
}

func writeZoneLost(b *strings.Builder, t *Topology, lost string) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("<table class=\"lost\"><tr><th>service</th><th>floor</th><th>in %s</th><th>left</th><th>must keep</th><th></th></tr>", esc(lost))
	for _, s := range t.Services {
		in := 0
		for _, sl := range s.PerAZ[lost] {
			if sl.AtFloor {
				in++
			}
		}
		left := s.Floor - in
		need, what := s.Floor, "its floor"
		if s.AZLoss != nil {
			need, what = s.AZLoss.Peak, s.AZLoss.Reference
		}
		cls, verdict := "ok", "enough"
		if left < need {
			// Only a web service's peak is gated; a worker below its floor catches up on its queue.
			cls, verdict = "warn", fmt.Sprintf("short by %d", need-left)
			if s.Kind == KindWebService {
				cls = "bad"
			}
		}
		p("<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%d (%s)</td><td class=\"%s\">%s</td></tr>", esc(s.Name), s.Floor, in, left, need, esc(what), cls, verdict)
	}
	p("</table>")
}

func writeFigures(b *strings.Builder, er EnvironmentReport) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("<h3>Resilience</h3>")
	if len(er.Findings) > 0 {
		p("<ul class=\"findings\">")
		for _, f := range er.Findings {
			p("<li class=\"%s\"><b>%s</b> %s</li>", strings.ToLower(string(f.Severity)), esc(string(f.Severity)), esc(f.Message))
		}
		p("</ul>")
	} else {
		p("<p class=\"ok\">No findings: every gate passes.</p>")
	}
	p("<div class=\"wls\">")
	for _, w := range er.Workloads {
		p("<div class=\"wl\" data-workload=\"%s\"><h4>%s <span class=\"dim\">%s</span></h4><dl>", esc(w.Name), esc(w.Name), esc(w.Kind))
		line := func(k, v string) {
			if v != "" {
				p("<dt>%s</dt><dd>%s</dd>", esc(k), esc(v))
			}
		}
		if w.AZLoss != nil {
			line("AZ loss", w.AZLoss.Summary)
		}
		if w.CapacityAZLoss != nil {
			line("EC2 capacity", w.CapacityAZLoss.Summary)
		}
		if w.Spot != nil {
			line("Spot", w.Spot.Summary)
		}
		if w.Detection != nil {
			line("detection", w.Detection.Summary)
		}
		if w.Drain != nil {
			line("drain/stop", w.Drain.Summary)
		}
		if w.Scaling != nil {
			line("scaling", w.Scaling.Summary)
		}
		if w.Deploy != nil {
			line("deploy", w.Deploy.Summary)
			line("rollback", strings.TrimPrefix(w.Deploy.RollbackSummary, "rollback: "))
			if w.Deploy.RollingReason != "" {
				line("rolls because", w.Deploy.RollingReason)
			}
		}
		if w.AutoHeal != nil {
			line("auto-heal", w.AutoHeal.Summary)
		}
		if w.Evacuation != nil {
			line("evacuation", w.Evacuation.Summary)
		}
		for _, n := range w.Notes {
			line("note", n)
		}
		p("</dl></div>")
	}
	p("</div>")
}

func writeCost(b *strings.Builder, er EnvironmentReport) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("<h3>Monthly cost</h3>")
	c := er.Cost
	if c == nil {
		p("<p class=\"warn\">Not priced.</p>")
		return
	}
	if !c.Priced {
		p("<p class=\"notice\">%s</p>", esc(c.Notice))
		return
	}
	id := cssID(er.Name)
	p("<p class=\"dim\">US dollars a month (730 h), no free tier, no Savings Plans. %s. %s. Items marked <span class=\"as\">assumed</span> rest on a usage assumption you can change.</p>", esc(FloorMeans), esc(PeakMeans))
	p("<table class=\"cost\" id=\"cost-%s\"><tr><th>item</th><th>floor</th><th class=\"num\">$ floor</th><th>peak</th><th class=\"num\">$ peak</th></tr>", id)
	itemRow := func(it CostItem) {
		tag := ""
		if len(it.Assumptions) > 0 {
			tag = fmt.Sprintf(" <span class=\"as\" title=\"%s\">assumed</span>", esc(strings.Join(it.Assumptions, ", ")))
		}
		fv, pv := money(it.FloorUSD, ""), money(it.PeakUSD, "")
		if !it.Priced {
			fv, pv = "<i class=\"np\">no price</i>", "<i class=\"np\">no price</i>"
		}
		p("<tr class=\"item\"><td>%s%s</td><td class=\"basis\">%s</td><td class=\"num\">%s</td><td class=\"basis\">%s</td><td class=\"num\">%s</td></tr>",
			esc(it.Item), tag, esc(it.FloorBasis), fv, esc(it.PeakBasis), pv)
	}
	for _, sc := range c.Stacks {
		sid := id + "-" + cssID(strings.TrimPrefix(sc.Stack, er.Name+"/"))
		p("<tr class=\"stack\" data-stack=\"%s\"><th colspan=\"2\">%s</th><th class=\"num\">%s</th><th></th><th class=\"num\">%s</th></tr>",
			esc(sc.Stack), esc(sc.Stack), money(sc.FloorUSD, "cost-"+sid+"-floor"), money(sc.PeakUSD, "cost-"+sid+"-peak"))
		for _, w := range sc.Workloads {
			wid := id + "-" + cssID(w.Name)
			p("<tr class=\"wlrow\" data-workload=\"%s\"><td colspan=\"2\">%s <span class=\"dim\">%s</span></td><td class=\"num\">%s</td><td></td><td class=\"num\">%s</td></tr>",
				esc(w.Name), esc(w.Name), esc(w.Kind), money(w.FloorUSD, "cost-"+wid+"-floor"), money(w.PeakUSD, "cost-"+wid+"-peak"))
			for _, it := range w.Items {
				itemRow(it)
			}
		}
		if len(sc.Shared) > 0 {
			p("<tr class=\"wlrow\"><td colspan=\"5\">shared</td></tr>")
			for _, it := range sc.Shared {
				itemRow(it)
			}
		}
	}
	p("<tr class=\"total\"><th colspan=\"2\">%s</th><th class=\"num\">%s</th><th></th><th class=\"num\">%s</th></tr></table>", esc(er.Name), money(c.FloorUSD, ""), money(c.PeakUSD, ""))
	if len(c.Unpriced) > 0 {
		p("<p class=\"notice\">Left out of the totals, for want of a sourced price (see the price table):</p><ul class=\"unpriced\">")
		for _, u := range c.Unpriced {
			p("<li>%s</li>", esc(u))
		}
		p("</ul>")
	}
}

func writePrices(b *strings.Builder, tables map[string]PriceTable, used map[string]bool, as CostAssumptions) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("<section id=\"prices\"><h2>Prices and assumptions</h2>")
	p("<p>Every price below was read from the page it links to, on the date given; <i>no price</i> means the stored copies of AWS's pages did not show it, and the items that need it are left out of the totals rather than guessed. The tables ship in <code>report/prices/</code>.</p>")
	regions := make([]string, 0, len(used))
	for r := range used {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, region := range regions {
		t := tables[region]
		p("<h3>%s <span class=\"dim\">%s</span></h3><table class=\"prices\"><tr><th>price</th><th>charge</th><th class=\"num\">USD</th><th>unit</th><th>source</th><th>read</th></tr>", esc(region), esc(t.Name))
		for _, k := range sortedPriceKeys(t) {
			pr := t.Prices[k]
			v := "<i class=\"np\">no price</i>"
			if pr.USD != nil {
				v = fmt.Sprintf("%g", *pr.USD)
			}
			src := esc(pr.Source)
			if strings.HasPrefix(pr.Source, "http") {
				src = fmt.Sprintf("<a href=\"%s\">%s</a>", esc(pr.Source), esc(shortURL(pr.Source)))
			}
			if pr.Note != "" {
				src += " <span class=\"dim\">(" + esc(pr.Note) + ")</span>"
			}
			p("<tr><td><code>%s</code></td><td>%s</td><td class=\"num\">%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", esc(k), esc(pr.What), v, esc(pr.Unit), src, esc(pr.Read))
		}
		p("</table>")
	}
	p("<h3>Usage assumptions</h3><p>%s</p><table class=\"prices\"><tr><th>assumption</th><th class=\"num\">value</th><th>why</th></tr>", esc(as.Note))
	for _, n := range as.list() {
		p("<tr><td><code>%s</code></td><td class=\"num\">%s</td><td>%s</td></tr>", esc(n.Key), num(n.Value), esc(n.Why))
	}
	p("</table><p class=\"dim\">Not included: data transfer out to the internet and between zones, public IPv4 addresses (NAT gateways and load balancers hold some), EBS volumes of the instances, S3 (access logs, pipeline artifacts), ECR storage, SQS and SNS requests, CodePipeline and CodeBuild minutes, KMS requests, log storage after ingestion.</p></section>")
}

func shortURL(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if len(u) > 48 {
		return u[:45] + "…"
	}
	return u
}

const pageCSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans JP",sans-serif;margin:0;background:#f1f5f9;color:#0f172a}
header{background:#0f172a;color:#e2e8f0;padding:18px 28px}
header h1{margin:0;font-size:24px}
header p{margin:6px 0 10px;color:#cbd5e1;max-width:980px}
header nav a{color:#93c5fd;margin-right:14px;text-decoration:none;font-weight:600}
code{font:12px ui-monospace,Menlo,Consolas,monospace}
section{margin:22px 28px;background:white;border-radius:12px;padding:18px 22px;box-shadow:0 1px 3px rgba(15,23,42,.12)}
h2{margin:0 0 12px;font-size:22px}
h3{margin:18px 0 8px;font-size:16px}
h4{margin:10px 0 4px;font-size:14px}
.dim{color:#64748b;font-weight:normal}
.tag{font-size:12px;padding:2px 8px;border-radius:10px;vertical-align:middle}
.tag.prod{background:#fee2e2;color:#991b1b}
.tag.nonprod{background:#e0f2fe;color:#075985}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:6px}
.card{flex:1 1 160px;border:1px solid #e2e8f0;border-radius:10px;padding:10px 14px;background:#f8fafc}
.card .k{font-size:12px;color:#475569;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:26px;font-weight:700}
.card .v.small{font-size:18px}
.card.ok{border-color:#86efac;background:#f0fdf4}
.card.bad{border-color:#fca5a5;background:#fef2f2}
.card.warn{border-color:#fcd34d;background:#fffbeb}
.picture{overflow-x:auto}
svg.arch{display:block;max-width:100%;height:auto}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.lbl{font-size:13px;font-weight:600;fill:#0f172a}
.sub{font-size:10.5px;fill:#64748b}
.tier{font-size:11px;fill:#475569;font-weight:600}
.tierlbl{font-size:12px;fill:#334155;font-weight:700;text-transform:uppercase}
.zonehead{fill:#1e293b}
.zonehead.lost{fill:#b91c1c}
.zonetxt{font-size:13px;fill:white;font-weight:700;text-anchor:middle}
.band{stroke-width:1.2}
.band.public{fill:#ecfeff;stroke:#67e8f9}
.band.private{fill:#eff6ff;stroke:#93c5fd}
.band.isolated{fill:#f8fafc;stroke:#cbd5e1}
.band.gone{fill:#f1f5f9;stroke:#cbd5e1;stroke-dasharray:4 3}
.cross{stroke:#b91c1c;stroke-width:3;opacity:.35}
.chip{font-size:10.5px;fill:#0f172a}
rect.nat{fill:#cffafe;stroke:#0891b2}
rect.alb{fill:#fce7f3;stroke:#db2777}
rect.endpoint{fill:#f1f5f9;stroke:#64748b}
rect.efs{fill:#f3e8ff;stroke:#9333ea}
rect.queue{fill:#fef3c7;stroke:#d97706}
rect.dlq{fill:#fee2e2;stroke:#dc2626}
rect.stage{fill:#ede9fe;stroke:#7c3aed}
.stagetxt{font-size:12px;fill:#4c1d95;font-weight:600}
.note{font-size:11.5px;fill:#4c1d95}
.arrow{stroke:#475569;stroke-width:1.5}
.deploy{stroke:#7c3aed;stroke-width:1.4;fill:none;stroke-dasharray:5 3}
.legend{font-size:12px;color:#334155;margin:6px 0 0}
.legend > span{margin-right:14px;white-space:nowrap}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-2px;margin-right:5px}
.sw.dashed{background:white;border:1.5px dashed #2563eb}
.cols{display:flex;gap:24px;flex-wrap:wrap}
.col{flex:1 1 520px;min-width:0}
dl{display:grid;grid-template-columns:96px 1fr;gap:2px 10px;margin:0 0 8px;font-size:12.5px}
dt{color:#475569;font-weight:600}
dd{margin:0}
.wls{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:10px 22px}
.wl{border-top:2px solid #e2e8f0;padding-top:4px}
ul.findings{padding-left:0;list-style:none}
ul.findings li{padding:6px 10px;border-radius:6px;margin:4px 0;font-size:12.5px}
li.error{background:#fef2f2;border-left:4px solid #dc2626}
li.warning{background:#fffbeb;border-left:4px solid #d97706}
p.ok,.ok{color:#15803d}
.bad{color:#b91c1c;font-weight:600}
.warn{color:#b45309}
.notice{background:#fffbeb;border-left:4px solid #d97706;padding:6px 10px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #e2e8f0;vertical-align:top}
.num{text-align:right;white-space:nowrap}
td.basis{color:#475569;font-size:11.5px}
tr.stack th{background:#1e293b;color:white}
tr.stack th .usd{color:white}
tr.wlrow td{background:#f1f5f9;font-weight:600}
tr.total th{background:#0f172a;color:white;font-size:14px}
.usd{font-variant-numeric:tabular-nums}
.as{font-size:10px;background:#fef3c7;color:#92400e;border-radius:6px;padding:0 5px;font-weight:600}
.np{color:#b45309}
table.lost{width:auto;margin-top:6px}
table.prices td{font-size:12px}
footer{margin:10px 28px 30px;color:#64748b;font-size:12px}
`
