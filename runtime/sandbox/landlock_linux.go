package sandbox

import (
	"fmt"
	"os"

	"github.com/landlock-lsm/go-landlock/landlock"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// Landlock ABI versions that matter to a Policy.
const (
	// abiFiles restricts reading, writing, running and (from ABI 3)
	// truncating files; below it a sandboxed process could truncate
	// any file it can reach.
	abiFiles = 3
	// abiTCP restricts TCP connect and bind (Network: false).
	abiTCP = 4
	// abiScopes confines signals and abstract unix sockets to the
	// sandbox; applied where available, never required.
	abiScopes = 6
)

// Access right sets, spelled out: go-landlock's RODirs and RWDirs grant
// execute too, which a Policy keeps for Exec.
const (
	rightsRead = ll.AccessFSReadFile | ll.AccessFSReadDir
	// rightsWrite excludes making device nodes (MakeChar, MakeBlock),
	// which nothing sandboxed needs.
	rightsWrite = ll.AccessFSWriteFile | ll.AccessFSTruncate | ll.AccessFSRemoveDir |
		ll.AccessFSRemoveFile | ll.AccessFSMakeDir | ll.AccessFSMakeReg | ll.AccessFSMakeSym |
		ll.AccessFSMakeSock | ll.AccessFSMakeFifo | ll.AccessFSRefer | ll.AccessFSIoctlDev |
		ll.AccessFSResolveUnix
	// rightsExec: running a program opens it for reading too.
	rightsExec = ll.AccessFSExecute | ll.AccessFSReadFile
	// rightsFileOnly are the rights that apply to a file (the others
	// apply to directories; Landlock refuses them on a file).
	rightsFileOnly = ll.AccessFSExecute | ll.AccessFSWriteFile | ll.AccessFSReadFile |
		ll.AccessFSTruncate | ll.AccessFSIoctlDev
)

// Everything of each kind go-landlock knows.
const (
	allFS     = ll.AccessFSResolveUnix<<1 - 1
	allNet    = ll.AccessNetConnectSendUDP<<1 - 1
	allScoped = ll.ScopeSignal<<1 - 1
)

// landlockABI returns the Landlock ABI version the kernel supports, 0 if
// none. A kernel reporting ABI 6 or more without the fix for signal
// scoping (erratum 2) counts as ABI 5, as go-landlock counts it.
func landlockABI() int {
	v, err := ll.LandlockGetABIVersion()
	if err != nil || v < 0 {
		return 0
	}
	if v >= abiScopes {
		if errata, err := ll.LandlockGetErrata(); err != nil || errata&2 == 0 {
			v = abiScopes - 1
		}
	}
	return v
}

// supportedFS returns the file system access rights of Landlock ABI abi.
func supportedFS(abi int) landlock.AccessFSSet {
	var s landlock.AccessFSSet
	if abi >= 1 {
		s |= ll.AccessFSExecute | ll.AccessFSWriteFile | ll.AccessFSReadFile | ll.AccessFSReadDir |
			ll.AccessFSRemoveDir | ll.AccessFSRemoveFile | ll.AccessFSMakeChar | ll.AccessFSMakeDir |
			ll.AccessFSMakeReg | ll.AccessFSMakeSock | ll.AccessFSMakeFifo | ll.AccessFSMakeBlock |
			ll.AccessFSMakeSym
	}
	if abi >= 2 {
		s |= ll.AccessFSRefer
	}
	if abi >= 3 {
		s |= ll.AccessFSTruncate
	}
	if abi >= 5 {
		s |= ll.AccessFSIoctlDev
	}
	if abi >= 9 {
		s |= ll.AccessFSResolveUnix
	}
	return s & allFS
}

// supportedNet returns the network access rights of Landlock ABI abi.
func supportedNet(abi int) landlock.AccessNetSet {
	var s landlock.AccessNetSet
	if abi >= abiTCP {
		s |= ll.AccessNetBindTCP | ll.AccessNetConnectTCP
	}
	if abi >= 10 {
		s |= ll.AccessNetBindUDP | ll.AccessNetConnectSendUDP
	}
	return s & allNet
}

// landlockMissing returns what p needs of Landlock that ABI abi lacks.
func (p *Policy) landlockMissing(abi int) []string {
	var missing []string
	switch {
	case abi == 0:
		missing = append(missing, "Landlock (file and network rules): this kernel has none; it needs Linux ≥ 5.13 (≥ 6.7 for TCP rules) with landlock among its LSMs (see /sys/kernel/security/lsm, boot parameter lsm=)")
	case abi < abiFiles:
		missing = append(missing, fmt.Sprintf("Landlock ABI %d for complete file rules (truncation is restricted from ABI 3); the kernel has ABI %d", abiFiles, abi))
	}
	if !p.Network && abi > 0 && abi < abiTCP {
		missing = append(missing, fmt.Sprintf("Landlock ABI %d for Network: false (TCP rules); the kernel has ABI %d", abiTCP, abi))
	}
	return missing
}

// applyLandlock restricts every thread of this process to p's file and
// network rules, with what Landlock ABI abi supports (abi > 0). It cannot
// be undone.
func (p *Policy) applyLandlock(abi int) error {
	cfg := landlock.Config{HandledAccessFS: supportedFS(abi)}
	if !p.Network {
		cfg.HandledAccessNet = supportedNet(abi)
		if abi >= abiScopes {
			cfg.Scoped |= ll.ScopeAbstractUnixSocket
		}
	}
	if abi >= abiScopes {
		cfg.Scoped |= ll.ScopeSignal
	}
	cfg.Scoped &= allScoped
	var rules []landlock.Rule
	for _, grant := range []struct {
		rights landlock.AccessFSSet
		paths  []string
	}{{rightsRead, p.ReadOnly}, {rightsRead | rightsWrite, p.ReadWrite}, {rightsExec, p.Exec}} {
		for _, path := range grant.paths {
			rights := grant.rights & cfg.HandledAccessFS
			info, err := os.Stat(path)
			if err != nil {
				return fmt.Errorf("sandbox: %w", err)
			}
			if !info.IsDir() {
				rights &= rightsFileOnly
			}
			if rights != 0 {
				rules = append(rules, landlock.PathAccess(rights, path))
			}
		}
	}
	if err := cfg.Restrict(rules...); err != nil {
		return fmt.Errorf("sandbox: Landlock: %w", err)
	}
	return nil
}
