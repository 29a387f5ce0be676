// Package interop proves the emitted schemas against a peer nobody here
// wrote: Cap'n Proto's own C++ implementation. Its tests (interop_test.go)
// compile the schema ifacegen emits for package interopapi with
// `capnp compile -oc++`, build the C++ program in cpp/ against libcapnp
// and libkj, and then
//
//   - serve a Go implementation (interopapiipc.NewInteropServer) on a unix
//     socket with ipc.Listen, and let the C++ program call every method
//     through capnp::TwoPartyClient, checking each answer in C++ and each
//     argument the Go side received in Go;
//   - run the C++ program as a server (capnp::TwoPartyVatNetwork on a unix
//     socket) and call it with the generated Go client
//     (interopapiipc.NewInteropClient), checking the answers in Go.
//
// The tests need capnp (Debian package capnproto), g++, pkg-config and
// libcapnp-dev; without them they skip and say so. CI installs them:
//
//	apt-get install -y capnproto libcapnp-dev g++ pkg-config
//
// The package has no API; it holds only tests.
package interop
