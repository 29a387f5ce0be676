// Package fuzz feeds hostile input to the code ifacegen generates and to
// the runtime it runs on. It has no API; it holds fuzz targets, their
// seed corpora (testdata/fuzz/<Target>/) and tests of the limits below.
// Without -fuzz, go test runs every target over its seeds:
//
//	go test ./internal/fuzz
//	go test ./internal/fuzz -run='^$' -fuzz='^FuzzServerConn$' -fuzztime=60s
//
// The targets:
//
//   - FuzzServerParams: an arbitrary message is the arguments of a call
//     to a generated server (interopapi, mining), delivered in this process
//     without the RPC layer; the read path must fail with an error, never
//     panic, and a record that Interop.Echo reads must survive a write and
//     a read by the generated client unchanged.
//   - FuzzClientResults: an arbitrary message is the results of a call made
//     through a generated client (interopapi, mining, and the golden lists,
//     maps, optionals and enums); the read path must fail with an error,
//     never panic.
//   - FuzzServerConn: arbitrary bytes on a connection served by a generated
//     server (ipc.NewConn over a unix socket pair); the process must not
//     crash and the connection must shut down when the stream ends.
//   - FuzzDirective: go/ast.ParseDirective and ParseArgs, which annotate's
//     directive scanner is built on, on arbitrary comment lines.
//   - FuzzLoadDirective: annotate.Load on a module whose interface carries
//     an arbitrary comment line; it must return the package or positioned
//     problems, never panic. It runs the go command for every input and so
//     explores slowly; annotate exports no pure scanner to fuzz instead.
//
// Rewrite the seeds from real calls with
//
//	go test ./internal/fuzz -run TestSeedCorpora -update
//
// The methods table in harness_test.go is indexed by the seeds: append to
// it, never reorder.
//
// # Limits
//
// What bounds a hostile message is go-capnp's (capnproto.org/go/capnp/v3
// v3.1.0-alpha.2), with the same defaults as the C++ implementation's
// ReaderOptions. runtime/ipc sets none of them, so the defaults apply:
//
//   - Message size: capnp.Decoder.MaxMessageSize, default 64 MiB
//     (header and segments). A frame whose header announces more is refused
//     after reading the header, before the body is read or allocated; the
//     RPC connection then shuts down, failing every call on it with
//     ipc.ErrDisconnected (TestOversizedFrame). go-capnp does not check
//     what it sends: a call over 64 MiB is written whole and the receiver
//     drops the connection (TestOversizedCall).
//   - Segments: at most 512 per frame (maxStreamSegments); more is refused
//     like an oversized frame.
//   - Traversal: capnp.Message.TraverseLimit, default 64 MiB per message.
//     Every struct or list obtained from a pointer counts its size, each
//     time it is obtained, so data that many pointers share is counted
//     once per pointer (TestTraversalLimit: 100 pointers to 1 MiB are
//     refused). An element of a list of zero-sized structs or of Void
//     counts as 8 bytes. Past the limit, reading a pointer fails with
//     "read traversal limit reached", which the generated read path
//     returns as the call's error.
//   - Nesting: capnp.Message.DepthLimit, default 64 pointer hops from the
//     root, a list element counting as one more; past it, reading fails
//     with "depth limit reached" (TestDepthLimit). An RPC call's arguments
//     sit 4 hops below the root of the Call message.
//
// # Known gaps
//
// Found with these targets and tests; the fixes belong outside this
// package. The TestKnownIssue tests reproduce the first three (the crashes
// in a child process) and fail until they are fixed; they run only with
// -known-issues:
//
//	go test ./internal/fuzz -run TestKnownIssue -known-issues
//
// The gaps:
//
//   - A Call whose target is the promised answer to that same call (a
//     150-byte message, no bootstrap needed) makes go-capnp's
//     rpc.Conn.handleCall dereference a nil PipelineCaller in a background
//     goroutine: any peer can crash the process
//     (TestKnownIssueSelfPipelinedCall). FuzzServerConn found it in ten
//     seconds and now skips such input so that it can look further.
//   - The depth limit does not hold for lists of structs: go-capnp's
//     List.Struct gives an element the list's limit minus one without
//     checking for zero, so a list read at limit 0 yields elements with a
//     limit of 2^64-1. Over a connection, a recursive type (interopapi's
//     Tree) that is a cycle in the message overflows the server's stack, a
//     fatal error (TestKnownIssueCyclicTree),
//     and an honest tree 1,000 levels deep crosses although the limit
//     should refuse it (TestKnownIssueDeepTree).
//   - The traversal limit bounds what is read, not what generated code
//     allocates for it: a list of 8 Mi zero-sized structs costs 8 bytes in
//     a message and 64 MiB of traversal, and the generated read path
//     allocates a Go slice of 8 Mi elements of the Go type: a 48-byte
//     Interop.Size call allocates 320 MiB and takes about 2 s
//     (TestKnownIssueZeroSizedList). Calls run concurrently, so a few such
//     calls exhaust memory. The conversion targets lower the limit to 1 MiB
//     so that such inputs do not stall fuzzing.
//   - annotate.Load reports a syntax error the go command also reports
//     (an invalid UTF-8 byte in a comment) twice: once with an absolute file
//     name, once with the go command's name relative to the module, though
//     annotate.Error documents Filename as absolute. FuzzLoadDirective
//     accepts the relative name.
package fuzz
