package fork

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Usage is the command line of the fork command.
const Usage = "usage: go run ./bin fork NAME DIR [--force]"

// Main runs the fork command with its arguments (those after "fork": NAME DIR [--force]) and
// returns its exit code: 0 when done (or nothing to do), 1 with one line on stderr saying why
// not, or with the list of files it would not overwrite.
func Main(args []string, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "fork: "+format+"\n", a...)
		return 1
	}
	var opt Options
	var pos []string
	for _, a := range args {
		switch {
		case a == "--force" || a == "-force":
			opt.Force = true
		case a == "-h" || a == "--help":
			fmt.Fprintln(stdout, Usage)
			return 0
		case strings.HasPrefix(a, "-"):
			return fail("unknown flag %s; %s", a, Usage)
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) != 2 {
		return fail("want a construct name and a directory; %s", Usage)
	}
	opt.Name, opt.Dir = pos[0], pos[1]
	var err error
	if opt.Source, err = sourceRoot(); err != nil {
		return fail("%v", err)
	}
	opt.Version = version(opt.Source)

	p, err := New(opt)
	if err != nil {
		return fail("%v", err)
	}
	if err := p.Apply(); err != nil {
		var c *ConflictError
		if errors.As(err, &c) {
			fmt.Fprintf(stderr, "fork: nothing changed: these files differ from what fork would write (changed since an earlier fork?); keep your changes, or overwrite them with --force:\n")
			for _, f := range c.Files {
				fmt.Fprintf(stderr, "  %s\n", show(f))
			}
			return 1
		}
		return fail("%v", err)
	}
	p.Report(stdout)
	return 0
}

// Report prints what an applied plan did and what to run next.
func (p *Plan) Report(w io.Writer) {
	what := fmt.Sprintf("%s/constructs/%s (%s)", ModulePath, p.Name, p.Version)
	if len(p.writes()) == 0 {
		fmt.Fprintf(w, "Nothing to write: %s is already forked into %s, module %s:\n", what, show(p.Dir), p.Module)
	} else {
		fmt.Fprintf(w, "Forked %s into %s, module %s:\n", what, show(p.Dir), p.Module)
	}
	width := 0
	for _, pkg := range p.Packages {
		width = max(width, len(filepath.Base(pkg.Dir)))
	}
	for _, pkg := range p.Packages {
		counts := map[State]int{}
		for _, f := range pkg.Files {
			counts[f.State]++
		}
		var what []string
		for _, c := range []struct {
			state State
			word  string
		}{{Create, "new"}, {Replace, "overwritten"}, {Same, "already there"}} {
			if n := counts[c.state]; n == len(pkg.Files) {
				what = append(what, c.word)
			} else if n > 0 {
				what = append(what, fmt.Sprintf("%d %s", n, c.word))
			}
		}
		fmt.Fprintf(w, "  %-*s  from %-24s %d files (%s)\n", width, filepath.Base(pkg.Dir), pkg.From, len(pkg.Files), strings.Join(what, ", "))
	}
	switch {
	case p.NewCdkJSON != nil:
		fmt.Fprintf(w, "Created %s with the %d CDK feature flags the constructs are tested with; add your app's \"app\" command to it.\n", show(p.CdkJSON), len(p.Flags))
	case len(p.Merge) > 0:
		snippet, _ := json.MarshalIndent(p.Merge, "  ", "  ")
		fmt.Fprintf(w, "%s lacks %d of the CDK feature flags the constructs are tested with; merge these into its \"context\":\n  %s\n", show(p.CdkJSON), len(p.Merge), snippet)
	}
	if len(p.Differ) > 0 {
		fmt.Fprintf(w, "%s sets %d feature flag(s) otherwise than the constructs' tests, so its templates differ from the tested ones:\n", show(p.CdkJSON), len(p.Differ))
		for _, d := range p.Differ {
			fmt.Fprintf(w, "  %s\n", d)
		}
	}
	sub, _ := filepath.Rel(p.ModuleRoot, p.Dir)
	fmt.Fprintf(w, "Next, in %s:\n", show(p.ModuleRoot))
	if len(p.Requires) > 0 {
		fmt.Fprintf(w, "  go get %s\n", strings.Join(p.Requires, " "))
	}
	fmt.Fprintf(w, "  go test ./%s/...\n", filepath.ToSlash(sub))
	fmt.Fprintln(w, "The copies are yours now: change them as you need. A later fork (another construct, a newer okiagari) never overwrites a file you changed; it lists them and stops (--force overwrites).")
}

// show returns path relative to the working directory when it is below it, else as it is.
func show(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	return rel
}

// sourceRoot returns okiagari's root directory: the module the working directory is in when it
// is okiagari (go run ./bin fork), else okiagari as a dependency of that module (go run
// github.com/okiagari/okiagari/bin fork, in a module that requires it).
func sourceRoot() (string, error) {
	if wd, err := os.Getwd(); err == nil {
		if root, module, err := findModule(wd); err == nil && module == ModulePath {
			return root, nil
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", ModulePath).Output()
	if dir := strings.TrimSpace(string(out)); err == nil && dir != "" {
		return dir, nil
	}
	return "", errors.New("cannot find okiagari's source: run fork in an okiagari checkout, or in a module that requires " + ModulePath)
}

// version names the source okiagari for the headers: `git describe` of a checkout (a tag, or a
// tag and the commit after it, "-dirty" with uncommitted changes), or the version of a module
// cache directory (".../okiagari@v0.3.0").
func version(source string) string {
	out, err := exec.Command("git", "-C", source, "describe", "--tags", "--always", "--dirty", "--abbrev=12").Output()
	if v := strings.TrimSpace(string(out)); err == nil && v != "" {
		return v
	}
	if _, v, ok := strings.Cut(filepath.Base(source), "@"); ok {
		return v
	}
	return "an unknown version"
}
