package sandbox

import "os"

// ApplyFromEnv applies the policy a parent passed in EnvVar, if any, and
// removes the variable from the environment, so that this process's own
// children do not see it (they inherit the restriction itself). It
// returns the policy applied, nil if there was none, and what Apply
// could not enforce under BestEffort. On error the process must not go
// on to serve: it may be unrestricted or partly restricted.
func ApplyFromEnv() (applied *Policy, notEnforced []string, err error) {
	value, ok := os.LookupEnv(EnvVar)
	if !ok {
		return nil, nil, nil
	}
	os.Unsetenv(EnvVar)
	p, err := Decode(value)
	if err != nil {
		return nil, nil, err
	}
	notEnforced, err = p.Apply()
	if err != nil {
		return nil, nil, err
	}
	return p, notEnforced, nil
}
