//go:build unix

package ipc

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// SocketPair returns the two connected ends of a new unix stream socket
// pair. The caller owns both and must close them.
func SocketPair() (*net.UnixConn, *net.UnixConn, error) {
	// Hold ForkLock so that no child forked meanwhile inherits the fds
	// before they are marked close-on-exec (SOCK_CLOEXEC is not portable).
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil, fmt.Errorf("ipc: socketpair: %w", err)
	}
	a, err := fileConn(fds[0], "socketpair-0")
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, err
	}
	b, err := fileConn(fds[1], "socketpair-1")
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, b, nil
}

// fileConn wraps fd in a *net.UnixConn; the fd is owned by the result.
func fileConn(fd int, name string) (*net.UnixConn, error) {
	f := os.NewFile(uintptr(fd), name)
	defer f.Close() // net.FileConn dups the fd
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("ipc: %s: %w", name, err)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("ipc: %s is not a unix socket", name)
	}
	return uc, nil
}
