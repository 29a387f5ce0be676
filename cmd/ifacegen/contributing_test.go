package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestContributingPathsExist checks that every repository path
// CONTRIBUTING.md names in backquotes exists: a file or directory of the
// tree (`gen/proxy`, `annotate/model.go`, `.ci/run`), so that the guide
// cannot drift from the layout. A path is a backquoted word of path
// characters that contains a slash or ends in a file extension we keep
// (.go, .md, .txtar, .capnp, .c++), and whose first element is a
// top-level entry of the tree (so `net/http/httptest` and `mp/proxy.capnp`,
// paths of other trees, are not checked); commands, globs, variables and
// paths outside the tree (../, ~, $) are not paths.
func TestContributingPathsExist(t *testing.T) {
	text, err := os.ReadFile("../../CONTRIBUTING.md")
	if err != nil {
		t.Fatal(err)
	}
	quoted := regexp.MustCompile("`([^`]+)`")
	path := regexp.MustCompile(`^[A-Za-z0-9_.+-]+(/[A-Za-z0-9_.+-]*)*$`)
	checked := 0
	for _, m := range quoted.FindAllStringSubmatch(string(text), -1) {
		p := m[1]
		if !path.MatchString(p) || strings.HasPrefix(p, "..") || strings.HasPrefix(p, ".") && !strings.Contains(p, "/") {
			continue
		}
		if first, _, found := strings.Cut(p, "/"); found {
			if _, err := os.Stat(filepath.Join("../..", first)); err != nil {
				continue // another tree's path
			}
		}
		ext := filepath.Ext(p)
		if !strings.Contains(p, "/") && ext != ".go" && ext != ".md" && ext != ".txtar" && ext != ".capnp" && ext != ".c++" {
			continue
		}
		if strings.Contains(p, ".") && !strings.Contains(p, "/") && ext == "" {
			continue // a Go selector such as gen.Generate
		}
		checked++
		if _, err := os.Stat(filepath.Join("../..", p)); err != nil {
			t.Errorf("CONTRIBUTING.md names %s, which does not exist", p)
		}
	}
	if checked < 10 {
		t.Errorf("found only %d paths in CONTRIBUTING.md; is the pattern right?", checked)
	}
}
