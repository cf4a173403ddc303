package fork

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// source writes a small okiagari tree: construct alpha needs check (code) and testenv (tests);
// beta needs check; testenv carries the feature flags.
func source(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write(t, root, map[string]string{
		"go.mod": "module github.com/okiagari/okiagari\n\ngo 1.26\n\nrequire (\n" +
			"\texample.org/cdk v1.2.0\n\texample.org/cdk/sub v1.3.0\n\texample.org/unused v0.1.0\n)\n",
		"constructs/alpha/alpha.go": "// Package alpha is a construct.\npackage alpha\n\nimport (\n\t\"fmt\"\n\n\t\"example.org/cdk/sub/x\"\n\n" +
			"\t\"github.com/okiagari/okiagari/constructs/check\"\n)\n\nvar _ = fmt.Sprint(x.X, check.C)\n",
		"constructs/alpha/alpha_test.go": "package alpha_test\n\nimport (\n\t\"testing\"\n\n" +
			"\t\"github.com/okiagari/okiagari/constructs/alpha\"\n\t\"github.com/okiagari/okiagari/testenv\"\n)\n\nfunc TestA(t *testing.T) { testenv.T(t) }\n",
		"constructs/alpha/README.md":              "# alpha\n\nSee [check](../check).\n",
		"constructs/alpha/testdata/golden.json":   "{\"a\": 1}\n",
		"constructs/alpha/sub/other.go":           "package sub\n", // another package: not copied
		"constructs/beta/beta.go":                 "package beta\n\nimport \"github.com/okiagari/okiagari/constructs/check\"\n\nvar B = check.C\n",
		"constructs/check/check.go":               "package check\n\nimport \"example.org/cdk\"\n\nvar C = cdk.C\n",
		"constructs/notes/README.md":              "no Go here\n",
		"testenv/testenv.go":                      "package testenv\n\nimport \"testing\"\n\nfunc T(t *testing.T) {}\n",
		"testenv/featureflags.json":               "{\n  \"@aws-cdk/a\": true,\n  \"@aws-cdk/b\": true,\n  \"@aws-cdk/c\": \"strong\"\n}\n",
		"bin/main.go":                             "package main\n",
		"constructs/alpha/.alpha.go.swp":          "editor junk",
		"constructs/check/testdata/in/case.txt":   "nested testdata\n",
		"constructs/check/check_internal_test.go": "package check\n",
	})
	return root
}

// app writes a module example.com/app that already requires example.org/cdk.
func app(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write(t, root, map[string]string{"go.mod": "module example.com/app\n\ngo 1.26\n\nrequire example.org/cdk v1.2.0\n"})
	return root
}

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tree returns every file under root (slash-separated, relative) with its content.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = read(t, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fork(t *testing.T, src, dir, name string, force bool) *Plan {
	t.Helper()
	p, err := New(Options{Name: name, Dir: dir, Source: src, Version: "v0.3.0", Force: force})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConstructs(t *testing.T) {
	got, err := Constructs(source(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alpha", "beta", "check"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestForkCopiesWhatCodeAndTestsImport(t *testing.T) {
	src, root := source(t), app(t)
	p := fork(t, src, filepath.Join(root, "platform"), "alpha", false)

	var got []string
	for _, pkg := range p.Packages {
		got = append(got, pkg.From+" → "+pkg.Import)
	}
	want := []string{
		"constructs/alpha → example.com/app/platform/alpha",
		"constructs/check → example.com/app/platform/check",
		"testenv → example.com/app/platform/testenv",
	}
	if !slices.Equal(got, want) {
		t.Errorf("packages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// example.org/cdk is required already; example.org/unused is imported by nothing copied.
	if want := []string{"example.org/cdk/sub@v1.3.0"}; !slices.Equal(p.Requires, want) {
		t.Errorf("requires %v, want %v", p.Requires, want)
	}

	files := tree(t, root)
	var names []string
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	wantNames := []string{
		"cdk.json", "go.mod",
		"platform/alpha/README.md", "platform/alpha/alpha.go", "platform/alpha/alpha_test.go", "platform/alpha/testdata/golden.json",
		"platform/check/check.go", "platform/check/check_internal_test.go", "platform/check/testdata/in/case.txt",
		"platform/testenv/featureflags.json", "platform/testenv/testenv.go",
	}
	if !slices.Equal(names, wantNames) {
		t.Errorf("files:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(wantNames, "\n"))
	}
	if got, want := files["platform/alpha/alpha.go"], "// Forked from github.com/okiagari/okiagari/constructs/alpha/alpha.go at v0.3.0.\n\n"+
		"// Package alpha is a construct.\npackage alpha\n\nimport (\n\t\"fmt\"\n\n\t\"example.org/cdk/sub/x\"\n\n"+
		"\t\"example.com/app/platform/check\"\n)\n\nvar _ = fmt.Sprint(x.X, check.C)\n"; got != want {
		t.Errorf("alpha.go:\n%s\nwant:\n%s", got, want)
	}
	if got, want := files["platform/alpha/alpha_test.go"], "import (\n\t\"testing\"\n\n"+
		"\t\"example.com/app/platform/alpha\"\n\t\"example.com/app/platform/testenv\"\n)\n"; !strings.Contains(got, want) {
		t.Errorf("alpha_test.go:\n%s\nwant it to contain:\n%s", got, want)
	}
	if got, want := files["platform/alpha/README.md"], "<!-- Forked from github.com/okiagari/okiagari/constructs/alpha/README.md at v0.3.0. -->\n\n# alpha\n\nSee [check](../check).\n"; got != want {
		t.Errorf("README.md:\n%s\nwant:\n%s", got, want)
	}
	if got := files["platform/alpha/testdata/golden.json"]; got != "{\"a\": 1}\n" {
		t.Errorf("testdata changed: %q", got)
	}
	if got, want := files["cdk.json"], "{\n  \"context\": {\n    \"@aws-cdk/a\": true,\n    \"@aws-cdk/b\": true,\n    \"@aws-cdk/c\": \"strong\"\n  }\n}\n"; got != want {
		t.Errorf("cdk.json:\n%s\nwant:\n%s", got, want)
	}
}

func TestForkTwiceWritesNothing(t *testing.T) {
	src, root := source(t), app(t)
	dir := filepath.Join(root, "platform")
	fork(t, src, dir, "alpha", false)
	before := tree(t, root)
	p := fork(t, src, dir, "alpha", false)
	if w := p.writes(); len(w) != 0 {
		t.Errorf("second fork writes %d files", len(w))
	}
	if after := tree(t, root); !reflect.DeepEqual(before, after) {
		t.Error("second fork changed files")
	}
	// A newer okiagari whose files are the same: only the header would change; left alone.
	p, err := New(Options{Name: "alpha", Dir: dir, Source: src, Version: "v0.4.0"})
	if err != nil {
		t.Fatal(err)
	}
	if w := p.writes(); len(w) != 0 || len(p.Conflicts()) != 0 {
		t.Errorf("another version: %d writes, conflicts %v", len(w), p.Conflicts())
	}
}

func TestSecondConstructReusesSharedPackages(t *testing.T) {
	src, root := source(t), app(t)
	dir := filepath.Join(root, "platform")
	fork(t, src, dir, "alpha", false)
	p := fork(t, src, dir, "beta", false)
	for _, pkg := range p.Packages {
		for _, f := range pkg.Files {
			want := Same
			if pkg.From == "constructs/beta" {
				want = Create
			}
			if f.State != want {
				t.Errorf("%s: state %d, want %d", f.Path, f.State, want)
			}
		}
	}
	if !strings.Contains(read(t, filepath.Join(dir, "beta", "beta.go")), `import "example.com/app/platform/check"`) {
		t.Error("beta's import of check not rewritten")
	}
}

func TestChangedFileStopsTheFork(t *testing.T) {
	src, root := source(t), app(t)
	dir := filepath.Join(root, "platform")
	fork(t, src, dir, "alpha", false)
	changed := filepath.Join(dir, "check", "check.go")
	mine := read(t, changed) + "\n// my change\n"
	write(t, dir, map[string]string{"check/check.go": mine})
	readme := filepath.Join(dir, "alpha", "README.md")
	os.Remove(readme)
	before := tree(t, root)

	p, err := New(Options{Name: "beta", Dir: dir, Source: src, Version: "v0.3.0"})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Apply()
	var c *ConflictError
	if !errors.As(err, &c) || !slices.Equal(c.Files, []string{changed}) {
		t.Fatalf("got %v, want a conflict on %s", err, changed)
	}
	if after := tree(t, root); !reflect.DeepEqual(before, after) {
		t.Error("a fork that stopped changed files")
	}

	// Forced: the changed file is overwritten, the missing one written again.
	fork(t, src, dir, "alpha", true)
	if got := read(t, changed); got == mine || strings.Contains(got, "my change") {
		t.Error("--force did not overwrite the changed file")
	}
	if _, err := os.Stat(readme); err != nil {
		t.Error("the missing README was not written again")
	}
}

func TestExistingCdkJSONIsNotChanged(t *testing.T) {
	src, root := source(t), app(t)
	existing := "{\"app\": \"go run .\", \"context\": {\"@aws-cdk/a\": true, \"@aws-cdk/b\": false, \"mine\": 1}}\n"
	write(t, root, map[string]string{"cdk.json": existing})
	p := fork(t, src, filepath.Join(root, "infra", "platform"), "alpha", false)
	if p.NewCdkJSON != nil || p.CdkJSON != filepath.Join(root, "cdk.json") {
		t.Errorf("cdk.json %s, created %v", p.CdkJSON, p.NewCdkJSON != nil)
	}
	if want := map[string]any{"@aws-cdk/c": "strong"}; !reflect.DeepEqual(p.Merge, want) {
		t.Errorf("merge %v, want %v", p.Merge, want)
	}
	if want := []string{`"@aws-cdk/b": false here, tested with true`}; !slices.Equal(p.Differ, want) {
		t.Errorf("differ %q, want %q", p.Differ, want)
	}
	if got := read(t, filepath.Join(root, "cdk.json")); got != existing {
		t.Errorf("cdk.json changed:\n%s", got)
	}
	var out bytes.Buffer
	p.Report(&out)
	for _, want := range []string{
		"lacks 1 of the CDK feature flags the constructs are tested with; merge these into its \"context\":\n  {\n    \"@aws-cdk/c\": \"strong\"\n  }\n",
		"sets 1 feature flag(s) otherwise than the constructs' tests, so its templates differ from the tested ones:\n  \"@aws-cdk/b\": false here, tested with true\n",
		"  go get example.org/cdk/sub@v1.3.0\n  go test ./infra/platform/...\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestInvalid(t *testing.T) {
	src, root := source(t), app(t)
	outside := t.TempDir()
	write(t, root, map[string]string{"afile": "x"})
	for _, c := range []struct {
		name, dir, want string
	}{
		{"gamma", root, `unknown construct "gamma"; the constructs are alpha, beta, check`},
		{"notes", root, `unknown construct "notes"; the constructs are alpha, beta, check`},
		{"alpha", filepath.Join(outside, "platform"), outside + "/platform is in no Go module (no go.mod in it or a parent): run go mod init in your application's root first"},
		{"alpha", filepath.Join(root, "afile", "platform"), "cannot write to " + root + "/afile/platform: " + root + "/afile is not a directory"},
		{"alpha", filepath.Join(src, "platform"), src + "/platform is inside okiagari's own module; fork into your application's module"},
	} {
		_, err := New(Options{Name: c.name, Dir: c.dir, Source: src, Version: "v0.3.0"})
		if err == nil || err.Error() != c.want {
			t.Errorf("fork %s %s: got %v\nwant %s", c.name, c.dir, err, c.want)
		}
	}
	if files := tree(t, root); len(files) != 2 {
		t.Errorf("a failed fork wrote files: %v", files)
	}
}

// A rename that fails half-way (here: a directory where a file goes) undoes the renames before it.
func TestFailedApplyUndoes(t *testing.T) {
	src, root := source(t), app(t)
	dir := filepath.Join(root, "platform")
	fork(t, src, dir, "alpha", false)
	write(t, dir, map[string]string{"check/check.go": "// mine\npackage check\n"})
	os.RemoveAll(filepath.Join(dir, "testenv"))
	before := tree(t, root)
	p, err := New(Options{Name: "alpha", Dir: dir, Source: src, Version: "v0.3.0", Force: true})
	if err != nil {
		t.Fatal(err)
	}
	// check/check.go is replaced and testenv/featureflags.json written before
	// testenv/testenv.go, whose rename fails.
	write(t, dir, map[string]string{"testenv/testenv.go/blocker": "x"})
	err = p.Apply()
	if err == nil || !strings.HasPrefix(err.Error(), "cannot write to "+dir+": ") {
		t.Fatalf("got %v, want a write error", err)
	}
	after := tree(t, root)
	delete(after, "platform/testenv/testenv.go/blocker")
	if !reflect.DeepEqual(before, after) {
		t.Errorf("a failed fork left changes:\nbefore %v\nafter  %v", keys(before), keys(after))
	}
	if entries, _ := os.ReadDir(dir); slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), ".okiagari-fork-") }) {
		t.Error("staging directory left behind")
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+strings.SplitN(v, "\n", 2)[0])
	}
	slices.Sort(out)
	return out
}

func TestRewriteImportsSortsThem(t *testing.T) {
	src := "package a\n\nimport (\n\t\"github.com/okiagari/okiagari/constructs/zeta\"\n\t\"github.com/okiagari/okiagari/testenv\"\n)\n"
	got, err := rewriteImports([]byte(src), map[string]string{"constructs/zeta": "example.com/app/z/zeta", "testenv": "example.com/app/z/testenv"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "package a\n\nimport (\n\t\"example.com/app/z/testenv\"\n\t\"example.com/app/z/zeta\"\n)\n"; string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if _, err := rewriteImports([]byte(src), map[string]string{"testenv": "x/testenv"}); err == nil || err.Error() != `import "github.com/okiagari/okiagari/constructs/zeta" is not part of the fork` {
		t.Errorf("got %v", err)
	}
}

func TestCommand(t *testing.T) {
	src, root := source(t), app(t)
	t.Chdir(src)
	dir := filepath.Join(root, "platform")
	run := func(args ...string) (int, string, string) {
		var out, errs bytes.Buffer
		code := Main(args, &out, &errs)
		return code, out.String(), errs.String()
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"alpha"}, "fork: want a construct name and a directory; usage: go run ./bin fork NAME DIR [--force]\n"},
		{[]string{"alpha", dir, "--dry"}, "fork: unknown flag --dry; usage: go run ./bin fork NAME DIR [--force]\n"},
		{[]string{"gamma", dir}, "fork: unknown construct \"gamma\"; the constructs are alpha, beta, check\n"},
	} {
		if code, out, errs := run(c.args...); code != 1 || out != "" || errs != c.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 1 and %q", c.args, code, out, errs, c.want)
		}
	}

	code, out, errs := run("alpha", dir)
	want := "Forked github.com/okiagari/okiagari/constructs/alpha (an unknown version) into " + dir + ", module example.com/app:\n" +
		"  alpha    from constructs/alpha         4 files (new)\n" +
		"  check    from constructs/check         3 files (new)\n" +
		"  testenv  from testenv                  2 files (new)\n" +
		"Created " + root + "/cdk.json with the 3 CDK feature flags the constructs are tested with; add your app's \"app\" command to it.\n" +
		"Next, in " + root + ":\n" +
		"  go get example.org/cdk/sub@v1.3.0\n" +
		"  go test ./platform/...\n"
	if code != 0 || errs != "" || !strings.HasPrefix(out, want) {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant it to start with:\n%s", code, errs, out, want)
	}
	if code, out, _ := run("alpha", dir); code != 0 || !strings.HasPrefix(out, "Nothing to write: github.com/okiagari/okiagari/constructs/alpha (an unknown version) is already forked into ") {
		t.Errorf("second fork: exit %d, stdout:\n%s", code, out)
	}

	changed := filepath.Join(dir, "alpha", "alpha.go")
	write(t, dir, map[string]string{"alpha/alpha.go": "package alpha // mine\n"})
	code, out, errs = run("alpha", dir)
	if want := "fork: nothing changed: these files differ from what fork would write (changed since an earlier fork?); keep your changes, or overwrite them with --force:\n  " + changed + "\n"; code != 1 || out != "" || errs != want {
		t.Errorf("changed file: exit %d, stdout %q, stderr:\n%s\nwant:\n%s", code, out, errs, want)
	}
	if read(t, changed) != "package alpha // mine\n" {
		t.Error("the changed file was overwritten")
	}
	if code, out, _ := run("--force", "alpha", dir); code != 0 || !strings.Contains(out, "  alpha    from constructs/alpha         4 files (1 overwritten, 3 already there)\n") {
		t.Errorf("--force: exit %d, stdout:\n%s", code, out)
	}
}
