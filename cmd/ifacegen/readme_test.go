package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMECommandsRun checks that every command the README sections
// "Getting started" and "Using ifacegen in CI" show (in sh blocks and the
// workflow's run: lines) is run, as written, by the section's script.
func TestREADMECommandsRun(t *testing.T) {
	for _, tc := range []struct{ section, script string }{
		{"Getting started", "testdata/script/newcomer.txtar"},
		{"Using ifacegen in CI", "testdata/script/ci.txtar"},
	} {
		t.Run(tc.section, func(t *testing.T) { checkREADMECommands(t, tc.section, tc.script) })
	}
}

func checkREADMECommands(t *testing.T, heading, scriptPath string) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## "+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", "## "+heading)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	script, err := os.ReadFile(scriptPath)
	if err != nil {
		t.Fatal(err)
	}
	ran := make(map[string]bool)
	for _, line := range strings.Split(string(script), "\n") {
		line = strings.TrimPrefix(line, "! ")
		if cmd, ok := strings.CutPrefix(line, "exec "); ok {
			ran[cmd] = true
		}
	}

	var commands []string
	block := regexp.MustCompile("(?s)```(sh|yaml)\n(.*?)```")
	for _, m := range block.FindAllStringSubmatch(section, -1) {
		for _, line := range strings.Split(m[2], "\n") {
			line = strings.TrimSpace(line)
			if m[1] == "yaml" {
				cmd, ok := strings.CutPrefix(line, "run: ")
				if !ok {
					continue
				}
				line = cmd
			}
			if line != "" && !strings.HasPrefix(line, "#") {
				commands = append(commands, line)
			}
		}
	}
	if len(commands) < 4 {
		t.Fatalf("found only %d commands in the README section: %q", len(commands), commands)
	}
	for _, cmd := range commands {
		if !ran[cmd] {
			t.Errorf("README.md shows %q, which %s does not run (add `exec %s` there)", cmd, scriptPath, cmd)
		}
	}
}
