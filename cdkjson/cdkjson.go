// Package cdkjson reads the context of a cdk.json file the way the CDK CLI passes it to an app,
// so that a Go program run without the CLI (go run ./bin, go test) synthesizes exactly the
// templates that `npx cdk synth` would.
package cdkjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// cliContext is what the CDK CLI (2.1148) adds to the cdk.json context when it runs the app,
// read off CDK_CONTEXT_JSON. The feature flags and the environments come from cdk.json itself.
var cliContext = map[string]any{
	"aws:cdk:enable-path-metadata":              true,
	"aws:cdk:enable-asset-metadata":             true,
	"aws:cdk:bundling-stacks":                   []any{"**"},
	"@aws-cdk/core:failSynthOnValidationErrors": false,
}

// File is the part of cdk.json that changes what an app synthesizes.
type File struct {
	App              string         `json:"app"`
	Context          map[string]any `json:"context"`
	VersionReporting *bool          `json:"versionReporting"`
}

// Load reads the cdk.json at path and returns the context the CLI would pass to the app:
// cdk.json's context plus the CLI's own keys. extra (from -c key=value) is laid over it.
func Load(path string, extra map[string]any) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ctx := map[string]any{}
	for k, v := range f.Context {
		ctx[k] = v
	}
	for k, v := range cliContext {
		ctx[k] = v
	}
	if f.VersionReporting != nil && !*f.VersionReporting {
		ctx["aws:cdk:disable-version-reporting"] = true
	}
	for k, v := range extra {
		ctx[k] = v
	}
	return ctx, nil
}

// Find returns the path of the nearest cdk.json in dir or one of its parents, so that a test
// in any package loads the project's context.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "cdk.json")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no cdk.json in this directory or any parent")
		}
		dir = parent
	}
}
