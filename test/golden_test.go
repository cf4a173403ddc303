package test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden templates in testdata/")

// TestGoldens compares every stack's template with testdata/<env>-<Stack>.json. A difference is
// reported as stack and JSON path with the golden and the new value; `go test ./test -update`
// rewrites the goldens after a deliberate change (read their diff before committing it).
func TestGoldens(t *testing.T) {
	names := make([]string, 0, len(synthesized.templates))
	for name := range synthesized.templates {
		names = append(names, name)
	}
	slices.Sort(names)
	want := map[string]bool{}
	for _, name := range names {
		file := filepath.Join("testdata", strings.ReplaceAll(name, "/", "-")+".json")
		want[file] = true
		got := normalize(synthesized.templates[name])
		if *update {
			b, _ := json.MarshalIndent(got, "", "  ")
			if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s: no golden (%v); run go test ./test -update", name, err)
			continue
		}
		var golden any
		if err := json.Unmarshal(raw, &golden); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if diffs := diff("", golden, got); len(diffs) > 0 {
			if len(diffs) > 40 {
				diffs = append(diffs[:40], fmt.Sprintf("... and %d more", len(diffs)-40))
			}
			t.Errorf("%s differs from %s (go test ./test -update rewrites it):\n  %s", name, file, strings.Join(diffs, "\n  "))
		}
	}
	// A golden whose stack is gone is stale.
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, f := range files {
		if !want[f] {
			if *update {
				os.Remove(f)
			} else {
				t.Errorf("%s has no stack any more; run go test ./test -update", f)
			}
		}
	}
}

var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

// normalize drops what changes without a change to okiagari: the bootstrap-version parameter
// and rule the synthesizer adds, and asset hashes (they change with the CDK version's bundled code).
func normalize(tpl map[string]any) any {
	b, _ := json.Marshal(tpl)
	var out map[string]any
	json.Unmarshal([]byte(assetHash.ReplaceAllString(string(b), "<asset-hash>")), &out)
	for _, section := range []string{"Parameters", "Rules"} {
		if m, ok := out[section].(map[string]any); ok {
			delete(m, "BootstrapVersion")
			delete(m, "CheckBootstrapVersion")
			if len(m) == 0 {
				delete(out, section)
			}
		}
	}
	return out
}

// diff lists the JSON paths at which a and b differ, with both values.
func diff(path string, a, b any) []string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range av {
			keys[k] = true
		}
		for k := range bv {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted)
		var out []string
		for _, k := range sorted {
			p := k
			if path != "" {
				p = path + "." + k
			}
			x, inA := av[k]
			y, inB := bv[k]
			switch {
			case !inA:
				out = append(out, fmt.Sprintf("%s: added %s", p, short(y)))
			case !inB:
				out = append(out, fmt.Sprintf("%s: removed (golden %s)", p, short(x)))
			default:
				out = append(out, diff(p, x, y)...)
			}
		}
		return out
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			break
		}
		var out []string
		for i := range av {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i])...)
		}
		return out
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []string{fmt.Sprintf("%s: golden %s, got %s", path, short(a), short(b))}
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}
