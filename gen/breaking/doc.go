// Package breaking compares the schema a Go package generates now with a
// baseline schema (the one generated from an earlier version, typically the
// main branch) and reports every change that breaks peers built from the
// baseline, by Cap'n Proto's rules for evolving a protocol
// (https://capnproto.org/language.html#evolving-your-protocol), each at the
// Go source position a user has to edit.
//
// Cap'n Proto identifies an interface by its 64-bit ID, a method by its
// interface ID and ordinal (@n), and a struct field, parameter or result
// by its ordinal; names do not cross the wire. A change is safe when every
// old (ID, ordinal) still means what it meant: new methods, fields,
// parameters, results and enum values at new ordinals, renames that keep
// the ordinal (//ipc:method was=Old, struct tag `ipc:"name,was=old"`),
// reordering Go source (the schema lock keeps the ordinals), retiring a
// member (it becomes a Retired placeholder at its ordinal, which servers
// answer with "unimplemented"), and doc comment changes.
//
// # Rules
//
// Every finding names one of these rules. The names are stable: CI
// configurations may match on them. The field-… rules cover struct fields,
// method parameters and method results alike (in Cap'n Proto parameters and
// results are the fields of a method's implicit $Params and $Results
// structs); the message says which it is.
//
//	rule                   reported when                                                   at
//	interface-removed      a baseline interface is gone (matched by ID, then by name; a    the package clause
//	                       renamed interface without a pinned id= is removed + added)
//	interface-id-changed   an interface of the same name has another ID                    the interface
//	interface-base-removed an interface no longer extends a baseline base interface        the interface
//	method-removed         a method is gone and its ordinal holds no Retired placeholder   the interface
//	method-ordinal-changed a method (by name, or by was=) has another ordinal              the method
//	method-renamed         a method's ordinal now holds a method of a name the baseline    the method
//	                       did not have, without was= naming the old one (see below)
//	method-ordinal-reused  a baseline Retired placeholder's ordinal holds a new method     the method
//	field-removed          a field is gone and its ordinal holds no Retired placeholder    the method or struct
//	field-ordinal-changed  a field (by name, or by was=) has another ordinal               the field
//	field-renamed          like method-renamed, for a field                                the field
//	field-ordinal-reused   like method-ordinal-reused, for a field                         the field
//	field-type-changed     a field (by name, or by was=) has another wire type             the field
//	field-default-changed  a field (by name, or by was=) of the same type has another      the field
//	                       default value (//ipc:param … default=, ipc:",default=")
//	param-added            an existing method has a new parameter that is not optional     the parameter
//	struct-removed         a baseline struct is gone while a current schema refers to it   the package clause
//	enum-removed           a baseline enum is gone while a current schema refers to it     the package clause
//	enum-value-removed     an enum value is gone (or its value now belongs to another      the enum
//	                       baseline value)
//	enum-value-renumbered  an enum value (by name) has another value                       the enum value
//
// Decisions beyond Cap'n Proto's own rules:
//
//   - method-renamed and field-renamed: the wire would accept a rename
//     (names do not cross it), but the schema lock never produces one by
//     itself: without was= it retires the old member and gives the new one
//     a new ordinal. A new name at an old ordinal therefore means that the
//     schema was regenerated without its lock and the slot of a removed
//     member was reused, which Cap'n Proto forbids. With was= naming the
//     old member (the current model's Method.Was or Field.Was) it is a
//     rename, and not a finding. Members are paired by the rule the lock
//     numbers them with (gen/lock.Match), so the two cannot disagree.
//   - a removed member restored onto its retired placeholder (was= names
//     the placeholder, or the name it had) is not a finding: peers built
//     from the baseline do not call a retired member.
//   - a method that is gone while a new one with the same parameters and
//     results appears is safe on the wire (the old ordinal is retired), so
//     it is not a finding; cmd/ifacegen prints a note suggesting was=.
//   - param-added: old callers do not send a new parameter, so the Go
//     implementation sees its zero value and cannot tell it from a real
//     zero. That breaks old callers whenever the zero value means something
//     else, which ifacegen cannot know, so it is a finding unless the
//     parameter is optional (a Go pointer: nil says "not sent"). New
//     results and new struct fields are not findings (Cap'n Proto's rules
//     allow them, and readers of older peers see zero values there as for
//     any field that was not set).
//   - field-type-changed: any change of the wire type spelling is a finding
//     (import aliases resolved; a struct replaced by an interface or enum of
//     the same name is a change too), also for a member that moved, except the one upgrade Cap'n Proto allows
//     for lists: List(T), T a non-Bool scalar, a blob or a list, to
//     List(S) where S is a struct whose field @0 has type T. A renamed Go
//     struct or enum changes the type's name and is reported where it is
//     used; a struct or enum that nothing uses any more is not a finding
//     (hence struct-removed and enum-removed only when still referenced,
//     which happens across packages: another package's schema imports it).
//   - Enum values are the Go constants' values (annotate numbers them
//     0…n-1 in value order and the lock leaves them alone), so a renamed
//     constant with the same value is not a finding, and removing or
//     inserting a constant before others renumbers them.
//   - Struct IDs and enum IDs do not cross the wire and are not compared.
//
// # Example
//
// With the baseline
//
//	interface Greeter @0xd5b2c1a0f9e8d7c6 {
//	  greet @0 (name :Text) -> (result :Text);
//	  count @1 () -> (result :Int64);
//	}
//
// and a current schema generated without its lock after Count was deleted
// and greet's parameter became an int32
//
//	interface Greeter @0xd5b2c1a0f9e8d7c6 {
//	  greet @0 (name :Int32) -> (result :Text);
//	}
//
// Compare reports (see ExampleCompare; with the model, the positions are
// the Go parameter and the Go interface)
//
//	greet.go:1:1: field-type-changed: parameter name of method Greeter.greet changed its wire type from Text to Int32, …
//	greet.go:1:1: method-removed: method Greeter.count @1 was removed without a retired placeholder (the interface has no @1 any more), …
//
// cmd/ifacegen's -breaking flag runs Compare for the packages it is given,
// against a directory or a git revision, and prints the findings as text,
// JSON or GitHub Actions annotations.
package breaking
