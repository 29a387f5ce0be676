// Package textbytes is a golden case: strings, byte slices and byte arrays
// cross the wire byte for byte, whatever they hold (invalid UTF-8, NUL
// bytes, a mebibyte), and a nil []byte stays nil while an empty one stays
// empty.
package textbytes

import "context"

// Hash is a named byte array: Data on the wire, its length checked on read.
type Hash [32]byte

// Name is a named string.
type Name string

// Blob is a named byte slice.
type Blob []byte

// Texts echoes text and bytes.
//
//ipc:interface
type Texts interface {
	// Echo returns its arguments unchanged.
	Echo(ctx context.Context, s string, b []byte, h [32]byte) (string, []byte, [32]byte, error)

	// EchoNamed returns its arguments unchanged.
	EchoNamed(ctx context.Context, n Name, b Blob, h Hash) (Name, Blob, Hash, error)

	// EchoRecord returns r unchanged.
	EchoRecord(ctx context.Context, r Record) (Record, error)

	// Len returns the length of s in bytes.
	Len(ctx context.Context, s string) (int, error)
}

// Record holds text and bytes as struct fields.
type Record struct {
	Text  string
	Data  []byte
	Hash  Hash
	Short [4]byte
	Name  Name
	Blob  Blob

	Names  []Name
	Blobs  []Blob
	Hashes []Hash
	ByName map[Name]Blob
	ByHash map[Hash]Name
}
