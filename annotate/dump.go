package annotate

import (
	"fmt"
	"go/token"
	"path/filepath"
	"strings"
)

var kindNames = [...]string{
	KindInvalid:    "Invalid",
	KindBool:       "Bool",
	KindInt8:       "Int8",
	KindInt16:      "Int16",
	KindInt32:      "Int32",
	KindInt64:      "Int64",
	KindUint8:      "Uint8",
	KindUint16:     "Uint16",
	KindUint32:     "Uint32",
	KindUint64:     "Uint64",
	KindFloat32:    "Float32",
	KindFloat64:    "Float64",
	KindString:     "String",
	KindBytes:      "Bytes",
	KindByteArray:  "ByteArray",
	KindList:       "List",
	KindMap:        "Map",
	KindStruct:     "Struct",
	KindEnum:       "Enum",
	KindOptional:   "Optional",
	KindInterface:  "Interface",
	KindAnyPointer: "AnyPointer",
}

// String returns the name of the constant without its Kind prefix, e.g.
// "Optional".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// String returns "GoStruct", "MapEntry" or "OptionalBox".
func (k SyntheticKind) String() string {
	switch k {
	case GoStruct:
		return "GoStruct"
	case MapEntry:
		return "MapEntry"
	case OptionalBox:
		return "OptionalBox"
	}
	return fmt.Sprintf("SyntheticKind(%d)", int(k))
}

// String renders t for people: the Cap'n Proto type with the Go type it
// comes from where that says more, e.g. "List(Int64 as time.Duration)",
// "Int64 as int", "Optional(UInt32 in OptionalUInt32)",
// "Map(Text, Int64 in TextInt64Entry)". It is not a schema.
func (t *Type) String() string {
	if t == nil {
		return "<nil>"
	}
	if t.Hook != nil && t.Named != nil {
		return fmt.Sprintf("%s as %s.%s via %s", t.Hook.Wire, t.Named.Path, t.Named.Name, t.Hook.ToWire.Name)
	}
	var s string
	switch t.Kind {
	case KindByteArray:
		s = fmt.Sprintf("Data[%d]", t.Len)
	case KindList:
		if t.Len > 0 {
			s = fmt.Sprintf("List[%d](%s)", t.Len, t.Elem)
		} else {
			s = fmt.Sprintf("List(%s)", t.Elem)
		}
	case KindMap:
		entry := ""
		if t.Entry != nil {
			entry = " in " + t.Entry.Name
		}
		s = fmt.Sprintf("Map(%s, %s%s)", t.Key, t.Elem, entry)
	case KindOptional:
		box := ""
		if t.Box != nil {
			box = " in " + t.Box.Name
		}
		s = fmt.Sprintf("Optional(%s%s)", t.Elem, box)
	case KindStruct:
		if t.Struct != nil {
			return t.Struct.Name
		}
		s = "Struct"
	case KindEnum:
		if t.Enum != nil {
			return t.Enum.Name
		}
		s = "Enum"
	case KindInterface:
		if t.Interface != nil {
			return "Interface(" + t.Interface.Name + ")"
		}
		s = "Interface"
	case KindAnyPointer:
		s = "AnyPointer"
	default:
		s = fmt.Sprintf("Kind(%d)", t.Kind)
		if scalar, ok := ScalarOf(t.Kind); ok {
			s = scalar.Capnp
		}
	}
	switch {
	case t.Named != nil:
		s += " as " + t.Named.Path + "." + t.Named.Name
	case t.Basic == "int" || t.Basic == "uint":
		s += " as " + t.Basic
	}
	return s
}

// Dump renders the whole model for people, one declaration or member per
// line with its position (file base name only) and doc comment: the output
// of the parse stage, for debugging and golden tests. The format may
// change.
func (p *Package) Dump() string {
	var b strings.Builder
	w := func(indent int, format string, args ...any) {
		b.WriteString(strings.Repeat("  ", indent))
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	doc := func(indent int, text string) {
		if text == "" {
			return
		}
		for _, line := range strings.Split(text, "\n") {
			w(indent, "%s", strings.TrimSpace("# "+line))
		}
	}
	fields := func(indent int, kind string, fs []*Field) {
		for _, f := range fs {
			has := ""
			if f.HasWireName != "" {
				has = fmt.Sprintf(" (%s @%d)", f.HasWireName, f.HasOrdinal)
			}
			goName := ""
			if f.GoName != "" && f.GoName != f.WireName {
				goName = " go:" + f.GoName
			}
			if f.Was != "" {
				goName += " was=" + f.Was
			}
			if f.Retired {
				goName += " retired"
			}
			if f.WireOnly {
				goName += " wire-only"
			}
			if f.Default != "" {
				goName += " default=" + f.Default
			}
			if f.HasGoName != "" {
				goName += " hasGo=" + f.HasGoName
			}
			w(indent, "%s %s @%d :%s%s%s  %s", kind, f.WireName, f.Ordinal, f.Type, has, goName, shortPos(f.Pos))
			doc(indent+1, f.Doc)
		}
	}

	w(0, "package %s (%s) → %s (%s)", p.Path, p.Name, p.IPCPath, p.IPCName)
	if p.Dialect != "" || p.ID != 0 || p.SchemaImport != "" {
		w(1, "dialect=%q id=%#x schema=%q  %s", p.Dialect, p.ID, p.SchemaImport, shortPos(p.Pos))
	}
	for _, in := range p.Interfaces {
		id := ""
		if in.ID != 0 {
			id = fmt.Sprintf(" id=%#x", in.ID)
		}
		w(0, "interface %s%s  %s", in.Name, id, shortPos(in.Pos))
		doc(1, in.Doc)
		for _, m := range in.Methods {
			var flags []string
			if m.Context {
				flags = append(flags, "ctx")
			}
			if m.Error {
				flags = append(flags, "error")
			}
			if m.Was != "" {
				flags = append(flags, "was="+m.Was)
			}
			if m.Retired {
				flags = append(flags, "retired")
			}
			if m.Pinned {
				flags = append(flags, "pinned")
			}
			if m.NoContext {
				flags = append(flags, "noctx")
			}
			if m.WireOnly {
				flags = append(flags, "wire-only")
			}
			w(1, "method %s @%d go:%s [%s]  %s", m.WireName, m.Ordinal, m.Name, strings.Join(flags, " "), shortPos(m.Pos))
			doc(2, m.Doc)
			fields(2, "param", m.Params)
			fields(2, "result", m.Results)
		}
	}
	for _, s := range p.Structs {
		switch s.Synthetic {
		case MapEntry:
			w(0, "struct %s (map entry)", s.Name)
		case OptionalBox:
			w(0, "struct %s (optional box)", s.Name)
		default:
			id := ""
			if s.ID != 0 {
				id = fmt.Sprintf(" id=%#x", s.ID)
			}
			w(0, "struct %s%s go:%s.%s  %s", s.Name, id, s.GoType.Path, s.GoType.Name, shortPos(s.Pos))
		}
		doc(1, s.Doc)
		fields(1, "field", s.Fields)
	}
	for _, e := range p.Enums {
		id := ""
		if e.ID != 0 {
			id = fmt.Sprintf(" id=%#x", e.ID)
		}
		w(0, "enum %s%s go:%s.%s (%s)  %s", e.Name, id, e.GoType.Path, e.GoType.Name, e.Basic, shortPos(e.Pos))
		doc(1, e.Doc)
		for _, en := range e.Enumerants {
			w(1, "%s = %d go:%s  %s", en.WireName, en.Value, en.GoName, shortPos(en.Pos))
			doc(2, en.Doc)
		}
	}
	return b.String()
}

// shortPos renders pos with the file's base name only.
func shortPos(pos token.Position) string {
	if pos.Filename == "" && !pos.IsValid() {
		return "-"
	}
	pos.Filename = filepath.Base(pos.Filename)
	return pos.String()
}
