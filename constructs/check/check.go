// Package check collects the validation problems of one construct's props so that a construct
// can report all of them at once, each naming the construct path, the field, the value and what
// is allowed:
//
//	webservice "prod/Services/Web": StopTimeout 30s must be >= DeregistrationDelay 60s
//
// It is the one package every construct imports; a fork of a construct copies it too.
package check

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
)

// Problems is the list of validation problems of one construct. The zero value is not usable:
// make one with New.
type Problems struct {
	prefix string
	list   []string
}

// New starts a problem list for the construct of the given kind ("webservice") at the given
// construct path ("prod/Services/Web").
func New(kind, path string) *Problems {
	return &Problems{prefix: fmt.Sprintf("%s %q: ", kind, path)}
}

// Addf records one problem. The message should start with the field name and say what is
// allowed: "DesiredCount must be >= 2, got 1".
func (p *Problems) Addf(format string, args ...any) {
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
	if scope != nil && *scope.Node().Path() != "" {
		return *scope.Node().Path() + "/" + id
	}
	return id
}

// Unresolved reports whether s is a CDK token (a value known only at deploy time), which
// validation must skip.
func Unresolved(s *string) bool {
	return s != nil && *awscdk.Token_IsUnresolved(s)
}
