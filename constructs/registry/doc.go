// Package registry builds an environment's ECR repositories: scan on push, immutable tags,
// AES-256 or KMS encryption, a lifecycle policy that keeps the last N tagged images and expires
// untagged ones after D days, and a Retain policy so that deleting a stack never deletes images.
package registry
