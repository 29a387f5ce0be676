package ipc

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
)

// DialOptions configures Dial. A nil *DialOptions means the defaults
// documented on each field.
type DialOptions struct {
	// Options configures the connection. Options.Bootstrap, if set, is
	// offered to the server (the connection takes it over), which lets
	// the server call back without being handed a capability first.
	Options

	// TLS, if not nil, makes the connection TLS with this configuration.
	// An empty ServerName is taken from address, as tls.Dialer does.
	TLS *tls.Config
}

// Dial connects to a Listener at address on network ("unix" or "tcp";
// "tcp4" and "tcp6" too) and returns the connection; get the server's
// capability with Conn.Bootstrap. ctx bounds connecting (and the TLS
// handshake), not the life of the connection. The caller owns the
// connection and must Close it; when the server goes away, calls fail
// with ErrDisconnected and Conn.Done is closed.
func Dial(ctx context.Context, network, address string, opts *DialOptions) (*Conn, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	switch network {
	case "unix", "tcp", "tcp4", "tcp6":
	default:
		opts.Bootstrap.Release()
		return nil, fmt.Errorf("ipc: Dial: network %q is not supported; use \"unix\" or \"tcp\"", network)
	}
	var (
		d   net.Dialer
		nc  net.Conn // its dynamic type is the concrete *net.UnixConn, *net.TCPConn or *tls.Conn
		err error
	)
	if opts.TLS != nil {
		td := tls.Dialer{NetDialer: &d, Config: opts.TLS}
		nc, err = td.DialContext(ctx, network, address)
	} else {
		nc, err = d.DialContext(ctx, network, address)
	}
	if err != nil {
		opts.Bootstrap.Release()
		// err (a *net.OpError, or tls's) already names the network and address.
		return nil, fmt.Errorf("ipc: %w", err)
	}
	return NewConn(nc, &opts.Options), nil
}
