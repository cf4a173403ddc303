package webservice

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsarczonalshift"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/check"
)

// EstimatedTaskStart is how long a new task takes from its launch to its first health check
// (image pull and container start): an estimate for the deploy timeline, the same the
// resilience report uses; measure yours.
const EstimatedTaskStart = 60 * time.Second

// productionRulePriority is the production listener rule's priority. It is the listener's only
// rule, so any value would do; it is fixed because the rule must never change (see README,
// "The production listener rule").
const productionRulePriority = 1

// DeployTimeline is the expected course of one deployment of the service under its strategy,
// worked out from its settings. Durations count from the start of the deployment; the task start
// is EstimatedTaskStart.
type DeployTimeline struct {
	// Strategy is the deployment strategy.
	Strategy DeploymentStrategy
	// FirstExposure is when production traffic first reaches the new revision: its tasks have
	// started and passed HealthyThreshold load balancer checks.
	FirstExposure time.Duration
	// FirstExposurePercent is the share of production traffic the new revision gets then: the
	// canary percent, the first linear step, all of it for blue/green, about half for rolling
	// (as many new tasks as old ones are registered).
	FirstExposurePercent float64
	// FullTraffic is when the new revision takes all production traffic.
	FullTraffic time.Duration
	// Bake is how long ECS then watches the deployment alarms before it calls the deployment
	// complete.
	Bake time.Duration
	// Complete is the worst case for a successful deployment: full traffic, the bake, then the
	// old tasks drained (deregistration delay) and stopped (stop timeout).
	Complete time.Duration
	// Rollback is how long, once a deployment alarm fires, the old revision takes to serve all
	// traffic again: for the progressive strategies a change of the production rule (the old
	// tasks still run until the bake ends), for rolling a new start of the old revision's tasks.
	Rollback time.Duration
}

// timeline works out the deploy timeline of the validated props.
func timeline(p *ServiceProps) DeployTimeline {
	d := p.Deployment
	healthy := *p.HealthCheckInterval * time.Duration(*p.HealthyThreshold)
	cleanup := *p.DeregistrationDelay + *p.StopTimeout
	t := DeployTimeline{Strategy: d.Strategy, FirstExposure: EstimatedTaskStart + healthy, Bake: *d.Bake}
	t.FullTraffic = t.FirstExposure
	switch d.Strategy {
	case Canary:
		t.FirstExposurePercent = *d.CanaryPercent
		t.FullTraffic += *d.CanaryBake
	case Linear:
		t.FirstExposurePercent = *d.LinearStepPercent
		t.FullTraffic += time.Duration(linearSteps(*d.LinearStepPercent)) * *d.LinearStepBake
	case BlueGreen:
		t.FirstExposurePercent = 100
	default:
		t.FirstExposurePercent = 50
		t.Rollback = EstimatedTaskStart + healthy
	}
	t.Complete = t.FullTraffic + t.Bake + cleanup
	return t
}

// newTargetGroup creates one of the service's target groups; the primary and the alternate one
// are identical, since either may hold the live revision.
func (this *Service) newTargetGroup(s constructs.Construct, id string, p *ServiceProps) elbv2.ApplicationTargetGroup {
	return elbv2.NewApplicationTargetGroup(s, jsii.String(id), &elbv2.ApplicationTargetGroupProps{
		Vpc:                 p.Vpc,
		Port:                jsii.Number(float64(*p.ContainerPort)),
		Protocol:            elbv2.ApplicationProtocol_HTTP,
		TargetType:          elbv2.TargetType_IP,
		DeregistrationDelay: secs(*p.DeregistrationDelay),
		SlowStart:           optSecs(*p.SlowStart),
		HealthCheck: &elbv2.HealthCheck{
			Path:                    p.HealthCheckPath,
			Interval:                secs(*p.HealthCheckInterval),
			Timeout:                 secs(*p.HealthCheckTimeout),
			HealthyThresholdCount:   jsii.Number(float64(*p.HealthyThreshold)),
			UnhealthyThresholdCount: jsii.Number(float64(*p.UnhealthyThreshold)),
		},
	})
}

// productionRule adds the rule that carries all production traffic to the listener that serves
// it. With a progressive strategy ECS rewrites its weights on every deployment; its template
// therefore depends on nothing but the listener and the two target groups, so that no later
// CloudFormation update of the stack re-applies it (see README).
func (this *Service) productionRule(s constructs.Construct, p *ServiceProps) {
	this.ProductionListener = this.HttpListener
	if this.HttpsListener != nil {
		this.ProductionListener = this.HttpsListener
	}
	action := elbv2.ListenerAction_Forward(&[]elbv2.IApplicationTargetGroup{this.TargetGroup}, nil)
	if this.AlternateTargetGroup != nil {
		// Both target groups from the start, the alternate one at weight 0: ECS moves the weights
		// (and the alternate group must be attached to the load balancer before tasks register).
		action = elbv2.ListenerAction_WeightedForward(&[]*elbv2.WeightedTargetGroup{
			{TargetGroup: this.TargetGroup, Weight: jsii.Number(100)},
			{TargetGroup: this.AlternateTargetGroup, Weight: jsii.Number(0)},
		}, nil)
	}
	this.ProductionRule = elbv2.NewApplicationListenerRule(s, jsii.String("ProductionRule"), &elbv2.ApplicationListenerRuleProps{
		Listener:   this.ProductionListener,
		Priority:   jsii.Number(productionRulePriority),
		Conditions: &[]elbv2.ListenerCondition{elbv2.ListenerCondition_PathPatterns(jsii.Strings("/*"))},
		Action:     action,
	})
}

// trafficShiftRole is the role ECS assumes to shift traffic during a progressive deployment: the
// actions of the AWS managed policy AmazonECSInfrastructureRolePolicyForLoadBalancers (v6),
// limited to this service's listener, rule and target groups. Only the Describe actions, which
// support no resource-level permissions, are on "*".
func (this *Service) trafficShiftRole(s constructs.Construct, p *ServiceProps) {
	role := awsiam.NewRole(s, jsii.String("TrafficShiftRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ecs.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("ECS shifts traffic of %s between its target groups during deployments", p.Name)),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
			"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"),
		Resources: jsii.Strings("*"),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"),
		Resources: &[]*string{this.TargetGroup.TargetGroupArn(), this.AlternateTargetGroup.TargetGroupArn()},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("elasticloadbalancing:ModifyRule"),
		Resources: &[]*string{this.ProductionRule.ListenerRuleArn()},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("elasticloadbalancing:ModifyListener"),
		Resources: &[]*string{this.ProductionListener.ListenerArn()},
	}))
	check.SuppressPolicy(role, check.Suppression{
		ID:        "AwsSolutions-IAM5",
		Reason:    "The elasticloadbalancing Describe actions ECS reads the listener, rule and target groups with support no resource-level permissions; every action that changes something is limited to this service's rule, listener and two target groups.",
		AppliesTo: []string{"Resource::*"},
	})
	this.TrafficShiftRole = role
}

// deploymentSettings fills the service props with the strategy and its numbers.
func deploymentSettings(base *awsecs.BaseServiceProps, d *DeploymentProps) {
	base.DeploymentStrategy = awsecs.DeploymentStrategy(d.Strategy)
	base.BakeTime = check.Minutes(d.Bake.Minutes())
	switch d.Strategy {
	case Canary:
		base.CanaryConfiguration = &awsecs.TrafficShiftConfig{
			StepPercent: d.CanaryPercent, StepBakeTime: check.Minutes(d.CanaryBake.Minutes()),
		}
	case Linear:
		base.LinearConfiguration = &awsecs.TrafficShiftConfig{
			StepPercent: d.LinearStepPercent, StepBakeTime: check.Minutes(d.LinearStepBake.Minutes()),
		}
	}
}

// attachTargets registers the service with the primary target group, and for a progressive
// strategy names the alternate one, the production rule and the role ECS shifts traffic with.
func (this *Service) attachTargets(p *ServiceProps) {
	opts := &awsecs.LoadBalancerTargetOptions{
		ContainerName: jsii.String(p.Name), ContainerPort: jsii.Number(float64(*p.ContainerPort)),
	}
	if this.AlternateTargetGroup != nil {
		opts.AlternateTarget = awsecs.NewAlternateTarget(jsii.String("AlternateTarget"), &awsecs.AlternateTargetProps{
			AlternateTargetGroup: this.AlternateTargetGroup,
			ProductionListener:   awsecs.ListenerRuleConfiguration_ApplicationListenerRule(this.ProductionRule),
			Role:                 this.TrafficShiftRole,
		})
	}
	this.TargetGroup.AddTarget(this.Service.LoadBalancerTarget(opts))
}

// autoshift turns on ARC zonal autoshift for the load balancer, with weekly practice runs that
// end early when an alarm that shows harm fires: too few healthy targets, or a 5xx rate above the
// threshold.
func (this *Service) autoshift(s constructs.Construct, p *ServiceProps) {
	a := p.ZonalAutoshift
	if !*a.Enabled {
		return
	}
	stack := awscdk.Stack_Of(s)
	var outcome []any
	for _, arn := range []*string{this.Alarms.HealthyHosts.AlarmArn(), this.Alarms.Target5xx.AlarmArn()} {
		outcome = append(outcome, &awsarczonalshift.CfnZonalAutoshiftConfiguration_ControlConditionProperty{
			AlarmIdentifier: arn, Type: jsii.String("CLOUDWATCH"),
		})
	}
	for _, name := range a.OutcomeAlarms {
		outcome = append(outcome, &awsarczonalshift.CfnZonalAutoshiftConfiguration_ControlConditionProperty{
			AlarmIdentifier: stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String(name),
				ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			}),
			Type: jsii.String("CLOUDWATCH"),
		})
	}
	practice := &awsarczonalshift.CfnZonalAutoshiftConfiguration_PracticeRunConfigurationProperty{OutcomeAlarms: outcome}
	if len(a.BlockedDates) > 0 {
		practice.BlockedDates = jsii.Strings(a.BlockedDates...)
	}
	if len(a.BlockedWindows) > 0 {
		practice.BlockedWindows = jsii.Strings(a.BlockedWindows...)
	}
	this.ZonalAutoshift = awsarczonalshift.NewCfnZonalAutoshiftConfiguration(s, jsii.String("ZonalAutoshift"), &awsarczonalshift.CfnZonalAutoshiftConfigurationProps{
		ResourceIdentifier:       this.LoadBalancer.LoadBalancerArn(),
		ZonalAutoshiftStatus:     jsii.String("ENABLED"),
		PracticeRunConfiguration: practice,
	})
}
