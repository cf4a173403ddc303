// Package scaling adds Application Auto Scaling policies to the task count of an ECS service, for
// web services and queue workers alike.
//
// Everything works on an awsapplicationautoscaling.ScalableTarget (not on awsecs.ScalableTaskCount,
// whose underlying target CDK keeps private): the L1 metric-math policy needs the target's ID, and
// a plain ScalableTarget also serves workers that build their own. NewServiceTarget makes one for
// an ECS service with the ECS service-linked role, so no IAM role is created.
//
//   - TrackCpu, TrackMemory, TrackRequestCount: target tracking on a predefined metric with
//     separate scale-out and scale-in cooldowns (defaults 70 %, 60 s out, 300 s in).
//   - TrackMetricMath: target tracking on a custom metric or a metric-math expression over metric
//     stats, e.g. "MAX([cpu,mem])" for a combined CPU+memory target, an app-published busy
//     percentage, or a worker's backlog per task ("visible / running"). CDK's L2 rejects math, so
//     this writes the L1 CfnScalingPolicy's CustomizedMetricSpecification.Metrics.
//   - Step: step scaling out on an alarm of its own (+1 for 0–20 above the threshold, +2 beyond).
//   - Schedule: a cron scheduled action in a named time zone that changes min and/or max.
//
// Each function validates its props first and returns an error, creating nothing, when they are
// invalid. Durations are Go time.Duration values so that a negative cooldown is an error instead
// of a jsii panic.
package scaling
