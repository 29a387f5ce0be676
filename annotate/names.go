package annotate

import (
	"strings"
	"unicode"
)

// lowerCamel returns the Cap'n Proto member name for the Go identifier name:
// the leading run of upper-case letters is lowered, except that its last
// letter stays upper when a lower-case letter follows it (it starts the next
// word), and every underscore is dropped with the letter after it
// upper-cased:
//
//	IsTestChain → isTestChain    URLPath → urlPath    ID → id
//	GetURL → getURL              HTTPServer → httpServer
//	max_size → maxSize           _x → x
//
// The result is a valid member name only if validLowerCamel says so (Go
// allows non-ASCII letters and leading digits after underscores; Cap'n
// Proto does not).
func lowerCamel(name string) string {
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '_' })
	var b strings.Builder
	for i, p := range parts {
		if i == 0 {
			b.WriteString(lowerLeadingRun(p))
			continue
		}
		b.WriteString(upperFirst(p))
	}
	return b.String()
}

// MemberName returns the Cap'n Proto member name annotate gives a Go
// method, parameter, result or struct field called goName (without a
// struct tag): "IsTestChain" → "isTestChain", "URLPath" → "urlPath". The
// schema lock uses it to find the wire name of //ipc:method was=OldName.
func MemberName(goName string) string { return lowerCamel(goName) }

// lowerLeadingRun lowers the leading run of upper-case letters of s, keeping
// the last one upper when a lower-case letter follows the run.
func lowerLeadingRun(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	if n > 1 && n < len(r) && unicode.IsLower(r[n]) {
		n-- // the last upper-case letter starts the next word
	}
	for i := 0; i < n; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

// upperCamel returns the Cap'n Proto type name for the Go identifier name:
// underscores dropped, the first letter and every letter after an underscore
// upper-cased ("Block_ref" → "BlockRef", "mining" → "Mining").
func upperCamel(name string) string {
	var b strings.Builder
	for _, p := range strings.FieldsFunc(name, func(r rune) bool { return r == '_' }) {
		b.WriteString(upperFirst(p))
	}
	return b.String()
}

// upperFirst returns s with its first letter upper-cased.
func upperFirst(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// validLowerCamel reports whether s is a Cap'n Proto member name in the
// form the wire conventions require: an ASCII lower-case letter, then ASCII
// letters and digits.
func validLowerCamel(s string) bool {
	return s != "" && 'a' <= s[0] && s[0] <= 'z' && asciiAlnum(s[1:])
}

// validUpperCamel reports whether s is a Cap'n Proto type name in the form
// the wire conventions require: an ASCII upper-case letter, then ASCII
// letters and digits.
func validUpperCamel(s string) bool {
	return s != "" && 'A' <= s[0] && s[0] <= 'Z' && asciiAlnum(s[1:])
}

func asciiAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// reservedTypeNames are the top-level names a schema must not declare: the
// Cap'n Proto built-in types (a declaration of the same name silently
// shadows the built-in for the whole file, and "List" does not compile) and
// "Go", the name under which the schema imports go.capnp. A Go struct or
// enum type with one of these names gets its package name prefixed, like a
// name that two packages share.
var reservedTypeNames = map[string]bool{
	"Void": true, "Bool": true,
	"Int8": true, "Int16": true, "Int32": true, "Int64": true,
	"UInt8": true, "UInt16": true, "UInt32": true, "UInt64": true,
	"Float32": true, "Float64": true,
	"Text": true, "Data": true, "List": true,
	"AnyPointer": true, "AnyStruct": true, "AnyList": true, "Capability": true,
	"Go": true,
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// nearest returns the candidate closest to s by edit distance when it is
// close enough to be a plausible typo (two edits, or a third of the
// candidate's length for longer names), or "".
func nearest(s string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(s, c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > max(2, len(best)/3) {
		return ""
	}
	return best
}
