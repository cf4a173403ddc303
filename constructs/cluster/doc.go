// Package cluster builds an environment's ECS cluster: Container Insights, the FARGATE and
// FARGATE_SPOT capacity providers with a default strategy, and an EC2 capacity provider over an
// Auto Scaling group that mixes an On-Demand base with Spot over several instance types, in the
// private subnets of every zone, with managed scaling, managed termination protection, managed
// draining, capacity rebalancing and Spot draining, so that no scale-in and no Spot reclaim kills a
// running task without moving it first. A custom resource lifts the instances' scale-in
// protection when the stack is deleted, so the group can be deleted (teardown.go). With
// FargateOnly the cluster has no EC2 capacity at all.
package cluster
