package scaling

import (
	"strings"
	"time"

	appscaling "github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/check"
)

// PredictiveMetric is a predefined metric pair of predictive scaling for an ECS service: a load
// metric the forecast is made of and the scaling metric whose Target sets the capacity.
type PredictiveMetric string

// The metric pairs of predictive scaling for ECS services (Application Auto Scaling API
// Reference: PredictiveScalingPredefinedMetricPairSpecification).
const (
	// PredictCpu forecasts the service's total CPU and holds its average CPU utilisation.
	PredictCpu PredictiveMetric = "ECSServiceCPUUtilization"
	// PredictMemory forecasts the service's total memory and holds its average memory
	// utilisation.
	PredictMemory PredictiveMetric = "ECSServiceMemoryUtilization"
	// PredictRequestCount forecasts a target group's requests and holds requests per task per
	// minute. It reads one target group (PredictiveProps.TargetGroup).
	PredictRequestCount PredictiveMetric = "ALBRequestCount"
)

// PredictiveMetrics lists the metric pairs PredictiveProps.Metric accepts.
var PredictiveMetrics = []PredictiveMetric{PredictCpu, PredictMemory, PredictRequestCount}

// PredictiveMode says whether the forecast only is made or also acted on.
type PredictiveMode string

const (
	// ForecastOnly makes the forecast, to be looked at, and changes nothing.
	ForecastOnly PredictiveMode = "ForecastOnly"
	// ForecastAndScale raises the capacity ahead of the forecast load.
	ForecastAndScale PredictiveMode = "ForecastAndScale"
)

// PredictiveModes lists the modes PredictiveProps.Mode accepts.
var PredictiveModes = []PredictiveMode{ForecastOnly, ForecastAndScale}

// MaxCapacityBreach is what predictive scaling does when the forecast capacity reaches the
// target's maximum.
type MaxCapacityBreach string

const (
	// HonorMaxCapacity never scales above the maximum.
	HonorMaxCapacity MaxCapacityBreach = "HonorMaxCapacity"
	// IncreaseMaxCapacity raises the maximum to the forecast plus MaxCapacityBuffer percent.
	IncreaseMaxCapacity MaxCapacityBreach = "IncreaseMaxCapacity"
)

// MaxCapacityBreaches lists the behaviours PredictiveProps.MaxCapacityBreach accepts.
var MaxCapacityBreaches = []MaxCapacityBreach{HonorMaxCapacity, IncreaseMaxCapacity}

// Defaults of predictive scaling: forecast only, since a forecast needs at least 24 hours of the
// service's metrics and should be compared with the real load before it acts; the task count
// raised 5 minutes before the forecast load, AWS's default scheduling buffer, about the time a
// task takes to start and pass its health checks.
const (
	DefaultPredictiveMode   = ForecastOnly
	DefaultSchedulingBuffer = 300 * time.Second
	// MaxSchedulingBuffer is the forecast interval; the buffer must be shorter.
	MaxSchedulingBuffer = time.Hour
)

// PredictiveProps configures Predict.
type PredictiveProps struct {
	// Metric is the metric pair, one of PredictiveMetrics. Default: PredictCpu.
	Metric PredictiveMetric
	// Target is the scaling metric's value to hold: a utilisation percentage (1–100) for
	// PredictCpu and PredictMemory, requests per task per minute (> 0) for PredictRequestCount.
	// Default: 70 % for PredictCpu and PredictMemory (DefaultTargetPercent); required for
	// PredictRequestCount.
	Target *float64
	// TargetGroup is the target group whose requests PredictRequestCount forecasts; it must be
	// attached to a load balancer. Default: none; required with PredictRequestCount and not
	// allowed with the others.
	TargetGroup elbv2.ApplicationTargetGroup
	// Mode is ForecastOnly or ForecastAndScale. Default: ForecastOnly.
	Mode PredictiveMode
	// SchedulingBuffer is how long before the forecast load the capacity is raised, whole
	// seconds, 0 to less than an hour. Default: 300 s.
	SchedulingBuffer *time.Duration
	// MaxCapacityBreach is HonorMaxCapacity or IncreaseMaxCapacity. Default: HonorMaxCapacity,
	// the maximum holds.
	MaxCapacityBreach MaxCapacityBreach
	// MaxCapacityBuffer is how far above the forecast, in percent (0–100), IncreaseMaxCapacity
	// may raise the maximum. Default: none; required with IncreaseMaxCapacity and not allowed
	// with HonorMaxCapacity.
	MaxCapacityBuffer *float64
}

func (p PredictiveProps) withDefaults() PredictiveProps {
	if p.Metric == "" {
		p.Metric = PredictCpu
	}
	if p.Target == nil && p.Metric != PredictRequestCount {
		p.Target = ptr(DefaultTargetPercent)
	}
	if p.Mode == "" {
		p.Mode = DefaultPredictiveMode
	}
	if p.SchedulingBuffer == nil {
		p.SchedulingBuffer = ptr(DefaultSchedulingBuffer)
	}
	if p.MaxCapacityBreach == "" {
		p.MaxCapacityBreach = HonorMaxCapacity
	}
	return p
}

// ValidatePredictive records the problems of p, naming its fields after prefix ("Predictive.").
// The target group is checked by Predict itself; hasTargetGroup says whether the caller has one
// to give.
func ValidatePredictive(c *check.Problems, prefix string, props PredictiveProps, hasTargetGroup bool) {
	p := props.withDefaults()
	switch p.Metric {
	case PredictCpu, PredictMemory:
		c.Range(prefix+"Target", *p.Target, 1, 100)
		if hasTargetGroup {
			c.Addf("%sTargetGroup applies to %s only; %s reads the service's own metrics", prefix, PredictRequestCount, p.Metric)
		}
	case PredictRequestCount:
		switch {
		case p.Target == nil:
			c.Addf("%sTarget (requests per task per minute) must be set for %s", prefix, PredictRequestCount)
		case *p.Target <= 0:
			c.Addf("%sTarget must be > 0 requests per task per minute, got %g", prefix, *p.Target)
		}
		if !hasTargetGroup {
			c.Addf("%sTargetGroup must be set for %s: the requests of which target group to forecast", prefix, PredictRequestCount)
		}
	default:
		c.Addf("%sMetric %q is not a predictive metric pair for ECS services; allowed: %s", prefix, p.Metric, join(PredictiveMetrics))
	}
	if p.Mode != ForecastOnly && p.Mode != ForecastAndScale {
		c.Addf("%sMode %q is not a predictive scaling mode; allowed: %s", prefix, p.Mode, join(PredictiveModes))
	}
	if b := *p.SchedulingBuffer; b < 0 || b >= MaxSchedulingBuffer || b%time.Second != 0 {
		c.Addf("%sSchedulingBuffer must be whole seconds from 0s to less than 3600s (the forecast interval), got %s", prefix, Seconds(b))
	}
	switch p.MaxCapacityBreach {
	case HonorMaxCapacity:
		if p.MaxCapacityBuffer != nil {
			c.Addf("%sMaxCapacityBuffer applies to %s only, got %g with %s", prefix, IncreaseMaxCapacity, *p.MaxCapacityBuffer, HonorMaxCapacity)
		}
	case IncreaseMaxCapacity:
		if p.MaxCapacityBuffer == nil {
			c.Addf("%sMaxCapacityBuffer (0–100 %% above the forecast) must be set with %s", prefix, IncreaseMaxCapacity)
		} else {
			c.Range(prefix+"MaxCapacityBuffer", *p.MaxCapacityBuffer, 0, 100)
		}
	default:
		c.Addf("%sMaxCapacityBreach %q is not a max-capacity behaviour; allowed: %s", prefix, p.MaxCapacityBreach, join(MaxCapacityBreaches))
	}
}

// Predict adds a predictive scaling policy (PolicyType PredictiveScaling, the L1 policy: CDK's L2
// has none for Application Auto Scaling). Predictive scaling forecasts the load of the next 48
// hours from up to 14 days of history, hourly, and needs at least 24 hours of it; in
// ForecastAndScale mode it raises the capacity ahead of the forecast and leaves lowering it to
// the target's other policies. It returns an error, and creates nothing, when props are invalid.
func Predict(target appscaling.ScalableTarget, id *string, props *PredictiveProps) (appscaling.CfnScalingPolicy, error) {
	var p PredictiveProps
	if props != nil {
		p = *props
	}
	p = p.withDefaults()
	c := check.For("scaling", target, *id)
	ValidatePredictive(c, "", p, p.TargetGroup != nil)
	if err := c.Err(); err != nil {
		return nil, err
	}
	pair := &appscaling.CfnScalingPolicy_PredictiveScalingPredefinedMetricPairProperty{
		PredefinedMetricType: jsii.String(string(p.Metric)),
	}
	if p.Metric == PredictRequestCount {
		pair.ResourceLabel = jsii.String(*p.TargetGroup.FirstLoadBalancerFullName() + "/" + *p.TargetGroup.TargetGroupFullName())
	}
	config := &appscaling.CfnScalingPolicy_PredictiveScalingPolicyConfigurationProperty{
		MetricSpecifications: []any{&appscaling.CfnScalingPolicy_PredictiveScalingMetricSpecificationProperty{
			TargetValue:                       p.Target,
			PredefinedMetricPairSpecification: pair,
		}},
		Mode:                      jsii.String(string(p.Mode)),
		SchedulingBufferTime:      jsii.Number(p.SchedulingBuffer.Seconds()),
		MaxCapacityBreachBehavior: jsii.String(string(p.MaxCapacityBreach)),
		MaxCapacityBuffer:         p.MaxCapacityBuffer,
	}
	return appscaling.NewCfnScalingPolicy(target, id, &appscaling.CfnScalingPolicyProps{
		PolicyName:                           jsii.String(policyName(target, *id)),
		PolicyType:                           jsii.String("PredictiveScaling"),
		ScalingTargetId:                      target.ScalableTargetId(),
		PredictiveScalingPolicyConfiguration: config,
	}), nil
}

func join[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
