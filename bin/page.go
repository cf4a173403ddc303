package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/okiagari/okiagari/report"
)

// costAssumptions is the file given with --assumptions ("" for the shipped ones); pageEnvs
// are the environments --env NAME restricts the page to (none: all), e.g. for a picture of prod.
var (
	costAssumptions string
	pageEnvs        []string
)

// reportCommand runs "report [--html] [--assumptions FILE] [DIR]": it prices and draws the
// assembly in DIR (default cdk.out) and prints the text report, or with --html only writes the
// page and the JSON.
func reportCommand(args []string) int {
	dir, html := "cdk.out", false
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--html":
			html = true
		case a == "--assumptions":
			if i+1 == len(args) {
				return fail(fmt.Errorf("--assumptions needs a file; %s", usage))
			}
			i++
			costAssumptions = args[i]
		case a == "--env":
			if i+1 == len(args) {
				return fail(fmt.Errorf("--env needs an environment name; %s", usage))
			}
			i++
			pageEnvs = append(pageEnvs, args[i])
		case strings.HasPrefix(a, "-"):
			return fail(fmt.Errorf("unknown argument %q; %s", a, usage))
		default:
			dir = a
		}
	}
	if html {
		code := resilience(dir, false)
		if code == 0 || fileExists(filepath.Join(dir, report.HTMLFile)) {
			fmt.Println(filepath.Join(dir, report.HTMLFile))
		}
		return code
	}
	return resilience(dir, true)
}

// writePage prices the report (filling r's costs for the JSON written after it) and writes the
// one-page HTML report into dir.
func writePage(a *report.Assembly, r *report.Report, dir, assumptionsFile string) error {
	tables, err := report.PriceTables()
	if err != nil {
		return err
	}
	as, err := report.DefaultCostAssumptions()
	if assumptionsFile != "" {
		as, err = report.LoadCostAssumptions(assumptionsFile)
	}
	if err != nil {
		return err
	}
	r.AddCosts(a, tables, as)
	page := *r
	if len(pageEnvs) > 0 {
		page.Environments = nil
		for _, e := range r.Environments {
			if slices.Contains(pageEnvs, e.Name) {
				page.Environments = append(page.Environments, e)
			}
		}
		if len(page.Environments) == 0 {
			return fmt.Errorf("--env %s: no such environment in %s", strings.Join(pageEnvs, ", "), dir)
		}
	}
	path := filepath.Join(dir, report.HTMLFile)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	defer f.Close()
	if err := report.WriteHTML(f, a, &page, tables, as); err != nil {
		return fmt.Errorf("html report %s: %w", path, err)
	}
	return f.Close()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
