package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Assembly is a cloud assembly read from disk: its environments, each with its stacks'
// templates.
type Assembly struct {
	// Dir is the directory the assembly was read from.
	Dir string
	// Environments are the assembly's environments in manifest order: one per nested stage
	// assembly ("prod"), plus one named "app" for stacks defined outside any stage.
	Environments []*Environment
}

// Environment is the set of stacks of one stage ("prod": prod/Network, prod/Platform ...).
type Environment struct {
	// Name is the stage's display name ("prod").
	Name string
	// Stacks are the stage's stacks in manifest (deployment) order.
	Stacks []*Stack
	// all holds every stack of the assembly, for references that leave the environment.
	all []*Stack
}

// Stack is one CloudFormation stack of an environment.
type Stack struct {
	// Name is the stack's display name, its construct path ("prod/Services").
	Name string
	// StackName is the CloudFormation stack name ("prod-Services").
	StackName string
	// Account and Region come from the artifact's environment (aws://account/region).
	Account, Region string
	// TemplateFile is the template's path relative to the assembly directory.
	TemplateFile string
	// Template is the parsed template.
	Template *Template
}

// Template is the part of a CloudFormation template the report reads.
type Template struct {
	// Metadata is the template's own Metadata section; okiagari's stacks record their
	// environment's gating settings under "okiagari" (see TemplateSettings).
	Metadata   map[string]json.RawMessage `json:"Metadata"`
	Parameters map[string]Parameter       `json:"Parameters"`
	Resources  map[string]Resource        `json:"Resources"`
	Outputs    map[string]Output          `json:"Outputs"`
}

// Parameter is a template parameter; only its default is used.
type Parameter struct {
	Type    string `json:"Type"`
	Default any    `json:"Default"`
}

// Resource is a template resource.
type Resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	Metadata   map[string]any `json:"Metadata"`
	// UpdatePolicy is the resource's CloudFormation update policy (an Auto Scaling group's
	// rolling update decides whether a deploy replaces its instances).
	UpdatePolicy map[string]any `json:"UpdatePolicy"`
}

// Output is a template output, optionally exported.
type Output struct {
	Value  any `json:"Value"`
	Export *struct {
		Name any `json:"Name"`
	} `json:"Export"`
}

// ParseTemplate parses a CloudFormation template in JSON.
func ParseTemplate(data []byte) (*Template, error) {
	var t Template
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

type artifact struct {
	ID          string
	Type        string `json:"type"`
	Environment string `json:"environment"`
	DisplayName string `json:"displayName"`
	Properties  struct {
		DirectoryName string `json:"directoryName"`
		DisplayName   string `json:"displayName"`
		TemplateFile  string `json:"templateFile"`
		StackName     string `json:"stackName"`
	} `json:"properties"`
}

// artifacts keeps the manifest's artifacts in file order (a Go map would lose it).
type artifacts []artifact

func (a *artifacts) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var art artifact
		if err := dec.Decode(&art); err != nil {
			return err
		}
		art.ID, _ = tok.(string)
		*a = append(*a, art)
	}
	return nil
}

type manifest struct {
	Artifacts artifacts `json:"artifacts"`
}

// Load reads the cloud assembly in cdkOut: manifest.json, the nested stage assemblies it lists
// (type cdk:cloud-assembly) and the template of every stack (type aws:cloudformation:stack).
func Load(cdkOut string) (*Assembly, error) {
	a := &Assembly{Dir: cdkOut}
	root := &Environment{Name: "app"}
	if err := a.load(cdkOut, "", root); err != nil {
		return nil, err
	}
	envs := append([]*Environment{root}, a.Environments...)
	a.Environments = a.Environments[:0]
	var all []*Stack
	for _, e := range envs {
		if len(e.Stacks) > 0 { // a stage holding only nested stages is not an environment
			a.Environments = append(a.Environments, e)
			all = append(all, e.Stacks...)
		}
	}
	for _, e := range a.Environments {
		e.all = all
	}
	return a, nil
}

func (a *Assembly) load(dir, rel string, env *Environment) error {
	path := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("report: read cloud assembly: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	for _, art := range m.Artifacts {
		switch art.Type {
		case "cdk:cloud-assembly":
			sub := art.Properties.DirectoryName
			if sub == "" {
				return fmt.Errorf("report: %s: artifact %q has no properties.directoryName", path, art.ID)
			}
			name := art.Properties.DisplayName
			if name == "" {
				name = art.DisplayName
			}
			if name == "" {
				name = strings.TrimPrefix(sub, "assembly-")
			}
			child := &Environment{Name: name}
			a.Environments = append(a.Environments, child)
			if err := a.load(filepath.Join(dir, sub), filepath.Join(rel, sub), child); err != nil {
				return err
			}
		case "aws:cloudformation:stack":
			file := art.Properties.TemplateFile
			if file == "" {
				return fmt.Errorf("report: %s: stack %q has no properties.templateFile", path, art.ID)
			}
			tdata, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				return fmt.Errorf("report: stack %q: %w", art.ID, err)
			}
			t, err := ParseTemplate(tdata)
			if err != nil {
				return fmt.Errorf("report: %s: %w", filepath.Join(dir, file), err)
			}
			st := &Stack{
				Name:         art.DisplayName,
				StackName:    art.Properties.StackName,
				TemplateFile: filepath.Join(rel, file),
				Template:     t,
			}
			if st.Name == "" {
				st.Name = art.ID
			}
			if st.StackName == "" {
				st.StackName = art.ID
			}
			if rest, ok := strings.CutPrefix(art.Environment, "aws://"); ok {
				st.Account, st.Region, _ = strings.Cut(rest, "/")
			}
			env.Stacks = append(env.Stacks, st)
		}
	}
	return nil
}

// Environment returns the environment with the given name, or nil.
func (a *Assembly) Environment(name string) *Environment {
	for _, e := range a.Environments {
		if e.Name == name {
			return e
		}
	}
	return nil
}
