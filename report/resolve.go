package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// resRef points at a resource of a stack, optionally at one of its attributes (Fn::GetAtt).
type resRef struct {
	stack *Stack
	id    string
	attr  string
}

func (r resRef) resource() *Resource {
	if r.stack == nil || r.stack.Template == nil {
		return nil
	}
	res, ok := r.stack.Template.Resources[r.id]
	if !ok {
		return nil
	}
	return &res
}

// maxDepth bounds reference chains (an output referring to an import referring to ...).
const maxDepth = 16

// follow replaces a cross-stack reference (Fn::ImportValue of an export, Fn::GetStackOutput of
// CDK's weak references) by the referenced output's Value in the stack that defines it, as many
// times as needed. Anything else is returned as is.
func (e *Environment) follow(st *Stack, expr any) (*Stack, any) {
	for range maxDepth {
		m, ok := expr.(map[string]any)
		if !ok || len(m) != 1 {
			return st, expr
		}
		if name, ok := m["Fn::ImportValue"]; ok {
			n, ok := e.str(st, name)
			if !ok {
				return st, expr
			}
			st2, out := e.export(n)
			if st2 == nil {
				return st, expr
			}
			st, expr = st2, out.Value
			continue
		}
		if arg, ok := m["Fn::GetStackOutput"].(map[string]any); ok {
			stackName, _ := e.str(st, arg["StackName"])
			region, _ := e.str(st, arg["Region"])
			outName, _ := e.str(st, arg["OutputName"])
			st2 := e.stackNamed(stackName, region)
			if st2 == nil {
				return st, expr
			}
			out, ok := st2.Template.Outputs[outName]
			if !ok {
				return st, expr
			}
			st, expr = st2, out.Value
			continue
		}
		return st, expr
	}
	return st, expr
}

// stacks lists the stacks to search for a reference: this environment's first, then the rest of
// the assembly (exports are account- and region-wide).
func (e *Environment) stacks() []*Stack {
	if len(e.all) == 0 {
		return e.Stacks
	}
	return append(append([]*Stack{}, e.Stacks...), e.all...)
}

func (e *Environment) stackNamed(name, region string) *Stack {
	for _, st := range e.stacks() {
		if st.StackName == name && (region == "" || st.Region == "" || st.Region == region) {
			return st
		}
	}
	return nil
}

func (e *Environment) export(name string) (*Stack, *Output) {
	for _, st := range e.stacks() {
		for _, id := range sortedKeys(st.Template.Outputs) {
			out := st.Template.Outputs[id]
			if out.Export == nil {
				continue
			}
			if n, ok := e.str(st, out.Export.Name); ok && n == name {
				return st, &out
			}
		}
	}
	return nil, nil
}

// ref resolves expr to the resource it names: {"Ref": id}, {"Fn::GetAtt": [id, attr]}, through
// cross-stack references. ok is false for anything else (a literal, a parameter, a pseudo
// parameter).
func (e *Environment) ref(st *Stack, expr any) (resRef, bool) {
	st, expr = e.follow(st, expr)
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		return resRef{}, false
	}
	if id, ok := m["Ref"].(string); ok {
		if _, ok := st.Template.Resources[id]; ok {
			return resRef{stack: st, id: id}, true
		}
		return resRef{}, false
	}
	var id, attr string
	switch v := m["Fn::GetAtt"].(type) {
	case []any:
		if len(v) == 2 {
			id, _ = v[0].(string)
			attr, _ = v[1].(string)
		}
	case string:
		id, attr, _ = strings.Cut(v, ".")
	}
	if _, ok := st.Template.Resources[id]; ok && id != "" {
		return resRef{stack: st, id: id, attr: attr}, true
	}
	return resRef{}, false
}

// refs collects every resource reference anywhere inside expr (through cross-stack references).
func (e *Environment) refs(st *Stack, expr any) []resRef {
	var out []resRef
	var walk func(st *Stack, x any, depth int)
	walk = func(st *Stack, x any, depth int) {
		if depth > maxDepth {
			return
		}
		if r, ok := e.ref(st, x); ok {
			out = append(out, r)
			return
		}
		st2, x2 := e.follow(st, x)
		switch v := x2.(type) {
		case map[string]any:
			for _, k := range sortedKeys(v) {
				walk(st2, v[k], depth+1)
			}
		case []any:
			for _, item := range v {
				walk(st2, item, depth+1)
			}
		}
	}
	walk(st, expr, 0)
	return out
}

// str resolves expr to a string: literals, numbers, Fn::Join and Fn::Select of resolvable parts,
// Fn::Sub without variables, parameter defaults, the pseudo parameters a synthesized stack knows
// (AWS::StackName, AWS::Region, AWS::AccountId) and cross-stack references to such values.
func (e *Environment) str(st *Stack, expr any) (string, bool) {
	return e.strDepth(st, expr, 0)
}

func (e *Environment) strDepth(st *Stack, expr any, depth int) (string, bool) {
	if depth > maxDepth {
		return "", false
	}
	st, expr = e.follow(st, expr)
	switch v := expr.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case map[string]any:
		if len(v) != 1 {
			return "", false
		}
		if name, ok := v["Ref"].(string); ok {
			switch name {
			case "AWS::StackName":
				return st.StackName, st.StackName != ""
			case "AWS::Region":
				return st.Region, st.Region != ""
			case "AWS::AccountId":
				return st.Account, st.Account != ""
			case "AWS::Partition":
				return partition(st.Region), st.Region != ""
			}
			if p, ok := st.Template.Parameters[name]; ok && !strings.HasPrefix(p.Type, "AWS::SSM::") {
				return e.strDepth(st, p.Default, depth+1)
			}
			return "", false
		}
		if j, ok := v["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, ok1 := j[0].(string)
			parts, ok2 := j[1].([]any)
			if !ok1 || !ok2 {
				return "", false
			}
			ss := make([]string, len(parts))
			for i, p := range parts {
				s, ok := e.strDepth(st, p, depth+1)
				if !ok {
					return "", false
				}
				ss[i] = s
			}
			return strings.Join(ss, sep), true
		}
		if s, ok := v["Fn::Select"].([]any); ok && len(s) == 2 {
			i, ok := e.num(st, s[0])
			list, ok2 := s[1].([]any)
			if !ok || !ok2 || int(i) < 0 || int(i) >= len(list) {
				return "", false
			}
			return e.strDepth(st, list[int(i)], depth+1)
		}
		if s, ok := v["Fn::Sub"].(string); ok && !strings.Contains(s, "${") {
			return s, true
		}
	}
	return "", false
}

// partition is the ARN partition of a region: aws-cn for China, aws-us-gov for GovCloud, else aws.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// num resolves expr to a number: a JSON number, a numeric string (CloudFormation writes many
// integers as strings: "MinSize": "1"), or a reference to one.
func (e *Environment) num(st *Stack, expr any) (float64, bool) {
	st, expr = e.follow(st, expr)
	if f, ok := expr.(float64); ok {
		return f, true
	}
	s, ok := e.str(st, expr)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil && !math.IsNaN(f)
}

// intOr resolves expr to an integer, or returns def when it is absent or not resolvable. The
// bool says whether the value came from the template.
func (e *Environment) intOr(st *Stack, expr any, def int) (int, bool) {
	if expr == nil {
		return def, false
	}
	f, ok := e.num(st, expr)
	if !ok {
		return def, false
	}
	return int(math.Round(f)), true
}

func (e *Environment) boolOr(st *Stack, expr any, def bool) bool {
	s, ok := e.str(st, expr)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return def
	}
	return b
}

// bound is an expression together with the stack it must be resolved in.
type bound struct {
	st *Stack
	x  any
}

// list resolves expr to the items of a list: a literal list, a cross-stack reference to one, or
// {"Fn::Split": [sep, <reference to {"Fn::Join": [sep, items]}>]} as CDK writes list exports.
func (e *Environment) list(st *Stack, expr any) []bound {
	st, expr = e.follow(st, expr)
	if m := obj(expr); len(m) == 1 {
		if sp, ok := m["Fn::Split"].([]any); ok && len(sp) == 2 {
			st2, joined := e.follow(st, sp[1])
			if j, ok := obj(joined)["Fn::Join"].([]any); ok && len(j) == 2 && j[0] == sp[0] {
				st, expr = st2, j[1]
			}
		}
	}
	l, _ := expr.([]any)
	out := make([]bound, len(l))
	for i, x := range l {
		out[i] = bound{st, x}
	}
	return out
}

func obj(x any) map[string]any {
	m, _ := x.(map[string]any)
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (r resRef) String() string {
	if r.stack == nil {
		return "?"
	}
	return fmt.Sprintf("%s/%s", r.stack.Name, r.id)
}
