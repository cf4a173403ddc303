package scaling

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"
	// Embeds the IANA time-zone database so that time zones validate the same on every machine.
	_ "time/tzdata"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	appscaling "github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/check"
)

// Defaults of target tracking (SOURCES.md, report 1): hold 70 % so a burst has 30 % headroom
// while new tasks start; scale out after 60 s, scale in only after 300 s, so capacity comes
// quickly and leaves slowly.
const (
	DefaultTargetPercent    = 70.0
	DefaultScaleOutCooldown = 60 * time.Second
	DefaultScaleInCooldown  = 300 * time.Second
)

// Metric-math expressions over the metrics of ServiceUtilization.
const (
	// MaxCpuMemory tracks whichever of CPU and memory is busier: a memory-bound service scales on
	// memory, a CPU-bound one on CPU.
	MaxCpuMemory = "MAX([cpu,mem])"
	// MeanCpuMemory tracks the average of CPU and memory utilisation.
	MeanCpuMemory = "(cpu+mem)/2"
)

// ServiceTargetProps configures NewServiceTarget.
type ServiceTargetProps struct {
	// MinCapacity is the fewest tasks scaling may leave running, 0 or more. Default: 0.
	MinCapacity int
	// MaxCapacity is the most tasks scaling may run, at least 1 and at least MinCapacity.
	// Default: none, required.
	MaxCapacity int
}

// NewServiceTarget registers the desired task count of an ECS service as a scalable target. It
// uses the ECS service-linked role for Application Auto Scaling, as CDK's autoScaleTaskCount does,
// so no IAM role is created. It returns an error, and creates nothing, when props are invalid.
func NewServiceTarget(scope constructs.Construct, id *string, service awsecs.IBaseService, props *ServiceTargetProps) (appscaling.ScalableTarget, error) {
	p := ServiceTargetProps{}
	if props != nil {
		p = *props
	}
	c := check.For("scaling", scope, *id)
	if service == nil {
		c.Addf("service must be set")
	}
	if p.MinCapacity < 0 {
		c.Addf("MinCapacity must be >= 0, got %d", p.MinCapacity)
	}
	if p.MaxCapacity < 1 {
		c.Addf("MaxCapacity must be >= 1, got %d", p.MaxCapacity)
	} else if p.MinCapacity > p.MaxCapacity {
		c.Addf("MinCapacity %d must be <= MaxCapacity %d", p.MinCapacity, p.MaxCapacity)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	// The ECS service-linked role, as CDK's autoScaleTaskCount uses; an imported role creates no
	// resource. Without it ScalableTarget would create an IAM role of its own.
	role := awsiam.Role_FromRoleArn(scope, jsii.String(*id+"ServiceLinkedRole"), awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{
		Region:       jsii.String(""),
		Service:      jsii.String("iam"),
		Resource:     jsii.String("role/aws-service-role/ecs.application-autoscaling.amazonaws.com"),
		ResourceName: jsii.String("AWSServiceRoleForApplicationAutoScaling_ECSService"),
	}), nil)
	cluster, name := serviceNames(service)
	target := appscaling.NewScalableTarget(scope, id, &appscaling.ScalableTargetProps{
		ServiceNamespace:  appscaling.ServiceNamespace_ECS,
		ScalableDimension: jsii.String("ecs:service:DesiredCount"),
		ResourceId:        jsii.String(fmt.Sprintf("service/%s/%s", *cluster, *name)),
		MinCapacity:       jsii.Number(float64(p.MinCapacity)),
		MaxCapacity:       jsii.Number(float64(p.MaxCapacity)),
		Role:              role,
	})
	return target, nil
}

// Stat is a CloudWatch metric and statistic written out in Go. Target tracking's L1 policy takes
// it as it is, so nothing is read back from the CDK (an awscloudwatch.Metric would be read field
// by field, one jsii round trip each); Metric turns it into an awscloudwatch.Metric for alarms.
type Stat struct {
	// Namespace is the metric's namespace, e.g. "AWS/ECS". Default: none, required.
	Namespace string
	// MetricName is the metric's name, e.g. "CPUUtilization". Default: none, required.
	MetricName string
	// Dimensions are the metric's dimensions by name; values may be tokens (a cluster name).
	// Default: none.
	Dimensions map[string]*string
	// Statistic is "Average", "Sum", "Maximum", "Minimum", "SampleCount" or a percentile
	// ("p99"). Default: "Average".
	Statistic string
	// Unit filters the datapoints by unit. Default: none, every datapoint.
	Unit awscloudwatch.Unit
}

func (s Stat) statistic() string {
	if s.Statistic == "" {
		return "Average"
	}
	return s.Statistic
}

// Metric returns the stat over one-minute periods, for an alarm or a step policy.
func (s Stat) Metric() awscloudwatch.Metric {
	props := &awscloudwatch.MetricProps{
		Namespace:  jsii.String(s.Namespace),
		MetricName: jsii.String(s.MetricName),
		Statistic:  jsii.String(s.statistic()),
		Period:     check.Minutes(1),
	}
	if len(s.Dimensions) > 0 {
		dims := s.Dimensions
		props.DimensionsMap = &dims
	}
	if s.Unit != "" {
		props.Unit = s.Unit
	}
	return awscloudwatch.NewMetric(props)
}

// ServiceStat is one of an ECS service's metrics in the AWS/ECS namespace ("CPUUtilization",
// "MemoryUtilization"), averaged over one minute: ECS publishes them every minute and scaling
// should see every datapoint. Make each once per service and reuse it: it reads the service's
// cluster and name from the CDK.
func ServiceStat(service awsecs.IBaseService, name string) Stat {
	return Stat{Namespace: "AWS/ECS", MetricName: name, Dimensions: serviceDimensions(service)}
}

// names holds each service's cluster and service name, read from the CDK once (jsii hands out one
// Go value per CDK object, so the service itself is the key).
var names = map[awsecs.IBaseService][2]*string{}

func serviceNames(service awsecs.IBaseService) (cluster, name *string) {
	n, ok := names[service]
	if !ok {
		n = [2]*string{service.Cluster().ClusterName(), service.ServiceName()}
		names[service] = n
	}
	return n[0], n[1]
}

func serviceDimensions(service awsecs.IBaseService) map[string]*string {
	cluster, name := serviceNames(service)
	return map[string]*string{"ClusterName": cluster, "ServiceName": name}
}

// ServiceMetric is ServiceStat as an awscloudwatch.Metric.
func ServiceMetric(service awsecs.IBaseService, name string) awscloudwatch.Metric {
	return ServiceStat(service, name).Metric()
}

// ServiceUtilization returns the service's CPU and memory utilisation keyed "cpu" and "mem", for
// TrackMetricMath with MaxCpuMemory or MeanCpuMemory.
func ServiceUtilization(service awsecs.IBaseService) map[string]Stat {
	dims := serviceDimensions(service) // shared: a Stat's dimensions are only read
	return map[string]Stat{
		"cpu": {Namespace: "AWS/ECS", MetricName: "CPUUtilization", Dimensions: dims},
		"mem": {Namespace: "AWS/ECS", MetricName: "MemoryUtilization", Dimensions: dims},
	}
}

// TrackingProps configures target tracking on a predefined metric.
type TrackingProps struct {
	// Target is the value to hold: a utilisation percentage (1–100) for TrackCpu and TrackMemory,
	// requests per task per minute (> 0) for TrackRequestCount. Default: 70 % for TrackCpu and
	// TrackMemory; required for TrackRequestCount.
	Target *float64
	// ScaleOutCooldown is how long after a scale-out before another scale-out, whole seconds >= 0.
	// Default: 60 s, so a burst is answered within minutes.
	ScaleOutCooldown *time.Duration
	// ScaleInCooldown is how long after a scale-in before another scale-in, whole seconds >= 0.
	// Default: 300 s, so capacity is not removed while a burst may return.
	ScaleInCooldown *time.Duration
	// DisableScaleIn stops this policy from removing tasks (another policy or a schedule does).
	// Application Auto Scaling scales in only when every target-tracking policy of the target
	// is ready to, so a policy whose metric does not fall as tasks are added holds the count up
	// for good. Default: false for TrackCpu and TrackRequestCount; true for TrackMemory, since
	// a task's memory (a cache, a JVM heap) seldom falls when tasks are added.
	DisableScaleIn *bool
	// HighResolution tracks the 20-second metric (ECSServiceAverageCPUUtilizationHighResolution,
	// ECSServiceAverageMemoryUtilizationHighResolution) instead of the one-minute one, for
	// TrackCpu and TrackMemory; the service must publish it at 20 seconds (its Monitoring
	// configuration, see HighResolutionMonitoring). Default: false.
	HighResolution *bool
}

func (t TrackingProps) withDefaults(target *float64) TrackingProps {
	if t.Target == nil {
		t.Target = target
	}
	if t.ScaleOutCooldown == nil {
		t.ScaleOutCooldown = ptr(DefaultScaleOutCooldown)
	}
	if t.ScaleInCooldown == nil {
		t.ScaleInCooldown = ptr(DefaultScaleInCooldown)
	}
	if t.DisableScaleIn == nil {
		t.DisableScaleIn = jsii.Bool(false)
	}
	if t.HighResolution == nil {
		t.HighResolution = jsii.Bool(false)
	}
	return t
}

// TrackCpu keeps the service's average CPU utilisation at props.Target.
func TrackCpu(target appscaling.ScalableTarget, id *string, props *TrackingProps) (appscaling.TargetTrackingScalingPolicy, error) {
	return trackPredefined(target, id, props, appscaling.PredefinedMetric_ECS_SERVICE_AVERAGE_CPU_UTILIZATION, nil)
}

// TrackMemory keeps the service's average memory utilisation at props.Target. It only scales
// out unless props.DisableScaleIn is false: memory per task seldom falls as tasks are added, and
// a policy that never agrees to scale in keeps the service at its highest count.
func TrackMemory(target appscaling.ScalableTarget, id *string, props *TrackingProps) (appscaling.TargetTrackingScalingPolicy, error) {
	var p TrackingProps
	if props != nil {
		p = *props
	}
	if p.DisableScaleIn == nil {
		p.DisableScaleIn = jsii.Bool(true)
	}
	return trackPredefined(target, id, &p, appscaling.PredefinedMetric_ECS_SERVICE_AVERAGE_MEMORY_UTILIZATION, nil)
}

// The 20-second predefined metrics of target tracking for ECS services, which CDK 2.270's
// PredefinedMetric enum does not list (Amazon ECS Developer Guide: Faster auto scaling with
// high-resolution metrics).
const (
	CpuHighResolution    = "ECSServiceAverageCPUUtilizationHighResolution"
	MemoryHighResolution = "ECSServiceAverageMemoryUtilizationHighResolution"
)

// HighResolutionMonitoring is the Monitoring property of an AWS::ECS::Service that publishes its
// CPUUtilization and MemoryUtilization at 20-second resolution, for target tracking with
// TrackingProps.HighResolution: set it on the service's CfnService (SetMonitoring).
func HighResolutionMonitoring() *awsecs.CfnService_MonitoringConfigurationProperty {
	return &awsecs.CfnService_MonitoringConfigurationProperty{
		MetricConfigurations: []any{&awsecs.CfnService_MetricConfigurationProperty{
			MetricNames:       jsii.Strings("CPUUtilization", "MemoryUtilization"),
			ResolutionSeconds: jsii.Number(20),
		}},
	}
}

// TrackRequestCount keeps the ALB requests per task per minute at props.Target. The target group
// must already be attached to a load balancer.
func TrackRequestCount(target appscaling.ScalableTarget, id *string, targetGroup elbv2.ApplicationTargetGroup, props *TrackingProps) (appscaling.TargetTrackingScalingPolicy, error) {
	if targetGroup == nil {
		c := check.For("scaling", target, *id)
		c.Addf("targetGroup must be set")
		return nil, c.Err()
	}
	return trackPredefined(target, id, props, appscaling.PredefinedMetric_ALB_REQUEST_COUNT_PER_TARGET, targetGroup)
}

func trackPredefined(target appscaling.ScalableTarget, id *string, props *TrackingProps, metric appscaling.PredefinedMetric, tg elbv2.ApplicationTargetGroup) (appscaling.TargetTrackingScalingPolicy, error) {
	var p TrackingProps
	if props != nil {
		p = *props
	}
	c := check.For("scaling", target, *id)
	if tg == nil {
		p = p.withDefaults(ptr(DefaultTargetPercent))
		c.Range("Target", *p.Target, 1, 100)
	} else {
		p = p.withDefaults(nil)
		switch {
		case p.Target == nil:
			c.Addf("Target (requests per task per minute) must be set for request-count tracking")
		case *p.Target <= 0:
			c.Addf("Target must be > 0 requests per task per minute, got %g", *p.Target)
		}
	}
	cooldowns(c, p.ScaleOutCooldown, p.ScaleInCooldown)
	if tg != nil && *p.HighResolution {
		c.Addf("HighResolution applies to CPU and memory tracking only; ALB request counts are one-minute metrics")
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	var label *string
	if tg != nil {
		label = jsii.String(*tg.FirstLoadBalancerFullName() + "/" + *tg.TargetGroupFullName())
	}
	policy := target.ScaleToTrackMetric(id, &appscaling.BasicTargetTrackingScalingPolicyProps{
		TargetValue:      p.Target,
		PredefinedMetric: metric,
		ResourceLabel:    label,
		ScaleOutCooldown: seconds(*p.ScaleOutCooldown),
		ScaleInCooldown:  seconds(*p.ScaleInCooldown),
		DisableScaleIn:   p.DisableScaleIn,
	})
	if *p.HighResolution {
		hr := CpuHighResolution
		if metric == appscaling.PredefinedMetric_ECS_SERVICE_AVERAGE_MEMORY_UTILIZATION {
			hr = MemoryHighResolution
		}
		policy.Node().DefaultChild().(appscaling.CfnScalingPolicy).AddPropertyOverride(
			jsii.String("TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType"), jsii.String(hr))
	}
	return policy, nil
}

// MetricMathProps configures TrackMetricMath.
type MetricMathProps struct {
	// Metrics are the metric stats the expression reads, keyed by the ID the expression uses
	// ("cpu"). IDs start with a lowercase letter followed by letters, digits or underscores.
	// Default: none, required.
	Metrics map[string]Stat
	// Expression is the CloudWatch metric-math expression over the IDs of Metrics, e.g.
	// MaxCpuMemory, "(cpu+mem)/2" or "visible / running". Default: none; required with more than
	// one metric. Without it the single metric is tracked as it is (an app-published
	// busy-percentage metric, say).
	Expression *string
	// Label names the expression's result in CloudWatch. Default: "scaling metric".
	Label *string
	// Target is the value of the expression (or metric) to hold, > 0. Default: none, required.
	Target *float64
	// ScaleOutCooldown is how long after a scale-out before another scale-out, whole seconds >= 0.
	// Default: 60 s.
	ScaleOutCooldown *time.Duration
	// ScaleInCooldown is how long after a scale-in before another scale-in, whole seconds >= 0.
	// Default: 300 s.
	ScaleInCooldown *time.Duration
	// DisableScaleIn stops this policy from removing tasks. Default: false.
	DisableScaleIn *bool
}

var metricID = regexp.MustCompile(`^[a-z][A-Za-z0-9_]*$`)

// TrackMetricMath keeps a custom metric, or a metric-math expression over metric stats, at
// props.Target with a target-tracking policy. CDK's L2 refuses math expressions, so this writes
// the L1 policy: its CustomizedMetricSpecification.Metrics lists one query per metric stat
// (ReturnData false) and the expression (ReturnData true).
func TrackMetricMath(target appscaling.ScalableTarget, id *string, props *MetricMathProps) (appscaling.CfnScalingPolicy, error) {
	var p MetricMathProps
	if props != nil {
		p = *props
	}
	t := TrackingProps{ScaleOutCooldown: p.ScaleOutCooldown, ScaleInCooldown: p.ScaleInCooldown, DisableScaleIn: p.DisableScaleIn}.withDefaults(nil)
	if p.Label == nil {
		p.Label = jsii.String("scaling metric")
	}
	c := check.For("scaling", target, *id)
	ids := make([]string, 0, len(p.Metrics))
	for k := range p.Metrics {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		c.Addf("Metrics must name at least one metric")
	}
	if len(ids) > 1 && (p.Expression == nil || *p.Expression == "") {
		c.Addf("Expression must be set to combine %d metrics %q", len(ids), ids)
	}
	if p.Expression != nil && *p.Expression == "" {
		c.Addf("Expression must not be empty; leave it unset to track a single metric")
	}
	queries := []any{}
	for _, k := range ids {
		if !metricID.MatchString(k) {
			c.Addf("Metrics: ID %q must start with a lowercase letter followed by letters, digits or underscores", k)
		}
		m := p.Metrics[k]
		if m.Namespace == "" || m.MetricName == "" {
			c.Addf("Metrics[%q] must name a Namespace and a MetricName", k)
			continue
		}
		var unit *string
		if m.Unit != "" {
			unit = jsii.String(string(m.Unit))
		}
		queries = append(queries, &appscaling.CfnScalingPolicy_TargetTrackingMetricDataQueryProperty{
			Id: jsii.String(k),
			MetricStat: &appscaling.CfnScalingPolicy_TargetTrackingMetricStatProperty{
				Metric: &appscaling.CfnScalingPolicy_TargetTrackingMetricProperty{
					Namespace:  jsii.String(m.Namespace),
					MetricName: jsii.String(m.MetricName),
					Dimensions: dimensions(m.Dimensions),
				},
				Stat: jsii.String(m.statistic()),
				Unit: unit,
			},
			ReturnData: jsii.Bool(p.Expression == nil),
		})
	}
	switch {
	case p.Target == nil:
		c.Addf("Target must be set")
	case *p.Target <= 0:
		c.Addf("Target must be > 0, got %g", *p.Target)
	}
	cooldowns(c, t.ScaleOutCooldown, t.ScaleInCooldown)
	if err := c.Err(); err != nil {
		return nil, err
	}
	if p.Expression != nil {
		queries = append(queries, &appscaling.CfnScalingPolicy_TargetTrackingMetricDataQueryProperty{
			Id:         jsii.String("result"),
			Expression: p.Expression,
			Label:      p.Label,
			ReturnData: jsii.Bool(true),
		})
	}
	policy := appscaling.NewCfnScalingPolicy(target, id, &appscaling.CfnScalingPolicyProps{
		PolicyName:      jsii.String(policyName(target, *id)),
		PolicyType:      jsii.String("TargetTrackingScaling"),
		ScalingTargetId: target.ScalableTargetId(),
		TargetTrackingScalingPolicyConfiguration: &appscaling.CfnScalingPolicy_TargetTrackingScalingPolicyConfigurationProperty{
			TargetValue:      p.Target,
			ScaleOutCooldown: jsii.Number(t.ScaleOutCooldown.Seconds()),
			ScaleInCooldown:  jsii.Number(t.ScaleInCooldown.Seconds()),
			DisableScaleIn:   t.DisableScaleIn,
			CustomizedMetricSpecification: &appscaling.CfnScalingPolicy_CustomizedMetricSpecificationProperty{
				Metrics: queries,
			},
		},
	})
	return policy, nil
}

// Step is one step of a step-scaling policy: when the metric lies between Lower and Upper above
// the alarm threshold, add Change tasks.
type Step struct {
	// Lower is where the step starts, as a distance above the threshold (>= 0). Default: 0.
	Lower float64
	// Upper is where the step ends, as a distance above the threshold. Default: no upper bound,
	// allowed (and required) on the last step only.
	Upper *float64
	// Change is how many tasks to add, >= 1. Default: none, required.
	Change int
}

// DefaultSteps add 1 task for 0–20 above the threshold and 2 beyond (SOURCES.md, report 1).
func DefaultSteps() []Step {
	return []Step{{Lower: 0, Upper: ptr(20.0), Change: 1}, {Lower: 20, Change: 2}}
}

// StepProps configures Step.
type StepProps struct {
	// Metric is the metric the alarm watches. Its period is the alarm's period. Default: none,
	// required.
	Metric awscloudwatch.IMetric
	// Threshold is the metric value at and above which the policy adds tasks. Default: none,
	// required.
	Threshold *float64
	// Steps are the scale-out steps, ordered, starting at 0 above the threshold, each starting
	// where the previous ended, the last without an upper bound. Default: DefaultSteps.
	Steps []Step
	// EvaluationPeriods is how many periods the alarm looks at, 1–10. Default: 3.
	EvaluationPeriods *int
	// DatapointsToAlarm is how many of those periods must breach, 1–EvaluationPeriods.
	// Default: 2, so a sustained rise alarms in two periods and a single spike does not.
	DatapointsToAlarm *int
	// TreatMissingData is how the alarm counts a period without data. Default: MISSING (keep the
	// alarm's state): a worker scaled to zero publishes no metrics and must not scale out for it.
	// A web service that always runs tasks may prefer BREACHING (SOURCES.md, report 2).
	TreatMissingData awscloudwatch.TreatMissingData
	// Cooldown is how long after a step before the next, whole seconds >= 0. Default: 60 s.
	Cooldown *time.Duration
}

// StepPolicy is a step-scaling policy and the alarm that drives it.
type StepPolicy struct {
	// Action is the scaling policy.
	Action appscaling.StepScalingAction
	// Alarm fires the policy when Metric >= Threshold.
	Alarm awscloudwatch.Alarm
}

// AddStep adds a scale-out step-scaling policy driven by an alarm of its own. Scaling in is left
// to target tracking, which removes tasks slowly; a step policy is for large, sudden rises.
func AddStep(target appscaling.ScalableTarget, id *string, props *StepProps) (*StepPolicy, error) {
	p := StepProps{
		Steps:             DefaultSteps(),
		EvaluationPeriods: ptr(3),
		DatapointsToAlarm: ptr(2),
		TreatMissingData:  awscloudwatch.TreatMissingData_MISSING,
		Cooldown:          ptr(DefaultScaleOutCooldown),
	}
	if props != nil {
		p.Metric, p.Threshold = props.Metric, props.Threshold
		if props.Steps != nil {
			p.Steps = props.Steps
		}
		if props.EvaluationPeriods != nil {
			p.EvaluationPeriods = props.EvaluationPeriods
		}
		if props.DatapointsToAlarm != nil {
			p.DatapointsToAlarm = props.DatapointsToAlarm
		}
		if props.TreatMissingData != "" {
			p.TreatMissingData = props.TreatMissingData
		}
		if props.Cooldown != nil {
			p.Cooldown = props.Cooldown
		}
	}
	if props != nil && props.EvaluationPeriods != nil && props.DatapointsToAlarm == nil && *p.DatapointsToAlarm > *p.EvaluationPeriods {
		p.DatapointsToAlarm = p.EvaluationPeriods
	}
	c := check.For("scaling", target, *id)
	if p.Metric == nil {
		c.Addf("Metric must be set")
	}
	if p.Threshold == nil {
		c.Addf("Threshold must be set")
	}
	ValidateSteps(c, "Steps", p.Steps)
	if n := *p.EvaluationPeriods; n < 1 || n > 10 {
		c.Addf("EvaluationPeriods must be between 1 and 10, got %d", n)
	} else if d := *p.DatapointsToAlarm; d < 1 || d > n {
		c.Addf("DatapointsToAlarm must be between 1 and EvaluationPeriods %d, got %d", n, d)
	}
	Cooldown(c, "Cooldown", *p.Cooldown)
	if err := c.Err(); err != nil {
		return nil, err
	}
	action := appscaling.NewStepScalingAction(target, id, &appscaling.StepScalingActionProps{
		ScalingTarget:  target,
		AdjustmentType: appscaling.AdjustmentType_CHANGE_IN_CAPACITY,
		Cooldown:       seconds(*p.Cooldown),
		// The alarm fires on the aggregate of its periods; MAXIMUM picks the step for the worst one.
		MetricAggregationType: appscaling.MetricAggregationType_MAXIMUM,
	})
	for _, s := range p.Steps {
		action.AddAdjustment(&appscaling.AdjustmentTier{
			Adjustment: jsii.Number(float64(s.Change)),
			LowerBound: jsii.Number(s.Lower),
			UpperBound: s.Upper,
		})
	}
	alarm := awscloudwatch.NewAlarm(target, jsii.String(*id+"Alarm"), &awscloudwatch.AlarmProps{
		Metric:             p.Metric,
		Threshold:          p.Threshold,
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(float64(*p.EvaluationPeriods)),
		DatapointsToAlarm:  jsii.Number(float64(*p.DatapointsToAlarm)),
		TreatMissingData:   p.TreatMissingData,
		AlarmDescription:   jsii.String(fmt.Sprintf("Step scaling: add tasks when the metric is >= %g", *p.Threshold)),
	})
	alarm.AddAlarmAction(awscloudwatchactions.NewApplicationScalingAction(action))
	return &StepPolicy{Action: action, Alarm: alarm}, nil
}

// ValidateSteps records the problems of a list of scale-out steps under the field name: at
// least one; the first starts at 0; each starts where the previous ended (no overlap, no gap);
// only the last has no upper bound; each upper bound above its lower; each adds >= 1 task.
func ValidateSteps(c *check.Problems, field string, steps []Step) {
	if len(steps) == 0 {
		c.Addf("%s must have at least one step", field)
		return
	}
	if len(steps) > 20 {
		c.Addf("%s may have at most 20 steps, got %d", field, len(steps))
	}
	for i, s := range steps {
		name := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case i == 0 && s.Lower != 0:
			c.Addf("%s.Lower must be 0 (the alarm threshold), got %g", name, s.Lower)
		case i > 0 && steps[i-1].Upper != nil && s.Lower != *steps[i-1].Upper:
			c.Addf("%s.Lower %g must equal %s[%d].Upper %g: steps must neither overlap nor leave a gap", name, s.Lower, field, i-1, *steps[i-1].Upper)
		}
		switch {
		case s.Upper == nil && i != len(steps)-1:
			c.Addf("%s.Upper must be set: only the last step is unbounded", name)
		case s.Upper != nil && i == len(steps)-1:
			c.Addf("%s.Upper must be unset: the last step covers everything above %g", name, s.Lower)
		case s.Upper != nil && *s.Upper <= s.Lower:
			c.Addf("%s.Upper %g must be > Lower %g", name, *s.Upper, s.Lower)
		}
		if s.Change < 1 {
			c.Addf("%s.Change must be >= 1 task, got %d", name, s.Change)
		}
	}
}

// ScheduleProps configures Schedule.
type ScheduleProps struct {
	// Cron is when the action runs, "cron(minute hour day-of-month month day-of-week year)", e.g.
	// "cron(0 8 * * ? *)" for 08:00 every day; exactly one of day-of-month and day-of-week is
	// "?". Default: none, required.
	Cron string
	// TimeZone is the IANA time zone Cron is read in, e.g. "Asia/Tokyo". Default: "UTC".
	TimeZone *string
	// MinCapacity is the new minimum task count, >= 0. Default: the minimum is left unchanged.
	MinCapacity *int
	// MaxCapacity is the new maximum task count, >= 1. Default: the maximum is left unchanged.
	// At least one of MinCapacity and MaxCapacity must be set.
	MaxCapacity *int
}

// Schedule adds a scheduled action that changes the target's minimum and/or maximum capacity.
func Schedule(target appscaling.ScalableTarget, id *string, props *ScheduleProps) error {
	var p ScheduleProps
	if props != nil {
		p = *props
	}
	if p.TimeZone == nil {
		p.TimeZone = jsii.String("UTC")
	}
	c := check.For("scaling", target, *id)
	ValidateSchedule(c, "", p)
	if err := c.Err(); err != nil {
		return err
	}
	s := &appscaling.ScalingSchedule{
		Schedule: appscaling.Schedule_Expression(jsii.String(p.Cron)),
		TimeZone: awscdk.TimeZone_Of(p.TimeZone),
	}
	if p.MinCapacity != nil {
		s.MinCapacity = jsii.Number(float64(*p.MinCapacity))
	}
	if p.MaxCapacity != nil {
		s.MaxCapacity = jsii.Number(float64(*p.MaxCapacity))
	}
	target.ScaleOnSchedule(id, s)
	return nil
}

// ValidateSchedule records the problems of p, naming its fields after prefix ("Schedules[0].").
// A nil TimeZone means UTC.
func ValidateSchedule(c *check.Problems, prefix string, p ScheduleProps) {
	if err := ValidateCron(p.Cron); err != nil {
		c.Addf("%sCron %q %v, e.g. cron(0 8 * * ? *)", prefix, p.Cron, err)
	}
	if p.TimeZone != nil {
		if _, err := time.LoadLocation(*p.TimeZone); err != nil || *p.TimeZone == "" || *p.TimeZone == "Local" {
			c.Addf("%sTimeZone %q is not an IANA time zone such as \"Asia/Tokyo\" or \"UTC\"", prefix, *p.TimeZone)
		}
	}
	if p.MinCapacity == nil && p.MaxCapacity == nil {
		c.Addf("%sMinCapacity or MaxCapacity must be set", prefix)
	}
	if p.MinCapacity != nil && *p.MinCapacity < 0 {
		c.Addf("%sMinCapacity must be >= 0, got %d", prefix, *p.MinCapacity)
	}
	if p.MaxCapacity != nil && *p.MaxCapacity < 1 {
		c.Addf("%sMaxCapacity must be >= 1, got %d", prefix, *p.MaxCapacity)
	}
	if p.MinCapacity != nil && p.MaxCapacity != nil && *p.MinCapacity > *p.MaxCapacity {
		c.Addf("%sMinCapacity %d must be <= MaxCapacity %d", prefix, *p.MinCapacity, *p.MaxCapacity)
	}
}

// Cooldown records a problem when d is negative or not a whole number of seconds.
func Cooldown(c *check.Problems, field string, d time.Duration) {
	switch {
	case d < 0:
		c.Addf("%s must be >= 0s, got %s", field, Seconds(d))
	case d%time.Second != 0:
		c.Addf("%s must be a whole number of seconds, got %s", field, Seconds(d))
	}
}

func cooldowns(c *check.Problems, out, in *time.Duration) {
	Cooldown(c, "ScaleOutCooldown", *out)
	Cooldown(c, "ScaleInCooldown", *in)
}

// Seconds formats d as seconds ("60s", "1.5s", "-5s"), the unit every message uses.
func Seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

func seconds(d time.Duration) awscdk.Duration {
	return check.Seconds(math.Round(d.Seconds()))
}

// dimensions lists the dimensions sorted by name, so the template does not change with Go's map
// order.
func dimensions(ds map[string]*string) any {
	if len(ds) == 0 {
		return nil
	}
	names := make([]string, 0, len(ds))
	for n := range ds {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = &appscaling.CfnScalingPolicy_TargetTrackingMetricDimensionProperty{Name: jsii.String(n), Value: ds[n]}
	}
	return out
}

// policyName is unique in the account and region, as CDK's L2 policies name themselves, and
// stable for a given construct path.
func policyName(target constructs.IConstruct, id string) string {
	return *awscdk.Names_UniqueId(target) + id
}

func ptr[T any](v T) *T { return &v }
