package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemo builds the demo and runs it as the README does: it must exit 0
// and tell the story in order, children spawned, called and exiting cleanly.
func TestDemo(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "demo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	want := []string{
		`^echo child \(pid \d+\) answered: "hello from pid \d+"$`,
		`^echo child exited cleanly after release$`,
		`^mining child \(pid \d+\) tip: height 0 hash [0-9a-f]{8}…$`,
		`^new block template: 3 transactions, fees \[1000 2000 3000\]$`,
		`^solution accepted: true; tip now at height 1$`,
		`^check of a 3-byte block: valid=false reason="bad-blk-length"$`,
		`^mining child exited cleanly after release$`,
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(want) {
		t.Fatalf("demo printed %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d = %q, want match for %s", i+1, lines[i], re)
		}
	}
}

// TestDemoChildByHand checks that the child mode, started without a
// parent, says so and fails instead of hanging.
func TestDemoChildByHand(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "demo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-serve", "echo").CombinedOutput()
	if err == nil {
		t.Fatalf("child started by hand exited 0:\n%s", out)
	}
	if !strings.Contains(string(out), "cannot be run directly") {
		t.Errorf("output %q does not explain that the child cannot be run directly", out)
	}
}
