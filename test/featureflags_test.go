package test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/okiagari/okiagari/cdkjson"
	"github.com/okiagari/okiagari/testenv"
)

// TestConstructTestContext: construct tests synthesize with testenv.Context (its own copy of the
// feature flags, so that they pass in a fork with no cdk.json above them). It must be the context
// the CLI passes from cdk.json, environments aside, or the construct tests check other templates
// than the ones deployed. After changing a flag in cdk.json, change it in testenv/featureflags.json.
func TestConstructTestContext(t *testing.T) {
	want, err := cdkjson.Load("../cdk.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	delete(want, "environments")
	got := testenv.Context()
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		w, inCdkJSON := want[k]
		g, inTestenv := got[k]
		switch {
		case !inTestenv:
			t.Errorf("%s: %v in cdk.json, missing from testenv/featureflags.json", k, w)
		case !inCdkJSON:
			t.Errorf("%s: %v in testenv's context, missing from cdk.json", k, g)
		case !reflect.DeepEqual(w, g):
			t.Errorf("%s: %v in cdk.json, %v in testenv's context", k, w, g)
		}
	}
	if len(want) < 50 {
		t.Fatalf("cdk.json has only %d context keys: the read is broken", len(want))
	}
}
