// Package webservice builds a web service on Amazon ECS behind an internet-facing Application
// Load Balancer, with production defaults that ecs-patterns and Copilot lack: a 30 s drain
// instead of 300 s, minimum healthy 100 %, the deployment circuit breaker with rollback and
// deployment alarms, a task count that survives the loss of an availability zone (static
// stability), AZ spread and rebalancing, zonal shift, four kinds of scaling (through package
// scaling) and alarms with OK notifications.
package webservice
