// Package test holds okiagari's whole-app tests: golden snapshots of every stack of every
// environment (testdata/<env>-<Stack>.json, rewritten by `go test ./test -update`), cdk-nag
// findings on every stack, and the table of invalid configurations.
//
// The app under test is built exactly as `npx cdk synth` builds it: from the cdk.json context
// plus the keys the CDK CLI adds (package cdkjson), with cdk-nag applied to every stack.
package test
