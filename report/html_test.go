package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func pageOf(t *testing.T, dir string) (*Report, *Page) {
	t.Helper()
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := Build(a, TemplateSettings(a))
	tables, err := PriceTables()
	if err != nil {
		t.Fatal(err)
	}
	as, err := DefaultCostAssumptions()
	if err != nil {
		t.Fatal(err)
	}
	r.AddCosts(a, tables, as)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, a, r, tables, as); err != nil {
		t.Fatal(err)
	}
	page, err := ParsePage(buf.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	// The JSON is what the page is compared with: round-trip it as a reader of the file would.
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	return &back, page
}

func TestHTMLPageMatchesJSON(t *testing.T) {
	r, page := pageOf(t, "testdata/assembly")
	if len(r.Environments) == 0 {
		t.Fatal("no environment in testdata/assembly")
	}
	for _, problem := range ComparePage(r, page) {
		t.Error(problem)
	}
}

func TestParsePageRejectsFetchesAndBrokenMarkup(t *testing.T) {
	for name, doc := range map[string]string{
		"script":    `<html><body><script>alert(1)</script></body></html>`,
		"image":     `<html><body><img src="https://example.com/x.png"/></body></html>`,
		"unclosed":  `<html><body><p>text</body></html>`,
		"html only": `<html><body>&nbsp;</body></html>`,
	} {
		if _, err := ParsePage([]byte(doc)); err == nil {
			t.Errorf("%s: ParsePage accepted %s", name, doc)
		}
	}
}

// TestHTMLFigures: each workload's figures are listed on the page as the JSON says them, the
// stop sequences, the deploy timeline, its rollback and the zone evacuation included.
func TestHTMLFigures(t *testing.T) {
	a, err := Load("testdata/assembly")
	if err != nil {
		t.Fatal(err)
	}
	r := Build(a, TemplateSettings(a))
	var buf bytes.Buffer
	if err := WriteHTML(&buf, a, r, nil, CostAssumptions{}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	n := 0
	for _, e := range r.Environments {
		for _, w := range e.Workloads {
			lines := map[string]string{}
			if w.Drain != nil {
				lines["drain/stop"] = w.Drain.Summary
			}
			if d := w.Deploy; d != nil && d.RollbackSummary != "" {
				lines["deploy"], lines["rollback"] = d.Summary, strings.TrimPrefix(d.RollbackSummary, "rollback: ")
			}
			if w.Evacuation != nil {
				lines["evacuation"] = w.Evacuation.Summary
			}
			for label, text := range lines {
				n++
				if !strings.Contains(page, "<dt>"+label+"</dt><dd>"+esc(text)+"</dd>") {
					t.Errorf("%s: the page does not list %s %q", w.ID(), label, text)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d figure lines checked", n)
	}
}
