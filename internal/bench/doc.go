// Package bench measures the ifacegen-generated proxies against what a Go
// user would pick instead, serving the same small service (benchapi.Bench:
// Add of two int64, Echo of a 4 KiB payload, Visit calling a func back once)
// from a separate child process over a unix socket:
//
//   - ifacegen: the generated benchapiipc proxies over runtime/ipc (on the
//     engine, runtime/capnprpc);
//   - go-capnp: the same on go-capnp by hand (package handcapnp), on
//     go-capnp's own rpc package: a baseline;
//   - grpc: gRPC-go with protoc-generated code (package benchpb);
//   - go-plugin: hashicorp/go-plugin over gRPC, with its handshake;
//   - net-rpc: net/rpc (gob);
//   - pingpong: length-prefixed frames on the bare socket, one request then
//     one reply on the caller's goroutine: the floor with one caller;
//   - raw: the same frames multiplexed by call ID with a reader goroutine:
//     the floor with 16 callers.
//
// BenchmarkCallback (Visit) runs on ifacegen, go-capnp and pingpong (two
// plain round trips) only; the other stacks have no callback of their own
// to compare, and their clients' Visit fails. BenchmarkReleaseToExit times
// a spawned child from the release of its bootstrap capability to its exit
// (it spawns one child per iteration: run it with -benchtime 20x). Every implementation's client implements benchapi.Bench, and the
// servers all serve benchapi.Local. The servers and clients are ordinary code in this
// package; the benchmarks and the child processes (the test binary run again)
// are in bench_test.go.
//
// `go test ./internal/bench` checks that every implementation answers
// correctly, one call each. The benchmarks, with client-side allocations,
// p50/p99 latency and the child's resident memory (server-rss-KiB):
//
//	internal/bench/rounds.sh 20 new.txt   # from the repository root
//
// runs 20 interleaved rounds (each a run of the test binary covering every
// implementation; -count N would instead repeat each sub-benchmark N times
// in a row) and prints the paired ratios that benchratio computes.
// BENCHMARKS.md at the repository root holds the current run, its ratios
// and profiles; RESULTS.md beside this file the go-capnp era's.
package bench
