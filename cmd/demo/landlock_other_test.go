//go:build !linux

package main

import "os"

// haveLandlock reports whether the kernel can sandbox the wallet process;
// only Linux can (unless requireLandlockEnv is set, to fail loudly).
func haveLandlock() bool { return os.Getenv(requireLandlockEnv) != "" }
