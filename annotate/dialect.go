package annotate

import (
	"fmt"
	"go/token"
	"go/types"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// This file holds what //ipc:package dialect=libmultiprocess adds to the
// model, and the pins (ordinals, IDs, retired slots, defaults) that make a
// schema match one written by hand elsewhere.

// MPProxyPath is the Go package that declares libmultiprocess's
// mp/proxy.capnp (ThreadMap, Thread, Context under their real IDs). Every
// dialect package's schema imports its schema for Proxy.Context.
const MPProxyPath = "github.com/ifacegen/ifacegen/runtime/mpproxy"

// packageDirective fills the Dialect, ID, SchemaImport and Pos of out from
// the package's //ipc:package directive, if any.
func (b *builder) packageDirective(out *Package) {
	d := b.src.pkgDir
	if d == nil {
		return
	}
	out.Pos = d.pos
	out.Dialect = d.args["dialect"].value
	if a, ok := d.args["id"]; ok {
		out.ID, _ = parseID(a.value)
	}
	out.SchemaImport = d.args["schema"].value
	if out.Dialect != "" && out.Path == MPProxyPath {
		b.errs.addf(d.pos, "package %s declares mp/proxy.capnp itself and cannot speak a dialect; remove dialect=", out.Path)
		out.Dialect = ""
	}
	if out.Dialect != "" {
		b.proxy = b.l.proxyPackage(d.pos)
	}
}

// proxyPackage returns the model of MPProxyPath, loading the package when
// the patterns did not reach it, or nil after reporting why it cannot be
// had at pos.
func (l *loader) proxyPackage(pos token.Position) *Package {
	if m := l.models[MPProxyPath]; m != nil {
		return m
	}
	if l.graph[MPProxyPath] == nil {
		pkgs, err := l.load(MPProxyPath)
		switch {
		case err != nil:
		case len(pkgs) != 1:
			err = fmt.Errorf("the pattern matched %d packages", len(pkgs))
		case len(pkgs[0].Errors) > 0:
			err = fmt.Errorf("%v", pkgs[0].Errors[0])
		}
		if err != nil {
			l.errs.addf(pos, "the libmultiprocess dialect needs the package %s (it declares Proxy.Context), which does not load: %v; add github.com/ifacegen/ifacegen to the module's requirements", MPProxyPath, err)
			return nil
		}
		packages.Visit(pkgs, nil, func(p *packages.Package) {
			if _, dup := l.graph[p.PkgPath]; !dup {
				l.graph[p.PkgPath] = p
			}
		})
	}
	m := l.schemaOf(MPProxyPath, pos)
	if m == nil {
		l.errs.addf(pos, "the package %s declares no //ipc:interface; the libmultiprocess dialect needs its ThreadMap and Context", MPProxyPath)
	}
	return m
}

// proxyType returns the Type of the declaration name (an interface or a
// struct) of the proxy package, recording the import; nil without it.
func (b *builder) proxyType(name string) *Type {
	if b.proxy == nil {
		return nil
	}
	t := b.imported(b.proxy, TypeName{Path: MPProxyPath, Name: name})
	if t == nil {
		b.errs.addf(b.proxy.Pos, "package %s does not declare %s in its schema; the libmultiprocess dialect needs it", MPProxyPath, name)
	}
	return t
}

// contextParam returns the dialect's wire-only parameter context
// :Proxy.Context, or nil without the proxy package.
func (b *builder) contextParam(pos token.Position) *Field {
	t := b.proxyType("Context")
	if t == nil {
		return nil
	}
	return &Field{WireName: "context", Pos: pos, Type: t, WireOnly: true}
}

// withContext puts the wire-only context parameter before the parameters
// of m, a method of a dialect package, and renumbers them.
func (b *builder) withContext(iface string, m *Method) {
	ctx := b.contextParam(m.Pos)
	if ctx == nil {
		return
	}
	for _, p := range m.Params {
		if p.WireName == "context" || p.HasWireName == "context" {
			b.errs.addf(p.Pos, "method %s.%s: %s has the wire name context, which the libmultiprocess dialect gives the Proxy.Context parameter @0; rename it", iface, m.Name, fieldLabel("parameter", p))
			return
		}
	}
	m.Params = append([]*Field{ctx}, m.Params...)
	b.assignOrdinals(m.Params)
}

// construct returns the dialect's method construct @0 (threadMap
// :Proxy.ThreadMap) -> (threadMap :Proxy.ThreadMap) of Init.
func (b *builder) construct(in *Interface) *Method {
	tm := b.proxyType("ThreadMap")
	if tm == nil {
		return nil
	}
	field := func() []*Field {
		return []*Field{{WireName: "threadMap", Pos: in.Pos, Type: tm, WireOnly: true}}
	}
	return &Method{
		WireName:  "construct",
		Doc:       "Added by the libmultiprocess dialect: the runtime calls it on connect.",
		Pos:       in.Pos,
		Ordinal:   0,
		Pinned:    true,
		NoContext: true,
		WireOnly:  true,
		Params:    field(),
		Results:   field(),
	}
}

// pinOrdinals gives the methods of in their ordinals when any is pinned
// (//ipc:method ordinal=N, //ipc:retired, the dialect's construct): the
// pinned ones theirs, the others the lowest free ones in source order.
// The gaps left become retired placeholders (see FillOrdinalGaps). It
// reports two methods with one ordinal and retired names that collide.
func (b *builder) pinOrdinals(in *Interface, td *typeDecl) {
	var pinned []*Method
	if b.dialect != "" && in.Name == "Init" {
		if c := b.construct(in); c != nil {
			pinned = append(pinned, c)
		}
	}
	for _, m := range in.Methods {
		if m.Pinned {
			pinned = append(pinned, m)
		}
	}
	var retired []*Method
	for _, d := range td.retired {
		name, hasName := d.args["name"]
		ord, hasOrd := d.args["ordinal"]
		if !hasName || !hasOrd {
			if d.badArgs {
				continue
			}
			b.errs.addf(d.pos, "%s needs name= and ordinal=, e.g. //ipc:retired name=makeMiningOld ordinal=2 (the slot becomes makeMiningOld2 @2 () -> ())", d)
			continue
		}
		n, _ := strconv.Atoi(ord.value)
		retired = append(retired, &Method{
			WireName: name.value + ord.value,
			Doc:      fmt.Sprintf("Retired: %s, declared by //ipc:retired. The ordinal is never reused; servers answer \"unimplemented\".", name.value),
			Pos:      d.pos,
			Ordinal:  n,
			Pinned:   true,
			Retired:  true,
		})
	}
	pinned = append(pinned, retired...)
	if len(pinned) == 0 {
		return
	}
	taken := make(map[int]*Method)
	describe := func(m *Method) string {
		switch {
		case m.WireOnly:
			return "the dialect's construct"
		case m.Retired:
			return "the retired slot " + m.WireName
		}
		return "method " + m.Name
	}
	names := make(map[string]*Method)
	for _, m := range in.Methods {
		names[m.WireName] = m
	}
	for _, m := range pinned {
		if prev := taken[m.Ordinal]; prev != nil {
			b.errs.addf(m.Pos, "interface %s: %s has the ordinal @%d of %s; give each method its own ordinal", in.Name, describe(m), m.Ordinal, describe(prev))
			continue
		}
		taken[m.Ordinal] = m
		if m.Retired || m.WireOnly {
			if prev := names[m.WireName]; prev != nil {
				b.errs.addf(m.Pos, "interface %s: %s has the wire name of method %s; rename one", in.Name, describe(m), prev.Name)
			}
			names[m.WireName] = m
		}
	}
	next := 0
	for _, m := range in.Methods {
		if m.Pinned {
			continue
		}
		for taken[next] != nil {
			next++
		}
		m.Ordinal = next
		taken[next] = m
	}
	for _, m := range pinned {
		if m.WireOnly {
			in.Methods = append(in.Methods, m)
		}
	}
	in.Methods = append(in.Methods, retired...)
	FillOrdinalGaps(in)
}

// FillOrdinalGaps adds a retired placeholder "unused<n> @n () -> ()" for
// every ordinal below the highest one of in that no method has: capnp
// ordinals are consecutive, and pinned ordinals can leave gaps. The
// placeholders are Pinned, so that the schema lock keeps them.
func FillOrdinalGaps(in *Interface) {
	used := make(map[int]bool)
	top := -1
	names := make(map[string]bool)
	for _, m := range in.Methods {
		used[m.Ordinal] = true
		top = max(top, m.Ordinal)
		names[m.WireName] = true
	}
	for i := 0; i < top; i++ {
		if used[i] {
			continue
		}
		name := "unused" + strconv.Itoa(i)
		for names[name] {
			name += "x"
		}
		in.Methods = append(in.Methods, &Method{
			WireName: name,
			Doc:      "Retired: a gap between pinned ordinals, never used. Servers answer \"unimplemented\".",
			Ordinal:  i,
			Pinned:   true,
			Retired:  true,
		})
	}
	slices.SortStableFunc(in.Methods, func(a, b *Method) int {
		// Go methods first (source order), then the others by ordinal.
		ka, kb := a.Retired || a.WireOnly, b.Retired || b.WireOnly
		switch {
		case ka != kb && ka:
			return 1
		case ka != kb:
			return -1
		case ka:
			return a.Ordinal - b.Ordinal
		}
		return 0
	})
}

// assignOrdinals numbers fields in order (see the package-level
// assignOrdinals); in a dialect package every optional that is not a
// list element gets a has flag, and the flag beside a pointer value a Go
// name that keeps capnpc-go from generating HasX twice.
func (b *builder) assignOrdinals(fields []*Field) {
	assignOrdinals(fields)
	if b.dialect == "" {
		return
	}
	n := 0
	for _, f := range fields {
		f.Ordinal = n
		n++
		f.HasGoName = ""
		if f.Type.Kind == KindOptional && f.Type.Box == nil {
			f.HasWireName = "has" + upperFirst(f.WireName)
			f.HasOrdinal = n
			n++
			if !f.Type.Elem.Kind.IsScalar() {
				f.HasGoName = f.HasWireName + "Flag"
			}
		}
	}
}

// defaultLiteral checks the default value v of a field of type t and
// returns it as the schema spells it, or a message saying what is wrong.
func defaultLiteral(t *Type, v string) (string, string) {
	if t == nil {
		return "", ""
	}
	if t.Hook != nil || t.Kind == KindOptional || !(t.Kind.IsScalar() && t.Kind != KindEnum) {
		return "", fmt.Sprintf("default=%s: only Bool and number fields and parameters take a default (the Go value stays literal, the default changes the encoding); remove it", v)
	}
	s, _ := ScalarOf(t.Kind)
	switch s.Class {
	case BoolScalar:
		if v == "true" || v == "false" {
			return v, ""
		}
		return "", fmt.Sprintf("default=%s is not a Bool; write default=true or default=false", v)
	case SignedScalar:
		n, err := strconv.ParseInt(v, 0, s.Bits)
		if err != nil {
			return "", fmt.Sprintf("default=%s is not an %s; write a whole number in range, e.g. default=-1", v, s.Capnp)
		}
		return strconv.FormatInt(n, 10), ""
	case UnsignedScalar:
		n, err := strconv.ParseUint(v, 0, s.Bits)
		if err != nil {
			return "", fmt.Sprintf("default=%s is not a %s; write a whole number in range, e.g. default=8000", v, s.Capnp)
		}
		return strconv.FormatUint(n, 10), ""
	case FloatScalar:
		f, err := strconv.ParseFloat(v, s.Bits)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return "", fmt.Sprintf("default=%s is not a finite %s; write a number, e.g. default=1.7976931348623157e308", v, s.Capnp)
		}
		text := strconv.FormatFloat(f, 'g', -1, s.Bits)
		if !strings.ContainsAny(text, ".e") {
			text += ".0"
		}
		return text, ""
	}
	return "", fmt.Sprintf("default=%s: this type takes no default; remove it", v)
}

// pinnedID returns the id= of d, or 0.
func pinnedID(d *directive) uint64 {
	if d == nil {
		return 0
	}
	a, ok := d.args["id"]
	if !ok {
		return 0
	}
	id, _ := parseID(a.value)
	return id
}

// declaredStructs maps the //ipc:struct types of the package, so that its
// schema declares them even when no method uses them (mp/proxy.capnp's
// Context).
func (b *builder) declaredStructs() {
	names := make([]string, 0, len(b.src.types))
	for name, td := range b.src.types {
		if td.strct != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		td := b.src.types[name]
		obj, ok := b.src.info.Defs[td.spec.Name].(*types.TypeName)
		if !ok {
			continue
		}
		n, ok := obj.Type().(*types.Named)
		if !ok {
			continue
		}
		b.mapType(n, nil, use{path: "struct " + name, pos: b.src.pos(td.spec.Name), src: b.src})
	}
}
