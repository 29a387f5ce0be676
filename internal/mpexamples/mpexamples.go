// Package mpexamples finds libmultiprocess's example programs (mpexample,
// mpcalculator, mpprinter), which .ci/libmultiprocess builds from the
// tarball in ../shared/peers/ into the user cache dir, for tests that talk
// to real C++ peers built with mpgen.
package mpexamples

import (
	"fmt"
	"os"
	"path/filepath"
)

// EnvVar names the directory holding the example programs; .ci/run sets it
// to what .ci/libmultiprocess prints.
const EnvVar = "IFACEGEN_MPEXAMPLES"

// Programs are the example programs the directory holds.
var Programs = []string{"mpexample", "mpcalculator", "mpprinter"}

// Dir returns the directory named by EnvVar, or ok == false when EnvVar is
// unset. An error says what is wrong with a directory that is named but
// lacks an executable program.
func Dir() (dir string, ok bool, err error) {
	dir = os.Getenv(EnvVar)
	if dir == "" {
		return "", false, nil
	}
	for _, p := range Programs {
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			return dir, true, fmt.Errorf("%s=%s: %w; run .ci/libmultiprocess to build the examples", EnvVar, dir, err)
		}
		if fi.Mode()&0o111 == 0 {
			return dir, true, fmt.Errorf("%s=%s: %s is not executable", EnvVar, dir, p)
		}
	}
	return dir, true, nil
}

// SourceDir returns the libmultiprocess source tree the programs in Dir
// were built from (.ci/libmultiprocess extracts it beside the build:
// <cache>/src/libmultiprocess-<version>, Dir being <cache>/build/example),
// holding example/*.capnp and include/mp/proxy.capnp; ok == false when
// EnvVar is unset.
func SourceDir() (src string, ok bool, err error) {
	dir, ok, err := Dir()
	if !ok || err != nil {
		return "", ok, err
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "..", "..", "src", "libmultiprocess-*"))
	for _, m := range matches {
		if _, err := os.Stat(filepath.Join(m, "example", "init.capnp")); err == nil {
			return m, true, nil
		}
	}
	return "", true, fmt.Errorf("%s=%s: no libmultiprocess source beside it (../../src/libmultiprocess-*/example/init.capnp); run .ci/libmultiprocess", EnvVar, dir)
}
