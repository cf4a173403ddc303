// Package report reads a synthesized CDK cloud assembly (cdk.out) and computes, per environment
// and per workload, how the templates about to be deployed behave under failure: what a service
// keeps when an availability zone is lost, how fast a failed task is detected, how a task stops
// (a planned stop drains, then shuts down; a Spot interruption does both at once), how fast
// scaling reacts, the course of a deployment under its strategy, how much capacity rides on
// Spot, how ready a service is for a zone to be evacuated and how fast a single-instance host
// heals.
//
// It reads JSON files only (manifest.json and *.template.json), so it runs in milliseconds, needs
// no node, and also works on stacks a user forked and changed. Workloads are found by the
// CloudFormation Metadata key "okiagari" that okiagari's constructs put on their primary
// resource; ECS services without it are still reported (as kind "service"), with the missing
// figures taken from the template and said so.
//
// Every figure carries the assumptions it rests on; README.md explains each formula and names
// the AWS documentation it comes from. Gate turns the figures into findings that fail a
// production synth.
package report
