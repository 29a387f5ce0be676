package schema

import (
	"crypto/md5"
	"encoding/binary"

	"github.com/ifacegen/ifacegen/annotate"
)

// idHighBit is set in every Cap'n Proto ID; the compiler rejects IDs without it.
const idHighBit = 1 << 63

// FileID is the capnp file ID of the schema generated for pkg: the first 8
// bytes of MD5(pkg.IPCPath), read big-endian, with the high bit set. The
// output import path is the file's identity, so moving a package changes the
// file ID (and the IDs derived from it); pin interface IDs with
// //ipc:interface id=… to keep them across a move.
//
// A file ID pinned with //ipc:package id=… (Package.ID) is used as is.
func FileID(pkg *annotate.Package) uint64 {
	if pkg.ID != 0 {
		return pkg.ID
	}
	sum := md5.Sum([]byte(pkg.IPCPath))
	return binary.BigEndian.Uint64(sum[:8]) | idHighBit
}

// ChildID is the ID the capnp compiler gives a declaration named name nested
// directly in the scope parent (a file, struct or interface) when the schema
// gives it none: the first 8 bytes of MD5(parent as 8 little-endian bytes ‖
// name), read big-endian, with the high bit set.
func ChildID(parent uint64, name string) uint64 {
	h := md5.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], parent)
	h.Write(b[:])
	h.Write([]byte(name))
	sum := h.Sum(nil)
	return binary.BigEndian.Uint64(sum[:8]) | idHighBit
}

// MethodStructID is the ID the capnp compiler gives the implicit $Params
// (results == false) or $Results struct of the method with the given ordinal
// in the interface with ID iface: the first 8 bytes of MD5(iface as 8
// little-endian bytes ‖ ordinal as 2 little-endian bytes ‖ one byte, 0 for
// params and 1 for results), read big-endian, with the high bit set.
func MethodStructID(iface uint64, ordinal uint16, results bool) uint64 {
	var b [11]byte
	binary.LittleEndian.PutUint64(b[:8], iface)
	binary.LittleEndian.PutUint16(b[8:10], ordinal)
	if results {
		b[10] = 1
	}
	sum := md5.Sum(b[:])
	return binary.BigEndian.Uint64(sum[:8]) | idHighBit
}

// InterfaceID is the capnp type ID of in, declared in pkg's schema: the
// pinned in.ID when set, else ChildID(FileID(pkg), in.Name).
func InterfaceID(pkg *annotate.Package, in *annotate.Interface) uint64 {
	if in.ID != 0 {
		return in.ID
	}
	return ChildID(FileID(pkg), in.Name)
}

// StructID is the capnp type ID of the top-level struct s of pkg's schema:
// the pinned s.ID when set, else ChildID(FileID(pkg), s.Name).
func StructID(pkg *annotate.Package, s *annotate.Struct) uint64 {
	if s.ID != 0 {
		return s.ID
	}
	return ChildID(FileID(pkg), s.Name)
}

// EnumID is the capnp type ID of the enum e of pkg's schema: the pinned
// e.ID when set, else ChildID(FileID(pkg), e.Name).
func EnumID(pkg *annotate.Package, e *annotate.Enum) uint64 {
	if e.ID != 0 {
		return e.ID
	}
	return ChildID(FileID(pkg), e.Name)
}
