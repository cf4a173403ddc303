// Package capacity is the capacity an ECS task runs on: a capacity-provider strategy of Fargate
// providers or of EC2 (Auto Scaling group) providers, its validation, the Fargate task sizes, and
// the Fargate or EC2 task definition that goes with the strategy. The web service and the worker
// share it so that both accept the same strategies with the same messages.
package capacity
