package fork

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// These tests fork this repository's constructs. scripts/check-fork (CI) goes further: it forks
// every construct alone and runs its tests in the new module, and synthesizes the README's
// library example with the CDK CLI.

// readmeBlock returns the first fenced block of the README's "Using the constructs in your own
// module" section whose info string is lang and that contains text.
func readmeBlock(t *testing.T, lang, text string) string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Using the constructs in your own module\n")
	section, _, _ = strings.Cut(section, "\n## ")
	for ok {
		var block string
		if _, section, ok = strings.Cut(section, "\n```"+lang+"\n"); !ok {
			break
		}
		block, section, _ = strings.Cut(section, "\n```\n")
		if strings.Contains(block, text) {
			return block + "\n"
		}
	}
	t.Fatalf("README.md: no ```%s block containing %q in \"Using the constructs in your own module\"", lang, text)
	return ""
}

// module makes a new module: go.mod with path, the README's require lines and extra; okiagari's
// go.sum, so that the go command needs no checksum look-up.
func module(t *testing.T, path, extra string) string {
	t.Helper()
	dir := t.TempDir()
	sum, err := os.ReadFile("../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, map[string]string{
		"go.mod": "module " + path + "\n\ngo 1.26\n\n" + readmeBlock(t, "go.mod", "require (") + extra,
		"go.sum": string(sum),
	})
	return dir
}

// goIn runs the go command in dir, letting it complete go.mod from the module cache.
func goIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
}

func TestForkIntoANewModule(t *testing.T) {
	mod := module(t, "example.com/platform", "")
	dir := filepath.Join(mod, "platform")
	var out, errs bytes.Buffer
	for _, name := range []string{"webservice", "autoheal"} {
		if code := Main([]string{name, dir}, &out, &errs); code != 0 {
			t.Fatalf("fork %s: exit %d\n%s", name, code, errs.String())
		}
	}
	if strings.Contains(out.String(), "go get") {
		t.Errorf("the README's require lines lack modules the fork needs:\n%s", out.String())
	}
	for _, want := range []string{
		`(?m)^  webservice +from constructs/webservice +\d+ files \(new\)$`,
		`(?m)^  autoheal +from constructs/autoheal +\d+ files \(new\)$`,
		`(?m)^  check +from constructs/check +\d+ files \(already there\)$`,
		`(?m)^  go test ./platform/...$`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("fork's report lacks %s:\n%s", want, out.String())
		}
	}
	for _, want := range []string{"webservice", "autoheal", "capacity", "check", "network", "scaling", "testenv"} {
		if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
			t.Errorf("%s not copied: %v", want, err)
		}
	}
	// Every Go file says where it came from and imports nothing from okiagari.
	err := filepath.WalkDir(mod, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(data, []byte("// Forked from "+ModulePath+"/")) {
			t.Errorf("%s has no header line", path)
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, data, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if ip, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(ip, ModulePath) {
				t.Errorf("%s still imports %s", path, ip)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Again: nothing to write. After a change: exit 1 naming the file, nothing changed.
	before := tree(t, mod)
	out.Reset()
	if code := Main([]string{"webservice", dir}, &out, &errs); code != 0 || !strings.HasPrefix(out.String(), "Nothing to write: ") {
		t.Errorf("second fork: exit %d\n%s", code, out.String())
	}
	changed := filepath.Join(dir, "webservice", "props.go")
	mine := before["platform/webservice/props.go"] + "\n// A change of mine.\n"
	write(t, dir, map[string]string{"webservice/props.go": mine})
	before = tree(t, mod)
	errs.Reset()
	if code := Main([]string{"webservice", dir}, &out, &errs); code != 1 || !strings.Contains(errs.String(), "\n  "+changed+"\n") {
		t.Errorf("fork over a changed file: exit %d, stderr:\n%s", code, errs.String())
	}
	if after := tree(t, mod); !reflect.DeepEqual(before, after) {
		t.Error("fork over a changed file changed files")
	}

	goIn(t, mod, "build", "./...")
	goIn(t, mod, "vet", "./...")
}

// The README's library example, in a new module that requires okiagari (replaced by this
// checkout: it is not published), compiles and vets.
func TestReadmeLibraryExample(t *testing.T) {
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mod := module(t, "example.com/web", "\nrequire "+ModulePath+" v0.3.0\n\nreplace "+ModulePath+" => "+repo+"\n")
	write(t, mod, map[string]string{"main.go": readmeBlock(t, "go", "package main")})
	goIn(t, mod, "vet", "./...")

	// There, `go run github.com/okiagari/okiagari/bin fork` finds okiagari's source as the
	// module's dependency.
	t.Chdir(mod)
	t.Setenv("GOFLAGS", "-mod=mod -buildvcs=false")
	if got, err := sourceRoot(); err != nil || got != repo {
		t.Errorf("sourceRoot in a module that requires okiagari: %q, %v; want %q", got, err, repo)
	}
}

// Each construct's README says what a fork of it brings: "## Forking", the packages its code
// imports, then "which its code imports", then those only its tests use.
func TestConstructReadmesListWhatAForkBrings(t *testing.T) {
	names, err := Constructs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join("..", "constructs", name, "README.md"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		code, _, _ := closure("..", "constructs/"+name, false)
		all, _, _ := closure("..", "constructs/"+name, true)
		var wantCode, wantTests []string
		for _, rel := range all[1:] {
			if slices.Contains(code, rel) {
				wantCode = append(wantCode, filepath.Base(rel))
			} else {
				wantTests = append(wantTests, filepath.Base(rel))
			}
		}
		want := "`go run ./bin fork " + name + " ./platform` copies this package with " + list(wantCode) + ", which its code imports"
		if len(wantTests) > 0 {
			want += ", and " + list(wantTests) + ", which its tests use"
		}
		_, section, ok := strings.Cut(string(data), "\n## Forking\n")
		section, _, _ = strings.Cut(section, "\n## ")
		if got := strings.Join(strings.Fields(section), " "); !ok || !strings.Contains(got, want) {
			t.Errorf("constructs/%s/README.md: its \"## Forking\" section should say:\n%s", name, want)
		}
	}
}

// list writes names as "`a`", "`a` and `b`", "`a`, `b` and `c`".
func list(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
