package breaking_test

import (
	"fmt"
	"go/token"

	"github.com/ifacegen/ifacegen/gen/breaking"
	"github.com/ifacegen/ifacegen/gen/lock"
)

// The baseline declares greet @0 and count @1. The current schema was
// generated without its lock after Count was deleted and greet's parameter
// became an Int32: count's slot is gone and name has another type. Without
// a model, every finding points at the package clause.
func ExampleCompare() {
	const header = lock.Header + "\n@0xe0f1e2d3c4b5a697;\n"
	old, err := lock.Parse("old.capnp", []byte(header+`
interface Greeter @0xd5b2c1a0f9e8d7c6 {
  greet @0 (name :Text) -> (result :Text);
  count @1 () -> (result :Int64);
}
`))
	if err != nil {
		panic(err)
	}
	cur, err := lock.Parse("new.capnp", []byte(header+`
interface Greeter @0xd5b2c1a0f9e8d7c6 {
  greet @0 (name :Int32) -> (result :Text);
}
`))
	if err != nil {
		panic(err)
	}
	findings := breaking.Compare([]*breaking.Package{{
		Path:         "example.com/greet",
		SchemaImport: "/example.com/greet/greetipc/greet.capnp",
		Clause:       token.Position{Filename: "greet.go", Line: 1, Column: 1},
		Old:          old,
		New:          cur,
	}})
	for _, f := range findings {
		fmt.Printf("%s: %s: %s\n\n", f.Pos, f.Rule, f.Message)
	}
	// Output:
	// greet.go:1:1: field-type-changed: parameter name of method Greeter.greet changed its wire type from Text to Int32, so old peers misread it; keep the old type, or give the new type a new name (the lock then retires the old parameter and gives the new one a new ordinal)
	//
	// greet.go:1:1: method-removed: method Greeter.count @1 was removed without a retired placeholder (the interface has no @1 any more), so old callers of it reach another method or fail; regenerate with the committed schema in place (the lock then keeps @1 retired), or keep the method
}
