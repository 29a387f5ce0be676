package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ifacegen/ifacegen/interfaces/coreinit"
	"github.com/ifacegen/ifacegen/interfaces/coreinit/coreinitipc"
	"github.com/ifacegen/ifacegen/interfaces/coremining"
	"github.com/ifacegen/ifacegen/interfaces/coremining/coreminingipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// TestMain installs this test binary as "mining-client" and as
// "fakenode", a Go server of Core's Init and Mining (interfaces/coreinit,
// interfaces/coremining) in the libmultiprocess dialect, standing in for
// bitcoin-node, which is not available here.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"mining-client": main,
		"fakenode":      fakeNodeMain,
	})
}

// TestScripts runs testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", RequireExplicitExec: true})
}

// fakeNodeMain listens on the unix socket os.Args[1] (ipc.Listen, in the
// dialect) until the first connection ends, then
// prints the calls its implementation received, in order, and exits.
func fakeNodeMain() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fakenode SOCKET")
		os.Exit(2)
	}
	n := &node{}
	closed := make(chan struct{})
	ctx := context.Background()
	l, err := ipc.Listen(ctx, "unix", os.Args[1], func() *ipc.Capability {
		return coreinitipc.NewInitServer(&nodeInit{n: n, closed: closed})
	}, &ipc.ListenOptions{Options: ipc.Options{Dialect: ipc.Libmultiprocess}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakenode:", err)
		os.Exit(1)
	}
	<-closed // the client's connection ended: its Init was released
	l.Close()
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.calls {
		fmt.Println(c)
	}
}

// node records the calls it serves.
type node struct {
	mu        sync.Mutex
	calls     []string
	closeOnce sync.Once
}

func (n *node) record(format string, args ...any) {
	n.mu.Lock()
	n.calls = append(n.calls, fmt.Sprintf(format, args...))
	n.mu.Unlock()
}

type nodeInit struct {
	n      *node
	closed chan struct{}
}

// Close runs when the connection that Init was served on has ended.
func (i *nodeInit) Close() error {
	i.n.closeOnce.Do(func() { close(i.closed) })
	return nil
}

func (i *nodeInit) MakeEcho(context.Context) (coreinit.Echo, error) {
	return nil, fmt.Errorf("not served")
}

func (i *nodeInit) MakeMining(context.Context) (coremining.Mining, error) {
	i.n.record("makeMining")
	return &mining{n: i.n}, nil
}

// mining answers like a regtest node at height 200.
type mining struct {
	coreminingipc.UnimplementedMining
	n *node
}

func (m *mining) IsTestChain(context.Context) (bool, error) {
	m.n.record("isTestChain")
	return true, nil
}

func (m *mining) GetTip(context.Context) (*coremining.BlockRef, error) {
	m.n.record("getTip")
	hash := make([]byte, 32)
	hash[0], hash[31] = 0xab, 0x01
	return &coremining.BlockRef{Hash: hash, Height: 200}, nil
}

func (m *mining) CreateNewBlock(_ context.Context, o coremining.BlockCreateOptions, cooldown bool) (coremining.BlockTemplate, error) {
	m.n.record("createNewBlock useMempool=%v blockReservedWeight=%d coinbaseOutputMaxAdditionalSigops=%d cooldown=%v",
		o.UseMempool, o.BlockReservedWeight, o.CoinbaseOutputMaxAdditionalSigops, cooldown)
	return &template{n: m.n}, nil
}

type template struct {
	coreminingipc.UnimplementedBlockTemplate
	n *node
}

func (t *template) Destroy(context.Context) error {
	t.n.record("destroy")
	return nil
}

func (t *template) GetBlockHeader(context.Context) ([]byte, error) {
	t.n.record("getBlockHeader")
	h := make([]byte, 80)
	h[0], h[3] = 0x00, 0x20 // version 0x20000000
	h[4] = 0xab             // prev: the tip
	h[35] = 0x01
	h[68], h[69] = 0x10, 0x27 // time 10000
	h[72], h[73], h[74], h[75] = 0xff, 0xff, 0x7f, 0x20
	return h, nil
}

// WaitNext waits for the timeout (or the caller giving up) and reports
// no new template, as a node whose mempool does not change does.
func (t *template) WaitNext(ctx context.Context, o coremining.BlockWaitOptions) (coremining.BlockTemplate, error) {
	t.n.record("waitNext timeout=%gms feeThreshold=%d", o.Timeout, o.FeeThreshold)
	select {
	case <-time.After(time.Duration(o.Timeout * float64(time.Millisecond))):
	case <-ctx.Done():
	}
	return nil, nil
}
