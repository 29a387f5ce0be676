package mpexamples_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/internal/mpexamples/calculator/calculatoripc"
	"github.com/ifacegen/ifacegen/internal/mpexamples/mpinit/mpinitipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// TestGoClientOfCppCalculator spawns the C++ mpcalculator (argv[1] = its
// socket), calls it from Go and receives its Printer callbacks on a Go
// printer: construct, makeThread, Context on every call, callbacks on the
// callbackThread we sent, destroy when the Go client releases the
// calculator (which makes the C++ side destroy its printer proxy: our
// printer's Destroy runs).
func TestGoClientOfCppCalculator(t *testing.T) {
	dir := examples(t)
	// A guard against a hang, not a measure.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	proc, boot, err := ipc.Spawn(ctx, filepath.Join(dir, "mpcalculator"), nil, &ipc.SpawnOptions{
		Options: ipc.Options{Dialect: ipc.Libmultiprocess},
		Dir:     t.TempDir(), // mpcalculator writes debug.log in its working directory
	})
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close(ctx)
	init := mpinitipc.NewInitClient(boot)
	defer init.Release()

	p := newGoPrinter()
	calc, err := init.MakeCalculator(ctx, p)
	if err != nil {
		t.Fatalf("MakeCalculator: %v", err)
	}
	for _, eqn := range []string{"1+1", "2*3"} {
		if err := calc.SolveEquation(ctx, eqn); err != nil {
			t.Fatalf("SolveEquation(%q): %v", eqn, err)
		}
		want := "Wow " + eqn + ", that's a tough one.\n"
		if got := wait(t, ctx, p.lines, "the printer callback"); got != want {
			t.Errorf("printed %q, want %q", got, want)
		}
	}

	// Several calls at once each get a Thread of their own.
	errs := make(chan error, 4)
	for i := range 4 {
		go func() { errs <- calc.SolveEquation(ctx, strings.Repeat("9", i+1)) }()
	}
	for range 4 {
		if err := wait(t, ctx, errs, "concurrent SolveEquation"); err != nil {
			t.Errorf("concurrent SolveEquation: %v", err)
		}
		wait(t, ctx, p.lines, "the printer callback")
	}

	calc.(*calculatoripc.CalculatorClient).Release()
	wait(t, ctx, p.destroyed, "the C++ calculator's destroy of our printer after Release")
	init.Release()
	if err := proc.Close(ctx); err != nil {
		t.Errorf("mpcalculator: %v", err)
	}
}

// TestCppExceptionIsRemoteError connects to mpcalculator without the
// dialect: the call carries no Context, the C++ side throws, and the Go
// caller gets an *ipc.RemoteError with the C++ exception's text.
func TestCppExceptionIsRemoteError(t *testing.T) {
	dir := examples(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	parent, child, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	f, err := child.File()
	child.Close()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "mpcalculator"), "3")
	cmd.Dir = t.TempDir()
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	conn := ipc.NewConn(parent, nil) // no Dialect: no Context is sent
	init := mpinitipc.NewInitClient(conn.Bootstrap(ctx))
	_, err = init.MakeCalculator(ctx, newGoPrinter())
	var re *ipc.RemoteError
	if !errors.As(err, &re) {
		t.Errorf("MakeCalculator without a Context: %v (%T), want an *ipc.RemoteError", err, err)
	} else if !strings.Contains(re.Message, "thread") {
		t.Errorf("the C++ exception's text is %q; want it to say the thread is missing", re.Message)
	} else {
		t.Logf("the C++ exception: %s", re.Message)
	}
	init.Release()
	conn.Close()
	if err := cmd.Wait(); err != nil {
		t.Logf("mpcalculator after the connection closed: %v", err)
	}
}

// TestGoBetweenCppPrinterAndCalculator puts Go where mpexample is: it
// spawns the C++ mpprinter and mpcalculator, gets a printer from one and
// hands it to the other. The calculator's calls to the printer arrive at
// the Go process, which re-issues them on the printer's connection with a
// Thread of that connection (the C++ printer rejects the calculator
// connection's Thread: "invalid thread handle"). The printer's line shows
// on mpprinter's standard output.
func TestGoBetweenCppPrinterAndCalculator(t *testing.T) {
	dir := examples(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	printed := newLineWriter()
	spawn := func(name string, stdout io.Writer) *mpinitipc.InitClient {
		proc, boot, err := ipc.Spawn(ctx, filepath.Join(dir, name), nil, &ipc.SpawnOptions{
			Options: ipc.Options{Dialect: ipc.Libmultiprocess},
			Dir:     t.TempDir(),
			Stdout:  stdout,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := proc.Close(context.Background()); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
		return mpinitipc.NewInitClient(boot)
	}
	printerInit := spawn("mpprinter", printed)
	calcInit := spawn("mpcalculator", nil)

	p, err := printerInit.MakePrinter(ctx)
	if err != nil {
		t.Fatalf("MakePrinter: %v", err)
	}
	calc, err := calcInit.MakeCalculator(ctx, p)
	if err != nil {
		t.Fatalf("MakeCalculator: %v", err)
	}
	if err := calc.SolveEquation(ctx, "3+4"); err != nil {
		t.Fatalf("SolveEquation: %v", err)
	}
	const want = "mpprinter: Wow 3+4, that's a tough one."
	if got := wait(t, ctx, printed.lines, "mpprinter's output"); !strings.Contains(got, want) {
		t.Errorf("mpprinter printed %q, want %q", got, want)
	}
	calc.(*calculatoripc.CalculatorClient).Release()
	p.(interface{ Release() }).Release()
	calcInit.Release()
	printerInit.Release()
}

// lineWriter sends each line written to it on lines.
type lineWriter struct {
	mu    sync.Mutex
	buf   []byte
	lines chan string
}

func newLineWriter() *lineWriter { return &lineWriter{lines: make(chan string, 64)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		select {
		case w.lines <- string(w.buf[:i]):
		default: // nobody reads that many lines
		}
		w.buf = w.buf[i+1:]
	}
}
