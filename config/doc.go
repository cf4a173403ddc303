// Package config decodes okiagari's environments from the cdk.json context and validates them.
//
// The context key "environments" maps an environment name to its settings. Decoding is strict:
// an unknown key, a value of the wrong type or a missing required key is an error naming the
// environment and the key path, and every problem of every environment is reported at once:
//
//	env "prod": network.cidr: "10.0.0.0/33" is not a valid IPv4 CIDR
//
// Stacks and constructs never read the context themselves; they get an Environment.
package config
