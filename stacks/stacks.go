package stacks

import (
	"errors"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/constructs/network"
	"github.com/okiagari/okiagari/report"
)

// Environment is one environment's stage and its stacks.
type Environment struct {
	Stage    awscdk.Stage
	Network  *Network
	Platform *Platform
	Services *Services
	AutoHeal *AutoHeal
	Pipeline *Pipeline // nil when the environment has no pipeline
}

// Build adds one stage per environment to app. It returns every construct validation error of
// every environment at once; app must not be synthesized then.
func Build(app constructs.Construct, envs []config.Environment) ([]*Environment, error) {
	var out []*Environment
	var errs []error
	for _, env := range envs {
		e, err := NewEnvironment(app, env)
		errs = append(errs, err)
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}

// NewEnvironment adds the stage of one environment with all its stacks.
func NewEnvironment(scope constructs.Construct, env config.Environment) (*Environment, error) {
	stage := awscdk.NewStage(scope, jsii.String(env.Name), &awscdk.StageProps{
		Env: &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.Region)},
	})
	// CDK asks for the account's zones (a look-up needing credentials) even when the VPC names
	// its zones; answering with the configured ones keeps synthesis offline and deterministic.
	network.AnswerZoneLookup(stage, env.Account, env.Region, env.AvailabilityZones)
	awscdk.Tags_Of(stage).Add(jsii.String("okiagari:environment"), jsii.String(env.Name), nil)
	// A stack whose constructs report errors is not built on: the errors of one stack are
	// reported together, and the stacks after it would only add consequential ones.
	e := &Environment{Stage: stage}
	var err error
	if e.Network, err = NewNetwork(stage, env); err != nil {
		return e, err
	}
	if e.Platform, err = NewPlatform(stage, env, e.Network); err != nil {
		return e, err
	}
	var errs []error
	e.Services, err = NewServices(stage, env, e.Network, e.Platform)
	errs = append(errs, err)
	e.AutoHeal, err = NewAutoHeal(stage, env, e.Network, e.Platform)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return e, err
	}
	if env.Pipeline != nil {
		if e.Pipeline, err = NewPipeline(stage, env, e.Platform, e.Services); err != nil {
			return e, err
		}
	}
	return e, nil
}

// newStack creates one of env's stacks. Production stacks cannot be deleted by accident, and
// every template records its environment's gating settings for the resilience report, which
// reads nothing but templates.
func newStack(scope constructs.Construct, id string, env config.Environment, description string) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Description:           jsii.String("okiagari " + env.Name + ": " + description),
		TerminationProtection: jsii.Bool(env.Production),
	})
	// A plain map: jsii passes Go structs it does not know as opaque references.
	stack.AddMetadata(jsii.String(report.MetadataKey), map[string]any{
		"environment":               env.Name,
		"production":                env.Production,
		"minPeakAfterAzLossPercent": *env.Resilience.MinPeakAfterAZLossPercent,
	})
	return stack
}
