package lock

import (
	"errors"
	"fmt"
	"go/token"
	"slices"
	"strings"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen/schema"
)

// Apply renumbers pkg from old, the schema generated for pkg before: the
// methods of pkg's interfaces, their parameters and results, and the
// fields of pkg's Go structs (synthetic map entries and optional boxes
// are numbered by convention and left alone). Enums are left alone: their
// values are the Go constants'.
//
// A member keeps the ordinal of the old member it is by the rename rule,
// Match: the retired placeholder its Was names (a removed member put
// back), else the old member of its wire name, else the live old member
// its Was names (a Method.Was is a Go method name, a Field.Was a wire
// name; an optional scalar's has flag follows its value: was=old gives it
// the ordinal of hasOld). Members without an old one take
// the next free ordinals, in source order. An old member that nothing
// keeps becomes a Retired placeholder named "<old>Retired<ordinal>" (a
// placeholder that was already retired keeps its name), appended after
// the Go members, by ordinal: a method without parameters or results, a
// field with the slot type of what it held (see annotate.Field.Retired).
// An interface or struct that old does not declare keeps source order.
//
// Apply first drops the Retired members pkg already has, so applying a
// Schema twice gives the same model. The error joins every conflict
// found, each with the Go position of the member ("file:line:col: what;
// what to do"); pkg may then be partly renumbered.
func Apply(pkg *annotate.Package, old *Schema) error {
	a := &applier{pkg: pkg, old: old}
	oldIfaces := make(map[string]*Interface)
	for _, in := range old.Interfaces {
		oldIfaces[in.Name] = in
	}
	oldStructs := make(map[string]*Struct)
	for _, s := range old.Structs {
		oldStructs[s.Name] = s
	}
	for _, in := range pkg.Interfaces {
		a.iface(in, oldIfaces[in.Name])
	}
	for _, s := range pkg.Structs {
		if s.Synthetic != annotate.GoStruct {
			continue
		}
		var fields []*Field
		if os := oldStructs[s.Name]; os != nil {
			fields = os.Fields
		}
		s.Fields = a.fields(s.Fields, fields, "struct "+s.Name, "field")
	}
	return errors.Join(a.errs...)
}

type applier struct {
	pkg  *annotate.Package
	old  *Schema
	errs []error
}

func (a *applier) errorf(pos token.Position, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if pos.IsValid() {
		msg = pos.String() + ": " + msg
	}
	a.errs = append(a.errs, errors.New(msg))
}

// lockPos is the position of a line of the lock file.
func (a *applier) lockPos(line int) token.Position {
	return token.Position{Filename: a.old.Filename, Line: line, Column: 1}
}

// claim is a new member asking for an ordinal.
type claim struct {
	wire string // its wire name
	was  string // the old wire name it was renamed from, or ""
	// wasText is was= as the Go source writes it (a Go name for methods)
	wasText string
	pos     token.Position
	desc    string // "method Foo", "field Hash", "the has flag of field Opt", …
	set     func(ordinal int)
	pin     int // the pinned ordinal (//ipc:method ordinal=N, //ipc:retired); -1 when not pinned
}

// slot is an old member: the ordinal it holds.
type slot struct {
	name    string
	ordinal int
	retired bool
}

// assign gives every claim an ordinal from old by the rename rule (Match)
// and returns the old slots that no claim kept, by ordinal. owner names
// the declaration in messages, kind one member ("method", "field", …).
func (a *applier) assign(owner, kind string, claims []claim, old []slot) []slot {
	olds := make([]Member, len(old))
	for i, s := range old {
		olds[i] = Member{Name: s.name, Ordinal: s.ordinal, Retired: s.retired}
	}
	curs := make([]Member, len(claims))
	for i, c := range claims {
		curs[i] = Member{Name: c.wire, Was: c.was}
	}
	matched := Match(olds, curs)
	keeper := make(map[int]*claim) // ordinal → the claim that keeps it
	done := make([]bool, len(claims))
	// Pins win over the lock: a pinned ordinal is the member's whatever
	// the committed schema says.
	for i := range claims {
		c := &claims[i]
		if c.pin < 0 {
			continue
		}
		if k := keeper[c.pin]; k != nil {
			a.errorf(c.pos, "%s: %s and %s both pin the ordinal @%d; give each its own", owner, k.desc, c.desc, c.pin)
		}
		c.set(c.pin)
		keeper[c.pin] = c
		done[i] = true
	}
	for i := range claims {
		if j := matched[i]; j >= 0 && !done[i] && keeper[old[j].ordinal] == nil {
			c := &claims[i]
			c.set(old[j].ordinal)
			keeper[old[j].ordinal] = c
			done[i] = true
		}
	}
	next := len(old)
	for _, s := range old {
		next = max(next, s.ordinal+1)
	}
	for i := range claims {
		c := &claims[i]
		if done[i] {
			continue
		}
		if matched[i] < 0 {
			if problem := a.unmatched(owner, kind, c, old, keeper); problem {
				continue
			}
		}
		for keeper[next] != nil {
			next++ // pinned
		}
		c.set(next)
		keeper[next] = c
		next++
	}
	var gone []slot
	for _, s := range old {
		if keeper[s.ordinal] == nil {
			gone = append(gone, s)
		}
	}
	slices.SortFunc(gone, func(x, y slot) int { return x.ordinal - y.ordinal })
	// A placeholder must not take the name of a member that is new.
	for _, s := range gone {
		if s.retired {
			continue // its name was checked with the claims
		}
		name := placeholderName(s)
		for _, c := range claims {
			if c.wire == name {
				a.errorf(c.pos, "%s: %s: its wire name %s is the name of the retired placeholder for the removed %s %s @%d; choose another name", owner, c.desc, name, kind, s.name, s.ordinal)
			}
		}
	}
	return gone
}

// unmatched reports, for a claim Match found no old member for, why it
// cannot simply take a new ordinal: its wire name is a retired
// placeholder's, or its was= names an old member another claim keeps.
func (a *applier) unmatched(owner, kind string, c *claim, old []slot, keeper map[int]*claim) bool {
	for _, s := range old {
		if s.retired && s.name == c.wire {
			a.errorf(c.pos, "%s: %s: its wire name %s is the name of a retired placeholder in the schema lock %s, whose ordinal is never reused; choose another name", owner, c.desc, c.wire, a.old.Filename)
			return true
		}
	}
	if c.was == "" {
		return false
	}
	for _, s := range old {
		if s.name != c.was && !(s.retired && formerName(s) == c.was) {
			continue
		}
		if k := keeper[s.ordinal]; k != nil && k != c {
			how := "keeps it under that name"
			if s.retired {
				how = "restores it with was="
			}
			a.errorf(c.pos, "%s: %s: was=%s asks for the ordinal @%d of the old %s %s, but %s %s; remove was=, or rename %s", owner, c.desc, c.wasText, s.ordinal, kind, s.name, k.desc, how, k.desc)
			return true
		}
	}
	return false // renamed before the lock was written, or new
}

// placeholderName is the wire name of the retired placeholder for s.
func placeholderName(s slot) string {
	if s.retired {
		return s.name
	}
	return PlaceholderName(s.name, s.ordinal)
}

// formerName is the wire name the member s retires had.
func formerName(s slot) string {
	if !s.retired {
		return s.name
	}
	return FormerName(s.name, s.ordinal)
}

// iface renumbers the methods of in from old (nil: not in the lock).
func (a *applier) iface(in *annotate.Interface, old *Interface) {
	owner := "interface " + in.Name
	var methods, pinnedRetired []*annotate.Method
	for _, m := range in.Methods {
		switch {
		case !m.Retired:
			methods = append(methods, m)
		case m.Pinned:
			pinnedRetired = append(pinnedRetired, m) // //ipc:retired, or a gap between pins
		}
	}
	var oldSlots []slot
	oldByOrdinal := make(map[int]*Method)
	if old != nil {
		for _, m := range old.Methods {
			oldSlots = append(oldSlots, slot{name: m.Name, ordinal: m.Ordinal, retired: m.Retired})
			oldByOrdinal[m.Ordinal] = m
		}
	}
	claims := make([]claim, 0, len(methods)+len(pinnedRetired))
	for _, m := range append(slices.Clone(methods), pinnedRetired...) {
		was := ""
		if m.Was != "" {
			was = annotate.MemberName(m.Was)
		}
		desc := "method " + m.Name
		if m.Name == "" {
			desc = "method " + m.WireName
		}
		pin := -1
		if m.Pinned {
			pin = m.Ordinal
		}
		claims = append(claims, claim{
			wire:    m.WireName,
			was:     was,
			wasText: m.Was,
			pos:     m.Pos,
			desc:    desc,
			set:     func(ord int) { m.Ordinal = ord },
			pin:     pin,
		})
	}
	gone := a.assign(owner, "method", claims, oldSlots)
	for _, m := range methods {
		om := oldByOrdinal[m.Ordinal]
		var oldParams, oldResults []*Field
		if om != nil && !om.Retired {
			oldParams, oldResults = om.Params, om.Results
		}
		what := "method " + in.Name + "." + m.Name
		m.Params = a.fields(m.Params, oldParams, what+" parameters", "parameter")
		m.Results = a.fields(m.Results, oldResults, what+" results", "result")
	}
	for _, s := range gone {
		doc := fmt.Sprintf("Retired: was %s, removed from the Go source. The ordinal is never reused; servers answer \"unimplemented\".", formerName(s))
		if s.retired && oldByOrdinal[s.ordinal].Doc != "" {
			doc = oldByOrdinal[s.ordinal].Doc
		}
		methods = append(methods, &annotate.Method{
			WireName: placeholderName(s),
			Doc:      doc,
			Ordinal:  s.ordinal,
			Retired:  true,
		})
	}
	in.Methods = append(methods, pinnedRetired...)
	annotate.FillOrdinalGaps(in)
}

// fields renumbers fields (a struct's, a method's parameters or results)
// from old and returns them with the retired placeholders appended.
func (a *applier) fields(fields []*annotate.Field, old []*Field, owner, kind string) []*annotate.Field {
	var out []*annotate.Field
	for _, f := range fields {
		if !f.Retired {
			out = append(out, f)
		}
	}
	var oldSlots []slot
	oldByOrdinal := make(map[int]*Field)
	for _, f := range old {
		oldSlots = append(oldSlots, slot{name: f.Name, ordinal: f.Ordinal, retired: f.Retired})
		oldByOrdinal[f.Ordinal] = f
	}
	var claims []claim
	for _, f := range out {
		desc := kind + " " + f.WireName
		if f.GoName != "" {
			desc = kind + " " + f.GoName
		}
		claims = append(claims, claim{
			wire:    f.WireName,
			was:     f.Was,
			wasText: f.Was,
			pos:     f.Pos,
			desc:    desc,
			set:     func(ord int) { f.Ordinal = ord },
			pin:     -1,
		})
		if f.HasWireName != "" {
			was := ""
			if f.Was != "" {
				was = "has" + upperFirstASCII(f.Was)
			}
			claims = append(claims, claim{
				wire:    f.HasWireName,
				was:     was,
				wasText: f.Was,
				pos:     f.Pos,
				desc:    "the has flag of " + desc,
				set:     func(ord int) { f.HasOrdinal = ord },
				pin:     -1,
			})
		}
	}
	gone := a.assign(owner, kind, claims, oldSlots)
	for _, s := range gone {
		of := oldByOrdinal[s.ordinal]
		t, err := a.slotType(of.Type)
		if err != nil {
			a.errorf(a.lockPos(of.Line), "%s: the removed %s %s had the type %s: %v; its slot cannot be kept, so restore the Go %s until the schema no longer needs it", owner, kind, of.Name, of.Type, err, kind)
			continue
		}
		doc := fmt.Sprintf("Retired: was %s, removed from the Go source. The ordinal is never reused.", formerName(s))
		if s.retired && of.Doc != "" {
			doc = of.Doc
		}
		out = append(out, &annotate.Field{
			WireName: placeholderName(s),
			Doc:      doc,
			Type:     t,
			Ordinal:  s.ordinal,
			Retired:  true,
		})
	}
	return out
}

// slotType is the type of the placeholder for a field of the type typ (as
// the lock spells it): the same scalar, an enum as UInt16, any pointer as
// AnyPointer.
func (a *applier) slotType(typ string) (*annotate.Type, error) {
	if s, ok := annotate.ScalarNamed(typ); ok && s.Bits > 0 {
		return &annotate.Type{Kind: s.Kind, Basic: s.Go}, nil
	}
	uint16Type := &annotate.Type{Kind: annotate.KindUint16, Basic: "uint16"}
	anyPointer := &annotate.Type{Kind: annotate.KindAnyPointer}
	switch {
	case typ == "Text" || typ == "Data" || typ == "AnyPointer" || strings.HasPrefix(typ, "List("):
		return anyPointer, nil
	case strings.Contains(typ, "."):
		alias, name, _ := strings.Cut(typ, ".")
		path, ok := a.old.Imports[alias]
		if !ok {
			return nil, fmt.Errorf("the schema lock imports nothing as %s", alias)
		}
		imp := findImport(a.pkg, path, make(map[*annotate.Package]bool))
		if imp == nil {
			return nil, fmt.Errorf("no annotated package the Go code still uses has the schema %s, so it cannot be told whether %s is an enum", path, name)
		}
		for _, e := range imp.Enums {
			if e.Name == name {
				return uint16Type, nil
			}
		}
		for _, s := range imp.Structs {
			if s.Name == name {
				return anyPointer, nil
			}
		}
		for _, in := range imp.Interfaces {
			if in.Name == name {
				return anyPointer, nil
			}
		}
		return nil, fmt.Errorf("the schema of %s no longer declares %s, so it cannot be told whether it was an enum", imp.Path, name)
	}
	for _, e := range a.old.Enums {
		if e.Name == typ {
			return uint16Type, nil
		}
	}
	for _, s := range a.old.Structs {
		if s.Name == typ {
			return anyPointer, nil
		}
	}
	for _, in := range a.old.Interfaces {
		if in.Name == typ {
			return anyPointer, nil
		}
	}
	return nil, errors.New("the schema lock does not declare it")
}

// findImport returns the package among pkg's imports, transitively, whose
// schema has the import path path.
func findImport(pkg *annotate.Package, path string, seen map[*annotate.Package]bool) *annotate.Package {
	for _, imp := range pkg.Imports {
		if imp == nil || seen[imp] {
			continue
		}
		seen[imp] = true
		if schema.ImportPath(imp) == path {
			return imp
		}
		if found := findImport(imp, path, seen); found != nil {
			return found
		}
	}
	return nil
}

// upperFirstASCII upper-cases the first letter of s when it is an ASCII
// lower-case letter, as annotate does for has flags of wire names.
func upperFirstASCII(s string) string {
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
