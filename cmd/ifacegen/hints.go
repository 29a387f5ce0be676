package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ifacegen/ifacegen/annotate"
	"github.com/ifacegen/ifacegen/gen"
	"github.com/ifacegen/ifacegen/gen/lock"
)

// A hint is a note on an edit that is safe on the wire but probably not
// what was meant. Hints go to stderr as "file:line:col: note: …" and never
// change the exit status: a method may really be removed while another of
// the same signature is added.

// methodHints compares the methods of old (the lock before this
// generation, or -breaking's baseline) with those of cur (generated now,
// with the lock applied) and returns a hint, at the Go method, for
//
//   - a new method with the parameter and result types of a method that
//     this edit removed (its ordinal is retired now), when no other new or
//     removed method has those types: probably a rename without was=;
//   - a new method named like the member a retired placeholder of old
//     kept: probably a removed method put back without was=.
//
// pkg is the current model, for positions and Go names; nil gives none.
func methodHints(pkg *annotate.Package, old, cur *lock.Schema) []*annotate.Error {
	if pkg == nil || old == nil || cur == nil {
		return nil
	}
	var hints []*annotate.Error
	for _, ci := range cur.Interfaces {
		oi := findInterface(old, ci.Name)
		gi := findGoInterface(pkg, ci.Name)
		if oi == nil || gi == nil {
			continue
		}
		olds := make([]lock.Member, len(oi.Methods))
		for i, m := range oi.Methods {
			olds[i] = lock.Member{Name: m.Name, Ordinal: m.Ordinal, Retired: m.Retired}
		}
		curs := make([]lock.Member, len(ci.Methods))
		for i, m := range ci.Methods {
			curs[i] = lock.Member{Name: m.Name, Ordinal: m.Ordinal, Retired: m.Retired}
			if gm := goMethod(gi, m.Name); gm != nil && gm.Was != "" {
				curs[i].Was = annotate.MemberName(gm.Was)
			}
		}
		matched := lock.Match(olds, curs)
		kept := make([]bool, len(oi.Methods))
		var added []*lock.Method
		for i, j := range matched {
			if j >= 0 {
				kept[j] = true
			} else if !ci.Methods[i].Retired {
				added = append(added, ci.Methods[i])
			}
		}
		var removed, retired []*lock.Method
		for j, m := range oi.Methods {
			switch {
			case kept[j]:
			case m.Retired:
				retired = append(retired, m)
			default:
				removed = append(removed, m)
			}
		}
		for _, a := range added {
			gm := goMethod(gi, a.Name)
			if gm == nil {
				continue
			}
			if r := uniqueSameSignature(a, added, removed); r != nil {
				was := upperFirst(r.Name)
				hints = append(hints, &annotate.Error{Pos: gm.Pos, Msg: fmt.Sprintf(
					"note: method %s.%s is new and has the parameters and results of %s, which is removed (its ordinal @%d is retired, and old callers of it get \"unimplemented\"); if %s is %s renamed, add //ipc:method was=%s and regenerate, which keeps @%d",
					gi.Name, gm.Name, was, r.Ordinal, gm.Name, was, was, r.Ordinal)})
				continue
			}
			for _, r := range retired {
				if lock.FormerName(r.Name, r.Ordinal) == a.Name {
					hints = append(hints, &annotate.Error{Pos: gm.Pos, Msg: fmt.Sprintf(
						"note: method %s.%s takes the new ordinal @%d, but @%d is the retired placeholder %s of a removed %s; if it is that method back, add //ipc:method was=%s to restore it onto @%d",
						gi.Name, gm.Name, a.Ordinal, r.Ordinal, r.Name, a.Name, r.Name, r.Ordinal)})
				}
			}
		}
	}
	return hints
}

// uniqueSameSignature returns the removed method with a's parameter and
// result types, when it is the only removed one with them and a is the
// only added one with them; nil otherwise.
func uniqueSameSignature(a *lock.Method, added, removed []*lock.Method) *lock.Method {
	var found *lock.Method
	for _, r := range removed {
		if sameSignature(a, r) {
			if found != nil {
				return nil
			}
			found = r
		}
	}
	if found == nil {
		return nil
	}
	for _, other := range added {
		if other != a && sameSignature(other, found) {
			return nil
		}
	}
	return found
}

func sameSignature(a, b *lock.Method) bool {
	types := func(fs []*lock.Field) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Type)
		}
		return out
	}
	return slices.Equal(types(a.Params), types(b.Params)) && slices.Equal(types(a.Results), types(b.Results))
}

func findInterface(s *lock.Schema, name string) *lock.Interface {
	for _, in := range s.Interfaces {
		if in.Name == name {
			return in
		}
	}
	return nil
}

func findGoInterface(pkg *annotate.Package, name string) *annotate.Interface {
	for _, in := range pkg.Interfaces {
		if in.Name == name {
			return in
		}
	}
	return nil
}

func goMethod(in *annotate.Interface, wire string) *annotate.Method {
	for _, m := range in.Methods {
		if !m.Retired && m.WireName == wire {
			return m
		}
	}
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// printNotes writes notes to w, one per line, file names relative to wd.
func printNotes(w io.Writer, wd string, notes []*annotate.Error) {
	slices.SortStableFunc(notes, func(a, b *annotate.Error) int {
		if c := strings.Compare(a.Pos.Filename, b.Pos.Filename); c != 0 {
			return c
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Column - b.Pos.Column
	})
	for _, n := range notes {
		pos := n.Pos
		pos.Filename = filepath.ToSlash(relative(wd, pos.Filename))
		fmt.Fprintf(w, "%s: %s\n", pos, n.Msg)
	}
}

// generationHints returns the method hints of every package in pkgs:
// locks are the locks the generation applied, outputs what it generated.
func generationHints(pkgs []*annotate.Package, locks gen.Locks, outputs []output) []*annotate.Error {
	var hints []*annotate.Error
	for i, pkg := range pkgs {
		l, ok := locks[pkg.Path]
		if !ok {
			continue
		}
		old, err := lock.Parse(l.Filename, l.Text)
		if err != nil {
			continue // generation reported it
		}
		for _, f := range outputs[i].files {
			if f.Name != pkg.Name+".capnp" {
				continue
			}
			cur, err := lock.Parse(f.Name, f.Data)
			if err != nil {
				continue
			}
			hints = append(hints, methodHints(pkg, old, cur)...)
		}
	}
	return hints
}
