package stacks

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/registry"
	"github.com/okiagari/okiagari/constructs/scaling"
)

// Conversions from config values (whole seconds, day counts) to construct props. nil stays nil:
// the construct's default applies.

func seconds(s *int) *time.Duration {
	if s == nil {
		return nil
	}
	d := time.Duration(*s) * time.Second
	return &d
}

func minutes(m *int) *time.Duration {
	if m == nil {
		return nil
	}
	d := time.Duration(*m) * time.Minute
	return &d
}

// retention converts a day count; config.Load has validated it, and nil means the default.
func retention(days *int) awslogs.RetentionDays {
	if days == nil {
		return ""
	}
	r, _ := config.Retention(*days)
	return r
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}

// durationOf converts seconds that may have a fraction ("p99ResponseTimeSeconds": 1.5).
func durationOf(seconds float64) time.Duration {
	return time.Duration(seconds * float64(time.Second))
}

// constructID is the construct ID of a named service or host ("web-api" → "WebApi"). It names
// the resources' logical IDs, so it must never change for an existing name.
func constructID(name string) string {
	return registry.ConstructID(name)
}

// customMetrics is one metric the application publishes, for scaling.TrackMetricMath without an
// expression.
func customMetrics(namespace, name string, dims map[string]string, statistic string) map[string]scaling.Stat {
	dm := map[string]*string{}
	for k, v := range dims {
		dm[k] = jsii.String(v)
	}
	return map[string]scaling.Stat{"m": {Namespace: namespace, MetricName: name, Dimensions: dm, Statistic: statistic}}
}

// providerName resolves the config's "EC2" to the platform's EC2 capacity provider name.
func providerName(name string, platform *Platform) string {
	if name == config.EC2Provider {
		return platform.Ec2ProviderName
	}
	return name
}

// strategy converts a config strategy; the web service and worker props both take
// capacity.Provider.
func strategy(in []config.CapacityProvider, platform *Platform) []capacity.Provider {
	var out []capacity.Provider
	for _, cp := range in {
		out = append(out, capacity.Provider{Name: providerName(cp.Name, platform), Base: cp.Base, Weight: cp.Weight})
	}
	return out
}
