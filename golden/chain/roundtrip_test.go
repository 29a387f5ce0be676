package chain_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/chain"
	"github.com/ifacegen/ifacegen/golden/chain/chainipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// node implements chain.Chain in the "node" process.
type node struct {
	mu        sync.Mutex
	height    int32
	listeners map[*handler]chain.Notifications
	settings  map[string]string
	kept      chain.SettingsUpdate // the last update func, kept after the call
}

func newNode() *node {
	return &node{listeners: make(map[*handler]chain.Notifications), settings: make(map[string]string)}
}

func (n *node) GetHeight(context.Context) (int32, bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.height, n.height > 0, nil
}

func (n *node) HandleNotifications(_ context.Context, l chain.Notifications) (chain.Handler, error) {
	h := &handler{node: n}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.listeners[h] = l
	return h, nil
}

func (n *node) ConnectBlock(ctx context.Context, b chain.BlockInfo) error {
	n.mu.Lock()
	n.height = b.Height
	var ls []chain.Notifications
	for _, l := range n.listeners {
		ls = append(ls, l)
	}
	n.mu.Unlock()
	for _, l := range ls {
		if err := l.BlockConnected(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

func (n *node) UpdateSetting(_ context.Context, name string, update chain.SettingsUpdate) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	value, action := update(n.settings[name])
	if action != 0 {
		return "", errors.New("update refused")
	}
	n.settings[name] = value
	n.kept = update
	return value, nil
}

func (n *node) Walk(ctx context.Context, depth int32, visit chain.Visitor) (int32, error) {
	return visit(ctx, depth)
}

// handler is the Handler of one registration.
type handler struct{ node *node }

func (h *handler) Disconnect(context.Context) error {
	h.node.mu.Lock()
	l := h.node.listeners[h]
	delete(h.node.listeners, h)
	h.node.mu.Unlock()
	if r, ok := l.(interface{ Release() }); ok {
		r.Release()
	}
	return nil
}

// listener implements chain.Notifications in the "wallet" process.
type listener struct {
	blocks chan chain.BlockInfo
	closed chan struct{}
}

func newListener() *listener {
	return &listener{blocks: make(chan chain.BlockInfo, 10), closed: make(chan struct{})}
}

func (l *listener) BlockConnected(_ context.Context, b chain.BlockInfo) error {
	l.blocks <- b
	return nil
}

func (l *listener) ChainStateFlushed(context.Context) error { return nil }

// Close is called once the node released its last reference.
func (l *listener) Close() error {
	close(l.closed)
	return nil
}

func connect(t *testing.T, n chain.Chain) *chainipc.ChainClient {
	t.Helper()
	c := chainipc.NewChainClient(ipctest.Pipe(t, chainipc.NewChainServer(n)))
	t.Cleanup(c.Release)
	return c
}

// A listener registered with HandleNotifications is called after that
// call returned, until its Handler is disconnected, and then released.
func TestKeptListener(t *testing.T) {
	ctx := context.Background()
	c := connect(t, newNode())
	l := newListener()
	h, err := c.HandleNotifications(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	defer h.(*chainipc.HandlerClient).Release()
	want := chain.BlockInfo{Hash: [32]byte{1, 2, 3}, Height: 7}
	if err := c.ConnectBlock(ctx, want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, <-l.blocks); diff != "" {
		t.Errorf("BlockConnected got (-want +got):\n%s", diff)
	}
	if err := h.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	<-l.closed // the node released the listener; it is closed
	if err := c.ConnectBlock(ctx, chain.BlockInfo{Height: 8}); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-l.blocks:
		t.Errorf("BlockConnected(%v) after Disconnect", b)
	default:
	}
	if height, ok, err := c.GetHeight(ctx); err != nil || !ok || height != 8 {
		t.Errorf("GetHeight = %d, %v, %v; want 8, true, nil", height, ok, err)
	}
}

// A func callback is called during the call, and can be kept and called
// after the call returned.
func TestFuncCallback(t *testing.T) {
	ctx := context.Background()
	n := newNode()
	c := connect(t, n)
	var (
		mu   sync.Mutex // the race detector cannot see the order the socket imposes
		seen []string
	)
	update := func(value string) (string, int32) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, value)
		return value + "+", 0
	}
	for _, want := range []string{"+", "++"} {
		got, err := c.UpdateSetting(ctx, "wallet", update)
		if err != nil || got != want {
			t.Fatalf("UpdateSetting = %q, %v; want %q, nil", got, err, want)
		}
	}
	if _, err := c.UpdateSetting(ctx, "wallet", func(string) (string, int32) { return "", 1 }); err == nil || err.Error() != "update refused" {
		t.Errorf("refused update: err = %v; want update refused", err)
	}
	// The node kept the last accepted func; call it after its call returned.
	n.mu.Lock()
	kept := n.kept
	n.kept = nil
	n.mu.Unlock()
	if v, action := kept("later"); v != "later+" || action != 0 {
		t.Errorf("kept func = %q, %d; want later+, 0", v, action)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"", "+", "later"}, seen); diff != "" {
		t.Errorf("update saw (-want +got):\n%s", diff)
	}
}

// A callback may call back into the chain from inside the call that
// called it, recursively, without deadlock.
func TestReentrantCallback(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := connect(t, newNode())
	var visit chain.Visitor
	visit = func(ctx context.Context, depth int32) (int32, error) {
		if depth == 0 {
			return 0, nil
		}
		v, err := c.Walk(ctx, depth-1, visit)
		return v + 1, err
	}
	const depth = 12
	got, err := c.Walk(ctx, depth, visit)
	if err != nil || got != depth {
		t.Fatalf("Walk(%d) = %d, %v; want %d, nil", depth, got, err, depth)
	}
}

// A nil func arrives as nil.
func TestNilFunc(t *testing.T) {
	ctx := context.Background()
	c := connect(t, newNode())
	_, err := c.Walk(ctx, 1, nil)
	if err == nil {
		t.Fatal("Walk with a nil visitor succeeded; want the implementation's panic as an error")
	}
}
