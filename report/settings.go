package report

import "encoding/json"

// StackSettings is what okiagari's stacks record in their template's Metadata under "okiagari",
// so that the report gates an environment from its templates alone.
type StackSettings struct {
	Environment string `json:"environment"`
	Production  bool   `json:"production"`
	Thresholds
}

// MetadataKey is the key of okiagari's metadata, in templates and on resources.
const MetadataKey = "okiagari"

// TemplateSettings returns Settings read from the assembly's templates: an environment is
// production, with the recorded thresholds, when one of its stacks says so. An environment
// whose templates record nothing (a stack from elsewhere) is not production and gets
// DefaultThresholds.
func TemplateSettings(a *Assembly) Settings {
	found := map[string]StackSettings{}
	for _, env := range a.Environments {
		for _, st := range env.Stacks {
			raw, ok := st.Template.Metadata[MetadataKey]
			if !ok {
				continue
			}
			s := StackSettings{Thresholds: DefaultThresholds()}
			if json.Unmarshal(raw, &s) == nil {
				found[env.Name] = s
			}
		}
	}
	return func(env string) (bool, Thresholds) {
		s, ok := found[env]
		if !ok {
			return false, DefaultThresholds()
		}
		return s.Production, s.Thresholds
	}
}
