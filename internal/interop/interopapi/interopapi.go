// Package interopapi is the interface set the C++ interop test drives:
// Interop, whose methods carry structs, lists, optionals, maps, enums,
// byte arrays, several results and an error, and Peer, which extends it
// with capabilities: a func-typed callback (Notify) the server calls
// during and after the call that passed it, an object (Subscription) the
// server returns and the caller releases, and an //ipc:interface parameter
// (Listener). A peer built from the emitted schema by Cap'n Proto's
// own C++ code generator proves the schema and the Go conversions right.
//
// The generated subpackage interopapiipc is committed; regenerate it with
//
//	go run ./cmd/ifacegen ./internal/interop/...
package interopapi

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import "context"

// Kind classifies a Record.
//
//ipc:enum
type Kind uint16

// The kinds.
const (
	KindBlock Kind = iota
	KindTransaction
	KindHeader
)

// Point is a small struct used in lists and behind pointers.
type Point struct {
	X, Y int32
}

// Record holds one field of every kind the test exercises.
type Record struct {
	Name   string
	Kind   Kind
	Hash   [4]byte
	Data   []byte
	Points []Point
	Tags   map[string]int64
	Kinds  []Kind
	Lines  [][]string
	// Parent is a struct behind a pointer: nil is a null pointer.
	Parent *Point
	// Weight is a scalar behind a pointer: nil is a has flag set false.
	Weight *int64
	// Note is a string behind a pointer: nil is a null pointer.
	Note *string
	// Maybe is a list of optional scalars: each element is a box.
	Maybe []*int32
	// ByKind is a map with enum keys and optional struct values.
	ByKind map[Kind]*Point
}

// Tree is a recursive type: a hostile peer can nest it as deep as it
// likes, or make it a cycle, and the reader must stop with an error.
type Tree struct {
	Label    string
	Children []Tree
}

// Event is what a Subscription tells its Notify callback: a struct with a
// list and optionals, so that a callback's arguments cross as richly as a
// method's.
type Event struct {
	Seq    int32
	Name   string
	Points []Point
	// Weight is nil for even Seq.
	Weight *int64
	// Parent is nil unless Seq is a multiple of 3.
	Parent *Point
}

// Notify is the callback a Subscription calls once per event, with the
// event, tags (Seq+1 of them) and note (nil for Seq 0). It answers with an
// acknowledgement, or fails; the failure reaches the Subscription as an
// error with the callback's message.
type Notify func(ctx context.Context, ev Event, tags []string, note *string) (ack string, err error)

// Delivery is what a Subscription learned from one call of its Notify:
// the acknowledgement, or the error message when the call failed.
type Delivery struct {
	Seq int32
	Ack *string
	Err *string
}

// Subscription is an object Peer.Subscribe returns: it calls its Notify
// for the events after the first, and reports what the calls answered. The
// holder releases it when done; the serving side observes the release.
//
//ipc:interface
type Subscription interface {
	// Start makes the subscription call Notify for every event after the
	// first, one after another, and returns without waiting for them:
	// those calls arrive after Subscribe returned and after Start
	// returned, or while it is returning.
	Start(ctx context.Context) error

	// Deliveries returns once every event was delivered, with one
	// Delivery per event in Seq order. It fails before Start.
	Deliveries(ctx context.Context) ([]Delivery, error)
}

// Listener is told about records: an //ipc:interface passed as a
// parameter, so the receiver calls it through a client proxy.
//
//ipc:interface
type Listener interface {
	// Seen tells the listener about r; it answers with a note on r, or
	// fails to refuse it.
	Seen(ctx context.Context, r Record) (string, error)
}

// Interop is served and called by both the Go and the C++ side of the
// interop test, as part of Peer.
//
//ipc:interface
type Interop interface {
	// Add returns a + b.
	Add(ctx context.Context, a, b int64) (int64, error)

	// Echo returns r unchanged.
	Echo(ctx context.Context, r Record) (Record, error)

	// Stats summarises values; it fails when values is empty.
	Stats(ctx context.Context, values []int64) (sum, min, max int64, count int32, err error)

	// Lookup returns the value stored under key in table, or nil when
	// there is none.
	Lookup(ctx context.Context, table map[string]int64, key string) (*int64, error)

	// Count counts how often each kind occurs in kinds.
	Count(ctx context.Context, kinds []Kind) (map[Kind]int32, error)

	// Fail always fails with message.
	Fail(ctx context.Context, message string) error

	// Size returns how many nodes t has and how deep it is (a leaf has
	// depth 1).
	Size(ctx context.Context, t Tree) (nodes, depth int32, err error)
}

// Peer is what each side of the interop test serves and bootstraps:
// Interop's methods, which carry values only, and the ones that pass
// capabilities both ways. Interop stays as it is (the fuzz targets serve
// it); Peer extends it.
//
//ipc:interface
type Peer interface {
	Interop

	// Subscribe calls notify with event 0 before it returns and returns a
	// Subscription for events 1 to count-1, which calls notify for them
	// once it is started. It fails when count < 1.
	Subscribe(ctx context.Context, count int32, notify Notify) (Subscription, error)

	// AwaitReleased returns once n of the Subscriptions this server
	// returned have been released by their holders (so a peer that
	// releases one and then calls AwaitReleased proves the release
	// arrived), or fails when ctx ends first.
	AwaitReleased(ctx context.Context, n int32) error

	// Forward calls l.Seen with each of records, in order, and returns
	// the answers. It stops at the first error and fails with
	// "forward: record <index>: <the listener's message>".
	Forward(ctx context.Context, records []Record, l Listener) ([]string, error)
}
