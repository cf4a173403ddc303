// Package stacks composes okiagari's constructs into the stacks of one environment and wires
// their outputs from stack to stack. It defines no resources itself: those live in constructs/.
//
// Each environment is an awscdk.Stage named after it, so its stacks are addressed as
// "prod/Network", "prod/Platform", ... and deployed with `npx cdk deploy 'prod/*'`.
package stacks
