//go:build unix && !linux

package ipc

import "syscall"

// spawnAttr returns the process attributes of a spawned child: its own
// process group. This system has no parent-death signal; the child
// notices its parent's death by the loss of the connection.
func spawnAttr(syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
