// Package network builds the VPC every okiagari environment runs in: public, private (with
// egress through NAT) and isolated subnets in each of the configured availability zones, VPC flow
// logs to a retained log group, an S3 gateway endpoint and optional interface endpoints so tasks
// can pull images and ship logs without NAT, and a default security group with no rules.
package network
