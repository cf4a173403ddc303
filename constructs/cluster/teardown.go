package cluster

import (
	_ "embed"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/check"
)

// teardownCode is the function's code, written into the template (no asset to build or
// upload). teardown_test.js tests it.
//
//go:embed teardown.js
var teardownCode string

// addTeardown adds the function and custom resource that let CloudFormation delete the Auto
// Scaling group. Managed termination protection protects every instance from scale-in, and
// CloudFormation deletes a group by scaling it to zero and waiting, which protected instances
// never allow (aws/aws-cdk#18179; deleting the capacity provider leaves the protection in place,
// aws/containers-roadmap#2862).
//
// The order of deletion is the design: the custom resource refers to the group, so it is deleted
// before the group; the capacity provider depends on it, so it is deleted after the provider
// (and its cluster association), when ECS no longer manages the group and nothing protects an
// instance again. On that Delete the function sets the group's minimum and desired capacity to 0,
// stops protecting new instances, and unprotects every instance; the group's own deletion then
// terminates them. It acts only while the stack is being deleted or its first deploy rolls back:
// a Delete also arrives when an update that added the resource rolls back, and the group stays
// then.
//
// The group depends on the function, so a failure to create the function rolls back before any
// instance is launched and protected.
func (this *Cluster) addTeardown(clusterName string) {
	scope := constructs.NewConstruct(this.Construct, jsii.String("Teardown"))
	logs := awslogs.NewLogGroup(scope, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_THREE_MONTHS,
		// Every log group of the platform is retained; this one outlives a teardown, so its
		// record can be read after the stack is gone.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role := awsiam.NewRole(scope, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Lifts the scale-in protection of the EC2 capacity of cluster " + clusterName + " at teardown"),
	})
	logs.GrantWrite(role)
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("cloudformation:DescribeStacks"),
		Resources: jsii.Strings(*awscdk.Aws_STACK_ID()),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("autoscaling:DescribeAutoScalingGroups"),
		Resources: jsii.Strings("*"),
	}))
	this.TeardownFunction = awslambda.NewFunction(scope, jsii.String("Function"), &awslambda.FunctionProps{
		Description: jsii.String("okiagari: lifts the EC2 capacity's scale-in protection when the stack is deleted"),
		Runtime:     awslambda.Runtime_NODEJS_24_X(),
		Handler:     jsii.String("index.handler"),
		Code:        awslambda.Code_FromInline(jsii.String(teardownCode)),
		Role:        role,
		LogGroup:    logs,
		// Rounds of 5 s until every instance is unprotected; 30 s are kept to answer CloudFormation.
		Timeout: awscdk.Duration_Minutes(jsii.Number(5)),
	})
	// The permissions on the group itself are a separate policy: the function must not depend
	// on the group (the group depends on the function), but the custom resource must keep them
	// until its Delete has run.
	groupPolicy := awsiam.NewPolicy(scope, jsii.String("GroupPolicy"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("autoscaling:UpdateAutoScalingGroup", "autoscaling:SetInstanceProtection"),
			Resources: jsii.Strings(*this.AutoScalingGroup.AutoScalingGroupArn()),
		})},
	})
	this.AutoScalingGroup.Node().AddDependency(this.TeardownFunction)

	this.Teardown = awscdk.NewCustomResource(scope, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: this.TeardownFunction.FunctionArn(),
		ResourceType: jsii.String("Custom::Ec2CapacityTeardown"),
		Properties:   &map[string]any{"AutoScalingGroupName": this.AutoScalingGroup.AutoScalingGroupName()},
		// Fail within minutes, not CloudFormation's default hour, should the function never answer.
		ServiceTimeout: awscdk.Duration_Minutes(jsii.Number(6)),
	})
	this.Teardown.Node().AddDependency(groupPolicy)
	this.Ec2CapacityProvider.Node().AddDependency(this.Teardown)

	check.SuppressPolicy(role, check.Suppression{
		ID: "AwsSolutions-IAM5",
		Reason: "autoscaling:DescribeAutoScalingGroups supports no resource-level permissions; the actions that change the " +
			"group are in the separate GroupPolicy, on this group's ARN only",
		AppliesTo: []string{"Resource::*"},
	})
	check.Suppress(groupPolicy, check.Suppression{
		ID: "AwsSolutions-IAM5",
		Reason: "The group's ARN as Auto Scaling forms it: the group's UUID, unknown until the group exists, is the only " +
			"wildcard; the name that follows it is this group's",
		AppliesTo: []string{`/^Resource::arn:[^:]+:autoscaling:[^:]+:[^:]+:autoScalingGroup:\*:autoScalingGroupName\/<[^>]+>$/`},
	})
}
