//go:build !linux

package sandbox

import (
	"fmt"
	"runtime"
)

// unsupported is what a policy lacks on a system other than Linux.
var unsupported = fmt.Sprintf("Landlock and seccomp-bpf: sandboxing is implemented on Linux only, not on %s", runtime.GOOS)

// Check reports, in the process that will start a sandboxed child,
// whether p can be applied on this machine: p's own problems (see
// Validate) and, unless p.BestEffort, what the system lacks. On this
// system that is everything, so only a BestEffort policy passes.
func (p *Policy) Check() error {
	if err := p.Validate(); err != nil {
		return err
	}
	if !p.BestEffort {
		return fmt.Errorf("sandbox: this system cannot enforce the policy; it lacks %s; set BestEffort to run unrestricted", unsupported)
	}
	return nil
}

// Apply restricts nothing on this system: without BestEffort it fails,
// with it it returns in notEnforced what was not applied (everything).
func (p *Policy) Apply() (notEnforced []string, err error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	return []string{unsupported}, nil
}

// Confirm has nothing to confirm on this system and returns nil.
func (p *Policy) Confirm(pid int) error { return nil }

// validateSyscalls cannot check names on this system; the policy fails
// (or runs unrestricted with BestEffort) anyway.
func validateSyscalls([]string) error { return nil }
