// Package interop proves the emitted schemas against a peer nobody here
// wrote: Cap'n Proto's own C++ implementation. Its tests (interop_test.go,
// callbacks_test.go) compile the schema ifacegen emits for package
// interopapi with `capnp compile -oc++`, build the C++ program in cpp/
// against libcapnp and libkj, and then
//
//   - serve a Go implementation (interopapiipc.NewPeerServer) on a unix
//     socket with ipc.Listen, and let the C++ program call every method
//     through capnp::TwoPartyClient, checking each answer in C++ and each
//     argument the Go side received in Go;
//   - run the C++ program as a server (capnp::TwoPartyVatNetwork on a unix
//     socket) and call it with the generated Go client
//     (interopapiipc.NewPeerClient), checking the answers in Go.
//
// Each side serves interopapi.Peer, which extends Interop (capnp
// `extends`, so the C++ client calls Interop's methods on a Peer). Both
// directions cover:
//
//   - values: scalars, text, data, [N]byte (length checked), structs,
//     lists, lists of lists, maps (sorted entries), enums (an unknown
//     value passes through), optionals (nil kept apart from zero and
//     empty), a recursive type, several results, and an error with its
//     message;
//   - a func-typed callback (interopapi.Notify, a capability with one
//     method `call`) that the caller passes to Subscribe and the callee
//     calls with a struct, a list of text and an optional text: once
//     before Subscribe returns and four times after it returned (the C++
//     client checks the order, and its event loop runs until every call
//     arrived). Each side checks the arguments it was called with; each
//     acknowledgement is a digest of those arguments, which the calling
//     side checks;
//   - an error from a callback: the C++ callback throws (the Go callback
//     returns an error) for one event, and the calling side gets that
//     message (an *ipc.RemoteError in Go);
//   - an object returned by the callee (interopapi.Subscription) that the
//     caller calls (Start, Deliveries) and then releases; the callee
//     observes the release — the Go implementation is an io.Closer, the
//     C++ one counts its destructor — before AwaitReleased returns, which
//     the caller calls after releasing, so the release (not the end of
//     the connection) is what closed it;
//   - an //ipc:interface parameter (interopapi.Listener) the callee calls
//     through a client proxy with a full Record; the listener's error
//     travels back inside Forward's error, across both processes.
//
// The tests need capnp (Debian package capnproto), g++, pkg-config and
// libcapnp-dev; without them they skip and say so. CI installs them:
//
//	apt-get install -y capnproto libcapnp-dev g++ pkg-config
//
// The package has no API; it holds only tests.
package interop
