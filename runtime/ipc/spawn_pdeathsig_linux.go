package ipc

import "syscall"

// spawnAttr returns the process attributes of a spawned child: its own
// process group, and sig (SIGTERM if zero) as its parent-death signal
// (PR_SET_PDEATHSIG, set by the forked child before it runs exe; Go's
// exec also signals the child at once if the parent died before that).
func spawnAttr(sig syscall.Signal) *syscall.SysProcAttr {
	if sig == 0 {
		sig = syscall.SIGTERM
	}
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: sig}
}
