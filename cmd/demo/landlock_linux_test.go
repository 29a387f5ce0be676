package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// haveLandlock reports whether the kernel can sandbox the wallet process
// as the demo does by default: Landlock ABI ≥ 4 (file and TCP rules).
func haveLandlock() bool {
	if os.Getenv(requireLandlockEnv) != "" {
		return true
	}
	abi, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	return errno == 0 && abi >= 4
}
