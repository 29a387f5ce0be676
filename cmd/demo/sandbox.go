package main

import (
	"fmt"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// sandboxMode is the -sandbox flag: how the node confines its wallet
// process.
type sandboxMode string

const (
	sandboxOn         sandboxMode = "on"          // the wallet's policy; fail where the kernel cannot enforce it
	sandboxBestEffort sandboxMode = "best-effort" // the same, with what the kernel can enforce
	sandboxOff        sandboxMode = "off"         // unrestricted
)

const sandboxUsage = "confine the wallet process: `on` (read/write only its wallet directory, no network, default syscall profile), best-effort (the same where the kernel supports it), or off"

// String implements flag.Value.
func (m *sandboxMode) String() string { return string(*m) }

// Set implements flag.Value.
func (m *sandboxMode) Set(s string) error {
	switch mode := sandboxMode(s); mode {
	case sandboxOn, sandboxBestEffort, sandboxOff:
		*m = mode
		return nil
	}
	return fmt.Errorf("want on, best-effort or off")
}

// policy returns the wallet process's sandbox: it may read and write in
// walletDir only (and run nothing), open no TCP connection, and make no
// system call of the default deny list. Nil for -sandbox=off.
func (m sandboxMode) policy(walletDir string) *ipc.Sandbox {
	if m == sandboxOff {
		return nil
	}
	return &ipc.Sandbox{
		ReadWrite:  []string{walletDir},
		BestEffort: m == sandboxBestEffort,
	}
}

// describe says, for the story, how the wallet process runs.
func (m sandboxMode) describe() string {
	switch m {
	case sandboxOff:
		return "not sandboxed (-sandbox=off)"
	case sandboxBestEffort:
		return "sandboxed where the kernel supports it: read/write only its wallet directory, no network"
	}
	return "sandboxed: read/write only its wallet directory, no network"
}
