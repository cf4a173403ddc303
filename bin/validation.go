package main

import (
	"fmt"
	"os"

	"github.com/okiagari/okiagari/report"
)

// validationCommand is `okiagari validation [DIR]`: CI's check of the CloudFormation validation
// report of a synthesized assembly (default cdk.out). `cdk synth` fails only on an error; this
// fails on every violation and on a suppression CDK meant for another resource.
func validationCommand(args []string) int {
	dir := "cdk.out"
	switch {
	case len(args) == 1 && args[0] != "" && args[0][0] != '-':
		dir = args[0]
	case len(args) > 0:
		fmt.Fprintln(os.Stderr, "usage: okiagari validation [DIR]")
		return 2
	}
	problems, err := report.ValidationProblems(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "okiagari validation:", err)
		return 1
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		fmt.Printf("%d CloudFormation validation problem(s) in %s: a template CloudFormation may reject\n", len(problems), dir)
		return 1
	}
	fmt.Printf("CloudFormation validation of %s: no violations; suppressed only W3010 (literal AZs) and F3002 on VPC flow logs\n", dir)
	return 0
}
