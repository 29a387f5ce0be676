// Package handcapnp is the benchmarked service on go-capnp written by hand,
// schema first, the way a go-capnp user would write it without ifacegen: a
// hand-written bench.capnp, its bindings from capnpc-go (bench.capnp.go,
// committed), and the server and client below, which use the bindings
// directly. Both ends frame messages as runtime/ipc does (a buffered reader,
// see bufferedCodec), so that the comparison measures the generated layer and
// not a different transport. internal/bench compares it with the ifacegen-generated proxies for
// the same service.
//
// Regenerate the bindings with `go generate` here; it needs the capnp compiler
// (Debian package capnproto) and builds capnpc-go from the pinned module.
package handcapnp

//go:generate sh -c "std=${DOLLAR}(go list -m -f {{.Dir}} capnproto.org/go/capnp/v3)/std && go build -o capnpc-go.tmp capnproto.org/go/capnp/v3/capnpc-go && capnp compile -I${DOLLAR}std --no-standard-import -o./capnpc-go.tmp bench.capnp; rc=${DOLLAR}?; rm -f capnpc-go.tmp; exit ${DOLLAR}rc"
