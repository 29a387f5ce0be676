package schema

import (
	"path/filepath"
	"testing"

	"github.com/ifacegen/ifacegen/annotate"
)

// oracleModels returns the hand-built test models and, so that every
// schema this repository emits is held to the compiler too, the models of
// every annotated package in the module (examples, golden cases, …).
func oracleModels(t *testing.T) []testModel {
	t.Helper()
	models := testModels()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := annotate.Load(t.Context(), root, "./...")
	if err != nil {
		t.Fatalf("loading the repository's annotated packages: %v", err)
	}
	for _, p := range pkgs {
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, testModel{name: "repo/" + filepath.ToSlash(rel), pkg: p})
	}
	return models
}
