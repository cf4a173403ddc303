package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Annotations returns the error and warning annotations of every stack in the cloud assembly in
// dir, one "path: message" line each. app.Synth() does not fail on error annotations (cdk-nag's
// findings among them; DESIGN.md, known traps), so the app reads them itself, from the
// assembly's JSON rather than through jsii, where every stack, message and message field would be
// a round trip into the CDK.
func Annotations(dir string) (errs, warnings []string, err error) {
	var walk func(dir string) error
	walk = func(dir string) error {
		var m struct {
			Artifacts map[string]struct {
				Type       string `json:"type"`
				Properties struct {
					DirectoryName string `json:"directoryName"`
				} `json:"properties"`
				Metadata               map[string][]metadataEntry `json:"metadata"`
				AdditionalMetadataFile string                     `json:"additionalMetadataFile"`
			} `json:"artifacts"`
		}
		if err := readJSON(filepath.Join(dir, "manifest.json"), &m); err != nil {
			return err
		}
		for _, id := range sortedKeys(m.Artifacts) {
			a := m.Artifacts[id]
			switch a.Type {
			case "cdk:cloud-assembly":
				if err := walk(filepath.Join(dir, a.Properties.DirectoryName)); err != nil {
					return err
				}
			case "aws:cloudformation:stack":
				md := a.Metadata
				if a.AdditionalMetadataFile != "" {
					if err := readJSON(filepath.Join(dir, a.AdditionalMetadataFile), &md); err != nil {
						return err
					}
				}
				for _, path := range sortedKeys(md) {
					for _, e := range md[path] {
						line := fmt.Sprintf("%s: %s", path, e.message())
						switch e.Type {
						case "aws:cdk:error":
							errs = append(errs, line)
						case "aws:cdk:warning":
							warnings = append(warnings, line)
						}
					}
				}
			}
		}
		return nil
	}
	if err := walk(dir); err != nil {
		return nil, nil, fmt.Errorf("read the cloud assembly's annotations: %w", err)
	}
	return errs, warnings, nil
}

// metadataEntry is one entry of a stack's construct metadata in the cloud assembly.
type metadataEntry struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// message is the entry's text: a string, or the data as JSON.
func (e metadataEntry) message() string {
	if s, ok := e.Data.(string); ok {
		return strings.TrimSpace(s)
	}
	b, _ := json.Marshal(e.Data)
	return string(b)
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}
