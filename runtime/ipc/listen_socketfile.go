package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// maxSocketPath is the longest socket file path that binds everywhere
// (sun_path holds 104 bytes on the BSDs and macOS, 108 on Linux, with the
// terminating zero).
const maxSocketPath = 103

// staleProbeTimeout bounds the connection attempt that tells a live socket
// from a stale one.
const staleProbeTimeout = time.Second

// listenSocketFile listens on the unix socket file path with the rules
// Listen documents, and returns the listener, its address (path), and a
// function that removes the socket file if it is still this listener's.
func listenSocketFile(ctx context.Context, path string) (net.Listener, net.Addr, func(), error) {
	addr := &net.UnixAddr{Name: path, Net: "unix"}
	var lc net.ListenConfig
	if strings.HasPrefix(path, "@") {
		ln, err := lc.Listen(ctx, "unix", path) // abstract: no file
		return ln, addr, nil, err
	}
	if err := checkSocketDir(filepath.Dir(path)); err != nil {
		return nil, nil, nil, err
	}
	if err := checkExistingSocket(ctx, path); err != nil {
		return nil, nil, nil, err
	}
	ln, err := bindPrivate(ctx, &lc, path)
	if err != nil {
		return nil, nil, nil, err
	}
	// The listener would unlink the path it was bound to, which is either
	// gone (renamed) or may by then belong to a successor; cleanup below
	// removes the file only if it is still this socket.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	info, err := os.Lstat(path)
	if err != nil {
		ln.Close()
		return nil, nil, nil, fmt.Errorf("ipc: listen unix %s: %w", path, err)
	}
	cleanup := func() {
		if now, err := os.Lstat(path); err == nil && os.SameFile(now, info) {
			os.Remove(path)
		}
	}
	return ln, addr, cleanup, nil
}

// checkSocketDir checks that dir exists and is not writable by everyone
// unless it has the sticky bit: in a directory anyone may write, anyone
// could replace the socket with one of their own, and clients would
// connect to it.
func checkSocketDir(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("ipc: socket directory: %w; create it first", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("ipc: socket directory %s is not a directory", dir)
	}
	mode := info.Mode()
	if mode.Perm()&0o002 != 0 && mode&fs.ModeSticky == 0 {
		return fmt.Errorf("ipc: socket directory %s is writable by everyone and has no sticky bit, so others could replace the socket; use a private directory (e.g. mode 0700)", dir)
	}
	return nil
}

// checkExistingSocket checks what is at path: nothing, or a stale socket
// (connecting is refused), are fine; a socket with a live server behind it
// and any other kind of file are errors.
func checkExistingSocket(ctx context.Context, path string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ipc: listen unix %s: %w", path, err)
	}
	if info.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("ipc: listen unix %s: the path exists and is not a socket; remove it or choose another path", path)
	}
	ctx, cancel := context.WithTimeout(ctx, staleProbeTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	switch {
	case err == nil:
		c.Close()
		return fmt.Errorf("ipc: listen unix %s: another process is listening on this socket; stop it or choose another path", path)
	case errors.Is(err, syscall.ECONNREFUSED):
		return nil // stale: the server that made it is gone; it is replaced below
	default:
		return fmt.Errorf("ipc: listen unix %s: cannot tell whether a server listens on the existing socket: %w; remove it if it is stale", path, err)
	}
}

// bindPrivate binds a unix socket that only this user can connect to and
// moves it to path, replacing a stale socket there. It binds inside a new
// directory of mode 0700 next to path, makes the socket 0600, and renames
// it into place, so that no one else can connect in between. When that
// temporary path would be too long, it binds at path directly (after
// removing a stale socket) and makes it 0600 right away; in that short
// window the process umask limits who can connect.
func bindPrivate(ctx context.Context, lc *net.ListenConfig, path string) (net.Listener, error) {
	dir := filepath.Dir(path)
	tmp, err := os.MkdirTemp(dir, ".ipc")
	if err != nil {
		return nil, fmt.Errorf("ipc: listen unix %s: %w", path, err)
	}
	defer os.RemoveAll(tmp)
	bind := filepath.Join(tmp, "s")
	direct := len(bind) > maxSocketPath
	if direct {
		bind = path
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("ipc: listen unix %s: remove stale socket: %w", path, err)
		}
	}
	ln, err := lc.Listen(ctx, "unix", bind)
	if err != nil {
		if len(bind) > maxSocketPath {
			return nil, fmt.Errorf("ipc: listen unix %s: %w; the path is %d bytes long, over the limit of %d: use a shorter one", path, err, len(bind), maxSocketPath)
		}
		return nil, fmt.Errorf("ipc: listen unix %s: %w", path, err)
	}
	if err := os.Chmod(bind, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("ipc: listen unix %s: %w", path, err)
	}
	if !direct {
		if err := os.Rename(bind, path); err != nil {
			ln.Close()
			return nil, fmt.Errorf("ipc: listen unix %s: %w", path, err)
		}
	}
	return ln, nil
}
