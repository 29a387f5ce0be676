// Package ipctest helps test code that talks over runtime/ipc, as
// net/http/httptest does for HTTP: it connects a capability over a real
// socket pair inside one test process, and runs helper child processes by
// re-running the test binary.
//
// In-process: Pipe serves a capability on one end of a unix socket pair
// and returns the client for it from the other end, so calls go through
// the whole RPC stack:
//
//	func TestEcho(t *testing.T) {
//		client := echoipc.NewEchoClient(ipctest.Pipe(t, echoipc.NewEchoServer(echoImpl{})))
//		defer client.Release()
//		got, err := client.Echo(ctx, "hi")
//		…
//	}
//
// Child processes: a test binary can be its own helper child. TestMain
// registers the children by name with RunChild, which runs the named one
// (and exits) when the binary was started as that child, and returns at
// once otherwise; Spawn starts a child with ipc.Spawn and returns its
// bootstrap capability:
//
//	func TestMain(m *testing.M) {
//		ipctest.RunChild(map[string]func(){
//			"echo": func() {
//				if err := ipc.ServeSpawned(echoipc.NewEchoServer(echoImpl{}), nil); err != nil {
//					fmt.Fprintln(os.Stderr, err)
//					os.Exit(1)
//				}
//			},
//		})
//		os.Exit(m.Run())
//	}
//
//	func TestSpawnedEcho(t *testing.T) {
//		proc, boot := ipctest.Spawn(t, "echo", nil)
//		client := echoipc.NewEchoClient(boot)
//		… // calls
//		client.Release() // asks the child to exit
//		if err := proc.Wait(); err != nil {
//			t.Fatal(err)
//		}
//	}
//
// Command runs a child the same way without a connection, for helpers
// that are not IPC children themselves (say, a process that spawns one).
package ipctest
