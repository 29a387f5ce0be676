package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

// Environment of a socket server child: where to listen, and optionally
// where to write a CPU profile of the server's whole life (to
// $IFACEGEN_BENCH_SERVER_CPUPROFILE.<implementation>.<pid>; set the variable
// for the test binary and it reaches every child).
const (
	socketEnv     = "IFACEGEN_BENCH_SOCKET"
	cpuProfileEnv = "IFACEGEN_BENCH_SERVER_CPUPROFILE"
)

// childReady is the line a socket server child prints once it listens.
const childReady = "ready"

func TestMain(m *testing.M) {
	children := map[string]func(){"go-plugin": ServePlugin, spawnedChild: serveSpawnedChild}
	for _, impl := range SocketImplementations {
		children[impl.Name] = func() { serveSocketChild(impl) }
	}
	ipctest.RunChild(children)
	os.Exit(m.Run())
}

// serveSocketChild is the body of a socket server child: it serves impl at
// $IFACEGEN_BENCH_SOCKET, says childReady on stdout, and exits once its stdin
// reaches end of file (the parent closed it or died).
func serveSocketChild(impl SocketImplementation) {
	if p := os.Getenv(cpuProfileEnv); p != "" {
		f, err := os.Create(fmt.Sprintf("%s.%d", p, os.Getpid()))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	stop, err := impl.Listen(context.Background(), os.Getenv(socketEnv))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: listen: %v\n", impl.Name, err)
		os.Exit(1)
	}
	fmt.Println(childReady)
	io.Copy(io.Discard, os.Stdin)
	stop()
}

// server is a running server child and a client connected to it.
type server struct {
	client Client
	pid    int
	stop   func() // closes the client and ends the child; idempotent
}

// implementation starts one implementation's server child and connects to
// it.
type implementation struct {
	name  string
	start func(tb testing.TB) *server
}

// implementations lists every implementation, the floor first.
func implementations() []implementation {
	var impls []implementation
	for _, impl := range SocketImplementations {
		impls = append(impls, implementation{impl.Name, func(tb testing.TB) *server { return startSocketChild(tb, impl) }})
	}
	return append(impls, implementation{"go-plugin", startPluginChild})
}

// startSocketChild runs impl's server in a child process listening in a new
// private directory, and dials it. The child is stopped at the test's end
// at the latest.
func startSocketChild(tb testing.TB, impl SocketImplementation) *server {
	tb.Helper()
	dir, err := os.MkdirTemp("", "bench")
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "s")
	cmd := ipctest.Command(impl.Name)
	cmd.Env = append(cmd.Env, socketEnv+"="+path)
	if p := os.Getenv(cpuProfileEnv); p != "" {
		cmd.Env = append(cmd.Env, cpuProfileEnv+"="+p+"."+impl.Name)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	end := func() {
		// Graceful: end of stdin tells the child to stop serving and exit.
		// Forced: a child that has not exited within 5 s is killed.
		stdin.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		os.RemoveAll(dir)
	}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && strings.TrimSpace(line) != childReady {
			err = fmt.Errorf("said %q", line)
		}
		ready <- err
	}()
	select {
	case err = <-ready:
	case <-time.After(10 * time.Second):
		err = errors.New("not ready after 10 s")
	}
	if err != nil {
		end()
		tb.Fatalf("%s child did not start: %v; stderr:\n%s", impl.Name, err, stderr.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := impl.Dial(ctx, path)
	if err != nil {
		end()
		tb.Fatalf("%s: dial: %v", impl.Name, err)
	}
	s := &server{client: client, pid: cmd.Process.Pid}
	var stopped bool
	s.stop = func() {
		if stopped {
			return
		}
		stopped = true
		client.Close()
		end()
	}
	tb.Cleanup(s.stop)
	return s
}

// startPluginChild runs the go-plugin plugin child and dispenses its client.
func startPluginChild(tb testing.TB) *server {
	tb.Helper()
	client, pid, err := StartPlugin(ipctest.Command("go-plugin"))
	if err != nil {
		tb.Fatalf("go-plugin: %v", err)
	}
	s := &server{client: client, pid: pid}
	var stopped bool
	s.stop = func() {
		if !stopped {
			stopped = true
			client.Close()
		}
	}
	tb.Cleanup(s.stop)
	return s
}

// residentKiB returns the resident set size of process pid in KiB, from
// /proc (Linux), or an error where there is none.
func residentKiB(pid int) (float64, error) { return procStatusKiB(pid, "VmRSS:") }

// anonymousResidentKiB returns the anonymous part of process pid's resident
// set in KiB (RssAnon: heap, stacks, runtime structures; not the mapped
// executable, which every child here shares the size of, as they are all
// the test binary), from /proc (Linux), or an error where there is none.
func anonymousResidentKiB(pid int) (float64, error) { return procStatusKiB(pid, "RssAnon:") }

// procStatusKiB reads the field named key (with its colon) of
// /proc/<pid>/status, in KiB.
func procStatusKiB(pid int, key string) (float64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, key); ok {
			kib, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kib, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", key, pid)
}
