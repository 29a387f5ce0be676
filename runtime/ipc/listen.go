package ipc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ListenOptions configures Listen. A nil *ListenOptions means the defaults
// documented on each field.
type ListenOptions struct {
	// Options configures every accepted connection. Options.Bootstrap is
	// not used (Listen releases it if set): Listen's bootstrap function
	// gives each connection its own.
	// Options.Logger also receives the listener's own messages (refused
	// and failed connections).
	Options

	// TLS, if not nil, makes every connection TLS with this
	// configuration, which must hold a certificate. Use it for "tcp" on
	// anything but loopback, with ClientAuth to authenticate peers: plain
	// TCP lets anyone who can reach the port call the bootstrap
	// capability.
	TLS *tls.Config

	// HandshakeTimeout bounds a TLS handshake. Zero means 10 seconds.
	HandshakeTimeout time.Duration

	// MaxConns limits how many connections are open at once; one accepted
	// beyond it is closed at once and logged at warning level. Zero means
	// no limit.
	MaxConns int
}

// Listener accepts connections and serves a bootstrap capability on each.
// Its methods are safe for concurrent use.
type Listener struct {
	ln        net.Listener
	addr      net.Addr
	bootstrap func() *Capability
	opts      ListenOptions
	logger    *slog.Logger
	cleanup   func() // removes the socket file; nil for TCP

	ctx         context.Context // canceled when the listener stops accepting
	stop        context.CancelFunc
	acceptDone  chan struct{} // closed when the accept loop has returned
	abandon     chan struct{} // closed when connections are no longer awaited
	abandonOnce sync.Once
	wg          sync.WaitGroup

	mu      sync.Mutex
	closing bool
	slots   int                // connections accepted and not yet ended
	conns   map[*Conn]struct{} // connections being served
}

// Listen listens on network ("unix" or "tcp"; "tcp4" and "tcp6" too) at
// address and serves each connection it accepts in the background until
// Close or Shutdown. bootstrap is called once per connection for the
// capability offered on it, typically a generated NewXServer(impl); the
// connection takes over that reference and releases it when it ends. A
// nil bootstrap offers nothing.
//
// For "unix", address is a socket file path (or, on Linux, "@name" for an
// abstract socket, to which none of the following applies):
//
//   - its directory must exist and must not be writable by everyone
//     unless it has the sticky bit (like /tmp): otherwise anyone could
//     replace the socket with their own;
//   - the socket file is created with mode 0600, so only this user (and
//     root) can connect: it is bound in a private temporary directory,
//     made 0600, and renamed into place, leaving no moment at which it is
//     open to others (a side effect: clients see the temporary path as
//     the socket's peer address, in RemoteAddr and in error messages);
//   - an existing socket file nobody listens on (connecting to it is
//     refused: a server that died) is replaced; one a live server listens
//     on is an error, and so is any other kind of file at that path;
//   - Close and Shutdown remove the socket file, unless another file has
//     taken its place meanwhile.
//
// ctx bounds setting up the listener, not its life, as for
// net.ListenConfig.Listen.
func Listen(ctx context.Context, network, address string, bootstrap func() *Capability, opts *ListenOptions) (*Listener, error) {
	l := &Listener{
		bootstrap:  bootstrap,
		acceptDone: make(chan struct{}),
		abandon:    make(chan struct{}),
		conns:      make(map[*Conn]struct{}),
	}
	if opts != nil {
		l.opts = *opts
	}
	l.opts.Bootstrap.Release()
	l.opts.Bootstrap = nil
	if l.opts.HandshakeTimeout <= 0 {
		l.opts.HandshakeTimeout = 10 * time.Second
	}
	l.logger = l.opts.Logger
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	if cfg := l.opts.TLS; cfg != nil && len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, errors.New("ipc: Listen: ListenOptions.TLS has no certificate; set Certificates or GetCertificate")
	}
	var err error
	switch network {
	case "unix":
		l.ln, l.addr, l.cleanup, err = listenSocketFile(ctx, address)
	case "tcp", "tcp4", "tcp6":
		var lc net.ListenConfig
		l.ln, err = lc.Listen(ctx, network, address)
		if err == nil {
			l.addr = l.ln.Addr()
		}
	default:
		return nil, fmt.Errorf("ipc: Listen: network %q is not supported; use \"unix\" or \"tcp\"", network)
	}
	if err != nil {
		return nil, err
	}
	if l.opts.TLS != nil {
		l.ln = tls.NewListener(l.ln, l.opts.TLS)
	}
	l.ctx, l.stop = context.WithCancel(context.Background())
	l.wg.Add(1)
	go l.accept()
	return l, nil
}

// Addr returns the address the listener listens on: for "unix", the
// socket file path given to Listen; for "tcp", the actual address (with
// the port chosen when Listen was given port 0).
func (l *Listener) Addr() net.Addr { return l.addr }

// Close stops accepting connections, closes every connection at once
// (calls in progress on them fail with ErrDisconnected), removes the
// socket file, and waits for the listener's goroutines to end. It returns
// the error of closing the underlying listener, if any. Calling Close (or
// Shutdown) again is harmless.
func (l *Listener) Close() error {
	err := l.stopAccepting()
	l.closeConns(l.takeConns())
	l.abandonOnce.Do(func() { close(l.abandon) })
	l.wg.Wait()
	return err
}

// Shutdown stops accepting connections, removes the socket file, and
// then closes each connection as soon as no call from its peer is in
// progress on it: a connection with no call running is closed at once,
// one with calls once they have all returned. When ctx is done first, it
// closes the remaining connections at once, as Close does, and returns
// ctx's error. Calls that a peer starts on a connection while Shutdown
// waits for it still run; a call that arrives just as its connection is
// closed fails with ErrDisconnected. Calls this side makes to peers (for
// example notifications) do not hold Shutdown up.
func (l *Listener) Shutdown(ctx context.Context) error {
	l.stopAccepting()
	var (
		wg     sync.WaitGroup
		forced atomic.Bool
	)
	for _, c := range l.takeConns() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c.waitIdle(ctx) != nil {
				forced.Store(true)
			}
			c.Close()
		}()
	}
	wg.Wait()
	l.abandonOnce.Do(func() { close(l.abandon) })
	l.wg.Wait()
	if forced.Load() {
		return ctx.Err()
	}
	return nil
}

// stopAccepting closes the listener and removes the socket file; it is
// idempotent.
func (l *Listener) stopAccepting() error {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		return nil
	}
	l.closing = true
	l.mu.Unlock()
	l.stop()
	err := l.ln.Close()
	<-l.acceptDone
	if l.cleanup != nil {
		l.cleanup()
	}
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// takeConns returns the connections being served. Once closing is set no
// connection is added, so after stopAccepting this is the final set.
func (l *Listener) takeConns() []*Conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	cs := make([]*Conn, 0, len(l.conns))
	for c := range l.conns {
		cs = append(cs, c)
	}
	return cs
}

// closeConns closes cs concurrently, since each Close may take up to its
// CloseTimeout.
func (l *Listener) closeConns(cs []*Conn) {
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Close()
		}()
	}
	wg.Wait()
}

// accept accepts connections until the listener is closed.
func (l *Listener) accept() {
	defer l.wg.Done()
	defer close(l.acceptDone)
	var delay time.Duration // after a failed Accept
	for {
		nc, err := l.ln.Accept()
		if err != nil {
			if l.isClosing() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors or the like: wait and retry, as
			// net/http does, rather than spin or give up.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			l.logger.Warn("ipc: accept failed; retrying", "addr", l.addr.String(), "error", err, "retry_in", delay)
			select {
			case <-time.After(delay):
			case <-l.ctx.Done():
				return
			}
			continue
		}
		delay = 0
		l.mu.Lock()
		switch {
		case l.closing:
			l.mu.Unlock()
			nc.Close()
			return
		case l.opts.MaxConns > 0 && l.slots >= l.opts.MaxConns:
			l.mu.Unlock()
			nc.Close()
			l.logger.Warn("ipc: connection limit reached; connection closed",
				"addr", l.addr.String(), "remote", remoteAddr(nc), "max_conns", l.opts.MaxConns)
			continue
		}
		l.slots++
		l.wg.Add(1)
		l.mu.Unlock()
		go l.serve(nc)
	}
}

// serve serves one accepted connection until it ends.
func (l *Listener) serve(nc net.Conn) {
	defer l.wg.Done()
	defer func() {
		l.mu.Lock()
		l.slots--
		l.mu.Unlock()
	}()
	if tc, ok := nc.(*tls.Conn); ok {
		// A handshake still going when the listener stops is abandoned.
		ctx, cancel := context.WithTimeout(l.ctx, l.opts.HandshakeTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			nc.Close()
			l.logger.Warn("ipc: TLS handshake failed; connection closed", "addr", l.addr.String(), "remote", remoteAddr(nc), "error", err)
			return
		}
	}
	opts := l.opts.Options
	if l.bootstrap != nil {
		opts.Bootstrap = l.bootstrap()
	}
	c := newConn(nc, &opts, nil)
	l.mu.Lock()
	if l.closing {
		// Close or Shutdown has taken the set of connections already.
		l.mu.Unlock()
		c.Close()
		return
	}
	l.conns[c] = struct{}{}
	l.mu.Unlock()
	select {
	case <-c.Done():
	case <-l.abandon:
		// Close has closed c (its stream at least, if the RPC layer did
		// not shut down within CloseTimeout); stop waiting for it.
	}
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

func (l *Listener) isClosing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closing
}

func remoteAddr(c net.Conn) string {
	if a := c.RemoteAddr(); a != nil && a.String() != "" {
		return a.String()
	}
	return "local"
}
