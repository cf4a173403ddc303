// Package alarmtopic builds an environment's alarm topic: the SNS topic every CloudWatch alarm of
// the environment notifies, with publishing over TLS only, CloudWatch allowed to publish (and,
// when encrypted, to use the topic's customer-managed KMS key), and email subscriptions.
package alarmtopic
