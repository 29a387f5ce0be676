package annotate

// This file keeps wire names from breaking the Go bindings that capnpc-go
// (capnproto.org/go/capnp/v3 v3.1.0-alpha.2) generates from the schema.
// capnpc-go names Go methods after wire names without checking them
// against each other or against the methods it always generates, so a
// struct field toPtr, or a field hasFoo beside a pointer field foo, or an
// interface method release, yields bindings that do not compile. The
// method sets below are read off capnpc-go's templates.

// clientMethods are the methods capnpc-go generates on every interface's
// client type (templates/interfaceClient) besides one per interface method,
// which is its wire name with the first letter upper-cased.
var clientMethods = map[string]bool{
	"AddRef":         true,
	"DecodeFromPtr":  true,
	"EncodeAsPtr":    true,
	"GetFlowLimiter": true,
	"IsSame":         true,
	"IsValid":        true,
	"Release":        true,
	"Resolve":        true,
	"SetFlowLimiter": true,
	"String":         true,
	"WaitStreaming":  true,
}

// structMethods are the methods capnpc-go generates on every struct type
// (templates/baseStructFuncs, structFuncs), the implicit $Params and
// $Results structs of methods included.
var structMethods = map[string]bool{
	"DecodeFromPtr": true,
	"EncodeAsPtr":   true,
	"IsValid":       true,
	"Message":       true,
	"Segment":       true,
	"String":        true,
	"ToPtr":         true,
	"Which":         true,
}

// renamedFields are the field names (upper-cased first letter) that
// capnpc-go itself renames with a trailing "_" to stay clear of
// structMethods (renameIdents in capnpc-go/nodes.go); the others of
// structMethods it does not rename.
var renamedFields = map[string]bool{
	"IsValid": true,
	"Message": true,
	"Segment": true,
	"String":  true,
	"Which":   true,
}

// futureNames are the names a struct's X_Future type has whatever its
// fields (templates/promise): the method Struct and the embedded field
// Future. capnpc-go adds one method per struct-typed field.
var futureNames = map[string]bool{
	"Future": true,
	"Struct": true,
}

// bindingMethod is a Go method capnpc-go generates for a wire field.
type bindingMethod struct {
	name   string // e.g. "HasTip"
	wire   string // the wire name of the field it is generated for
	future bool   // on the struct's X_Future type, not on the struct type
}

// wireClass is what capnpc-go's templates distinguish in a field's type.
type wireClass int

const (
	dataField   wireClass = iota // a number, Bool or enum
	textField                    // Text: Has…, …Bytes
	blobField                    // Data: Has…
	listField                    // List: Has…, New…
	structField                  // a struct: Has…, New…, and a method on X_Future
	capField                     // a capability: Has…, and a method on X_Future
)

// classOf returns the wire class of a field of type t (never a Box: boxes
// are list elements, not fields).
func classOf(t *Type) wireClass {
	switch t.Kind {
	case KindString:
		return textField
	case KindBytes, KindByteArray:
		return blobField
	case KindList, KindMap:
		return listField
	case KindStruct:
		return structField
	case KindInterface:
		return capField
	case KindOptional:
		return classOf(t.Elem)
	}
	return dataField
}

// bindingMethods returns the methods capnpc-go generates for the wire
// field f: for its value and, for an optional scalar, its has flag.
func bindingMethods(f *Field) []bindingMethod {
	var ms []bindingMethod
	add := func(wire string, class wireClass) {
		n := upperFirst(wire)
		if renamedFields[n] {
			n += "_"
		}
		ms = append(ms, bindingMethod{name: n, wire: wire}, bindingMethod{name: "Set" + n, wire: wire})
		if class != dataField {
			ms = append(ms, bindingMethod{name: "Has" + n, wire: wire})
		}
		switch class {
		case textField:
			ms = append(ms, bindingMethod{name: n + "Bytes", wire: wire})
		case listField:
			ms = append(ms, bindingMethod{name: "New" + n, wire: wire})
		case structField:
			ms = append(ms, bindingMethod{name: "New" + n, wire: wire}, bindingMethod{name: n, wire: wire, future: true})
		case capField:
			ms = append(ms, bindingMethod{name: n, wire: wire, future: true})
		}
	}
	if f.Type == nil {
		return nil
	}
	class := classOf(f.Type)
	if f.HasWireName != "" && f.Type.Kind == KindOptional && f.Type.Elem != nil && f.Type.Elem.Kind.IsScalar() {
		class = dataField // an optional scalar: the value is in the data section
	}
	add(f.WireName, class)
	if f.HasGoName != "" {
		add(f.HasGoName, dataField) // $Go.name renames the has flag's methods
	} else if f.HasWireName != "" {
		add(f.HasWireName, dataField)
	}
	return ms
}

// checkBindingFields reports fields of owner (e.g. "struct BlockRef",
// "method Mining.GetTip") whose wire names would make capnpc-go generate a
// Go method twice on the bindings struct or its X_Future type. kind names
// one field ("field", "parameter", "result"); fixOne tells how to rename a
// field, fixPair how to rename one of two.
// Fields whose wire names are equal are left to checkWireNames. At most one
// problem is reported per field, at the later field of a pair.
func (b *builder) checkBindingFields(fields []*Field, owner, kind, fixOne, fixPair string) {
	type key struct {
		name   string
		future bool
	}
	type origin struct {
		f    *Field
		wire string
	}
	seen := make(map[key]origin)
	for _, f := range fields {
		for _, m := range bindingMethods(f) {
			k := key{m.name, m.future}
			if prev, dup := seen[k]; dup && prev.wire != m.wire {
				b.errs.addf(f.Pos, "%s: %s and %s would both make capnpc-go generate the method %s on the bindings %s, which then does not compile; %s",
					owner, fieldLabel(kind, prev.f), fieldLabel(kind, f), m.name, bindingsType(m.future), fixPair)
				break
			}
			if problem := fixedName(m); problem != "" {
				b.errs.addf(f.Pos, "%s: %s: its wire name %s would make capnpc-go generate the method %s on the bindings %s, which %s, so it does not compile; %s",
					owner, fieldLabel(kind, f), m.wire, m.name, bindingsType(m.future), problem, fixOne)
				break
			}
			if _, dup := seen[k]; !dup {
				seen[k] = origin{f, m.wire}
			}
		}
	}
}

// fixedName says why the method m cannot be generated whatever the other
// fields are, or returns "".
func fixedName(m bindingMethod) string {
	switch {
	case m.future && m.name == "Future":
		return "embeds a field Future"
	case m.future && futureNames[m.name], !m.future && structMethods[m.name]:
		return "already has a method of that name"
	}
	return ""
}

// bindingsType describes the type a bindingMethod is generated on.
func bindingsType(future bool) string {
	if future {
		return "struct's _Future type"
	}
	return "struct type"
}

// checkBindingMethod reports the method m of the interface named iface
// when its wire name would give the interface's bindings client type a
// method it already has.
func (b *builder) checkBindingMethod(iface string, m *Method) {
	if n := upperFirst(m.WireName); clientMethods[n] {
		b.errs.addf(m.Pos, "method %s.%s: its wire name %s would make capnpc-go generate a second %s method on the bindings client type %s (every client type has %s), which does not compile; rename the Go method",
			iface, m.Name, m.WireName, n, iface, n)
	}
}
