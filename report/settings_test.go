package report

import "testing"

func TestTemplateSettings(t *testing.T) {
	prod := envOf(t, "prod",
		"Network", `{"Metadata": {"okiagari": {"environment": "prod", "production": true, "minPeakAfterAzLossPercent": 80}}, "Resources": {}}`)
	dev := envOf(t, "dev",
		"Network", `{"Metadata": {"okiagari": {"environment": "dev", "production": false}}, "Resources": {}}`)
	other := envOf(t, "app", "Foreign", `{"Resources": {}}`)
	settings := TemplateSettings(&Assembly{Environments: []*Environment{prod, dev, other}})
	for _, tc := range []struct {
		env  string
		prod bool
		min  int
	}{{"prod", true, 80}, {"dev", false, 100}, {"app", false, 100}, {"unknown", false, 100}} {
		p, th := settings(tc.env)
		if p != tc.prod || th.MinPeakAfterAZLossPercent != tc.min {
			t.Errorf("%s: production %v, threshold %d; want %v, %d", tc.env, p, th.MinPeakAfterAZLossPercent, tc.prod, tc.min)
		}
	}
}
