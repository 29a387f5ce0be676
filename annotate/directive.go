package annotate

import (
	"fmt"
	"go/ast"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// The //ipc: directive names.
const (
	dirInterface = "interface"
	dirMethod    = "method"
	dirEnum      = "enum"
	dirConvert   = "convert"
	dirError     = "error"
	dirParam     = "param"
	dirResult    = "result"
	dirPackage   = "package"
	dirStruct    = "struct"
	dirRetired   = "retired"
)

// knownDirectives lists the directive names in the order messages list them.
var knownDirectives = []string{dirInterface, dirMethod, dirEnum, dirConvert, dirError, dirParam, dirResult, dirPackage, dirStruct, dirRetired}

// directiveKeys lists the key=value arguments each implemented directive
// takes.
var directiveKeys = map[string][]string{
	dirInterface: {"id"},
	dirMethod:    {"was", "ordinal"},
	dirEnum:      {"id"},
	dirParam:     {"was", "default"},
	dirResult:    {"was"},
	dirPackage:   {"dialect", "id", "schema"},
	dirStruct:    {"id"},
	dirRetired:   {"name", "ordinal"},
}

// directiveFlags lists the bare-word arguments (flags) each directive
// takes: //ipc:method noctx.
var directiveFlags = map[string][]string{
	dirMethod: {"noctx"},
}

// Dialects are the values of //ipc:package dialect=.
const Libmultiprocess = "libmultiprocess"

// namesTarget lists the directives whose first argument names what they
// apply to: //ipc:param <goName> was=…, //ipc:result <goName> was=….
var namesTarget = map[string]string{
	dirParam:  "parameter",
	dirResult: "result",
}

// notImplemented lists the directives that are recognised but belong to a
// later version.
var notImplemented = map[string]bool{}

// A directive is one well-formed-enough //ipc: line: its name is known and
// implemented. Bad arguments are reported when it is scanned and left out of
// args, so the declaration it marks is still checked.
type directive struct {
	name string
	pos  token.Position // of the "//"
	args map[string]directiveArg

	// target is the Go name a //ipc:param or //ipc:result names ("" when
	// it is missing or malformed, which was reported), at targetPos.
	target    string
	targetPos token.Position

	flags   map[string]token.Position // bare-word arguments (noctx), by name
	badArgs bool                      // an argument was reported as malformed

	placed bool // attached to a declaration it applies to, or reported as misplaced
}

// directiveArg is the value of one key=value argument.
type directiveArg struct {
	value string
	pos   token.Position // of the key
}

// String returns the directive as written, without arguments: "//ipc:method".
func (d *directive) String() string { return "//ipc:" + d.name }

// scanDirectives reads every comment of f. It returns the //ipc: directives
// by comment, and reports to errs unknown directives, not-yet-implemented
// ones, malformed arguments and near misses (comments that look like a
// directive but are not one). relevant reports whether f mentions ipc
// directives at all (a directive or a near miss).
func scanDirectives(fset *token.FileSet, f *ast.File, errs *errorSink) (dirs map[*ast.Comment]*directive, relevant bool) {
	dirs = make(map[*ast.Comment]*directive)
	for _, group := range f.Comments {
		for _, c := range group.List {
			d, found := scanComment(fset, c, errs)
			relevant = relevant || found
			if d != nil {
				dirs[c] = d
			}
		}
	}
	return dirs, relevant
}

// scanComment checks one comment. found reports whether it is an ipc
// directive or a near miss; d is the directive when it is one that marks a
// declaration.
func scanComment(fset *token.FileSet, c *ast.Comment, errs *errorSink) (d *directive, found bool) {
	pos := fset.Position(c.Slash)
	if strings.HasPrefix(c.Text, "/*") {
		body := strings.TrimSuffix(c.Text[2:], "*/")
		return nil, nearMiss(pos, "/*", body, errs)
	}
	pd, ok := ast.ParseDirective(c.Slash, c.Text)
	if !ok {
		return nil, nearMiss(pos, "//", c.Text[2:], errs)
	}
	if pd.Tool != "ipc" {
		return nil, false
	}
	if lower := strings.ToLower(pd.Name); lower != pd.Name && isKnown(lower) {
		errs.addf(pos, "%q is not a directive (directive names are lower case); write //ipc:%s", "//ipc:"+pd.Name, lower)
		return nil, true
	}
	if !isKnown(pd.Name) {
		if near := nearest(pd.Name, knownDirectives); near != "" {
			errs.addf(pos, "unknown directive //ipc:%s; did you mean //ipc:%s?", pd.Name, near)
		} else {
			errs.addf(pos, "unknown directive //ipc:%s; the directives are %s", pd.Name, directiveList())
		}
		return nil, true
	}
	if notImplemented[pd.Name] {
		errs.addf(pos, "//ipc:%s is not implemented yet; remove it", pd.Name)
		return nil, true
	}
	d = &directive{name: pd.Name, pos: pos, args: make(map[string]directiveArg), flags: make(map[string]token.Position)}
	before := len(errs.list)
	parseArgs(fset, &pd, d, errs)
	d.badArgs = len(errs.list) > before
	return d, true
}

// parseArgs fills d.args from the key=value arguments of pd, reporting
// positional arguments, unknown and duplicate keys and bad values.
func parseArgs(fset *token.FileSet, pd *ast.Directive, d *directive, errs *errorSink) {
	args, err := pd.ParseArgs()
	if err != nil {
		errs.addf(fset.Position(pd.ArgsPos), "%s: malformed arguments (an unterminated or unseparated quoted string); write key=value pairs separated by spaces", d)
		return
	}
	keys := directiveKeys[d.name]
	if what, ok := namesTarget[d.name]; ok {
		example := fmt.Sprintf("//ipc:%s opts was=oldName", d.name)
		switch {
		case len(args) == 0 || strings.Contains(args[0].Arg, "="):
			errs.addf(d.pos, "%s needs the Go name of the %s it renames first, e.g. %s", d, what, example)
			return
		case !token.IsIdentifier(args[0].Arg) || args[0].Arg == "_":
			errs.addf(fset.Position(args[0].Pos), "%s: %q is not the Go name of a %s; write e.g. %s", d, args[0].Arg, what, example)
			return
		}
		d.target, d.targetPos = args[0].Arg, fset.Position(args[0].Pos)
		args = args[1:]
		defer func() {
			if len(d.args) == 0 && len(args) == 0 {
				if d.name == dirParam {
					errs.addf(d.pos, "%s %s: missing was= or default=; write //ipc:%s %s was=oldName with the wire name the %s had, or //ipc:%s %s default=V", d, d.target, d.name, d.target, what, d.name, d.target)
					return
				}
				errs.addf(d.pos, "%s %s: missing was=; write //ipc:%s %s was=oldName with the wire name the %s had", d, d.target, d.name, d.target, what)
			}
		}()
	}
	for _, a := range args {
		pos := fset.Position(a.Pos)
		if len(keys) == 0 {
			errs.addf(pos, "%s takes no arguments; remove %q", d, a.Arg)
			continue
		}
		key, value, isPair := strings.Cut(a.Arg, "=")
		if !isPair && slices.Contains(directiveFlags[d.name], a.Arg) {
			if _, dup := d.flags[a.Arg]; dup {
				errs.addf(pos, "%s: duplicate %s; keep one", d, a.Arg)
			}
			d.flags[a.Arg] = pos
			continue
		}
		if !isPair {
			if flags := directiveFlags[d.name]; len(flags) > 0 {
				errs.addf(pos, "%s: unexpected argument %q; arguments are key=value (keys: %s) or the words %s", d, a.Arg, strings.Join(keys, ", "), strings.Join(flags, ", "))
				continue
			}
			errs.addf(pos, "%s: unexpected argument %q; arguments are key=value (keys: %s)", d, a.Arg, strings.Join(keys, ", "))
			continue
		}
		if !slices.Contains(keys, key) {
			errs.addf(pos, "%s: unknown key %q; the keys are: %s", d, key, strings.Join(keys, ", "))
			continue
		}
		if _, dup := d.args[key]; dup {
			errs.addf(pos, "%s: duplicate key %s; keep one", d, key)
			continue
		}
		if value == "" {
			errs.addf(pos, "%s: %s= needs a value, e.g. %s", d, key, argExample[key])
			continue
		}
		if msg := checkArg(d.name, key, value); msg != "" {
			errs.addf(pos, "%s: %s", d, msg)
			continue
		}
		d.args[key] = directiveArg{value: value, pos: pos}
	}
}

// retiredPlaceholder matches the wire name of a retired placeholder
// (see gen/lock): "<oldName>Retired<ordinal>".
var retiredPlaceholder = regexp.MustCompile(`^[a-z][A-Za-z0-9]*Retired[0-9]+$`)

// argExample shows a valid value for each key.
var argExample = map[string]string{
	"id":      "id=0xc2a8f3e1d0b4a697 (run `capnp id` for a fresh one)",
	"was":     "was=OldName",
	"ordinal": "ordinal=3",
	"dialect": "dialect=" + Libmultiprocess,
	"schema":  "schema=/mp/proxy.capnp",
	"name":    "name=makeMiningOld",
	"default": "default=true",
}

// checkArg validates the value of key of the directive named dir,
// returning what is wrong or "".
func checkArg(dir, key, value string) string {
	switch key {
	case "id":
		_, msg := parseID(value)
		return msg
	case "ordinal":
		if n, err := strconv.ParseUint(value, 10, 16); err != nil || strconv.FormatUint(n, 10) != value {
			return fmt.Sprintf("ordinal=%s is not a method ordinal; write a decimal number 0…65535, e.g. %s", value, argExample["ordinal"])
		}
	case "dialect":
		if value != Libmultiprocess {
			return fmt.Sprintf("unknown dialect %q; the only dialect is %s", value, Libmultiprocess)
		}
	case "schema":
		if !strings.HasPrefix(value, "/") || !strings.HasSuffix(value, ".capnp") || strings.ContainsAny(value, "\"\\ ") {
			return fmt.Sprintf("schema=%s is not a schema import path; write an absolute import path ending in .capnp, e.g. %s", value, argExample["schema"])
		}
	case "name":
		if !validLowerCamel(value) {
			return fmt.Sprintf("name=%s is not a wire name; write the retired method's wire name (a lower-case ASCII letter, then ASCII letters and digits), e.g. %s", value, argExample["name"])
		}
	case "was":
		if what, ok := namesTarget[dir]; ok {
			if !validLowerCamel(value) {
				return fmt.Sprintf("was=%s is not a wire name; write the wire name the %s had (a lower-case ASCII letter, then ASCII letters and digits), e.g. was=oldName", value, what)
			}
			return ""
		}
		// A retired placeholder may be named as the schema spells it
		// (was=unwatchRetired4): that restores the method onto its slot.
		if !token.IsIdentifier(value) || !token.IsExported(value) && !retiredPlaceholder.MatchString(value) {
			return fmt.Sprintf("was=%s is not an exported Go method name; write the method's previous name, e.g. %s, or the retired placeholder of a removed method, e.g. was=oldNameRetired4", value, argExample["was"])
		}
	}
	return ""
}

// parseID parses the value of id=: a 64-bit hexadecimal number with the
// high bit set, as Cap'n Proto requires of every ID.
func parseID(value string) (id uint64, msg string) {
	digits, ok := strings.CutPrefix(value, "0x")
	if !ok {
		return 0, fmt.Sprintf("id=%s must be hexadecimal with a 0x prefix, e.g. %s", value, argExample["id"])
	}
	id, err := strconv.ParseUint(digits, 16, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Sprintf("id=%s does not fit in 64 bits; use 16 hex digits, e.g. %s", value, argExample["id"])
		}
		return 0, fmt.Sprintf("id=%s is not a hexadecimal number; use e.g. %s", value, argExample["id"])
	}
	if id&(1<<63) == 0 {
		return 0, fmt.Sprintf("id=%s lacks the high bit Cap'n Proto requires of IDs (it must be at least 0x8000000000000000); use e.g. %s", value, argExample["id"])
	}
	return id, ""
}

// nearMiss reports a comment that looks like an //ipc: directive but is
// not one: a space after "//" or after "ipc:", upper case in "ipc" or the
// name, or a /* */ comment. open is "//" or "/*"; body is what follows it.
// It reports whether the comment is a near miss.
func nearMiss(pos token.Position, open, body string, errs *errorSink) bool {
	trimmed := strings.TrimLeftFunc(body, unicode.IsSpace)
	spaceBefore := len(trimmed) < len(body)
	if len(trimmed) < len("ipc:") || !strings.EqualFold(trimmed[:4], "ipc:") {
		return false
	}
	rest := trimmed[4:]
	afterColon := strings.TrimLeftFunc(rest, unicode.IsSpace)
	spaceAfter := len(afterColon) < len(rest)
	nameLen := strings.IndexFunc(afterColon, func(r rune) bool {
		return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
	})
	if nameLen < 0 {
		nameLen = len(afterColon)
	}
	name := afterColon[:nameLen]
	if name == "" || !unicode.IsLetter([]rune(name)[0]) {
		return false // "// ipc: the transport" is prose
	}
	lower := strings.ToLower(name)
	if spaceAfter && !isKnown(lower) {
		return false // "// ipc: describes …" is prose too
	}
	var reason string
	switch {
	case open == "/*":
		reason = "directives are // line comments"
	case spaceBefore:
		reason = "no space allowed after //"
	case spaceAfter:
		reason = "no space allowed after ipc:"
	default:
		reason = "directives are lower case"
	}
	written := open + body[:len(body)-len(afterColon)+nameLen]
	fix := lower
	if !isKnown(fix) {
		fix = nearest(lower, knownDirectives)
	}
	if fix == "" {
		errs.addf(pos, "%q is not a directive (%s); the directives are %s", written, reason, directiveList())
	} else {
		errs.addf(pos, "%q is not a directive (%s); write //ipc:%s", written, reason, fix)
	}
	return true
}

func isKnown(name string) bool { return slices.Contains(knownDirectives, name) }

func directiveList() string {
	names := make([]string, len(knownDirectives))
	for i, n := range knownDirectives {
		names[i] = "//ipc:" + n
	}
	return strings.Join(names, ", ")
}
