// Package worker builds a queue worker: an ECS service without a load balancer that consumes an
// encrypted, TLS-only SQS queue with a dead-letter queue (or a queue the app measures itself and
// publishes to CloudWatch), scales on backlog per task (visible messages ÷ running tasks, tracked
// with metric math to the backlog a task clears within the latency target), optionally scales to
// zero, stops gracefully (stop timeout up to 120 s, task scale-in protection for busy workers),
// rolls back a failed deploy, and alarms on dead letters and on the age of the oldest message.
package worker
