package annotate

import (
	"cmp"
	"fmt"
	"go/token"
	"slices"
	"strconv"
	"strings"
)

// Error is one problem in the loaded source: a malformed or misplaced
// directive, a type that cannot cross a process boundary, or an error the Go
// tool chain reported. Pos.Filename is absolute, as go/packages reports it;
// Pos may lack a line (an error about a whole package) or be zero (an error
// from the go command that names no file).
type Error struct {
	Pos token.Position
	Msg string
}

// Error returns "file:line:col: msg", or as much of the position as is
// known followed by msg.
func (e *Error) Error() string {
	if e.Pos.Filename == "" && !e.Pos.IsValid() {
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// ErrorList is every problem Load found, sorted by position.
type ErrorList []*Error

// Error returns the problems, one per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// errorSink collects problems, dropping exact duplicates (the same Go error
// reached through two packages, the same bad struct used twice).
type errorSink struct {
	list ErrorList
	seen map[string]bool
}

// add records msg at pos.
func (s *errorSink) add(pos token.Position, msg string) {
	key := pos.String() + "\x00" + msg
	if s.seen[key] {
		return
	}
	if s.seen == nil {
		s.seen = make(map[string]bool)
	}
	s.seen[key] = true
	s.list = append(s.list, &Error{Pos: pos, Msg: msg})
}

// addf records a formatted message at pos.
func (s *errorSink) addf(pos token.Position, format string, args ...any) {
	s.add(pos, fmt.Sprintf(format, args...))
}

// addAll records every error of other.
func (s *errorSink) addAll(other *errorSink) {
	for _, e := range other.list {
		s.add(e.Pos, e.Msg)
	}
}

// sorted returns the problems sorted by file, line, column and message,
// or nil when there are none.
func (s *errorSink) sorted() ErrorList {
	if len(s.list) == 0 {
		return nil
	}
	l := slices.Clone(s.list)
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return l
}

// parsePosition parses a position as go/packages reports it in
// packages.Error.Pos: "file:line:col", "file:line", "file", "" or "-".
func parsePosition(s string) token.Position {
	if s == "" || s == "-" {
		return token.Position{}
	}
	var nums []int
	rest := s
	for len(nums) < 2 {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			break
		}
		n, err := strconv.Atoi(rest[i+1:])
		if err != nil {
			break
		}
		nums = append(nums, n)
		rest = rest[:i]
	}
	pos := token.Position{Filename: rest}
	switch len(nums) {
	case 1:
		pos.Line = nums[0]
	case 2:
		pos.Line, pos.Column = nums[1], nums[0]
	}
	return pos
}
