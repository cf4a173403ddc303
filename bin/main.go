// Command bin is okiagari's CDK app: it reads the environments from the cdk.json context,
// validates them, and synthesizes one stage per environment into cdk.out.
//
// The CDK CLI runs it through cdk.json ("app"); it also runs on its own, reading cdk.json the
// way the CLI would:
//
//	go run ./bin                 # synthesize every environment into cdk.out
//	go run ./bin -c env=prod     # one environment
//
// Bad configuration prints one line per problem and exits 1 before anything is synthesized.
// cdk-nag's AwsSolutions checks run on every stack; an unsuppressed finding also exits 1.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/okiagari/okiagari/cdkjson"
	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/stacks"
)

func main() {
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

	props := &awscdk.AppProps{}
	if !underCLI {
		props.Context = &ctx
		props.Outdir = jsii.String(outdir)
	}
	app := awscdk.NewApp(props)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	if _, err := stacks.Build(app, envs); err != nil {
		return fail(err)
	}
	asm := app.Synth(nil)
	if errs := annotations(asm, !underCLI); len(errs) > 0 {
		return fail(fmt.Errorf("%s\n%d error annotation(s): fix them, or suppress a cdk-nag finding with a specific reason", strings.Join(errs, "\n"), len(errs)))
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
			return nil, "", fmt.Errorf("unknown argument %q; usage: go run ./bin [-c env=NAME] [--output DIR]", a)
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
			return nil, "", fmt.Errorf("unknown argument %q; usage: go run ./bin [-c env=NAME] [--output DIR]", a)
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

// annotations returns the error annotations of every stack in the assembly ("path: message"),
// and prints the warnings when asked (the CLI prints them itself).
func annotations(asm cxapi.CloudAssembly, printWarnings bool) []string {
	var errs []string
	for _, stack := range *asm.StacksRecursively() {
		for _, m := range *stack.Messages() {
			line := fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data)
			switch m.Level {
			case "error":
				errs = append(errs, line)
			case "warning":
				if printWarnings {
					fmt.Fprintln(stderr, "warning:", line)
				}
			}
		}
	}
	return errs
}

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
