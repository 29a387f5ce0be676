// Package compat proves that the schema lock keeps old and new builds
// talking: v1 and v2 are two versions of one interface, Store, as a team
// would evolve it between releases, and the tests connect a server built
// from one version's generated code with a client built from the other's.
//
// v2 changes v1 the way DESIGN §6 allows: methods reordered, Put renamed to
// Set with //ipc:method was=Put, Delete removed (its ordinal stays as a
// retired placeholder), a new method Keys, a new field first in Stats, and
// a parameter renamed with //ipc:param. Both pin the interface ID with id=,
// so the wire identity does not depend on the package path. v2's generated
// schema was first seeded with v1's (the lock), then regenerated from v2's
// source: v2/storeipc/store.capnp shows the resulting ordinals.
//
// Regenerate with
//
//	go run ./cmd/ifacegen ./internal/compat/...
package compat
