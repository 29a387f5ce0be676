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
// ReaderOptions, except the traversal limit, which runtime/ipc sets for
// every message a connection receives:
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
//     refused). An element of a list of zero-sized structs, of Void or of
//     Bool counts as 8 bytes. Past the limit, reading a pointer fails with
//     "read traversal limit reached", which the generated read path
//     returns as the call's error. A message an ipc.Conn receives gets
//     instead 64 times its size, at least 64 KiB and at most the default
//     64 MiB (runtime/ipc/guard.go; a list of Bool is charged 64 times
//     what it takes, the most an honest message is): a list of 8 Mi
//     zero-sized structs in a message of a few hundred bytes is refused
//     before generated code allocates a Go slice for it
//     (TestZeroSizedList). Generated code read outside a connection, as
//     FuzzServerParams does, keeps the default.
//   - Nesting: capnp.Message.DepthLimit, default 64 pointer hops from the
//     root, a list element counting as one more; past it, reading fails
//     with "depth limit reached" (TestDepthLimit). An RPC call's arguments
//     sit 4 hops below the root of the Call message.
//
// # Fixed
//
// A Call whose target is the promised answer to that same call (a 150-byte
// message, no bootstrap needed) makes go-capnp's rpc.Conn.handleCall
// dereference a nil PipelineCaller in a background goroutine, which
// crashed the process; FuzzServerConn found it in ten seconds. An
// ipc.Conn now refuses such a message and aborts the connection
// (TestSelfPipelinedCall; the seed self-pipelined-call), while a call on
// the answer of an earlier call still pipelines (runtime/ipc
// TestPipelinedCall).
//
// # Known gaps
//
// Found with these targets and tests; the fixes belong outside this
// package. The TestKnownIssue tests reproduce the first (the crash in a
// child process) and fail until it is fixed; they run only with
// -known-issues:
//
//	go test ./internal/fuzz -run TestKnownIssue -known-issues
//
// The gaps:
//
//   - The depth limit does not hold for lists of structs: go-capnp's
//     List.Struct gives an element the list's limit minus one without
//     checking for zero, so a list read at limit 0 yields elements with a
//     limit of 2^64-1. Over a connection, a recursive type (interopapi's
//     Tree) that is a cycle in the message overflows the server's stack, a
//     fatal error (TestKnownIssueCyclicTree): the read budget of a
//     connection stops the cycle in a small message, not in one padded to
//     1 MiB, whose 64 MiB budget allows 4 Mi turns. An honest tree 1,000
//     levels deep crosses although the limit should refuse it
//     (TestKnownIssueDeepTree).
//   - Outside a connection the traversal limit bounds what is read, not
//     what generated code allocates for it: with the default limit, a
//     list of 8 Mi zero-sized structs costs 8 bytes in a message and
//     64 MiB of traversal, and the generated read path allocates a Go
//     slice of 8 Mi elements of the Go type (320 MiB for interopapi.Tree).
//     Over a connection the read budget refuses it in a small message
//     (TestZeroSizedList), but only bounds it in a large one: 64 times the
//     size at 8 bytes per element is 8 elements per byte, so a 1 MiB
//     message can still make the server allocate 8 Mi Trees (320 MiB).
//     Closing it needs generated code to bound what it allocates for a
//     list by the message's size (gen/proxy). The conversion targets lower
//     the limit to 1 MiB so that such inputs do not stall fuzzing.
//   - annotate.Load reports a syntax error the go command also reports
//     (an invalid UTF-8 byte in a comment) twice: once with an absolute file
//     name, once with the go command's name relative to the module, though
//     annotate.Error documents Filename as absolute. FuzzLoadDirective
//     accepts the relative name.
package fuzz
