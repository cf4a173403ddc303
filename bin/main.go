// Command bin is okiagari's CDK app: it reads the environments from the cdk.json context,
// validates them, and synthesizes one stage per environment into cdk.out.
//
// The CDK CLI runs it through cdk.json ("app"); it also runs on its own, reading cdk.json the
// way the CLI would:
//
//	go run ./bin                 # synthesize every environment into cdk.out
//	go run ./bin -c env=prod     # one environment
//	go run ./bin -c nag=off      # without cdk-nag (quicker; the tests and CI always run it)
//	go run ./bin report [DIR]    # print the resilience report of an assembly (default cdk.out)
//	go run ./bin report --html [--assumptions FILE] [--env NAME] [DIR]
//	                             # only write DIR/okiagari-report.html (and the JSON)
//	go run ./bin fork NAME DIR   # copy construct NAME into DIR of your module (package fork)
//
// Bad configuration prints one line per problem and exits 1 before anything is synthesized.
// cdk-nag's AwsSolutions checks run on every stack; an unsuppressed finding also exits 1
// (`-c nag=off` skips them for a quicker synth; the tests always run them). After
// synthesis the resilience report (package report) is computed from the templates and written to
// DIR/resilience-report.json, with the monthly cost at floor and at peak, and drawn as one page,
// DIR/okiagari-report.html; a gate that fails in a production environment exits 1.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/cdkjson"
	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/fork"
	"github.com/okiagari/okiagari/report"
	"github.com/okiagari/okiagari/stacks"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "report" {
		os.Exit(reportCommand(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "fork" {
		os.Exit(fork.Main(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "validation" {
		os.Exit(validationCommand(os.Args[2:]))
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) (code int) {
	defer func() {
		// A construct or jsii failure that validation did not catch: say what it was, without
		// the Go and JavaScript stack dumps.
		if r := recover(); r != nil {
			msg, _, _ := strings.Cut(fmt.Sprint(r), "\n    at ")
			fmt.Fprintf(stderr, "okiagari: synthesis failed: %s\n", strings.TrimSpace(msg))
			code = 1
		}
	}()
	defer closeJsii()

	underCLI := os.Getenv("CDK_CONTEXT_JSON") != ""
	ctx, outdir, err := context(args, underCLI)
	if err != nil {
		return fail(err)
	}
	envs, err := config.Load(ctx)
	if err != nil {
		return fail(err)
	}

	nag, err := nagEnabled(ctx)
	if err != nil {
		return fail(err)
	}

	props := stacks.AppProps()
	if !underCLI {
		props.Context = &ctx
		props.Outdir = jsii.String(outdir)
	}
	app := awscdk.NewApp(props)
	built, err := stacks.Build(app, envs)
	if err != nil {
		return fail(err)
	}
	if nag {
		stacks.CheckNag(built)
	}
	asm := app.Synth(nil)
	dir := *asm.Directory()
	errs, warnings, err := report.Annotations(dir)
	if err != nil {
		return fail(err)
	}
	if !underCLI { // the CLI prints them itself
		for _, w := range warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
	}
	if len(errs) > 0 {
		return fail(fmt.Errorf("%s\n%d error annotation(s): fix them, or suppress a cdk-nag finding with a specific reason", strings.Join(errs, "\n"), len(errs)))
	}
	return resilience(dir, false)
}

// resilience computes the resilience report of the assembly in dir from its templates, writes
// it to dir/resilience-report.json, prints its findings (and with table, the whole report) and
// returns 1 when a gate of a production environment failed.
func resilience(dir string, table bool) int {
	a, err := report.Load(dir)
	if err != nil {
		return fail(err) // "report: read cloud assembly: ..."
	}
	r := report.Build(a, report.TemplateSettings(a))
	if err := writePage(a, r, dir, costAssumptions); err != nil {
		return fail(err)
	}
	f, err := os.Create(filepath.Join(dir, "resilience-report.json"))
	if err != nil {
		return fail(fmt.Errorf("resilience report: %w", err))
	}
	defer f.Close()
	if err := report.WriteJSON(f, r); err != nil {
		return fail(fmt.Errorf("resilience report: %w", err))
	}
	if table {
		if err := report.WriteText(os.Stdout, r, false); err != nil {
			return fail(err)
		}
		fmt.Printf("\n(JSON with every assumption: %s)\n", f.Name())
	} else {
		for _, finding := range r.Findings() {
			fmt.Fprintln(stderr, finding)
		}
	}
	if report.HasErrors(r.Findings()) {
		fmt.Fprintln(stderr, "resilience gates failed in a production environment: fix the services above (details: go run ./bin report)")
		return 1
	}
	return 0
}

// context returns the context the app runs with: the CLI's (CDK_CONTEXT_JSON) when the CLI runs
// it, otherwise cdk.json's with -c key=value arguments laid over it, as the CLI would.
// It also returns the output directory (--output DIR, default cdk.out) for a run without the CLI.
func context(args []string, underCLI bool) (map[string]any, string, error) {
	extra := map[string]any{}
	outdir := "cdk.out"
	for i := 0; i < len(args); i++ {
		a := args[i]
		if i+1 == len(args) {
			if a == "-c" || a == "--context" || a == "-o" || a == "--output" {
				return nil, "", fmt.Errorf("%s needs a value; %s", a, usage)
			}
			return nil, "", fmt.Errorf("unknown argument %q; %s", a, usage)
		}
		i++
		switch a {
		case "-c", "--context":
			k, v, ok := strings.Cut(args[i], "=")
			if !ok {
				return nil, "", fmt.Errorf("%s %s: want key=value", a, args[i])
			}
			extra[k] = v
		case "-o", "--output":
			outdir = args[i]
		default:
			return nil, "", fmt.Errorf("unknown argument %q; %s", a, usage)
		}
	}
	if underCLI {
		var ctx map[string]any
		if err := json.Unmarshal([]byte(os.Getenv("CDK_CONTEXT_JSON")), &ctx); err != nil {
			return nil, "", fmt.Errorf("CDK_CONTEXT_JSON: %w", err)
		}
		for k, v := range extra {
			ctx[k] = v
		}
		return ctx, outdir, nil
	}
	ctx, err := cdkjson.Load("cdk.json", extra)
	return ctx, outdir, err
}

// NagKey is the context key that switches cdk-nag off for a quicker synth: `-c nag=off`. cdk-nag
// runs by default, so `cdk synth` and `cdk deploy` stop on an unsuppressed finding; the tests run
// it on every stack of every environment whatever this says.
const NagKey = "nag"

// nagEnabled reads NagKey from the context: "on" (the default) or "off".
func nagEnabled(ctx map[string]any) (bool, error) {
	v, ok := ctx[NagKey]
	if !ok {
		return true, nil
	}
	switch v {
	case "on", true:
		return true, nil
	case "off", false:
		return false, nil
	}
	return false, fmt.Errorf("-c %s=%v: want on (the default: cdk-nag's AwsSolutions checks gate the synth) or off", NagKey, v)
}

const usage = "usage: go run ./bin [-c env=NAME] [-c nag=off] [--output DIR] | go run ./bin report [--html] [--assumptions FILE] [--env NAME] [DIR] | go run ./bin fork NAME DIR [--force]"

// stderr is where okiagari prints; os.Stderr itself is silenced while jsii shuts down.
var stderr = os.Stderr

func fail(err error) int {
	fmt.Fprintln(stderr, err)
	return 1
}

// closeJsii stops the jsii runtime. jsii-runtime-go waits for its node process twice, and the
// loser prints "Runtime process exited abnormally: waitid: no child processes" (harmless), so
// the runtime's stderr is discarded from here on.
func closeJsii() {
	if null, err := os.Open(os.DevNull); err == nil {
		os.Stderr = null
	}
	jsii.Close()
}
