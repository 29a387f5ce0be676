package dialect_test

import (
	"capnproto.org/go/capnp/v3"
	"context"
	"errors"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"sync"
	"testing"

	"github.com/ifacegen/ifacegen/golden/dialect"
	"github.com/ifacegen/ifacegen/golden/dialect/dialectipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

type initImpl struct{}

func (initImpl) MakeCalculator(_ context.Context, p dialect.Printer) (dialect.Calculator, error) {
	return &calculator{printer: p}, nil
}

type calculator struct {
	printer dialect.Printer
	mu      sync.Mutex
	watch   dialect.OnAnswer
}

func (c *calculator) Solve(ctx context.Context, eqn string, precision int32) (*dialect.Answer, error) {
	if err := c.printer.Print(ctx, "solving "+eqn); err != nil {
		return nil, err
	}
	if eqn == "" {
		return nil, nil
	}
	a := &dialect.Answer{Value: 2, Precision: dialect.Rounded}
	if eqn == "1/0" {
		code := int32(precision)
		a.Error = &code
		a.Detail = &dialect.Detail{Text: "division by zero"}
	}
	c.mu.Lock()
	cb := c.watch
	c.mu.Unlock()
	if cb != nil {
		if err := cb(ctx, *a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (c *calculator) Stop(context.Context) error { return nil }

func (c *calculator) Watch(_ context.Context, cb dialect.OnAnswer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watch = cb
	return nil
}

type printer struct {
	mu    sync.Mutex
	lines []string
}

func (p *printer) Print(_ context.Context, line string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines = append(p.lines, line)
	return nil
}

// TestRoundTrip: between Go peers, a dialect package's generated code
// carries optionals with their has flags, callbacks and returned
// capabilities; the wire-only context stays out of Go.
func TestRoundTrip(t *testing.T) {
	ctx := t.Context()
	boot := ipctest.Pipe(t, dialectipc.NewInitServer(initImpl{}))
	in := dialectipc.NewInitClient(boot.AddRef())
	defer in.Release()
	p := &printer{}
	calc, err := in.MakeCalculator(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var seen []dialect.Answer
	var mu sync.Mutex
	if err := calc.Watch(ctx, func(_ context.Context, a dialect.Answer) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, a)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	if a, err := calc.Solve(ctx, "", 3); err != nil || a != nil {
		t.Fatalf("Solve(\"\") = %+v, %v; want nil", a, err)
	}
	a, err := calc.Solve(ctx, "1+1", 3)
	if err != nil || a == nil || a.Value != 2 || a.Error != nil || a.Detail != nil || a.Precision != dialect.Rounded {
		t.Fatalf("Solve(1+1) = %+v, %v", a, err)
	}
	a, err = calc.Solve(ctx, "1/0", 7)
	if err != nil || a == nil || a.Error == nil || *a.Error != 7 || a.Detail == nil || a.Detail.Text != "division by zero" {
		t.Fatalf("Solve(1/0) = %+v, %v", a, err)
	}
	if err := calc.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(seen) != 2 || seen[1].Detail == nil {
		t.Errorf("the callback saw %+v", seen)
	}
	mu.Unlock()
	p.mu.Lock()
	if len(p.lines) != 3 || p.lines[2] != "solving 1/0" {
		t.Errorf("the printer got %q", p.lines)
	}
	p.mu.Unlock()

	// construct is on the wire but not in Go: until the runtime answers it,
	// the generated server says it is not implemented.
	construct := capnprpc.Method{InterfaceID: dialectipc.Init_TypeID, MethodID: 0, Name: "dialect.Init.construct",
		ParamsSize: capnp.ObjectSize{PointerCount: 1}}
	err = boot.Call(ctx, &construct, nil, nil)
	if !errors.Is(ipc.CallError(construct.Name, err), ipc.ErrUnimplemented) {
		t.Errorf("construct answered %v, want unimplemented", err)
	}
}
