// Package bench measures the ifacegen-generated proxies against what a Go
// user would pick instead, serving the same small service (benchapi.Bench:
// Add of two int64, Echo of a 4 KiB payload, Visit calling a func back once)
// from a separate child process over a unix socket:
//
//   - ifacegen: the generated benchapiipc proxies over runtime/ipc;
//   - go-capnp: the same on go-capnp by hand (package handcapnp), with the
//     same message framing as runtime/ipc;
//   - grpc: gRPC-go with protoc-generated code (package benchpb);
//   - go-plugin: hashicorp/go-plugin over gRPC, with its handshake;
//   - net-rpc: net/rpc (gob);
//   - raw: length-prefixed frames on the bare socket, the floor.
//
// BenchmarkCallback (Visit) runs on ifacegen and go-capnp only; the other
// stacks have no callback of their own to compare, and their clients' Visit
// fails. Every implementation's client implements benchapi.Bench, and the
// servers all serve benchapi.Local. The servers and clients are ordinary code in this
// package; the benchmarks and the child processes (the test binary run again)
// are in bench_test.go.
//
// `go test ./internal/bench` checks that every implementation answers
// correctly, one call each. The benchmarks, with client-side allocations,
// p50/p99 latency and the child's resident memory (server-rss-KiB):
//
//	go test -run '^$' -bench . -benchtime 2000x -count 6 ./internal/bench > new.txt
//	benchstat new.txt
//
// RESULTS.md beside this file holds a run, its ratios and a profile.
package bench
