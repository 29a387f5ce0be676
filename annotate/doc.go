// Package annotate reads Go packages whose interfaces carry //ipc:
// directives and returns the model the generators work from (see
// model.go): every interface, method, parameter and result, and every
// struct, enum, map entry and optional box that crosses the wire, with
// their Cap'n Proto names and ordinals, positions and doc comments.
//
// Given mining.go in the package example.com/x/mining
//
//	package mining
//
//	import "context"
//
//	// Height counts blocks from the genesis block.
//	type Height int32
//
//	// BlockRef identifies a block.
//	type BlockRef struct {
//		Hash   [32]byte
//		Height Height
//	}
//
//	// Mining builds blocks.
//	//
//	//ipc:interface
//	type Mining interface {
//		// GetTip returns the best block; nil before there is one.
//		GetTip(ctx context.Context) (*BlockRef, error)
//		//ipc:method was=Interrupt
//		Stop()
//	}
//
// Load(ctx, dir, "example.com/x/mining") returns one Package, which
// Package.Dump prints as
//
//	package example.com/x/mining (mining) → example.com/x/mining/miningipc (miningipc)
//	interface Mining  mining.go:17:6
//	  # Mining builds blocks.
//	  method getTip @0 go:GetTip [ctx error]  mining.go:19:2
//	    # GetTip returns the best block; nil before there is one.
//	    result result @0 :Optional(BlockRef)  mining.go:19:31
//	  method stop @1 go:Stop [was=Interrupt]  mining.go:21:2
//	struct BlockRef go:example.com/x/mining.BlockRef  mining.go:9:6
//	  # BlockRef identifies a block.
//	  field hash @0 :Data[32] go:Hash  mining.go:10:2
//	  field height @1 :Int32 as example.com/x/mining.Height go:Height  mining.go:11:2
//
// # Directives
//
// Directives are Go directive comments (//ipc:name key=value …, no space
// after //, lower case) in the doc comment of the declaration they mark:
//
//	//ipc:interface [id=0x…]   an interface type: generate for it; id pins its Cap'n Proto ID
//	//ipc:method [was=Old]     a method of such an interface: keep the wire ordinal of Old
//	//ipc:method ordinal=N     the same: pin its ordinal (gaps become retired placeholders)
//	//ipc:method noctx         the same, in a dialect package: no wire context parameter
//	//ipc:param p was=old      the same method: its parameter p keeps the ordinal of the wire name old
//	//ipc:param p default=V    the same method: the default value of its parameter p
//	//ipc:result r was=old     the same method: its named result r likewise
//	//ipc:enum [id=0x…]        a named integer type whose constants are 0..n-1; id pins its ID
//	//ipc:struct [id=0x…]      a struct type: always in the schema; id pins its ID
//	//ipc:retired name=x ordinal=N  an interface: the retired slot xN @N () -> ()
//	//ipc:package [dialect=libmultiprocess] [id=0x…] [schema=/path.capnp]
//	                           the package clause: speak Bitcoin Core's libmultiprocess
//	                           conventions (Package.Dialect); pin the file ID; pin the
//	                           import path other schemas use (runtime/mpproxy's /mp/proxy.capnp)
//	//ipc:convert              a pair of functions converting a type to and from a mappable one
//	//ipc:error                an error variable that keeps its identity across the wire
//
// A struct field takes the tag ipc:"-" (leave it out), ipc:"name" (its
// wire name) and ipc:"name,was=old" or ipc:",was=old" (it keeps the
// ordinal of the wire name old; see gen/lock), and ipc:",default=V" (its
// default value: Bool and numbers). Every comment of every file is scanned, so near misses
// ("// ipc:interface", "//ipc:Interface", "/* ipc:interface */"), unknown
// names (with the nearest known one suggested), bad arguments and
// directives on the wrong declaration are all reported, with positions, in
// one run.
//
// # Checks
//
// Interfaces must be exported, non-generic, and made of exported,
// non-variadic methods (embedded interfaces come later). A leading
// context.Context parameter and a trailing error result stay off the wire.
// The types that cross are mapped as DESIGN.md §4 says; channels, funcs,
// interface values, complex numbers, uintptr, unsafe.Pointer, anonymous
// structs, type parameters and unexported named types are reported with
// the path to the offending part ("parameter opts: field Options.Done:
// channel types cannot cross a process boundary"). Wire names that collide
// after lowerCamel conversion are reported too, and so are wire names that
// would break the Go bindings capnpc-go generates: a field toPtr (every
// bindings struct has a ToPtr method), a field hasFoo beside a pointer
// field foo (both make a HasFoo method), a method release (every client
// type has Release), and the like.
package annotate
