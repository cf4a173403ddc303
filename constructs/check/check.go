// Package check collects the validation problems of one construct's props so that a construct
// can report all of them at once, each naming the construct path, the field, the value and what
// is allowed:
//
//	webservice "prod/Services/Web": StopTimeout 30s must be >= DeregistrationDelay 60s
//
// It also records cdk-nag suppressions as CloudFormation metadata (Suppress), so that constructs
// carry the reasons for their accepted findings without importing cdk-nag.
//
// It is the one package every construct imports; a fork of a construct copies it too.
package check

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
)

// Problems is the list of validation problems of one construct. The zero value is not usable:
// make one with New or For.
type Problems struct {
	kind   string
	scope  constructs.IConstruct
	id     string
	prefix string // "kind "path": ", worked out when the first problem is recorded
	list   []string
}

// New starts a problem list for the construct of the given kind ("webservice") at the given
// construct path ("prod/Services/Web").
func New(kind, path string) *Problems {
	return &Problems{kind: kind, prefix: fmt.Sprintf("%s %q: ", kind, path)}
}

// For starts a problem list for the construct of the given kind that will be created as id under
// scope. The path is worked out only when a problem is recorded: valid props, the usual case,
// cost no call into the CDK.
func For(kind string, scope constructs.IConstruct, id string) *Problems {
	return &Problems{kind: kind, scope: scope, id: id}
}

// Addf records one problem. The message should start with the field name and say what is
// allowed: "DesiredCount must be >= 2, got 1".
func (p *Problems) Addf(format string, args ...any) {
	if p.prefix == "" {
		p.prefix = fmt.Sprintf("%s %q: ", p.kind, Path(p.scope, p.id))
	}
	p.list = append(p.list, p.prefix+fmt.Sprintf(format, args...))
}

// Add records the problems of another list (a nested props struct) under this one.
func (p *Problems) Add(err error) {
	if err == nil {
		return
	}
	p.list = append(p.list, strings.Split(err.Error(), "\n")...)
}

// Err returns nil when no problem was recorded, otherwise one error whose message has one line
// per problem, in the order they were found.
func (p *Problems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	return errors.New(strings.Join(p.list, "\n"))
}

// Range records a problem when v lies outside [lo, hi].
func (p *Problems) Range(field string, v, lo, hi float64) {
	if v < lo || v > hi {
		p.Addf("%s must be between %g and %g, got %g", field, lo, hi, v)
	}
}

// Path is the construct path a construct with the given id will have under scope
// ("prod/Services/Web"), for messages written before the construct exists (validation runs
// first, so that invalid props create nothing).
func Path(scope constructs.IConstruct, id string) string {
	if scope == nil {
		return id
	}
	if path := *scope.Node().Path(); path != "" {
		return path + "/" + id
	}
	return id
}

// Unresolved reports whether s is a CDK token (a value known only at deploy time), which
// validation must skip. It is awscdk.Token_IsUnresolved for strings, decided in Go: the CDK
// encodes a token in a string as ${Token[…]} (or a number token's -1.…e+289), which this matches
// as the CDK's own test does, without a round trip through jsii.
func Unresolved(s *string) bool {
	return s != nil && strings.Contains(*s, "Token[") && tokenString.MatchString(*s)
}

// tokenString is the CDK's STRING_TOKEN_REGEX (core/lib/private/encoding).
var tokenString = regexp.MustCompile(`\$\{Token\[[a-zA-Z0-9:._-]+\]\}|-1\.\d{10,16}e\+289`)
