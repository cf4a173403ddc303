package report

import (
	"bytes"
	"encoding/json"
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
