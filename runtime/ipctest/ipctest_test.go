//go:build unix

package ipctest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	capnp "capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/std/capnp/persistent"

	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) {
	ipctest.RunChild(map[string]func(){
		"saver": func() {
			if err := ipc.ServeSpawned(saver(), nil); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		},
	})
	os.Exit(m.Run())
}

// saveMethod is persistent.Persistent.save on the wire.
var saveMethod = capnprpc.Method{
	InterfaceID: persistent.Persistent_TypeID, MethodID: 0, Name: "persistent.Persistent.Save",
	ParamsSize: capnp.ObjectSize{PointerCount: 1},
}

// saver serves persistent.Persistent: its save fails with a message naming
// the process it runs in.
func saver() *ipc.Capability {
	return capnprpc.NewLocal(capnprpc.ServerFunc(func(_ context.Context, call *capnprpc.Call) error {
		if call.InterfaceID() != saveMethod.InterfaceID || call.MethodID() != saveMethod.MethodID {
			return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "saver serves only Persistent.save"}
		}
		return fmt.Errorf("saved by pid %d", os.Getpid())
	}))
}

func save(t *testing.T, c *ipc.Capability) string {
	t.Helper()
	err := c.Call(context.Background(), &saveMethod, nil, nil)
	var re *ipc.RemoteError
	if err = ipc.CallError(saveMethod.Name, err); !errors.As(err, &re) {
		t.Fatalf("save: got %v, want a remote error", err)
	}
	return re.Message
}

func TestPipe(t *testing.T) {
	c := ipctest.Pipe(t, saver())
	if got, want := save(t, c), fmt.Sprintf("saved by pid %d", os.Getpid()); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSpawn(t *testing.T) {
	proc, boot := ipctest.Spawn(t, "saver", nil)
	if got, want := save(t, boot), fmt.Sprintf("saved by pid %d", proc.Pid); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	boot.Release()
	select {
	case <-proc.Done():
	case <-time.After(10 * time.Second): // giving up, not a timing check
		t.Fatal("child did not exit after its bootstrap capability was released")
	}
	if err := proc.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownChild(t *testing.T) {
	out, err := ipctest.Command("no-such-child").CombinedOutput()
	var ee interface{ ExitCode() int }
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), `no helper child named "no-such-child"`) {
		t.Fatalf("unknown child: %v, output %q; want exit status 2 and a message", err, out)
	}
}
