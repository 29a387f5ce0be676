package fuzz_test

import (
	"context"
	"errors"
	"math"
	"sync"

	"github.com/ifacegen/ifacegen/golden/enums"
	"github.com/ifacegen/ifacegen/golden/enums/enumsipc"
	"github.com/ifacegen/ifacegen/golden/lists"
	"github.com/ifacegen/ifacegen/golden/lists/listsipc"
	"github.com/ifacegen/ifacegen/golden/maps"
	"github.com/ifacegen/ifacegen/golden/maps/mapsipc"
	"github.com/ifacegen/ifacegen/golden/optionals"
	"github.com/ifacegen/ifacegen/golden/optionals/optionalsipc"
	"github.com/ifacegen/ifacegen/interfaces/mining"
	"github.com/ifacegen/ifacegen/interfaces/mining/miningipc"
	"github.com/ifacegen/ifacegen/internal/interop/interopapi"
	"github.com/ifacegen/ifacegen/internal/interop/interopapi/interopapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// A method is one generated method the fuzz targets drive: call makes the
// call through the generated client proxy on c (which it takes over), with
// representative arguments; iface and id name it on the wire; server, when
// not nil, returns the generated server (shared, not to be released) that
// serves it in this process.
type method struct {
	name   string
	iface  uint64
	id     uint16
	call   func(ctx context.Context, c *ipc.Capability) error
	server func() *ipc.Capability
}

// methods lists every method the targets pick from, by index. Append
// only: the committed corpora refer to methods by index.
var methods = []method{
	// interopapi: structs, lists, optionals, maps, enums, byte arrays.
	{"Interop.Add", interopapiipc.Interop_TypeID, 0, func(ctx context.Context, c *ipc.Capability) error {
		cl := interopapiipc.NewInteropClient(c)
		defer cl.Release()
		_, err := cl.Add(ctx, 2, 40)
		return err
	}, interopServer},
	{"Interop.Echo", interopapiipc.Interop_TypeID, 1, func(ctx context.Context, c *ipc.Capability) error {
		cl := interopapiipc.NewInteropClient(c)
		defer cl.Release()
		_, err := cl.Echo(ctx, sampleRecord())
		return err
	}, interopServer},
	{"Interop.Stats", interopapiipc.Interop_TypeID, 2, func(ctx context.Context, c *ipc.Capability) error {
		cl := interopapiipc.NewInteropClient(c)
		defer cl.Release()
		_, _, _, _, err := cl.Stats(ctx, []int64{3, -1, 10})
		return err
	}, interopServer},
	{"Interop.Lookup", interopapiipc.Interop_TypeID, 3, func(ctx context.Context, c *ipc.Capability) error {
		cl := interopapiipc.NewInteropClient(c)
		defer cl.Release()
		_, err := cl.Lookup(ctx, map[string]int64{"a": 1, "b": 2}, "b")
		return err
	}, interopServer},
	{"Interop.Count", interopapiipc.Interop_TypeID, 4, func(ctx context.Context, c *ipc.Capability) error {
		cl := interopapiipc.NewInteropClient(c)
		defer cl.Release()
		_, err := cl.Count(ctx, []interopapi.Kind{interopapi.KindHeader, interopapi.KindBlock, 7})
		return err
	}, interopServer},
	{"Interop.Fail", interopapiipc.Interop_TypeID, 5, func(ctx context.Context, c *ipc.Capability) error {
		cl := interopapiipc.NewInteropClient(c)
		defer cl.Release()
		return cl.Fail(ctx, "boom")
	}, interopServer},

	// interfaces/mining, served by mining.Memory.
	{"Mining.IsTestChain", miningipc.Mining_TypeID, 0, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewMiningClient(c)
		defer cl.Release()
		_, err := cl.IsTestChain(ctx)
		return err
	}, miningServer},
	{"Mining.IsInitialBlockDownload", miningipc.Mining_TypeID, 1, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewMiningClient(c)
		defer cl.Release()
		_, err := cl.IsInitialBlockDownload(ctx)
		return err
	}, miningServer},
	{"Mining.GetTip", miningipc.Mining_TypeID, 2, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewMiningClient(c)
		defer cl.Release()
		_, err := cl.GetTip(ctx)
		return err
	}, miningServer},
	{"Mining.WaitTipChanged", miningipc.Mining_TypeID, 3, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewMiningClient(c)
		defer cl.Release()
		_, err := cl.WaitTipChanged(ctx, mining.Hash{1, 2, 3}, 0)
		return err
	}, miningServer},
	{"Mining.CreateNewBlock", miningipc.Mining_TypeID, 4, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewMiningClient(c)
		defer cl.Release()
		tmpl, err := cl.CreateNewBlock(ctx, mining.BlockCreateOptions{UseMempool: true, BlockReservedWeight: 4000, CoinbaseOutputScript: []byte{0x51}})
		release(tmpl)
		return err
	}, miningServer},
	{"BlockTemplate.WaitNext", miningipc.BlockTemplate_TypeID, 9, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewBlockTemplateClient(c)
		defer cl.Release()
		next, err := cl.WaitNext(ctx, mining.BlockWaitOptions{FeeThreshold: 10})
		release(next)
		return err
	}, blockTemplateServer},
	{"Mining.CheckBlock", miningipc.Mining_TypeID, 6, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewMiningClient(c)
		defer cl.Release()
		_, _, _, err := cl.CheckBlock(ctx, make([]byte, 80), mining.BlockCheckOptions{CheckPow: true})
		return err
	}, miningServer},
	{"BlockTemplate.SubmitSolution", miningipc.BlockTemplate_TypeID, 8, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewBlockTemplateClient(c)
		defer cl.Release()
		_, err := cl.SubmitSolution(ctx, 1, 2, 3, []byte{4})
		return err
	}, blockTemplateServer},
	{"BlockTemplate.GetTxFees", miningipc.BlockTemplate_TypeID, 2, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewBlockTemplateClient(c)
		defer cl.Release()
		_, err := cl.GetTxFees(ctx)
		return err
	}, blockTemplateServer},

	// Golden cases, client side only (their packages hold no
	// implementation): the richest read paths, boxes and maps of
	// optionals included.
	{"Lists.Echo", 0, 0, func(ctx context.Context, c *ipc.Capability) error {
		cl := listsipc.NewListsClient(c)
		defer cl.Release()
		_, err := cl.Echo(ctx, lists.Values{})
		return err
	}, nil},
	{"Maps.Echo", 0, 0, func(ctx context.Context, c *ipc.Capability) error {
		cl := mapsipc.NewMapsClient(c)
		defer cl.Release()
		_, err := cl.Echo(ctx, maps.Values{})
		return err
	}, nil},
	{"Optionals.Echo", 0, 0, func(ctx context.Context, c *ipc.Capability) error {
		cl := optionalsipc.NewOptionalsClient(c)
		defer cl.Release()
		_, err := cl.Echo(ctx, optionals.Values{})
		return err
	}, nil},
	{"Enums.EchoValues", 0, 0, func(ctx context.Context, c *ipc.Capability) error {
		cl := enumsipc.NewEnumsClient(c)
		defer cl.Release()
		_, err := cl.EchoValues(ctx, enums.Values{})
		return err
	}, nil},

	// Added later: new entries go here, at the end.
	{"Interop.Size", interopapiipc.Interop_TypeID, 6, func(ctx context.Context, c *ipc.Capability) error {
		cl := interopapiipc.NewInteropClient(c)
		defer cl.Release()
		_, _, err := cl.Size(ctx, interopapi.Tree{Label: "a", Children: []interopapi.Tree{{Label: "b", Children: []interopapi.Tree{{}}}, {}}})
		return err
	}, interopServer},
	// interfaces/mining's BlockTemplate, served by a template of
	// mining.Memory.
	{"BlockTemplate.GetBlockHeader", miningipc.BlockTemplate_TypeID, 0, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewBlockTemplateClient(c)
		defer cl.Release()
		_, err := cl.GetBlockHeader(ctx)
		return err
	}, blockTemplateServer},
	{"BlockTemplate.GetBlock", miningipc.BlockTemplate_TypeID, 1, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewBlockTemplateClient(c)
		defer cl.Release()
		_, err := cl.GetBlock(ctx)
		return err
	}, blockTemplateServer},
	{"BlockTemplate.GetCoinbaseMerklePath", miningipc.BlockTemplate_TypeID, 7, func(ctx context.Context, c *ipc.Capability) error {
		cl := miningipc.NewBlockTemplateClient(c)
		defer cl.Release()
		_, err := cl.GetCoinbaseMerklePath(ctx)
		return err
	}, blockTemplateServer},
}

// release releases v if it is a client proxy; a nil interface or a local
// implementation needs nothing.
func release(v any) {
	if r, ok := v.(interface{ Release() }); ok {
		r.Release()
	}
}

func ptr[T any](v T) *T { return &v }

// sampleRecord has every field of interopapi.Record set.
func sampleRecord() interopapi.Record {
	return interopapi.Record{
		Name:   "block",
		Kind:   interopapi.KindHeader,
		Hash:   [4]byte{0xde, 0xad, 0xbe, 0xef},
		Data:   []byte{0, 1, 2},
		Points: []interopapi.Point{{X: 1, Y: 2}, {X: -3, Y: math.MaxInt32}},
		Tags:   map[string]int64{"a": 1, "b": -2},
		Kinds:  []interopapi.Kind{interopapi.KindTransaction, 9},
		Lines:  [][]string{{"x", ""}, {}, nil},
		Parent: &interopapi.Point{X: 5, Y: 6},
		Weight: ptr(int64(0)),
		Note:   ptr("note"),
		Maybe:  []*int32{ptr(int32(7)), nil},
		ByKind: map[interopapi.Kind]*interopapi.Point{interopapi.KindBlock: nil, interopapi.KindHeader: {X: 9}},
	}
}

// echoInterop is an interopapi.Interop that remembers the last record
// Echo received, so that a target can check what the read path produced.
type echoInterop struct {
	mu   sync.Mutex
	last *interopapi.Record
}

func (e *echoInterop) takeLast() *interopapi.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.last
	e.last = nil
	return r
}

func (*echoInterop) Add(_ context.Context, a, b int64) (int64, error) { return a + b, nil }

func (e *echoInterop) Echo(_ context.Context, r interopapi.Record) (interopapi.Record, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.last = &r
	return r, nil
}

func (*echoInterop) Stats(_ context.Context, values []int64) (sum, lo, hi int64, count int32, err error) {
	if len(values) == 0 {
		return 0, 0, 0, 0, errors.New("no values")
	}
	lo, hi = values[0], values[0]
	for _, v := range values {
		sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	return sum, lo, hi, int32(len(values)), nil
}

func (*echoInterop) Lookup(_ context.Context, table map[string]int64, key string) (*int64, error) {
	if v, ok := table[key]; ok {
		return &v, nil
	}
	return nil, nil
}

func (*echoInterop) Count(_ context.Context, kinds []interopapi.Kind) (map[interopapi.Kind]int32, error) {
	counts := make(map[interopapi.Kind]int32)
	for _, k := range kinds {
		counts[k]++
	}
	return counts, nil
}

func (*echoInterop) Fail(_ context.Context, message string) error { return errors.New(message) }

func (*echoInterop) Size(_ context.Context, t interopapi.Tree) (nodes, depth int32, err error) {
	nodes, depth = treeSize(t)
	return nodes, depth, nil
}

func treeSize(t interopapi.Tree) (nodes, depth int32) {
	nodes = 1
	var deepest int32
	for _, c := range t.Children {
		n, d := treeSize(c)
		nodes += n
		deepest = max(deepest, d)
	}
	return nodes, deepest + 1
}

// The in-process servers the targets share. They live as long as the test
// binary: a fuzz worker runs inputs one after another, so sharing them
// costs nothing, and creating one per input would dominate the run time.
var (
	sharedInterop = &echoInterop{}
	interopServer = sync.OnceValue(func() *ipc.Capability { return interopapiipc.NewInteropServer(sharedInterop) })
	miningServer  = sync.OnceValue(func() *ipc.Capability { return miningipc.NewMiningServer(mining.NewMemory()) })
	// blockTemplateServer serves a template whose WaitNext returns at once
	// (its tip has moved on) and whose SubmitSolution is refused.
	blockTemplateServer = sync.OnceValue(func() *ipc.Capability {
		m := mining.NewMemory()
		tmpl, err := m.CreateNewBlock(context.Background(), mining.BlockCreateOptions{UseMempool: true, CoinbaseOutputScript: []byte{0x51}})
		if err != nil {
			panic(err)
		}
		m.AddBlock()
		return miningipc.NewBlockTemplateServer(tmpl)
	})
)
