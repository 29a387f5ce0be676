package breaking

import (
	"cmp"
	"fmt"
	"go/token"
	"slices"
	"strings"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen/lock"
)

// The rules, as findings name them (see the package documentation).
const (
	InterfaceRemoved     = "interface-removed"
	InterfaceIDChanged   = "interface-id-changed"
	InterfaceBaseRemoved = "interface-base-removed"
	MethodRemoved        = "method-removed"
	MethodOrdinalChanged = "method-ordinal-changed"
	MethodRenamed        = "method-renamed"
	MethodOrdinalReused  = "method-ordinal-reused"
	FieldRemoved         = "field-removed"
	FieldOrdinalChanged  = "field-ordinal-changed"
	FieldRenamed         = "field-renamed"
	FieldOrdinalReused   = "field-ordinal-reused"
	FieldTypeChanged     = "field-type-changed"
	FieldDefaultChanged  = "field-default-changed"
	ParamAdded           = "param-added"
	StructRemoved        = "struct-removed"
	EnumRemoved          = "enum-removed"
	EnumValueRemoved     = "enum-value-removed"
	EnumValueRenumbered  = "enum-value-renumbered"
)

// Rules lists every rule name, in the order of the package documentation.
var Rules = []string{
	InterfaceRemoved, InterfaceIDChanged, InterfaceBaseRemoved,
	MethodRemoved, MethodOrdinalChanged, MethodRenamed, MethodOrdinalReused,
	FieldRemoved, FieldOrdinalChanged, FieldRenamed, FieldOrdinalReused, FieldTypeChanged,
	FieldDefaultChanged, ParamAdded, StructRemoved, EnumRemoved, EnumValueRemoved, EnumValueRenumbered,
}

// Finding is one breaking change.
type Finding struct {
	Pos     token.Position // the Go source to look at (see the rule table); Filename as the model has it
	Rule    string         // one of Rules
	Message string         // what changed and what to do; one line
	Package string         // the Go import path of the package
}

// Package is what Compare needs of one Go package.
type Package struct {
	// Path is the Go import path of the package.
	Path string

	// SchemaImport is the path other schemas import the package's schema
	// by (gen/schema.ImportPath): "/" + IPC import path + "/" + name +
	// ".capnp". It lets Compare see that another package's schema still
	// refers to a struct or enum this one no longer declares.
	SchemaImport string

	// Clause is the position of the package clause of one of the
	// package's files: findings about declarations that are gone point
	// there.
	Clause token.Position

	// Model is the package's current model, as generated (with the lock
	// applied); nil when the package declares no //ipc:interface any more.
	// Compare reads the positions, Was names and optional parameters from
	// it, and never changes it.
	Model *annotate.Package

	// Old is the baseline schema; nil when there is none (a new package:
	// nothing to compare). New is the schema generated now; nil when the
	// package declares no //ipc:interface any more.
	Old, New *lock.Schema

	// Restore is the command that puts the baseline schema back in place
	// of the current one, e.g. "git checkout origin/main --
	// wallet/walletipc/wallet.capnp": findings whose fix is to regenerate
	// with the committed schema in place name it. Empty: not named.
	Restore string
}

// inPlace is how messages say to regenerate from the baseline's lock.
const inPlace = "regenerate with the committed schema in place"

// Compare returns the breaking changes from each package's Old schema to
// its New one, sorted by position, then rule and message. It never fails:
// what it cannot resolve (a type alias with no import line) it compares as
// spelled.
func Compare(pkgs []*Package) []Finding {
	refs := references(pkgs)
	olds, news := declaredAll(pkgs, true), declaredAll(pkgs, false)
	var all []Finding
	for _, p := range pkgs {
		if p.Old == nil {
			continue
		}
		c := &comparer{pkg: p, pos: index(p.Model), refs: refs, old: olds[p.SchemaImport], new: news[p.SchemaImport]}
		c.compare()
		all = append(all, c.findings...)
	}
	slices.SortFunc(all, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return slices.CompactFunc(all, func(a, b Finding) bool { return a == b })
}

// comparer compares one package's schemas.
type comparer struct {
	pkg      *Package
	pos      *positions
	refs     map[qualifiedName][]string
	findings []Finding
	old, new *declarations
}

func (c *comparer) report(pos token.Position, rule, format string, args ...any) {
	if !pos.IsValid() {
		pos = c.pkg.Clause
	}
	msg := fmt.Sprintf(format, args...)
	if c.pkg.Restore != "" {
		msg = strings.ReplaceAll(msg, inPlace, "put the baseline schema back ("+c.pkg.Restore+") and regenerate")
	}
	c.findings = append(c.findings, Finding{
		Pos:     pos,
		Rule:    rule,
		Message: msg,
		Package: c.pkg.Path,
	})
}

func (c *comparer) compare() {
	newSchema := c.pkg.New
	if newSchema == nil {
		newSchema = &lock.Schema{}
	}

	for _, oi := range c.pkg.Old.Interfaces {
		ni := c.matchInterface(oi, newSchema.Interfaces)
		if ni == nil {
			c.report(c.pkg.Clause, InterfaceRemoved,
				"interface %s (ID @%#x) is gone, so every call an old peer makes on it fails; keep it, or if it was renamed or moved, pin its old ID with //ipc:interface id=%#x",
				oi.Name, oi.ID, oi.ID)
			continue
		}
		c.compareInterface(oi, ni)
	}
	for _, os := range c.pkg.Old.Structs {
		ns := c.new.structs[os.Name]
		if ns == nil {
			c.removedType(StructRemoved, "struct", os.Name)
			continue
		}
		c.compareStruct(os, ns)
	}
	for _, oe := range c.pkg.Old.Enums {
		ne := c.new.enums[oe.Name]
		if ne == nil {
			c.removedType(EnumRemoved, "enum", oe.Name)
			continue
		}
		c.compareEnum(oe, ne)
	}
}

// removedType reports a struct or enum that is no longer declared, when
// some current schema still refers to it.
func (c *comparer) removedType(rule, kind, name string) {
	users := c.refs[qualifiedName{c.pkg.SchemaImport, name}]
	if len(users) == 0 {
		return // nothing uses it: its uses changed, and are reported there
	}
	if c.new.structs[name] != nil || c.new.enums[name] != nil || c.new.ifaces[name] != nil {
		return // the name is another kind of declaration now: reported where it is used
	}
	c.report(c.pkg.Clause, rule,
		"%s %s is no longer declared by this package's schema, but the schema of %s still refers to it; keep the Go type in a parameter, result or field of an //ipc:interface of this package, or regenerate the packages that use it",
		kind, name, joinList(users))
}

// matchInterface finds the current interface of old: the one of the same
// ID (a rename with a pinned id= keeps it), else the one of the same name.
func (c *comparer) matchInterface(old *lock.Interface, current []*lock.Interface) *lock.Interface {
	for _, in := range current {
		if in.ID == old.ID {
			return in
		}
	}
	for _, in := range current {
		if in.Name == old.Name {
			return in
		}
	}
	return nil
}

func (c *comparer) compareInterface(oi, ni *lock.Interface) {
	goIface := c.pos.ifaces[ni.Name]
	ipos := goIface.pos()
	goName := ni.Name
	if oi.ID != ni.ID {
		c.report(ipos, InterfaceIDChanged,
			"interface %s changed its ID from @%#x to @%#x (the default ID derives from the import path and the name), so old peers no longer reach it; pin the old ID with //ipc:interface id=%#x",
			goName, oi.ID, ni.ID, oi.ID)
	}
	newBases := make(map[string]bool)
	for _, b := range ni.Extends {
		newBases[c.new.interfaceKey(b)] = true
	}
	for _, b := range oi.Extends {
		if !newBases[c.old.interfaceKey(b)] {
			c.report(ipos, InterfaceBaseRemoved,
				"interface %s no longer extends %s, so old clients calling %s's methods on it fail; embed %s in %s again",
				goName, b, b, b, goName)
		}
	}

	olds := make([]member, len(oi.Methods))
	for i, m := range oi.Methods {
		olds[i] = member{name: m.Name, ordinal: m.Ordinal, retired: m.Retired}
	}
	news := make([]member, len(ni.Methods))
	for i, m := range ni.Methods {
		news[i] = member{name: m.Name, ordinal: m.Ordinal, retired: m.Retired}
		if gm := goIface.method(m.Name); gm != nil && gm.Was != "" {
			news[i].was = annotate.MemberName(gm.Was)
		}
	}
	methodName := func(wire string) string {
		if gm := goIface.method(wire); gm != nil {
			return goName + "." + gm.Name
		}
		return goName + "." + wire
	}
	methodPos := func(wire string) token.Position {
		if gm := goIface.method(wire); gm != nil {
			return gm.Pos
		}
		return ipos
	}
	match(olds, news, matchEvents{
		same: func(o, n member) {
			om, nm := oi.Methods[o.index], ni.Methods[n.index]
			owner := "method " + methodName(nm.Name)
			gm := goIface.method(nm.Name)
			c.compareFields(om.Params, nm.Params, fieldContext{
				owner: owner, kind: "parameter", ownerPos: methodPos(nm.Name),
				goFields: gm.params(), newParams: true,
			})
			c.compareFields(om.Results, nm.Results, fieldContext{
				owner: owner, kind: "result", ownerPos: methodPos(nm.Name),
				goFields: gm.results(),
			})
		},
		removed: func(o member, holder *member) {
			c.report(ipos, MethodRemoved,
				"method %s @%d was removed without a retired placeholder (%s), so old callers of it reach another method or fail; regenerate with the committed schema in place (the lock then keeps @%d retired), or keep the method",
				methodName(o.name), o.ordinal, slotNow(holder, o.ordinal, "method", "the interface"), o.ordinal)
		},
		moved: func(o, n member) {
			c.report(methodPos(n.name), MethodOrdinalChanged,
				"method %s moved from @%d to @%d, so old callers of @%d reach another method or fail; regenerate with the committed schema in place, which keeps @%d",
				methodName(n.name), o.ordinal, n.ordinal, o.ordinal, o.ordinal)
		},
		renamed: func(o, n member) {
			c.report(methodPos(n.name), MethodRenamed,
				"method %s took @%d, which was %s's, without //ipc:method was=%s, so old callers of %s now call it; if it is %s renamed, add //ipc:method was=%s, otherwise regenerate with the committed schema in place to give it a new ordinal",
				methodName(n.name), o.ordinal, o.name, upperFirst(o.name), o.name, o.name, upperFirst(o.name))
		},
		reused: func(o, n member) {
			c.report(methodPos(n.name), MethodOrdinalReused,
				"method %s reuses @%d, the retired placeholder %s, so old callers of the removed method reach it; regenerate with the committed schema in place to give it a new ordinal",
				methodName(n.name), o.ordinal, o.name)
		},
	})
}

func (c *comparer) compareStruct(os, ns *lock.Struct) {
	gs := c.pos.structs[ns.Name]
	c.compareFields(os.Fields, ns.Fields, fieldContext{
		owner: "struct " + ns.Name, kind: "field", ownerPos: c.pos.structPos(ns.Name),
		goFields: gs.fields(),
	})
}

func (c *comparer) compareEnum(oe, ne *lock.Enum) {
	ge := c.pos.enums[ne.Name]
	epos := ge.pos()
	olds := make([]member, len(oe.Enumerants))
	for i, e := range oe.Enumerants {
		olds[i] = member{name: e.Name, ordinal: e.Ordinal, retired: e.Retired}
	}
	news := make([]member, len(ne.Enumerants))
	for i, e := range ne.Enumerants {
		news[i] = member{name: e.Name, ordinal: e.Ordinal, retired: e.Retired}
	}
	valueName := func(wire string) string {
		if g := ge.enumerant(wire); g != nil {
			return g.GoName
		}
		return ne.Name + "." + wire
	}
	removed := func(o member) {
		c.report(epos, EnumValueRemoved,
			"enum value %s.%s (%d) was removed, so a %d from an old peer reads as another value or an unknown one; keep the constant (the wire value is the Go constant's value)",
			ne.Name, o.name, o.ordinal, o.ordinal)
	}
	match(olds, news, matchEvents{
		same: func(o, n member) {},
		removed: func(o member, holder *member) {
			removed(o)
		},
		moved: func(o, n member) {
			pos := epos
			if g := ge.enumerant(n.name); g != nil {
				pos = g.Pos
			}
			c.report(pos, EnumValueRenumbered,
				"enum value %s changed from %d to %d, so old peers read it as another value; keep the constants in their order and add new ones after the last",
				valueName(n.name), o.ordinal, n.ordinal)
		},
		// A constant renamed with its value kept is the same value on
		// the wire.
		renamed: func(o, n member) {},
		reused:  func(o, n member) { removed(o) },
	})
}

// fieldContext says whose fields compareFields compares.
type fieldContext struct {
	owner     string         // "method Mining.GetTip", "struct BlockRef"
	kind      string         // "parameter", "result", "field"
	ownerPos  token.Position // where a removed field is reported
	goFields  []*annotate.Field
	newParams bool // new members are parameters of an existing method (ParamAdded)
}

// goField finds the Go field of a wire name: the field itself, or the one
// whose has flag it is.
func (fc fieldContext) goField(wire string) (f *annotate.Field, hasFlag bool) {
	for _, f := range fc.goFields {
		if f.Retired {
			continue
		}
		if f.WireName == wire {
			return f, false
		}
		if f.HasWireName != "" && f.HasWireName == wire {
			return f, true
		}
	}
	return nil, false
}

func (fc fieldContext) describe(wire string) string {
	name := wire
	if f, has := fc.goField(wire); f != nil {
		switch {
		case f.GoName != "" && f.GoName != "_":
			name = f.GoName
		default:
			// Unnamed in Go: its place among the Go parameters or
			// results, counted from 1.
			for i, g := range fc.goFields {
				if g == f {
					name = fmt.Sprint(i + 1)
				}
			}
		}
		if has {
			return fmt.Sprintf("the has flag %s of %s %s of %s", wire, fc.kind, name, fc.owner)
		}
	}
	return fmt.Sprintf("%s %s of %s", fc.kind, name, fc.owner)
}

func (fc fieldContext) position(wire string) token.Position {
	if f, _ := fc.goField(wire); f != nil && f.Pos.IsValid() {
		return f.Pos
	}
	return fc.ownerPos
}

func (c *comparer) compareFields(old, new []*lock.Field, fc fieldContext) {
	olds := make([]member, len(old))
	for i, f := range old {
		olds[i] = member{name: f.Name, ordinal: f.Ordinal, retired: f.Retired}
	}
	news := make([]member, len(new))
	for i, f := range new {
		news[i] = member{name: f.Name, ordinal: f.Ordinal, retired: f.Retired, index: i}
		if gf, has := fc.goField(f.Name); gf != nil && gf.Was != "" {
			news[i].was = gf.Was
			if has {
				news[i].was = "has" + upperFirst(gf.Was)
			}
		}
	}
	match(olds, news, matchEvents{
		same: func(o, n member) {
			of, nf := old[o.index], new[n.index]
			ot, nt := c.old.normalize(of.Type), c.new.normalize(nf.Type)
			if ot == nt && of.Default != nf.Default {
				c.report(fc.position(nf.Name), FieldDefaultChanged,
					"%s changed its default from %s to %s, and Cap'n Proto stores a value XOR its default, so old peers misread every value; keep the old default",
					fc.describe(nf.Name), defaultText(of.Default), defaultText(nf.Default))
				return
			}
			if ot == nt || unknownKind(ot, nt) || c.listUpgrade(ot, nt) {
				return
			}
			oldType, newType := of.Type, nf.Type
			if kindPrefixes.Replace(ot) == kindPrefixes.Replace(nt) { // the same name, another kind of declaration
				oldType, newType = c.old.display(oldType), c.new.display(newType)
			}
			c.report(fc.position(nf.Name), FieldTypeChanged,
				"%s changed its wire type from %s to %s, so old peers misread it; keep the old type, or give the new type a new name (the lock then retires the old %s and gives the new one a new ordinal)",
				fc.describe(nf.Name), oldType, newType, fc.kind)
		},
		removed: func(o member, holder *member) {
			c.report(fc.ownerPos, FieldRemoved,
				"%s %s @%d of %s was removed without a retired placeholder (%s), so old peers' values land elsewhere; regenerate with the committed schema in place (the lock then keeps @%d retired), or keep the %s",
				fc.kind, o.name, o.ordinal, fc.owner, slotNow(holder, o.ordinal, fc.kind, fc.owner), o.ordinal, fc.kind)
		},
		moved: func(o, n member) {
			c.report(fc.position(n.name), FieldOrdinalChanged,
				"%s moved from @%d to @%d, so old peers' values land in another %s; regenerate with the committed schema in place, which keeps @%d",
				fc.describe(n.name), o.ordinal, n.ordinal, fc.kind, o.ordinal)
		},
		renamed: func(o, n member) {
			c.report(fc.position(n.name), FieldRenamed,
				"%s took @%d, which was %s's, without was=%s, so old peers' %s lands in it; if it is %s renamed, add was=%s, otherwise regenerate with the committed schema in place to give it a new ordinal",
				fc.describe(n.name), o.ordinal, o.name, o.name, o.name, o.name, o.name)
		},
		reused: func(o, n member) {
			c.report(fc.position(n.name), FieldOrdinalReused,
				"%s reuses @%d, the retired placeholder %s; regenerate with the committed schema in place to give it a new ordinal",
				fc.describe(n.name), o.ordinal, o.name)
		},
		added: func(n member) {
			if !fc.newParams {
				return
			}
			gf, _ := fc.goField(n.name)
			if gf != nil && gf.Type != nil && gf.Type.Kind == annotate.KindOptional {
				return
			}
			c.report(fc.position(n.name), ParamAdded,
				"%s is new, so old callers do not send it and the method sees its zero value; make it a pointer (nil when not sent), or add a new method",
				fc.describe(n.name))
		},
	})
}

// listUpgrade reports whether a field of type old (normalized) may become
// new: List(T) to List(S) with S a struct of this schema whose field @0 has
// type T, T not Bool and not a struct, enum or interface.
func (c *comparer) listUpgrade(old, new string) bool {
	oe, ok := listElem(old)
	if !ok {
		return false
	}
	ne, ok := listElem(new)
	if !ok {
		return false
	}
	s := c.new.structByKey(ne)
	if s == nil || len(s.Fields) == 0 {
		return false
	}
	if _, ok := listElem(oe); !ok && !upgradable[oe] {
		return false
	}
	return c.new.normalize(s.Fields[0].Type) == oe
}

// upgradable lists the element types of lists Cap'n Proto can read as a
// list of structs whose field @0 has that type.
var upgradable = map[string]bool{
	"Int8": true, "Int16": true, "Int32": true, "Int64": true,
	"UInt8": true, "UInt16": true, "UInt32": true, "UInt64": true,
	"Float32": true, "Float64": true, "Text": true, "Data": true,
}

// slotNow describes what now holds the ordinal of a removed member.
func slotNow(holder *member, ordinal int, kind, owner string) string {
	if holder == nil {
		return fmt.Sprintf("%s has no @%d any more", owner, ordinal)
	}
	return fmt.Sprintf("@%d now holds %s %s", ordinal, kind, holder.name)
}

// defaultText spells a field's default for messages: "none" for no default.
func defaultText(d string) string {
	if d == "" {
		return "none"
	}
	return d
}
