package mpexamples_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ifacegen/ifacegen/internal/mpexamples"
	"github.com/ifacegen/ifacegen/internal/mpexamples/calculator"
	"github.com/ifacegen/ifacegen/internal/mpexamples/mpinit"
	"github.com/ifacegen/ifacegen/internal/mpexamples/mpinit/mpinitipc"
	"github.com/ifacegen/ifacegen/internal/mpexamples/printer"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// The Go side of libmultiprocess's examples: a printer that records what
// it prints, a calculator that prints through its printer, and an Init
// that makes them. The test binary serves them as "mpcalculator" (see
// TestMain) when a C++ mpexample spawns it.

// goPrinter records each line it is asked to print and whether it was
// destroyed.
type goPrinter struct {
	lines     chan string
	destroyed chan struct{}
	once      sync.Once
}

func newGoPrinter() *goPrinter {
	return &goPrinter{lines: make(chan string, 16), destroyed: make(chan struct{})}
}

func (p *goPrinter) Print(ctx context.Context, text string) error {
	p.lines <- text
	return nil
}

func (p *goPrinter) Destroy(ctx context.Context) error {
	p.once.Do(func() { close(p.destroyed) })
	return nil
}

// goCalculator answers like the C++ CalculatorImpl: through its printer.
type goCalculator struct {
	printer printer.Printer
	mu      sync.Mutex
}

func (c *goCalculator) SolveEquation(ctx context.Context, eqn string) error {
	// ctx carries the caller's callbackThread: the printer (a capability
	// the caller passed in) is called back on the caller's thread.
	return c.printer.Print(ctx, fmt.Sprintf("Wow %s, that's a tough one, says Go.\n", eqn))
}

func (c *goCalculator) Destroy(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.printer.(interface{ Release() }); ok {
		r.Release() // destroys the printer proxy, as the C++ calculator's destructor does
	}
	c.printer = nil
	return nil
}

type goInit struct{}

func (goInit) MakeCalculator(ctx context.Context, p printer.Printer) (calculator.Calculator, error) {
	return &goCalculator{printer: p}, nil
}

func (goInit) MakePrinter(ctx context.Context) (printer.Printer, error) {
	return newGoPrinter(), nil
}

var _ mpinit.Init = goInit{}

// TestMain serves goInit to the parent when the binary runs as
// "mpcalculator" (the name under which C++ mpexample spawns it), and runs
// the tests otherwise.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "mpcalculator" {
		err := ipc.ServeSpawned(mpinitipc.NewInitServer(goInit{}), &ipc.Options{Dialect: ipc.Libmultiprocess})
		if err != nil {
			fmt.Fprintln(os.Stderr, "go mpcalculator:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// examples returns the directory of the C++ programs, skipping the test
// when the CI variable is unset.
func examples(t *testing.T) string {
	t.Helper()
	dir, ok, err := mpexamples.Dir()
	if !ok {
		t.Skipf("%s is not set; run .ci/libmultiprocess and set it to the directory it prints (.ci/run does)", mpexamples.EnvVar)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// wait receives from ch, failing the test if ctx ends first.
func wait[T any](t *testing.T, ctx context.Context, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("%s: %v", what, ctx.Err())
		panic("unreachable")
	}
}
