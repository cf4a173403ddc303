package fork

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// ModulePath is okiagari's module path: the imports a fork rewrites start with it.
const ModulePath = "github.com/okiagari/okiagari"

// flagsFile holds the feature flags the constructs are tested with, relative to okiagari's root.
const flagsFile = "testenv/featureflags.json"

// Options says what to fork, from where and to where.
type Options struct {
	// Name is the construct: a package directory under Source's constructs/ ("webservice").
	Name string
	// Dir is the directory the packages are copied into. It need not exist, but must lie in a Go
	// module: a go.mod in it or one of its parents.
	Dir string
	// Source is the root directory of okiagari's module (the directory of its go.mod).
	Source string
	// Version names the source in each file's header line ("v0.3.0", a commit).
	Version string
	// Force overwrites files that differ from what the fork would write.
	Force bool
}

// State is what a fork does with one file.
type State int

const (
	// Create: the file does not exist yet.
	Create State = iota
	// Same: the file exists with the content the fork would write (its header line aside), and
	// is left alone.
	Same
	// Differs: the file exists with other content; the fork stops unless forced.
	Differs
	// Replace: the file differs and the fork is forced: it is overwritten.
	Replace
)

// File is one file of a fork.
type File struct {
	Path  string // destination, absolute
	Data  []byte // what the fork writes
	State State
}

// Package is one okiagari package a fork copies.
type Package struct {
	From   string // its directory in okiagari, slash-separated: "constructs/webservice"
	Dir    string // its destination directory, absolute
	Import string // its import path in the destination module
	Files  []*File
}

// Plan is what a fork of one construct does; New works it out without writing anything, Apply
// writes it.
type Plan struct {
	Options
	Module     string     // the destination module's path
	ModuleRoot string     // the directory of the destination's go.mod
	Packages   []*Package // the construct first, then the packages it needs, by okiagari path
	// Requires are the modules the copied code imports that the destination's go.mod does not
	// require yet, at the versions okiagari is tested with: "github.com/aws/jsii-runtime-go@v1.139.0".
	Requires []string
	// CdkJSON is the destination app's cdk.json: the nearest one from Dir up to ModuleRoot, or
	// ModuleRoot/cdk.json when there is none; "" when okiagari has no feature flags file.
	CdkJSON string
	// NewCdkJSON is the cdk.json Apply creates (with the tested feature flags as its context);
	// nil when one exists.
	NewCdkJSON *File
	// Flags are the feature flags the constructs are tested with.
	Flags map[string]any
	// Merge are the tested feature flags that the existing cdk.json lacks.
	Merge map[string]any
	// Differ are the tested feature flags that the existing cdk.json sets to other values, each
	// as `"name": value here, tested with value`.
	Differ []string
}

// ConflictError lists the files a fork would overwrite although they differ from what it would
// write (usually: changed since an earlier fork).
type ConflictError struct {
	Files []string // absolute paths
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%d file(s) differ from what fork would write: %s", len(e.Files), strings.Join(e.Files, ", "))
}

// Constructs returns the names of the packages under source's constructs/ (those with Go files
// other than tests): what can be forked.
func Constructs(source string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(source, "constructs"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(source, "constructs", e.Name(), "*.go"))
		if slices.ContainsFunc(files, func(f string) bool { return !strings.HasSuffix(f, "_test.go") }) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// New works out the fork of opt.Name into opt.Dir. It reads, and writes nothing.
func New(opt Options) (*Plan, error) {
	names, err := Constructs(opt.Source)
	if err != nil {
		return nil, fmt.Errorf("read okiagari's constructs: %w", err)
	}
	if !slices.Contains(names, opt.Name) {
		return nil, fmt.Errorf("unknown construct %q; the constructs are %s", opt.Name, strings.Join(names, ", "))
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, err
	}
	if base := existing(dir); !isDir(base) {
		return nil, fmt.Errorf("cannot write to %s: %s is not a directory", opt.Dir, base)
	}
	p := &Plan{Options: opt}
	p.Dir = dir
	if p.ModuleRoot, p.Module, err = findModule(dir); err != nil {
		return nil, err
	}
	if p.Module == ModulePath {
		return nil, fmt.Errorf("%s is inside okiagari's own module; fork into your application's module", opt.Dir)
	}

	rels, external, err := closure(opt.Source, "constructs/"+opt.Name, true)
	if err != nil {
		return nil, err
	}
	imports := map[string]string{} // okiagari directory → import path in the destination
	byDir := map[string]string{}
	for _, rel := range rels {
		to := filepath.Join(dir, path.Base(rel))
		if other, ok := byDir[to]; ok {
			return nil, fmt.Errorf("%s and %s would both be copied to %s", other, rel, to)
		}
		byDir[to] = rel
		sub, _ := filepath.Rel(p.ModuleRoot, to)
		imports[rel] = p.Module + "/" + filepath.ToSlash(sub)
		p.Packages = append(p.Packages, &Package{From: rel, Dir: to, Import: imports[rel]})
	}
	for _, pkg := range p.Packages {
		if err := p.addFiles(pkg, imports); err != nil {
			return nil, err
		}
	}
	if p.Requires, err = requires(opt.Source, p.ModuleRoot, external); err != nil {
		return nil, err
	}
	if err := p.cdkJSON(); err != nil {
		return nil, err
	}
	return p, nil
}

// findModule returns the directory and module path of the go.mod nearest to dir (dir itself or a
// parent; dir need not exist).
func findModule(dir string) (root, module string, err error) {
	for d := dir; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			module := modfile.ModulePath(data)
			if module == "" {
				return "", "", fmt.Errorf("%s has no module line", filepath.Join(d, "go.mod"))
			}
			return d, module, nil
		}
		if filepath.Dir(d) == d {
			return "", "", fmt.Errorf("%s is in no Go module (no go.mod in it or a parent): run go mod init in your application's root first", dir)
		}
	}
}

// closure returns the okiagari packages (directories relative to source, slash-separated) that
// the package in root needs for its code (and with tests, for its tests), and that those need in
// turn, root first and the rest sorted; and the non-standard packages outside okiagari that they
// import.
func closure(source, root string, tests bool) (rels, external []string, err error) {
	seen := map[string]bool{root: true}
	ext := map[string]bool{}
	queue := []string{root}
	for len(queue) > 0 {
		rel := queue[0]
		queue = queue[1:]
		files, err := filepath.Glob(filepath.Join(source, filepath.FromSlash(rel), "*.go"))
		if err != nil {
			return nil, nil, err
		}
		if len(files) == 0 {
			return nil, nil, fmt.Errorf("%s/%s has no Go files", ModulePath, rel)
		}
		for _, file := range files {
			if !tests && strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
			if err != nil {
				return nil, nil, err
			}
			for _, imp := range f.Imports {
				ip, _ := strconv.Unquote(imp.Path.Value)
				dep, ok := strings.CutPrefix(ip, ModulePath+"/")
				switch {
				case ok && !seen[dep]:
					seen[dep] = true
					queue = append(queue, dep)
				case !ok && strings.Contains(strings.Split(ip, "/")[0], "."):
					ext[ip] = true
				}
			}
		}
	}
	delete(seen, root)
	rels = append([]string{root}, slices.Sorted(maps.Keys(seen))...)
	return rels, slices.Sorted(maps.Keys(ext)), nil
}

// addFiles plans the files of pkg: every file of its directory and of its testdata, the Go files
// with their okiagari imports rewritten.
func (p *Plan) addFiles(pkg *Package, imports map[string]string) error {
	from := filepath.Join(p.Source, filepath.FromSlash(pkg.From))
	return filepath.WalkDir(from, func(src string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, src)
		if d.IsDir() {
			// Other directories are other packages; testdata belongs to this one.
			if rel != "." && rel != "testdata" && !strings.HasPrefix(rel, "testdata"+string(filepath.Separator)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		origin := pkg.From + "/" + filepath.ToSlash(rel)
		if data, err = transform(origin, data, p.Version, imports); err != nil {
			return err
		}
		f := &File{Path: filepath.Join(pkg.Dir, rel), Data: data}
		if f.State, err = p.state(f.Path, data); err != nil {
			return err
		}
		pkg.Files = append(pkg.Files, f)
		return nil
	})
}

// transform returns the copy of okiagari's file origin ("constructs/check/check.go"): a Go file
// with its okiagari imports rewritten and a header line, a Markdown file with a header line, any
// other file as it is.
func transform(origin string, data []byte, version string, imports map[string]string) ([]byte, error) {
	header := "Forked from " + ModulePath + "/" + origin + " at " + version + "."
	switch path.Ext(origin) {
	case ".go":
		out, err := rewriteImports(data, imports)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", origin, err)
		}
		return append([]byte("// "+header+"\n\n"), out...), nil
	case ".md":
		return append([]byte("<!-- "+header+" -->\n\n"), data...), nil
	}
	return data, nil
}

// rewriteImports replaces okiagari import paths in a Go file by their destinations and formats
// the result (which sorts the imports again).
func rewriteImports(src []byte, imports map[string]string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	last := 0
	for _, imp := range f.Imports {
		ip, _ := strconv.Unquote(imp.Path.Value)
		rel, ok := strings.CutPrefix(ip, ModulePath+"/")
		if !ok {
			continue
		}
		to, ok := imports[rel]
		if !ok {
			return nil, fmt.Errorf("import %q is not part of the fork", ip)
		}
		start, end := fset.Position(imp.Path.Pos()).Offset, fset.Position(imp.Path.End()).Offset
		out.Write(src[last:start])
		out.WriteString(strconv.Quote(to))
		last = end
	}
	out.Write(src[last:])
	return format.Source(out.Bytes())
}

// state compares what the fork would write to path with what is there.
func (p *Plan) state(path string, data []byte) (State, error) {
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return Create, nil
	case err != nil:
		return 0, err
	case bytes.Equal(withoutHeader(old), withoutHeader(data)):
		return Same, nil
	case p.Force:
		return Replace, nil
	}
	return Differs, nil
}

// withoutHeader returns data without its first line when that is a fork's header line: a file
// forked from another okiagari version with the same content is the same.
func withoutHeader(data []byte) []byte {
	for _, prefix := range []string{"// Forked from " + ModulePath + "/", "<!-- Forked from " + ModulePath + "/"} {
		if bytes.HasPrefix(data, []byte(prefix)) {
			if _, rest, ok := bytes.Cut(data, []byte("\n")); ok {
				return rest
			}
			return nil
		}
	}
	return data
}

// requires returns the modules that provide the external imports and that the go.mod in
// moduleRoot does not require yet, at the versions of okiagari's go.mod ("path@version").
func requires(source, moduleRoot string, external []string) ([]string, error) {
	parse := func(dir string) (*modfile.File, error) {
		name := filepath.Join(dir, "go.mod")
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		return modfile.ParseLax(name, data, nil)
	}
	ours, err := parse(source)
	if err != nil {
		return nil, err
	}
	theirs, err := parse(moduleRoot)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, r := range theirs.Require {
		have[r.Mod.Path] = true
	}
	need := map[string]bool{}
	for _, ip := range external {
		r := provider(ours, ip)
		if r == nil {
			return nil, fmt.Errorf("okiagari's go.mod requires no module for %s", ip)
		}
		if !have[r.Mod.Path] {
			need[r.Mod.Path+"@"+r.Mod.Version] = true
		}
	}
	return slices.Sorted(maps.Keys(need)), nil
}

// provider returns the requirement of f whose module provides package ip (the longest module
// path that is a prefix of it), or nil.
func provider(f *modfile.File, ip string) *modfile.Require {
	var best *modfile.Require
	for _, r := range f.Require {
		if (ip == r.Mod.Path || strings.HasPrefix(ip, r.Mod.Path+"/")) && (best == nil || len(r.Mod.Path) > len(best.Mod.Path)) {
			best = r
		}
	}
	return best
}

// cdkJSON works out what the destination's cdk.json needs: the feature flags the constructs are
// tested with.
func (p *Plan) cdkJSON() error {
	data, err := os.ReadFile(filepath.Join(p.Source, filepath.FromSlash(flagsFile)))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &p.Flags); err != nil {
		return fmt.Errorf("%s: %w", flagsFile, err)
	}
	for d := p.Dir; ; d = filepath.Dir(d) {
		path := filepath.Join(d, "cdk.json")
		if _, err := os.Stat(path); err == nil {
			p.CdkJSON = path
			break
		}
		if d == p.ModuleRoot || filepath.Dir(d) == d {
			break
		}
	}
	if p.CdkJSON == "" {
		p.CdkJSON = filepath.Join(p.ModuleRoot, "cdk.json")
		data, err := json.MarshalIndent(map[string]any{"context": p.Flags}, "", "  ")
		if err != nil {
			return err
		}
		p.NewCdkJSON = &File{Path: p.CdkJSON, Data: append(data, '\n'), State: Create}
		return nil
	}
	raw, err := os.ReadFile(p.CdkJSON)
	if err != nil {
		return err
	}
	var existing struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &existing); err != nil {
		return fmt.Errorf("%s: %w", p.CdkJSON, err)
	}
	p.Merge = map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(p.Flags)) {
		v, ok := existing.Context[k]
		switch {
		case !ok:
			p.Merge[k] = p.Flags[k]
		case !reflect.DeepEqual(v, p.Flags[k]):
			p.Differ = append(p.Differ, fmt.Sprintf("%q: %s here, tested with %s", k, jsonText(v), jsonText(p.Flags[k])))
		}
	}
	return nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Conflicts returns the files that differ from what the fork would write and that it would not
// overwrite.
func (p *Plan) Conflicts() []string {
	var out []string
	for _, pkg := range p.Packages {
		for _, f := range pkg.Files {
			if f.State == Differs {
				out = append(out, f.Path)
			}
		}
	}
	return out
}

// writes returns the files Apply writes.
func (p *Plan) writes() []*File {
	var out []*File
	for _, pkg := range p.Packages {
		for _, f := range pkg.Files {
			if f.State == Create || f.State == Replace {
				out = append(out, f)
			}
		}
	}
	if p.NewCdkJSON != nil {
		out = append(out, p.NewCdkJSON)
	}
	return out
}

// Apply writes the plan. With conflicts (and no Force) it returns a *ConflictError and writes
// nothing. It writes every file into a staging directory beside Dir first and then renames them
// into place; when a step fails, what was done is undone, so that nothing is half-written.
func (p *Plan) Apply() (err error) {
	if c := p.Conflicts(); len(c) > 0 {
		return &ConflictError{Files: c}
	}
	files := p.writes()
	if len(files) == 0 {
		return nil
	}
	cannot := func(err error) error {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write to %s: %w", p.Dir, err)
	}
	stage, err := os.MkdirTemp(existing(p.Dir), ".okiagari-fork-")
	if err != nil {
		return cannot(err)
	}
	defer os.RemoveAll(stage)
	for i, f := range files {
		if err := os.WriteFile(filepath.Join(stage, strconv.Itoa(i)), f.Data, 0o644); err != nil {
			return cannot(err)
		}
	}

	var undo []func()
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		}
	}()
	for i, f := range files {
		created, err := mkdirAll(filepath.Dir(f.Path))
		for _, d := range created {
			undo = append(undo, func() { os.Remove(d) })
		}
		if err != nil {
			return cannot(err)
		}
		staged := filepath.Join(stage, strconv.Itoa(i))
		if f.State == Replace {
			backup := staged + ".orig"
			if err := os.Rename(f.Path, backup); err != nil {
				return cannot(err)
			}
			undo = append(undo, func() { os.Rename(backup, f.Path) })
		}
		if err := os.Rename(staged, f.Path); err != nil {
			return cannot(err)
		}
		undo = append(undo, func() { os.Remove(f.Path) })
	}
	return nil
}

// existing returns path if it exists, else its nearest parent that does.
func existing(path string) string {
	for {
		if _, err := os.Stat(path); err == nil || filepath.Dir(path) == path {
			return path
		}
		path = filepath.Dir(path)
	}
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// mkdirAll makes dir and its missing parents, and returns those it created, outermost first.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		missing = append(missing, d)
	}
	var created []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil {
			return created, err
		}
		created = append(created, missing[i])
	}
	return created, nil
}
