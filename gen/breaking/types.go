package breaking

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ifacegen/ifacegen/gen/lock"
)

// declarations indexes one schema's declarations, and resolves the type
// names it spells.
type declarations struct {
	self    string            // the import path of the schema itself
	imports map[string]string // alias → import path
	ifaces  map[string]*lock.Interface
	structs map[string]*lock.Struct
	enums   map[string]*lock.Enum

	// others are the schemas of the same version (baseline or current)
	// of the other packages compared, by import path: the kinds of the
	// declarations this one imports.
	others map[string]*declarations
}

// declaredAll indexes the Old (old == true) or New schemas of pkgs, each
// able to resolve the kinds of the others' declarations.
func declaredAll(pkgs []*Package, old bool) map[string]*declarations {
	all := make(map[string]*declarations)
	for _, p := range pkgs {
		s := p.New
		if old {
			s = p.Old
		}
		if s == nil {
			s = &lock.Schema{}
		}
		d := declared(s, p.SchemaImport)
		d.others = all
		all[p.SchemaImport] = d
	}
	return all
}

func declared(s *lock.Schema, self string) *declarations {
	d := &declarations{
		self:    self,
		imports: s.Imports,
		ifaces:  make(map[string]*lock.Interface),
		structs: make(map[string]*lock.Struct),
		enums:   make(map[string]*lock.Enum),
	}
	for _, in := range s.Interfaces {
		d.ifaces[in.Name] = in
	}
	for _, st := range s.Structs {
		d.structs[st.Name] = st
	}
	for _, e := range s.Enums {
		d.enums[e.Name] = e
	}
	return d
}

// builtins are the type names of the schema language itself.
var builtins = map[string]bool{
	"Void": true, "Bool": true,
	"Int8": true, "Int16": true, "Int32": true, "Int64": true,
	"UInt8": true, "UInt16": true, "UInt32": true, "UInt64": true,
	"Float32": true, "Float64": true, "Text": true, "Data": true,
	"AnyPointer": true, "AnyStruct": true, "AnyList": true, "Capability": true,
}

// qualifiedName is a declaration: the import path of the schema that
// declares it, and its name there.
type qualifiedName struct {
	schema string
	name   string
}

// resolve returns the declaration a type name (not a List) refers to;
// ok is false for a builtin.
func (d *declarations) resolve(name string) (q qualifiedName, ok bool) {
	if builtins[name] {
		return qualifiedName{}, false
	}
	if alias, member, dotted := strings.Cut(name, "."); dotted {
		if path, known := d.imports[alias]; known {
			return qualifiedName{path, member}, true
		}
		return qualifiedName{alias, member}, true // unresolvable: as spelled
	}
	return qualifiedName{d.self, name}, true
}

// normalize rewrites a type as the schema spells it so that two schemas'
// spellings compare equal exactly when they name the same type: names of
// declarations become "<import path>".Name.
func (d *declarations) normalize(t string) string {
	if elem, ok := listElem(t); ok {
		return "List(" + d.normalize(elem) + ")"
	}
	q, ok := d.resolve(t)
	if !ok {
		return t
	}
	return d.kind(q) + fmt.Sprintf("%q.%s", q.schema, q.name)
}

// display spells a type with the kind of each declaration of this schema
// it names: "List(struct Ref)".
func (d *declarations) display(t string) string {
	if elem, ok := listElem(t); ok {
		return "List(" + d.display(elem) + ")"
	}
	if q, ok := d.resolve(t); ok {
		return d.kind(q) + t
	}
	return t
}

// kind returns "struct ", "enum " or "interface " for a declaration of this
// schema or of another compared package's (so that a struct replaced by an
// interface of the same name is a change), "" when unknown.
func (d *declarations) kind(q qualifiedName) string {
	if q.schema != d.self {
		if o := d.others[q.schema]; o != nil && o != d {
			return o.kind(q)
		}
		return ""
	}
	switch {
	case d.structs[q.name] != nil:
		return "struct "
	case d.enums[q.name] != nil:
		return "enum "
	case d.ifaces[q.name] != nil:
		return "interface "
	}
	return ""
}

// interfaceKey identifies a base interface an interface extends: the ID of
// an interface of this schema (so that a rename that pins the ID keeps
// it), else the normalized name.
func (d *declarations) interfaceKey(name string) string {
	if in := d.ifaces[name]; in != nil {
		return fmt.Sprintf("@%#x", in.ID)
	}
	return d.normalize(name)
}

// structByKey returns the struct of this schema that a normalized type
// names, or nil.
func (d *declarations) structByKey(key string) *lock.Struct {
	prefix := fmt.Sprintf("struct %q.", d.self)
	name, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return nil
	}
	return d.structs[name]
}

// kindPrefixes are the prefixes normalize gives declarations of known kind.
var kindPrefixes = strings.NewReplacer("struct ", "", "enum ", "", "interface ", "")

// unknownKind reports whether two normalized types differ only in that
// one names a declaration whose kind is unknown (one that no compared
// schema declares, such as a type removed from another package, which is
// reported there): that is not a change of the type.
func unknownKind(a, b string) bool {
	return kindPrefixes.Replace(a) == kindPrefixes.Replace(b) && kinds(a) != kinds(b)
}

// kinds counts the kind prefixes in a normalized type.
func kinds(t string) int {
	return strings.Count(t, "struct ") + strings.Count(t, "enum ") + strings.Count(t, "interface ")
}

// listElem returns T of "List(T)".
func listElem(t string) (string, bool) {
	if strings.HasPrefix(t, "List(") && strings.HasSuffix(t, ")") {
		return t[len("List(") : len(t)-1], true
	}
	return "", false
}

// references returns, for every declaration that a current schema refers
// to, the packages whose schemas do (sorted, each once).
func references(pkgs []*Package) map[qualifiedName][]string {
	refs := make(map[qualifiedName][]string)
	for _, p := range pkgs {
		if p.New == nil {
			continue
		}
		d := declared(p.New, p.SchemaImport)
		var add func(t string)
		add = func(t string) {
			if elem, ok := listElem(t); ok {
				add(elem)
				return
			}
			if q, ok := d.resolve(t); ok && !slices.Contains(refs[q], p.Path) {
				refs[q] = append(refs[q], p.Path)
			}
		}
		for _, in := range p.New.Interfaces {
			for _, b := range in.Extends {
				add(b)
			}
			for _, m := range in.Methods {
				for _, f := range m.Params {
					add(f.Type)
				}
				for _, f := range m.Results {
					add(f.Type)
				}
			}
		}
		for _, s := range p.New.Structs {
			for _, f := range s.Fields {
				add(f.Type)
			}
		}
	}
	for _, users := range refs {
		slices.Sort(users)
	}
	return refs
}

// joinList joins package paths for a message: "a", "a and b", "a, b and c".
func joinList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// upperFirst upper-cases the first letter of an ASCII wire name: the Go
// name a method of that wire name usually has.
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
