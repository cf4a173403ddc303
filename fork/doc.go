// Package fork copies one of okiagari's constructs into another Go module, for a team that wants
// to own and change it there:
//
//	go run ./bin fork webservice ../app/platform
//
// It copies the construct's package and every okiagari package it imports, for its code and
// for its tests, worked out from the import clauses of the files themselves (so the set follows
// the code). Each package lands in DIR/<name> (constructs/webservice → DIR/webservice,
// testenv → DIR/testenv), its imports rewritten to the module that owns DIR (the nearest go.mod
// at or above it), each Go file and README headed by a line naming where it came from. It also
// makes sure the app's cdk.json has the feature flags the constructs are tested with
// (testenv/featureflags.json): it creates a cdk.json at the module root when there is none, and
// prints what to merge when one lacks some.
//
// It never overwrites a file that differs from what it would write (apart from the header line):
// it lists such files and changes nothing, unless told to (Force). Everything is written to a
// staging directory first and renamed into place, and undone if a rename fails, so a failed fork
// leaves nothing half-written.
package fork
