package sandbox

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Check reports, in the process that will start a sandboxed child,
// whether p can be applied on this machine: p's own problems (see
// Validate) and, unless p.BestEffort, what the kernel lacks. A child
// started on the same kernel applies the same policy with the same
// result, so a parent calls Check to fail before it starts one.
func (p *Policy) Check() error {
	if err := p.Validate(); err != nil {
		return err
	}
	if missing := p.missing(); len(missing) > 0 && !p.BestEffort {
		return missingError(missing)
	}
	return nil
}

// missing returns what p needs that this kernel lacks.
func (p *Policy) missing() []string {
	missing := p.landlockMissing(landlockABI())
	if !seccompAvailable() {
		missing = append(missing, p.seccompMissing())
	}
	return missing
}

// missingError is the error of a strict policy the kernel cannot enforce.
func missingError(missing []string) error {
	return fmt.Errorf("sandbox: this system cannot enforce the policy; it lacks %s; set BestEffort to run unrestricted where support is missing",
		strings.Join(missing, "; and "))
}

// Apply restricts this process, every thread of it, and every process it
// starts from now on, to p, for the rest of its life: nothing, p included,
// can loosen the restriction afterwards (a later Apply can only narrow
// it). Call it after the Go runtime and the program have started, before
// the process handles untrusted input; files and sockets it holds already
// keep working.
//
// Without BestEffort, Apply fails, restricting nothing, when the kernel
// lacks what p needs. With BestEffort it applies what the kernel supports
// and returns in notEnforced what it could not, for the caller to log.
// An error after a partial application (the kernel refusing a filter it
// reported supporting) leaves the process partly restricted: the caller
// should exit.
func (p *Policy) Apply() (notEnforced []string, err error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	abi := landlockABI()
	haveSeccomp := seccompAvailable()
	notEnforced = p.landlockMissing(abi)
	if !haveSeccomp {
		notEnforced = append(notEnforced, p.seccompMissing())
	}
	if len(notEnforced) > 0 && !p.BestEffort {
		return nil, missingError(notEnforced)
	}
	// Landlock first: an allow list may not name its system calls.
	if abi > 0 {
		if err := p.applyLandlock(abi); err != nil {
			return nil, err
		}
	}
	if haveSeccomp {
		if err := p.applySeccomp(); err != nil {
			return nil, err
		}
	}
	return notEnforced, nil
}

// Confirm reports whether the process pid, a child that was to apply p,
// has: it has installed more seccomp filters than this process, which
// only Apply does. Where the kernel lacks seccomp (BestEffort), there is
// nothing to confirm and Confirm returns nil. A parent calls Confirm once
// the child answers, to catch a child program that ignores its policy.
func (p *Policy) Confirm(pid int) error {
	if !seccompAvailable() {
		return nil
	}
	mine, err := seccompFilters("self")
	if err != nil {
		return err
	}
	theirs, err := seccompFilters(strconv.Itoa(pid))
	if err != nil {
		return err
	}
	if theirs <= mine {
		return errors.New("sandbox: the child did not apply its policy (it has no seccomp filters of its own); does it serve with this version's ipc.ServeSpawned?")
	}
	return nil
}

// seccompFilters returns the number of seccomp filters of process pid
// ("self" for this one), from /proc/PID/status.
func seccompFilters(pid string) (int, error) {
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, fmt.Errorf("sandbox: %w", err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if value, ok := strings.CutPrefix(line, "Seccomp_filters:"); ok {
			return strconv.Atoi(strings.TrimSpace(value))
		}
	}
	return 0, fmt.Errorf("sandbox: /proc/%s/status has no Seccomp_filters line", pid)
}
