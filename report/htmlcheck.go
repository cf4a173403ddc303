package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Page is what a reader can check in a page written by WriteHTML (ParsePage).
type Page struct {
	// Pictures counts the architecture SVGs per environment section.
	Pictures map[string]int
	// Labels are the row labels of each environment's first picture (by zone).
	Labels map[string][]string
	// Money maps element ids to their data-usd value.
	Money map[string]string
	// Notices holds the text of each environment's notice paragraphs.
	Notices map[string]string
}

// ParsePage parses a page written by WriteHTML. It fails on anything that is not well-formed
// XML, and on any element that would make a browser fetch something (script, link, img, iframe,
// object, or a src attribute).
func ParsePage(data []byte) (*Page, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	p := &Page{Pictures: map[string]int{}, Labels: map[string][]string{}, Money: map[string]string{}, Notices: map[string]string{}}
	env, inSVG, inLbl, inNotice := "", 0, false, false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return p, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed at byte %d: %w", d.InputOffset(), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range t.Attr {
				attr[a.Name.Local] = a.Value
				if a.Name.Local == "src" {
					return nil, fmt.Errorf("element %s has a src attribute: the page must fetch nothing", t.Name.Local)
				}
			}
			switch t.Name.Local {
			case "script", "link", "img", "iframe", "object", "embed":
				return nil, fmt.Errorf("element %s: the page must be self-contained and need no script", t.Name.Local)
			case "section":
				if e, ok := attr["data-env"]; ok {
					env = e
				}
			case "svg":
				if strings.Contains(attr["class"], "arch") {
					p.Pictures[env]++
					inSVG = p.Pictures[env]
				}
			case "text":
				inLbl = inSVG == 1 && attr["class"] == "lbl"
			case "p":
				inNotice = attr["class"] == "notice"
			}
			if id, ok := attr["id"]; ok {
				if v, ok := attr["data-usd"]; ok {
					p.Money[id] = v
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "svg":
				inSVG = 0
			case "text":
				inLbl = false
			case "p":
				inNotice = false
			}
		case xml.CharData:
			if inLbl {
				p.Labels[env] = append(p.Labels[env], string(t))
			}
			if inNotice {
				p.Notices[env] += string(t)
			}
		}
	}
}

// ComparePage compares a page with the report it was written from (after a JSON round trip, as a
// reader of resilience-report.json sees it) and returns the differences: each environment has
// one picture by zone and one with a zone lost, every workload is drawn, and every total
// (environment, stack, workload) equals the JSON's to the cent; an unpriced environment shows
// its notice.
func ComparePage(r *Report, page *Page) []string {
	var out []string
	errorf := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, e := range r.Environments {
		if got := page.Pictures[e.Name]; got != 2 {
			errorf("%s: %d architecture pictures, want 2 (by zone, and a zone lost)", e.Name, got)
		}
		labels := strings.Join(page.Labels[e.Name], "|")
		for _, w := range e.Workloads {
			if !strings.Contains("|"+labels+"|", "|"+w.Name+"|") && !strings.Contains(labels, "host "+w.Name) {
				errorf("%s: workload %s is not drawn (row labels %s)", e.Name, w.Name, labels)
			}
		}
		c := e.Cost
		if c == nil {
			errorf("%s: no cost in the JSON", e.Name)
			continue
		}
		if !c.Priced {
			if !strings.Contains(page.Notices[e.Name], c.Notice) {
				errorf("%s: the page does not show the notice %q", e.Name, c.Notice)
			}
			continue
		}
		id := cssID(e.Name)
		want := map[string]float64{"cost-" + id + "-floor": c.FloorUSD, "cost-" + id + "-peak": c.PeakUSD}
		for _, sc := range c.Stacks {
			sid := id + "-" + cssID(strings.TrimPrefix(sc.Stack, e.Name+"/"))
			want["cost-"+sid+"-floor"], want["cost-"+sid+"-peak"] = sc.FloorUSD, sc.PeakUSD
			for _, w := range sc.Workloads {
				wid := id + "-" + cssID(w.Name)
				want["cost-"+wid+"-floor"], want["cost-"+wid+"-peak"] = w.FloorUSD, w.PeakUSD
			}
		}
		for k, v := range want {
			if got := page.Money[k]; got != fmt.Sprintf("%.2f", v) {
				errorf("%s: page %s = %q, JSON %.2f", e.Name, k, got, v)
			}
		}
	}
	return out
}
