package cdkjson

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cdk.json")
	os.WriteFile(path, []byte(`{"app": "x", "versionReporting": false, "context": {"flag": true, "env": "dev"}}`), 0o644)
	ctx, err := Load(path, map[string]any{"env": "prod"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"flag": true, "env": "prod", // -c overrides cdk.json, as with the CLI
		"aws:cdk:enable-path-metadata":              true,
		"aws:cdk:enable-asset-metadata":             true,
		"aws:cdk:bundling-stacks":                   []any{"**"},
		"@aws-cdk/core:failSynthOnValidationErrors": false,
		"aws:cdk:disable-version-reporting":         true,
	}
	if !reflect.DeepEqual(ctx, want) {
		t.Errorf("got %v\nwant %v", ctx, want)
	}
	if _, err := Load(filepath.Join(dir, "missing.json"), nil); err == nil {
		t.Error("no error for a missing file")
	}
	os.WriteFile(path, []byte(`{`), 0o644)
	if _, err := Load(path, nil); err == nil {
		t.Error("no error for broken JSON")
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "cdk.json"), []byte(`{}`), 0o644)
	deep := filepath.Join(root, "a", "b")
	os.MkdirAll(deep, 0o755)
	got, err := Find(deep)
	if err != nil || got != filepath.Join(root, "cdk.json") {
		t.Errorf("Find = %q, %v", got, err)
	}
}
