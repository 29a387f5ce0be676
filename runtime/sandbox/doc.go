// Package sandbox restricts what a process may do, for the rest of its
// life: which files it may read, write and run, whether it may open TCP
// connections, and which system calls it may make. On Linux it uses
// Landlock for files and TCP and seccomp-bpf for system calls; elsewhere
// it enforces nothing and says so.
//
// Programs built on runtime/ipc do not call it directly: a parent sets
// ipc.SpawnOptions.Sandbox, Spawn passes the policy to the child in its
// environment (EnvVar), and the child's ipc.ServeSpawned applies it
// before it serves its first call:
//
//	proc, boot, err := ipc.Spawn(ctx, exe, []string{"wallet"}, &ipc.SpawnOptions{
//		Sandbox: &ipc.Sandbox{
//			ReadWrite: []string{dataDir}, // its data, and nothing else
//			// Network: false: no TCP; Syscalls: the default deny list.
//		},
//	})
//
// Inside the child, opening a file outside the policy fails with EACCES
// (errors.Is(err, fs.ErrPermission)), a TCP connect or bind with EACCES,
// a denied system call with EPERM; nothing kills the child. Its IPC
// connection, calls and callbacks keep working.
//
// Which kernel supports what (Landlock ABI versions):
//
//   - file rules (ReadOnly, ReadWrite, Exec): ABI 1, complete with ABI 3,
//     which restricts truncation; a policy needs ABI 3;
//   - Network: false: ABI 4 (TCP connect and bind); Multipath TCP, which
//     Landlock does not cover, is closed by seccomp;
//   - signals and abstract unix sockets confined to the sandbox: ABI 6,
//     applied where available;
//   - system call filters: seccomp-bpf (Linux 3.17 for TSYNC).
//
// Without BestEffort, a policy the kernel cannot enforce fully is an
// error (Check in the parent, Apply in the child); with it, the process
// runs with what the kernel enforces and the missing parts are reported.
package sandbox
