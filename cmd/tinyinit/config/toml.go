package config

// The config file's reader: TOML 1.0 (https://toml.io/en/v1.0.0) with
// TOML 1.1's escapes and inline tables (https://toml.io/en/v1.1.0), into a
// small tree of values that carry their line, which file.go then walks
// against the schema.
//
// Why not a TOML library: the one tinyinit used (go-toml) decodes through
// reflect and brings encoding/json and fmt with it, about 400 KB of a
// static binary that is resident in every container, for a file of a few
// lines. This reader, with file.go's walk, costs the binary about 70 KB, and
// uses nothing beyond strconv, strings, math and unicode/utf8.
//
// It reads all of TOML 1.0 that a config can hold, with TOML's rules for
// duplicate keys and tables, and what TOML 1.1 added to it that go-toml
// read (a config that used it worked with go-toml): the \e and \xHH
// escapes, and inline tables over several lines, with comments and a
// trailing comma. What the schema has no place for is refused with an error
// that says so ("... not supported in tinyinit's config"), never misread:
// dates and times (TOML 1.1's times without seconds too) and arrays of
// tables ([[x]]). A differential fuzz test (toml_fuzz_test.go) holds it to
// go-toml's reading of the same bytes.

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds on nesting, so that a hostile file cannot make pid 1 recurse or
// allocate without bound. The schema needs 1 level of arrays and inline
// tables and keys of 4 parts (commands.NAME.signals.TERM).
const (
	maxNesting  = 16 // arrays and inline tables inside one another
	maxKeyParts = 16 // parts of one dotted key or table header
)

// notSupported ends every error about valid TOML that tinyinit's config has
// no use for; the differential fuzz test recognises these by it.
const notSupported = " not supported in tinyinit's config"

// kind is a TOML value's type.
type kind uint8

const (
	kindString kind = iota
	kindInteger
	kindFloat
	kindBool
	kindArray
	kindTable
)

// String names the kind as errors show it: "want bool, not a TOML string".
func (k kind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindInteger:
		return "integer"
	case kindFloat:
		return "float"
	case kindBool:
		return "boolean"
	case kindArray:
		return "array"
	}
	return "table"
}

// origin is how a table came to exist, which decides what may still be
// added to it (TOML 1.0, "Table" and "Inline Table").
type origin uint8

const (
	implicit origin = iota // a parent named in a header ([a] of [a.b]): [a] may still define it
	header                 // defined by its own [header]
	dotted                 // made by a dotted key (a.b = 1): more dotted keys may add to it
	inline                 // written as { ... }: complete as written
)

// node is one value of the document; line is where it starts (for a table
// defined by a header, the header's line).
type node struct {
	kind   kind
	origin origin
	line   int
	str    string
	num    int64
	float  float64
	bool   bool
	list   []*node
	fields []field
	index  map[string]*node // built once a table has many fields, to stay linear
}

type field struct {
	name string
	val  *node
}

// indexAbove is the size from which a table looks its keys up in a map
// instead of a scan: configs have small tables, and a hostile one a huge one.
const indexAbove = 16

func (t *node) get(name string) *node {
	if t.index != nil {
		return t.index[name]
	}
	for _, f := range t.fields {
		if f.name == name {
			return f.val
		}
	}
	return nil
}

func (t *node) add(name string, v *node) {
	t.fields = append(t.fields, field{name, v})
	switch {
	case t.index != nil:
		t.index[name] = v
	case len(t.fields) > indexAbove:
		t.index = make(map[string]*node, 2*len(t.fields))
		for _, f := range t.fields {
			t.index[f.name] = f.val
		}
	}
}

// tomlError is a mistake in the document, at a line.
type tomlError struct {
	line int
	msg  string
}

func (e *tomlError) Error() string { return strconv.Itoa(e.line) + ": " + e.msg }

// reader holds the position in the document. The document is valid UTF-8
// (checked first), so only ASCII bytes need looking at one by one.
type reader struct {
	b    []byte
	i    int
	line int
}

// readTOML parses a whole document into its root table.
func readTOML(b []byte) (*node, error) {
	if !utf8.Valid(b) {
		return nil, invalidUTF8(b)
	}
	r := &reader{b: b, line: 1}
	root := &node{kind: kindTable, origin: header, line: 1}
	cur, section := root, (*keyPath)(nil)
	for {
		r.skipSpace()
		if r.eof() {
			return root, nil
		}
		switch r.b[r.i] {
		case '\n', '\r', '#':
			// An empty line or a comment: endOfLine below takes it.
		case '[':
			t, name, err := r.header(root)
			if err != nil {
				return nil, err
			}
			cur, section = t, name
		default:
			if err := r.keyValue(cur, section, 0); err != nil {
				return nil, err
			}
		}
		if err := r.endOfLine(); err != nil {
			return nil, err
		}
	}
}

func invalidUTF8(b []byte) error {
	line := 1
	for i := 0; i < len(b); {
		c, size := utf8.DecodeRune(b[i:])
		if c == utf8.RuneError && size <= 1 {
			break
		}
		if c == '\n' {
			line++
		}
		i += size
	}
	return &tomlError{line, "invalid UTF-8: TOML files are UTF-8 text"}
}

func (r *reader) eof() bool { return r.i >= len(r.b) }

func (r *reader) peek() byte {
	if r.eof() {
		return 0
	}
	return r.b[r.i]
}

// has reports whether s comes next (the conversion in the comparison does
// not copy the rest of the document).
func (r *reader) has(s string) bool {
	return len(r.b)-r.i >= len(s) && string(r.b[r.i:r.i+len(s)]) == s
}

func (r *reader) errorf(line int, msg string) error { return &tomlError{line, msg} }

func (r *reader) unsupported(line int, what string) error {
	return &tomlError{line, what + notSupported}
}

// unexpected says what was expected and what is there instead.
func (r *reader) unexpected(want string) error {
	got := "the end of the file"
	switch c, _ := utf8.DecodeRune(r.b[r.i:]); {
	case r.eof():
	case c == '\n' || c == '\r':
		got = "the end of the line"
	default:
		got = strconv.QuoteRune(c)
	}
	return r.errorf(r.line, "expected "+want+", not "+got)
}

func (r *reader) skipSpace() {
	for !r.eof() && (r.b[r.i] == ' ' || r.b[r.i] == '\t') {
		r.i++
	}
}

// newline consumes LF or CRLF, if one is next.
func (r *reader) newline() bool {
	switch {
	case r.peek() == '\n':
		r.i++
	case r.has("\r\n"):
		r.i += 2
	default:
		return false
	}
	r.line++
	return true
}

// endOfLine consumes what may end a line: spaces, a comment, the newline.
func (r *reader) endOfLine() error {
	r.skipSpace()
	if err := r.comment(); err != nil {
		return err
	}
	if r.eof() || r.newline() {
		return nil
	}
	if r.peek() == '\r' {
		return r.errorf(r.line, "a carriage return must be followed by a newline")
	}
	return r.unexpected("the end of the line")
}

// comment skips a comment, if one is next, up to its newline.
func (r *reader) comment() error {
	if r.peek() != '#' {
		return nil
	}
	for r.i++; !r.eof(); r.i++ {
		c := r.b[r.i]
		if c == '\n' || r.has("\r\n") {
			return nil
		}
		if isControl(c) {
			return r.errorf(r.line, "control character "+quoteByte(c)+" in a comment")
		}
	}
	return nil
}

// skipBlank skips what may separate the values of an array or the pairs
// of an inline table: spaces, newlines and comments.
func (r *reader) skipBlank() error {
	for {
		r.skipSpace()
		if err := r.comment(); err != nil {
			return err
		}
		if !r.newline() {
			return nil
		}
	}
}

// isControl: the control characters TOML allows in no string or comment
// (tab is allowed; newlines are handled by the caller).
func isControl(c byte) bool { return c < 0x20 && c != '\t' || c == 0x7f }

func quoteByte(c byte) string { return strconv.QuoteRune(rune(c)) }

func isBare(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// key reads a key: bare or quoted parts, joined by dots.
func (r *reader) key() ([]string, error) {
	var parts []string
	for {
		r.skipSpace()
		var part string
		var err error
		switch c := r.peek(); {
		case c == '"':
			part, err = r.basicString()
		case c == '\'':
			part, err = r.literalString()
		case isBare(c):
			start := r.i
			for !r.eof() && isBare(r.b[r.i]) {
				r.i++
			}
			part = string(r.b[start:r.i])
		default:
			err = r.unexpected("a key")
		}
		if err != nil {
			return nil, err
		}
		if len(parts) == maxKeyParts {
			return nil, r.unsupported(r.line, "keys of more than "+strconv.Itoa(maxKeyParts)+" parts are")
		}
		parts = append(parts, part)
		r.skipSpace()
		if r.peek() != '.' {
			return parts, nil
		}
		r.i++
	}
}

// keyPath is the key of a table, for errors: its parts inside the table
// up (nil for the root). Only an error renders it, so that a long key
// costs its length once, not once for each value under it.
type keyPath struct {
	up    *keyPath
	parts []string
}

// joinKey renders the key of parts inside the table prefix for an error
// message.
func joinKey(prefix *keyPath, parts []string) string {
	for ; prefix != nil; prefix = prefix.up {
		parts = append(prefix.parts[:len(prefix.parts):len(prefix.parts)], parts...)
	}
	return oneLine(strings.Join(parts, "."))
}

// header reads a [table] header and returns the table it defines.
func (r *reader) header(root *node) (*node, *keyPath, error) {
	line := r.line
	r.i++
	if r.peek() == '[' {
		return nil, nil, r.unsupported(line, "arrays of tables ([[...]]) are")
	}
	path, err := r.key()
	if err != nil {
		return nil, nil, err
	}
	if r.peek() != ']' {
		return nil, nil, r.unexpected("']' to close the table header")
	}
	r.i++
	t := root
	for n, name := range path {
		last := n == len(path)-1
		child := t.get(name)
		switch {
		case child == nil:
			child = &node{kind: kindTable, origin: implicit, line: line}
			if last {
				child.origin = header
			}
			t.add(name, child)
		case child.kind != kindTable:
			return nil, nil, r.errorf(line, joinKey(nil, path[:n+1])+": already a value (line "+strconv.Itoa(child.line)+"), not a table")
		case child.origin == inline:
			return nil, nil, r.errorf(line, joinKey(nil, path[:n+1])+": an inline table (line "+strconv.Itoa(child.line)+") cannot be added to")
		case last && child.origin == implicit:
			child.origin, child.line = header, line
		case last:
			return nil, nil, r.errorf(line, joinKey(nil, path)+": table already defined (line "+strconv.Itoa(child.line)+")")
		}
		t = child
	}
	return t, &keyPath{parts: path}, nil
}

// keyValue reads key = value into t; prefix is t's key, for errors.
func (r *reader) keyValue(t *node, prefix *keyPath, depth int) error {
	line := r.line
	path, err := r.key()
	if err != nil {
		return err
	}
	if r.peek() != '=' {
		return r.unexpected("'=' after the key")
	}
	r.i++
	r.skipSpace()
	v, err := r.value(prefix, path, depth)
	if err != nil {
		return err
	}
	// A dotted key goes through (or makes) tables, which must be ones
	// that dotted keys made: TOML forbids adding to a table defined
	// elsewhere this way.
	for n, name := range path[:len(path)-1] {
		child := t.get(name)
		switch {
		case child == nil:
			child = &node{kind: kindTable, origin: dotted, line: line}
			t.add(name, child)
		case child.kind != kindTable:
			return r.errorf(line, joinKey(prefix, path[:n+1])+": already a value (line "+strconv.Itoa(child.line)+"), not a table")
		case child.origin != dotted:
			return r.errorf(line, joinKey(prefix, path[:n+1])+": a table defined at line "+strconv.Itoa(child.line)+" cannot be added to by a dotted key")
		}
		t = child
	}
	name := path[len(path)-1]
	if old := t.get(name); old != nil {
		return r.errorf(line, joinKey(prefix, path)+": defined twice (first at line "+strconv.Itoa(old.line)+")")
	}
	t.add(name, v)
	return nil
}

// value reads the value of the key prefix.path.
func (r *reader) value(prefix *keyPath, path []string, depth int) (*node, error) {
	v := &node{kind: kindString, line: r.line} // the kind, unless a case below says otherwise
	var err error
	switch c := r.peek(); {
	case r.has(`"""`):
		v.str, err = r.multilineBasicString()
	case c == '"':
		v.str, err = r.basicString()
	case r.has(`'''`):
		v.str, err = r.multilineLiteralString()
	case c == '\'':
		v.str, err = r.literalString()
	case c == '[':
		return r.array(prefix, path, depth+1)
	case c == '{':
		return r.inlineTable(&keyPath{prefix, path}, depth+1)
	case r.has("true"):
		r.i += len("true")
		v.kind, v.bool = kindBool, true
	case r.has("false"):
		r.i += len("false")
		v.kind = kindBool
	case c == '+' || c == '-' || c == 'i' || c == 'n' || isDigit(c):
		err = r.number(v, prefix, path)
	default:
		err = r.unexpected("a value")
	}
	return v, err
}

// array reads [ v, v, ... ]: over lines, with comments, a trailing comma.
func (r *reader) array(prefix *keyPath, path []string, depth int) (*node, error) {
	line := r.line
	if depth > maxNesting {
		return nil, r.unsupported(line, "arrays and inline tables nested more than "+strconv.Itoa(maxNesting)+" deep are")
	}
	r.i++
	a := &node{kind: kindArray, line: line}
	for {
		if err := r.skipBlank(); err != nil {
			return nil, err
		}
		if r.peek() == ']' {
			r.i++
			return a, nil
		}
		v, err := r.value(prefix, path, depth)
		if err != nil {
			return nil, err
		}
		a.list = append(a.list, v)
		if err := r.skipBlank(); err != nil {
			return nil, err
		}
		switch r.peek() {
		case ',':
			r.i++
		case ']':
			r.i++
			return a, nil
		default:
			return nil, r.unexpected("',' or ']' in the array of line " + strconv.Itoa(line))
		}
	}
}

// inlineTable reads { k = v, ... }: as TOML 1.1 allows (and go-toml did),
// over lines, with comments, and with a comma after the last pair; as in
// TOML 1.0, a comma only after a pair ({,} and {a = 1,,} are errors) and
// no newline inside a pair but inside its value, such as an array.
func (r *reader) inlineTable(prefix *keyPath, depth int) (*node, error) {
	line := r.line
	if depth > maxNesting {
		return nil, r.unsupported(line, "arrays and inline tables nested more than "+strconv.Itoa(maxNesting)+" deep are")
	}
	r.i++
	t := &node{kind: kindTable, origin: inline, line: line}
	for {
		if err := r.skipBlank(); err != nil {
			return nil, err
		}
		if r.peek() == '}' {
			r.i++
			return t, nil
		}
		if err := r.keyValue(t, prefix, depth); err != nil {
			return nil, err
		}
		if err := r.skipBlank(); err != nil {
			return nil, err
		}
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return t, nil
		default:
			where := "the inline table"
			if r.line != line {
				// A brace left open is seen lines later: say which.
				where += " of line " + strconv.Itoa(line)
			}
			return nil, r.unexpected("',' or '}' in " + where)
		}
	}
}

// number reads the integer or float of the key prefix.path, refusing dates
// and times.
func (r *reader) number(v *node, prefix *keyPath, path []string) error {
	b := r.b[r.i:]
	if len(b) >= 3 && isDigit(b[0]) && isDigit(b[1]) && b[2] == ':' ||
		len(b) >= 5 && isDigit(b[0]) && isDigit(b[1]) && isDigit(b[2]) && isDigit(b[3]) && b[4] == '-' {
		return r.unsupported(r.line, joinKey(prefix, path)+": dates and times are")
	}
	start := r.i
	for !r.eof() && (isBare(r.b[r.i]) || r.b[r.i] == '.' || r.b[r.i] == '+') {
		r.i++
	}
	tok := string(r.b[start:r.i])
	k, n, f, msg := parseNumber(tok)
	if msg != "" {
		// The token is ASCII letters, digits and punctuation: safe to show.
		return r.errorf(r.line, joinKey(prefix, path)+": "+tok+" "+msg)
	}
	v.kind, v.num, v.float = k, n, f
	return nil
}

// parseNumber reads a TOML integer or float; msg says what is wrong
// ("is not a TOML number").
func parseNumber(tok string) (k kind, n int64, f float64, msg string) {
	s, sign := tok, ""
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s, sign = s[1:], s[:1]
	}
	switch s {
	case "inf":
		if sign == "-" {
			return kindFloat, 0, math.Inf(-1), ""
		}
		return kindFloat, 0, math.Inf(1), ""
	case "nan":
		return kindFloat, 0, math.NaN(), ""
	}
	if base := radix(s); base != 0 {
		if sign != "" {
			return 0, 0, 0, "has a sign, which a hexadecimal, octal or binary integer cannot have"
		}
		digits, ok := cleanDigits(s[2:], base)
		if !ok {
			return 0, 0, 0, "is not a TOML number"
		}
		n, err := strconv.ParseInt(digits, base, 64)
		if err != nil {
			return 0, 0, 0, "is out of range for a 64-bit integer"
		}
		return kindInteger, n, 0, ""
	}
	// Decimal: an integer part without leading zeros, then an optional
	// fraction and exponent, each part digits with single underscores
	// between them.
	intPart, rest := s, ""
	if i := strings.IndexAny(s, ".eE"); i >= 0 {
		intPart, rest = s[:i], s[i:]
	}
	clean, ok := cleanDigits(intPart, 10)
	if !ok {
		return 0, 0, 0, "is not a TOML number"
	}
	if len(clean) > 1 && clean[0] == '0' {
		return 0, 0, 0, "has a leading zero, which TOML does not allow"
	}
	clean = sign + clean
	if rest == "" {
		n, err := strconv.ParseInt(clean, 10, 64)
		if err != nil {
			return 0, 0, 0, "is out of range for a 64-bit integer"
		}
		return kindInteger, n, 0, ""
	}
	if frac, ok := strings.CutPrefix(rest, "."); ok {
		exp := ""
		if i := strings.IndexAny(frac, "eE"); i >= 0 {
			frac, exp = frac[:i], frac[i:]
		}
		d, ok := cleanDigits(frac, 10)
		if !ok {
			return 0, 0, 0, "is not a TOML number"
		}
		clean += "." + d
		rest = exp
	}
	if rest != "" {
		e := rest[1:]
		expSign := ""
		if e != "" && (e[0] == '+' || e[0] == '-') {
			e, expSign = e[1:], e[:1]
		}
		d, ok := cleanDigits(e, 10)
		if !ok {
			return 0, 0, 0, "is not a TOML number"
		}
		clean += "e" + expSign + d
	}
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil {
		return 0, 0, 0, "is out of range for a 64-bit float"
	}
	return kindFloat, 0, f, ""
}

// radix returns the base of a 0x, 0o or 0b integer, or 0.
func radix(s string) int {
	if len(s) < 2 || s[0] != '0' {
		return 0
	}
	switch s[1] {
	case 'x':
		return 16
	case 'o':
		return 8
	case 'b':
		return 2
	}
	return 0
}

// cleanDigits checks that s is digits of base with single underscores
// between digits, and returns it without them.
func cleanDigits(s string, base int) (string, bool) {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		var ok bool
		switch {
		case c == '_':
			ok = true
		case base == 16:
			ok = isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
		default:
			ok = '0' <= c && int(c-'0') < base
		}
		if !ok {
			return "", false
		}
	}
	return strings.ReplaceAll(s, "_", ""), true
}

// basicString reads "...", with escapes, on one line.
func (r *reader) basicString() (string, error) {
	line := r.line
	r.i++
	var b strings.Builder
	for {
		if r.eof() {
			return "", r.errorf(line, "unterminated string")
		}
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return b.String(), nil
		case c == '\\':
			if err := r.escape(&b); err != nil {
				return "", err
			}
			continue
		case c == '\n' || c == '\r':
			return "", r.errorf(line, "unterminated string: a \"...\" string ends on its line (\"\"\"...\"\"\" may span lines)")
		case isControl(c):
			return "", r.errorf(line, "control character "+quoteByte(c)+" in a string: write it as an escape")
		}
		b.WriteByte(c)
		r.i++
	}
}

// multilineBasicString reads """...""": escapes, newlines, and a backslash
// at the end of a line to join it to the next.
func (r *reader) multilineBasicString() (string, error) {
	line := r.line
	r.i += 3
	r.newline() // a newline right after the delimiter is not part of the string
	var b strings.Builder
	for {
		if r.eof() {
			return "", r.errorf(line, `unterminated """ string`)
		}
		c := r.b[r.i]
		switch {
		case c == '"':
			if done, err := r.closeQuotes('"', &b); done || err != nil {
				return b.String(), err
			}
			continue
		case c == '\\' && r.i+1 < len(r.b) && (r.b[r.i+1] == ' ' || r.b[r.i+1] == '\t' || r.b[r.i+1] == '\n' || r.b[r.i+1] == '\r'):
			if err := r.lineEndingBackslash(); err != nil {
				return "", err
			}
			continue
		case c == '\\':
			if err := r.escape(&b); err != nil {
				return "", err
			}
			continue
		case c == '\n' || c == '\r':
			if err := r.stringNewline(&b); err != nil {
				return "", err
			}
			continue
		case isControl(c):
			return "", r.errorf(r.line, "control character "+quoteByte(c)+" in a string: write it as an escape")
		}
		b.WriteByte(c)
		r.i++
	}
}

// closeQuotes looks at a run of quotes inside a multi-line string: three
// end it, and one or two more before those belong to the string. It
// reports whether the string ended; more than five is an error.
func (r *reader) closeQuotes(q byte, b *strings.Builder) (bool, error) {
	start := r.i
	for !r.eof() && r.b[r.i] == q {
		r.i++
	}
	n := r.i - start
	switch {
	case n < 3:
		b.Write(r.b[start:r.i])
		return false, nil
	case n > 5:
		return true, r.errorf(r.line, "too many quotes: at most 2 may come right before the closing "+string(r.b[start:start+3]))
	}
	b.Write(r.b[start : r.i-3])
	return true, nil
}

// stringNewline copies a newline (LF or CRLF, as written) into a
// multi-line string.
func (r *reader) stringNewline(b *strings.Builder) error {
	start := r.i
	if !r.newline() {
		return r.errorf(r.line, "a carriage return must be followed by a newline")
	}
	b.Write(r.b[start:r.i])
	return nil
}

// lineEndingBackslash skips a backslash that ends a line, and all the
// spaces and newlines after it.
func (r *reader) lineEndingBackslash() error {
	r.i++
	r.skipSpace()
	if !r.newline() {
		return r.errorf(r.line, `a backslash followed by spaces must end the line`)
	}
	for {
		r.skipSpace()
		if !r.newline() {
			return nil
		}
	}
}

// escape reads one escape sequence of a basic string into b.
func (r *reader) escape(b *strings.Builder) error {
	r.i++
	if r.eof() {
		return r.errorf(r.line, "unterminated string")
	}
	c := r.b[r.i]
	r.i++
	switch c {
	case 'b':
		b.WriteByte('\b')
	case 't':
		b.WriteByte('\t')
	case 'n':
		b.WriteByte('\n')
	case 'f':
		b.WriteByte('\f')
	case 'r':
		b.WriteByte('\r')
	case 'e': // TOML 1.1
		b.WriteByte(0x1b)
	case '"', '\\':
		b.WriteByte(c)
	case 'x', 'u', 'U':
		size := 8
		switch c {
		case 'x': // TOML 1.1: U+0000 to U+00FF, as UTF-8 like every escape
			size = 2
		case 'u':
			size = 4
		}
		hex := string(r.b[r.i:min(r.i+size, len(r.b))])
		n, err := strconv.ParseUint(hex, 16, 32)
		if len(hex) != size || err != nil {
			return r.errorf(r.line, `\`+string(c)+" needs "+strconv.Itoa(size)+" hexadecimal digits")
		}
		if n > utf8.MaxRune || 0xd800 <= n && n <= 0xdfff {
			return r.errorf(r.line, `\`+string(c)+hex+" is not a Unicode scalar value")
		}
		r.i += size
		b.WriteRune(rune(n))
	default:
		what := `\` + string(c)
		if c <= ' ' || c >= 0x7f {
			cr, _ := utf8.DecodeRune(r.b[r.i-1:])
			what = `\ followed by ` + strconv.QuoteRune(cr)
		}
		return r.errorf(r.line, "invalid escape "+what+` (TOML has \b \t \n \f \r \e \" \\ \xHH \uXXXX \UXXXXXXXX)`)
	}
	return nil
}

// literalString reads '...': no escapes, one line.
func (r *reader) literalString() (string, error) {
	line := r.line
	r.i++
	start := r.i
	for ; !r.eof(); r.i++ {
		switch c := r.b[r.i]; {
		case c == '\'':
			r.i++
			return string(r.b[start : r.i-1]), nil
		case c == '\n' || c == '\r':
			return "", r.errorf(line, "unterminated string: a '...' string ends on its line ('''...''' may span lines)")
		case isControl(c):
			return "", r.errorf(line, "control character "+quoteByte(c)+" in a string")
		}
	}
	return "", r.errorf(line, "unterminated string")
}

// multilineLiteralString reads a multi-line literal string: no escapes.
func (r *reader) multilineLiteralString() (string, error) {
	line := r.line
	r.i += 3
	r.newline()
	var b strings.Builder
	for {
		if r.eof() {
			return "", r.errorf(line, "unterminated ''' string")
		}
		c := r.b[r.i]
		switch {
		case c == '\'':
			if done, err := r.closeQuotes('\'', &b); done || err != nil {
				return b.String(), err
			}
			continue
		case c == '\n' || c == '\r':
			if err := r.stringNewline(&b); err != nil {
				return "", err
			}
			continue
		case isControl(c):
			return "", r.errorf(r.line, "control character "+quoteByte(c)+" in a string")
		}
		b.WriteByte(c)
		r.i++
	}
}

// oneLine escapes the control characters in a message as Go and TOML
// write them (\n, \x01): a quoted key, and so a command's name, may hold
// a newline, and tinyinit's errors are one line.
func oneLine(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			if b.Len() == 0 {
				b.WriteString(s[:i])
			}
			q := quoteByte(c)
			b.WriteString(q[1 : len(q)-1])
		} else if b.Len() > 0 {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}
