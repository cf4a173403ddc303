// Package pipeline builds one release pipeline per environment: a CodePipeline (V2) that takes a
// commit from a Git repository (through a CodeConnections connection) or an object from S3, builds
// the container image once in CodeBuild, tags it with the commit and pushes it to ECR, optionally
// waits for a manual approval, rolls it out to each ECS service with the ECS deploy action, waits
// until ECS reports every deployment complete (bake included) with the new image before it
// records the release, and rolls the whole deploy stage back when any of that fails.
//
// The deploy action runs under a role of its own that may update only the pipeline's services and
// pass only their task and execution roles: CDK's default role for that action would allow
// ecs:UpdateService and iam:PassRole on every resource.
package pipeline
