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
