package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/cdkjson"
	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/stacks"
	"github.com/okiagari/okiagari/testenv"
)

// synthesized is the app of cdk.json, synthesized once for all tests of this package.
var synthesized struct {
	context   map[string]any
	envs      []config.Environment
	assembly  cxapi.CloudAssembly
	templates map[string]map[string]any // "prod/Network" → template
	messages  map[string][]string       // "prod/Network" → "level path: message"
	built     []*stacks.Environment     // the constructs, for what they know in Go (a deploy timeline)
}

func TestMain(m *testing.M) {
	os.Setenv("CDK_VALIDATION", "false") // CI's `cdk synth` runs it; here it is most of the time
	testenv.UseProjectNode()
	tmp, err := os.MkdirTemp("", "okiagari-app-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(tmp) // runs only when TestMain returns; os.Exit below skips it, so also:
	buildApp(filepath.Join(tmp, "okiagari"))
	code, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	} else {
		code = m.Run()
	}
	if null, err := os.Open(os.DevNull); err == nil {
		os.Stderr = null // jsii's harmless double-wait message
	}
	jsii.Close()
	<-appBuild.done
	os.RemoveAll(tmp)
	os.Exit(code)
}

// appBuild is the app (bin), built once in the background while TestMain synthesizes, for the
// tests that run it as a user would (exit codes, messages, nothing written).
var appBuild struct {
	path string
	out  []byte
	err  error
	done chan struct{}
}

func buildApp(path string) {
	appBuild.path, appBuild.done = path, make(chan struct{})
	go func() {
		defer close(appBuild.done)
		appBuild.out, appBuild.err = exec.Command("go", "build", "-o", path, "../bin").CombinedOutput()
	}()
}

// appBinary waits for the app's build and returns its path.
func appBinary(t *testing.T) string {
	t.Helper()
	<-appBuild.done
	if appBuild.err != nil {
		t.Fatalf("go build ../bin: %v\n%s", appBuild.err, appBuild.out)
	}
	return appBuild.path
}

// runApp runs the app binary with args in a new directory holding cdk.json with its context
// mutated, as `go run ./bin` would there (no CLI), and returns its combined output, its exit code
// and the directory.
func runApp(t *testing.T, mutate func(ctx map[string]any), args ...string) (out string, code int, dir string) {
	t.Helper()
	bin := appBinary(t)
	raw, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	mutate(file["context"].(map[string]any))
	dir = t.TempDir()
	b, _ := json.Marshal(file)
	if err := os.WriteFile(filepath.Join(dir, "cdk.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CDK_VALIDATION=false")
	combined, _ := cmd.CombinedOutput()
	return string(combined), cmd.ProcessState.ExitCode(), dir
}

func setup() (int, error) {
	ctx, err := cdkjson.Load("../cdk.json", nil)
	if err != nil {
		return 1, err
	}
	envs, err := config.Load(ctx)
	if err != nil {
		return 1, fmt.Errorf("cdk.json: %w", err)
	}
	outdir, err := os.MkdirTemp("", "okiagari-test-*")
	if err != nil {
		return 1, err
	}
	props := stacks.AppProps()
	props.Context, props.Outdir = &ctx, jsii.String(outdir)
	app := awscdk.NewApp(props)
	built, err := stacks.Build(app, envs)
	if err != nil {
		return 1, fmt.Errorf("cdk.json: %w", err)
	}
	// cdk-nag on every stack of every environment, whatever -c nag says for the CLI.
	stacks.CheckNag(built)
	asm := app.Synth(nil)
	synthesized.context, synthesized.envs, synthesized.assembly, synthesized.built = ctx, envs, asm, built
	synthesized.templates = map[string]map[string]any{}
	synthesized.messages = map[string][]string{}
	for _, s := range *asm.StacksRecursively() {
		name := *s.HierarchicalId()
		raw, err := os.ReadFile(filepath.Join(outdir, assemblyDir(s), *s.TemplateFile()))
		if err != nil {
			return 1, err
		}
		var tpl map[string]any
		if err := json.Unmarshal(raw, &tpl); err != nil {
			return 1, err
		}
		synthesized.templates[name] = tpl
		for _, m := range *s.Messages() {
			synthesized.messages[name] = append(synthesized.messages[name], fmt.Sprintf("%s %s: %v", m.Level, *m.Id, m.Entry.Data))
		}
	}
	return 0, nil
}

// assemblyDir is the directory of a stage's nested assembly, relative to the app's outdir.
func assemblyDir(s cxapi.CloudFormationStackArtifact) string {
	stage, _, _ := strings.Cut(*s.HierarchicalId(), "/")
	return "assembly-" + stage
}

// TestNoLookups: synthesis needs no AWS credentials, so no stack may ask for context it lacks
// (the CLI would try to look it up in the account).
func TestNoLookups(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(*synthesized.assembly.Directory(), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range append([]string{""}, stageDirs()...) {
		raw, err = os.ReadFile(filepath.Join(*synthesized.assembly.Directory(), dir, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Missing []struct{ Key string } `json:"missing"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, miss := range m.Missing {
			t.Errorf("%s/manifest.json: synthesis asks for a look-up of %q", dir, miss.Key)
		}
	}
}

// stageDirs are the nested assembly directories, one per environment.
func stageDirs() []string {
	var dirs []string
	for _, e := range synthesized.envs {
		dirs = append(dirs, "assembly-"+e.Name)
	}
	return dirs
}

// TestNag asserts that cdk-nag's AwsSolutions pack finds nothing unsuppressed on any stack, and
// that no stack carries any other error or warning annotation (a warning that is intended is
// acknowledged in its construct, with the reason).
func TestNag(t *testing.T) {
	if len(synthesized.templates) == 0 {
		t.Fatal("no stacks synthesized")
	}
	// The checks really ran on every stack: each has its cdk-nag report (stacks.CheckNag adds
	// the pack to each stage; on the app alone it would check nothing), and no rule is broken.
	for name := range synthesized.templates {
		stage, stack, _ := strings.Cut(name, "/")
		file := filepath.Join(*synthesized.assembly.Directory(), "AwsSolutions-"+stage+"-"+stage+"-"+stack+"-NagReport.csv")
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s: no cdk-nag report: %v", name, err)
			continue
		}
		if !strings.Contains(string(raw), `"Compliant"`) {
			t.Errorf("%s: the cdk-nag report checks nothing", name)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.Contains(line, `"Non-Compliant"`) {
				t.Errorf("%s: %s", name, line)
			}
		}
	}
	for name := range synthesized.templates {
		for _, m := range synthesized.messages[name] {
			if strings.HasPrefix(m, string(cxapi.SynthesisMessageLevel_ERROR)) || strings.HasPrefix(m, string(cxapi.SynthesisMessageLevel_WARNING)) || strings.Contains(m, "AwsSolutions-") {
				t.Errorf("%s: %s", name, m)
			}
		}
	}
}
