// Package autoheal builds a self-healing single-instance host for a stateful docker-compose app:
// an Auto Scaling group of exactly one Amazon Linux 2023 instance over the private subnets of all
// availability zones, whose data lives on an encrypted, backed-up, retained EFS file system that
// every new instance mounts at boot (TLS, IAM) before it starts the compose project kept on that
// file system. When the instance or its zone fails, the group launches a fresh instance,
// possibly in another zone, which mounts the same data and starts the same project, with no
// human involved. A new instance stays out of service until its boot script has started the
// project (a launch lifecycle hook); a download that fails is retried in place rather than
// replacing the instance. Every launch and termination is announced on an SNS topic, and an
// alarm fires when no instance has been in service for five minutes.
//
// The group never runs two instances: the compose project (a chat server's database, say)
// assumes it is the only writer of its files.
package autoheal
