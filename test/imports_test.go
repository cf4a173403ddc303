package test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConstructsDoNotImportNag: constructs record their cdk-nag suppressions as metadata
// (check.Suppress), so neither their code nor their tests need cdk-nag, and a fork of one does not
// bring it into the user's module. Only the app (bin, stacks) and the test support run cdk-nag.
func TestConstructsDoNotImportNag(t *testing.T) {
	files := 0
	err := filepath.WalkDir("../constructs", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		files++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if strings.Contains(imp.Path.Value, "cdk-nag") {
				t.Errorf("%s imports %s; record suppressions with check.Suppress instead", path, imp.Path.Value)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("only %d Go files under constructs/: the walk is broken", files)
	}
}
