package config

import (
	"math"
	"runtime"
	"strings"
	"testing"
	"time"
)

type m = map[string]any
type l = []any

// TestReadTOML: every construct the reader accepts, with the values it
// reads (as go-toml decodes them into a map, which FuzzTOML compares).
func TestReadTOML(t *testing.T) {
	cases := []struct {
		name, in string
		want     m
	}{
		{"empty", "", m{}},
		{"blank lines and comments", "\n  \t\n# a comment\n   # indented, with \t tab and é\n", m{}},
		{"trailing comment", "a = 1 # one\n", m{"a": int64(1)}},
		{"no final newline", "a = 1", m{"a": int64(1)}},
		{"CRLF", "a = 1\r\n[t]\r\nb = 2\r\n", m{"a": int64(1), "t": m{"b": int64(2)}}},

		{"bare keys", "A-z_0 = 1\n1234 = 2\n-_- = 3\ntrue = 4\n", m{"A-z_0": int64(1), "1234": int64(2), "-_-": int64(3), "true": int64(4)}},
		{"quoted keys", "\"a b\" = 1\n'c.d' = 2\n\"\" = 3\n\"\\u00e9\" = 4\n", m{"a b": int64(1), "c.d": int64(2), "": int64(3), "é": int64(4)}},
		{"dotted keys", "a.b.c = 1\na . b . d = 2\na.\"x.y\".'z' = 3\n", m{"a": m{"b": m{"c": int64(1), "d": int64(2)}, "x.y": m{"z": int64(3)}}}},
		{"number-like dotted key", "1.2 = 3\n", m{"1": m{"2": int64(3)}}},

		{"table", "[t]\na = 1\n", m{"t": m{"a": int64(1)}}},
		{"empty table", "[t]\n", m{"t": m{}}},
		{"nested headers", "[a.b.\"c d\".'e']\nx = 1\n", m{"a": m{"b": m{"c d": m{"e": m{"x": int64(1)}}}}}},
		{"header with spaces", "[ a . b ]\n", m{"a": m{"b": m{}}}},
		{"super table after sub", "[a.b]\nx = 1\n[a]\ny = 2\n", m{"a": m{"b": m{"x": int64(1)}, "y": int64(2)}}},
		{"sub-table of a dotted table", "[a]\nb.c = 1\n[a.b.d]\ne = 2\n", m{"a": m{"b": m{"c": int64(1), "d": m{"e": int64(2)}}}}},
		{"header after a comment", "[a] # the a table\n", m{"a": m{}}},

		{"basic string", `a = "x y"`, m{"a": "x y"}},
		{"escapes", `a = "\b\t\n\f\r\"\\"`, m{"a": "\b\t\n\f\r\"\\"}},
		{"unicode escapes", `a = "\u00e9\U0001F600\u0000"`, m{"a": "é😀\x00"}},
		{"tab in a string", "a = \"x\ty\"", m{"a": "x\ty"}},
		{"non-ASCII", `a = "Grüße, 世界"`, m{"a": "Grüße, 世界"}},
		{"literal string", `a = 'C:\Users\x "y"'`, m{"a": `C:\Users\x "y"`}},
		{"empty strings", "a = \"\"\nb = ''\n", m{"a": "", "b": ""}},
		{"TOML 1.1 escapes", `a = "\e[0m\x41\x00\x7f\xe9\xFF\x0a"`, m{"a": "\x1b[0mA\x00\x7fé\u00ff\n"}},
		{"TOML 1.1 escapes in multi-line", "a = \"\"\"\n\\e\\xC3\n\\x22\"\"\"", m{"a": "\x1b\u00c3\n\""}},
		{"no escapes in literal strings", `a = '\e\x41'`, m{"a": `\e\x41`}},
		{"TOML 1.1 escapes in a key", "\"\\x41\\e\" = 1\n", m{"A\x1b": int64(1)}},

		{"multi-line basic", "a = \"\"\"\nline 1\n  line 2\n\"\"\"", m{"a": "line 1\n  line 2\n"}},
		{"multi-line basic CRLF kept", "a = \"\"\"\r\nx\r\ny\"\"\"", m{"a": "x\r\ny"}},
		{"line-ending backslash", "a = \"\"\"\\\n   one \\\n\n   two\\   \n\"\"\"", m{"a": "one two"}},
		{"quotes inside and before the end", "a = \"\"\"\"x\"\" y\"\"\"\"\"", m{"a": "\"x\"\" y\"\""}},
		{"escapes in multi-line", "a = \"\"\"\\t\\\"\"\"\\u0041\"\"\"", m{"a": "\t\"\"\"A"}},
		{"multi-line literal", "a = '''\nC:\\x\n''y'''''", m{"a": "C:\\x\n''y''"}},
		{"multi-line literal, no first newline", "a = '''x\n'''", m{"a": "x\n"}},

		{"integers", "a = 0\nb = +17\nc = -5\nd = 1_000_000\ne = -0\n", m{"a": int64(0), "b": int64(17), "c": int64(-5), "d": int64(1000000), "e": int64(0)}},
		{"hex, octal, binary", "a = 0xDEAD_beef\nb = 0o7_55\nc = 0b1_0\nd = 0x0\n", m{"a": int64(0xdeadbeef), "b": int64(0o755), "c": int64(2), "d": int64(0)}},
		{"int64 range", "a = 9223372036854775807\nb = -9223372036854775808\nc = 0x7FFFFFFFFFFFFFFF\n", m{"a": int64(math.MaxInt64), "b": int64(math.MinInt64), "c": int64(math.MaxInt64)}},
		{"floats", "a = 1.5\nb = -0.25\nc = 1e3\nd = 6.02E+23\ne = 1_0.0_1e-0_1\nf = 0.0\ng = 0e0\nh = 1e-400\n",
			m{"a": 1.5, "b": -0.25, "c": 1e3, "d": 6.02e23, "e": 1.001, "f": 0.0, "g": 0.0, "h": 0.0}},
		{"negative zero", "a = -0.0\n", m{"a": math.Copysign(0, -1)}},
		{"inf and nan", "a = inf\nb = +inf\nc = -inf\nd = nan\ne = -nan\n", m{"a": math.Inf(1), "b": math.Inf(1), "c": math.Inf(-1), "d": math.NaN(), "e": math.NaN()}},
		{"booleans", "a = true\nb = false\n", m{"a": true, "b": false}},

		{"arrays", "a = []\nb = [1]\nc = [ 'x' , \"y\" ]\nd = [[1, 2], [], ['z']]\n", m{"a": l{}, "b": l{int64(1)}, "c": l{"x", "y"}, "d": l{l{int64(1), int64(2)}, l{}, l{"z"}}}},
		{"multi-line array", "a = [\n  1, # one\n\n  # two is next\n  2,\n]\n", m{"a": l{int64(1), int64(2)}}},
		{"array of mixed kinds", "a = [1, 'x', 1.5, true, [], {}]\n", m{"a": l{int64(1), "x", 1.5, true, l{}, m{}}}},
		{"array, comment after [", "a = [ # list\n 'x' ]\n", m{"a": l{"x"}}},

		{"inline table", "env = { QUEUE = \"*\", \"a b\" = 'c' }\n", m{"env": m{"QUEUE": "*", "a b": "c"}}},
		{"empty inline table", "a = {}\nb = { }\n", m{"a": m{}, "b": m{}}},
		{"inline dotted keys", "a = { b.c = 1, b.d = 2, e = { f = [1] } }\n", m{"a": m{"b": m{"c": int64(1), "d": int64(2)}, "e": m{"f": l{int64(1)}}}}},
		{"inline table holding a multi-line array", "a = { b = [\n1,\n] }\n", m{"a": m{"b": l{int64(1)}}}},
		{"inline table in a table", "[commands.worker]\nenv = { QUEUE = \"*\" }\n", m{"commands": m{"worker": m{"env": m{"QUEUE": "*"}}}}},
		{"TOML 1.1 inline table over lines", "env = {\n  QUEUE = \"*\",\n  'a b' = 'c'\n}\nx = 1\n", m{"env": m{"QUEUE": "*", "a b": "c"}, "x": int64(1)}},
		{"TOML 1.1 trailing comma", "a = { b = 1, }\nc = {d=2,}\n", m{"a": m{"b": int64(1)}, "c": m{"d": int64(2)}}},
		{"TOML 1.1 comments in an inline table", "a = { # first\n  b = 1, # one\n\n  # alone\n  c = 2 # two\n  , d = 3\n}\n", m{"a": m{"b": int64(1), "c": int64(2), "d": int64(3)}}},
		{"TOML 1.1 empty inline table over lines", "a = {\n\n}\nb = { # none\n}\n", m{"a": m{}, "b": m{}}},
		{"TOML 1.1 nested inline tables over lines", "contact = {\n  personal = {\n    name = \"Donald Duck\",\n    email = \"donald@duckburg.com\",\n  },\n  work.name = \"Coin cleaner\",\n}\n",
			m{"contact": m{"personal": m{"name": "Donald Duck", "email": "donald@duckburg.com"}, "work": m{"name": "Coin cleaner"}}}},
		{"TOML 1.1 inline table over lines, CRLF", "a = {\r\n  b = 1,\r\n}\r\n", m{"a": m{"b": int64(1)}}},
		{"TOML 1.1 inline table over lines in an array", "a = [\n  { b = 1,\n  },\n  {\n  },\n]\n", m{"a": l{m{"b": int64(1)}, m{}}}},
		{"TOML 1.1 inline table over lines in a table", "[commands.worker]\nenv = {\n  QUEUE = \"*\", # all\n}\nrun = ['w']\n", m{"commands": m{"worker": m{"env": m{"QUEUE": "*"}, "run": l{"w"}}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, err := readTOML([]byte(c.in))
			if err != nil {
				t.Fatalf("readTOML(%q): %v", c.in, err)
			}
			if got := tomlValue(root); !sameTOML(got, c.want) {
				t.Fatalf("readTOML(%q) = %#v, want %#v", c.in, got, c.want)
			}
		})
	}
}

// TestReadTOMLErrors: each kind of mistake, with its line, and what the
// config never needs: "not supported".
func TestReadTOMLErrors(t *testing.T) {
	cases := []struct{ name, in, err string }{
		{"invalid UTF-8", "a = 1\n# \xff\n", `2: invalid UTF-8`},
		{"byte order mark", "\ufeffa = 1\n", `1: expected a key, not '\ufeff'`},
		{"lone CR", "a = 1\rb = 2\n", "1: a carriage return must be followed by a newline"},
		{"control character in a comment", "# \x01\n", `1: control character '\x01' in a comment`},
		{"DEL in a comment", "\n# \x7f\n", `2: control character '\x7f' in a comment`},

		{"no key", "= 1\n", "1: expected a key, not '='"},
		{"no =", "\n\na 1\n", "3: expected '=' after the key, not '1'"},
		{"no value", "a =\n", "1: expected a value, not the end of the line"},
		{"no value at the end", "a = ", "1: expected a value, not the end of the file"},
		{"two on a line", "a = 1 b = 2\n", "1: expected the end of the line, not 'b'"},
		{"key on two lines", "a.\nb = 1\n", "1: expected a key, not the end of the line"},
		{"empty bare key part", "a..b = 1\n", "1: expected a key, not '.'"},
		{"unquoted space", "a b = 1\n", "1: expected '=' after the key, not 'b'"},
		{"multi-line string as key", "\"\"\"a\"\"\" = 1\n", "1: expected '=' after the key"},
		{"unknown word", "a = yes\n", "1: expected a value, not 'y'"},
		{"capitalised boolean", "a = True\n", "1: expected a value, not 'T'"},
		{"boolean and more", "a = truey\n", "1: expected the end of the line, not 'y'"},

		{"unclosed header", "[a\n", "1: expected ']' to close the table header, not the end of the line"},
		{"empty header", "[]\n", "1: expected a key, not ']'"},
		{"text after header", "[a] b\n", "1: expected the end of the line, not 'b'"},

		{"duplicate key", "a = 1\n\na = 2\n", "3: a: defined twice (first at line 1)"},
		{"duplicate key in a table", "[t]\na = 1\na = 'x'\n", "3: t.a: defined twice (first at line 2)"},
		{"duplicate dotted key", "a.b = 1\na.b = 2\n", "2: a.b: defined twice (first at line 1)"},
		{"duplicate in an inline table", "a = { b = 1, b = 2 }\n", "1: a.b: defined twice (first at line 1)"},
		{"key over an implicit table", "[a.b]\n[a]\nb = 1\n", "3: a.b: defined twice (first at line 1)"},
		{"table twice", "[a]\n[b]\n[a]\n", "3: a: table already defined (line 1)"},
		{"super table twice", "[a.b]\n[a]\n[a]\n", "3: a: table already defined (line 2)"},
		{"table over a value", "a = 1\n[a]\n", "2: a: already a value (line 1), not a table"},
		{"table through a value", "a = 1\n[a.b]\n", "2: a: already a value (line 1), not a table"},
		{"table over a dotted table", "a.b = 1\n[a]\n", "2: a: table already defined (line 1)"},
		{"table over a sub-dotted table", "[a]\nb.c = 1\n[a.b]\n", "3: a.b: table already defined (line 2)"},
		{"table over an inline table", "a = {}\n[a]\n", "2: a: an inline table (line 1) cannot be added to"},
		{"table into an inline table", "a = {}\n[a.b]\n", "2: a: an inline table (line 1) cannot be added to"},
		{"dotted key into a header table", "[a.b]\n[a]\nb.c = 1\n", "3: a.b: a table defined at line 1 cannot be added to by a dotted key"},
		{"dotted key into an inline table", "a = {}\na.b = 1\n", "2: a: a table defined at line 1 cannot be added to by a dotted key"},
		{"dotted key through a value", "a = 1\na.b = 2\n", "2: a: already a value (line 1), not a table"},
		{"inline table over a dotted one", "a = { b.c = 1, b = {} }\n", "1: a.b: defined twice (first at line 1)"},
		{"dotted key into an inner inline table", "a = { b = {}, b.c = 1 }\n", "1: a.b: a table defined at line 1 cannot be added to by a dotted key"},

		{"unterminated string", "a = \"abc\n", "1: unterminated string"},
		{"unterminated at the end", "a = \"abc", "1: unterminated string"},
		{"unterminated literal", "a = 'abc\n", "1: unterminated string"},
		{"unterminated multi-line", "a = \"\"\"\nabc\n\n", `1: unterminated """ string`},
		{"unterminated multi-line literal", "\na = '''\nabc\n", `2: unterminated ''' string`},
		{"invalid escape", `a = "\q"`, `1: invalid escape \q`},
		{"escaped space in a basic string", `a = "\ "`, `1: invalid escape \ followed by ' '`},
		{"escaped newline in a basic string", "a = \"\\\n\"", `1: invalid escape \ followed by '\n'`},
		{"short \\u", `a = "\u12"`, `1: \u needs 4 hexadecimal digits`},
		{"bad \\u", `a = "\u12G4"`, `1: \u needs 4 hexadecimal digits`},
		{"signed \\U", `a = "\U+0000041"`, `1: \U needs 8 hexadecimal digits`},
		{"\\x with one digit", `a = "\x4"`, `1: \x needs 2 hexadecimal digits`},
		{"\\x with non-hex digits", `a = "\xZZ"`, `1: \x needs 2 hexadecimal digits`},
		{"\\x at the end of the file", `a = "\x4`, `1: \x needs 2 hexadecimal digits`},
		{"\\x with no digits", `a = "\x"`, `1: \x needs 2 hexadecimal digits`},
		{"signed \\x", `a = "\x+4"`, `1: \x needs 2 hexadecimal digits`},
		{"\\x with an underscore", `a = "\x_4"`, `1: \x needs 2 hexadecimal digits`},
		{"\\x in multi-line", "a = \"\"\"\n\\x4g\"\"\"", `2: \x needs 2 hexadecimal digits`},
		{"upper-case \\X", `a = "\X41"`, `1: invalid escape \X`},
		{"upper-case \\E", `a = "\E"`, `1: invalid escape \E`},
		{"surrogate", `a = "\uD800"`, `1: \uD800 is not a Unicode scalar value`},
		{"beyond Unicode", `a = "\U00110000"`, `1: \U00110000 is not a Unicode scalar value`},
		{"control character in a string", "a = \"\x01\"", `1: control character '\x01' in a string`},
		{"DEL in a literal string", "a = '\x7f'", `1: control character '\x7f' in a string`},
		{"control character in a multi-line string", "a = \"\"\"\n\x1b\"\"\"", `2: control character '\x1b' in a string`},
		{"lone CR in a multi-line string", "a = '''\nx\ry'''", "2: a carriage return must be followed by a newline"},
		{"too many quotes", "a = \"\"\"x\"\"\"\"\"\"\n", "1: too many quotes"},
		{"too many single quotes", "a = '''x''''''\n", "1: too many quotes"},
		{"backslash and spaces not ending the line", "a = \"\"\"\\  x\"\"\"", "1: a backslash followed by spaces must end the line"},

		{"leading zero", "a = 01\n", "1: a: 01 has a leading zero"},
		{"leading zero in a float", "a = 01.5\n", "1: a: 01.5 has a leading zero"},
		{"double underscore", "a = 1__0\n", "1: a: 1__0 is not a TOML number"},
		{"trailing underscore", "a = 1_\n", "1: a: 1_ is not a TOML number"},
		{"underscore before the point", "a = 1_.5\n", "1: a: 1_.5 is not a TOML number"},
		{"no digit after the point", "a = 1.\n", "1: a: 1. is not a TOML number"},
		{"no digit before the exponent", "a = 1.e5\n", "1: a: 1.e5 is not a TOML number"},
		{"no digit before the point", "a = .5\n", "1: expected a value, not '.'"},
		{"empty exponent", "a = 1e\n", "1: a: 1e is not a TOML number"},
		{"two points", "a = 1.2.3\n", "1: a: 1.2.3 is not a TOML number"},
		{"signed hex", "a = -0x1\n", "1: a: -0x1 has a sign"},
		{"upper-case prefix", "a = 0X1\n", "1: a: 0X1 is not a TOML number"},
		{"bad octal digit", "a = 0o8\n", "1: a: 0o8 is not a TOML number"},
		{"empty hex", "a = 0x\n", "1: a: 0x is not a TOML number"},
		{"integer overflow", "a = 9223372036854775808\n", "1: a: 9223372036854775808 is out of range for a 64-bit integer"},
		{"hex overflow", "a = 0x8000000000000000\n", "1: a: 0x8000000000000000 is out of range"},
		{"float overflow", "a = 1e400\n", "1: a: 1e400 is out of range for a 64-bit float"},
		{"infinity spelt out", "a = infinity\n", "1: a: infinity is not a TOML number"},
		{"number in nested inline tables under a header", "[t.'u v']\na = { b.c = { d = [{ e = 01 }] } }\n", "2: t.u v.a.b.c.d.e: 01 has a leading zero"},
		{"date in an inline table over lines", "[t]\na = {\n  b = 1979-05-27,\n}\n", "3: t.a.b: dates and times are not supported"},

		{"array without comma", "a = [1 2]\n", "1: expected ',' or ']' in the array of line 1, not '2'"},
		{"array with only a comma", "a = [,]\n", "1: expected a value, not ','"},
		{"array with two commas", "a = [1,,2]\n", "1: expected a value, not ','"},
		{"unterminated array", "a = [1,\n2\n", "3: expected ',' or ']' in the array of line 1, not the end of the file"},
		{"bad value in an array", "a = [\n1,\nx]\n", "3: expected a value, not 'x'"},
		{"inline table without comma", "a = { b = 1 c = 2 }\n", "1: expected ',' or '}' in the inline table, not 'c'"},
		{"unterminated inline table", "a = { b = 1", "1: expected ',' or '}' in the inline table, not the end of the file"},
		{"inline table left open over lines", "a = {\n  b = 1,\n  c = 2\n", "4: expected ',' or '}' in the inline table of line 1, not the end of the file"},
		{"inline table left open before a key", "\na = { b = 1\nc = 2\n", "3: expected ',' or '}' in the inline table of line 2, not 'c'"},
		{"inline table left open before a table", "a = { b = 1,\n\n[t]\n", "3: expected a key, not '['"},
		{"inline table closed in a comment", "a = { b = 1 # }\n", "2: expected ',' or '}' in the inline table of line 1, not the end of the file"},
		{"inline table without comma over lines", "a = {\n  b = 1\n  c = 2\n}\n", "3: expected ',' or '}' in the inline table of line 1, not 'c'"},
		{"inline table with only a comma", "a = { , }\n", "1: expected a key, not ','"},
		{"inline table with only a comma over lines", "a = {\n  ,\n}\n", "2: expected a key, not ','"},
		{"inline table with a leading comma", "a = {, b = 1 }\n", "1: expected a key, not ','"},
		{"inline table with two commas", "a = { b = 1,, }\n", "1: expected a key, not ','"},
		{"inline table with two commas over lines", "a = {\n  b = 1,\n  ,\n}\n", "3: expected a key, not ','"},
		{"newline between a key and =", "a = {\n  b\n  = 1\n}\n", "2: expected '=' after the key, not the end of the line"},
		{"newline after = in an inline table", "a = { b =\n 1 }\n", "1: expected a value, not the end of the line"},
		{"control character in an inline table's comment", "a = {\n  # \x01\n}\n", `2: control character '\x01' in a comment`},
		{"duplicate key over lines", "a = {\n  b = 1,\n  b = 2,\n}\n", "3: a.b: defined twice (first at line 2)"},
		{"table over an inline table of several lines", "a = {\n  b = 1,\n}\n[a]\n", "4: a: an inline table (line 1) cannot be added to"},
		{"dotted key into an inline table of several lines", "a = {\n}\na.b = 1\n", "3: a: a table defined at line 1 cannot be added to by a dotted key"},
		{"bad value after an inline table of several lines", "a = {\n  b = 1,\n}\nc = x\n", "4: expected a value, not 'x'"},
		{"two values after an inline table of several lines", "a = {\n} b = 1\n", "2: expected the end of the line, not 'b'"},

		// Valid TOML that tinyinit's config never needs.
		{"array of tables", "a = 1\n[[commands]]\n", "2: arrays of tables ([[...]]) are not supported in tinyinit's config"},
		{"date", "a = 1979-05-27\n", "1: a: dates and times are not supported in tinyinit's config"},
		{"date-time", "[t]\nb = 1979-05-27T07:32:00Z\n", "2: t.b: dates and times are not supported"},
		{"time", "a = 07:32:00\n", "1: a: dates and times are not supported"},
		{"date in an array", "a = [1, 1979-05-27]\n", "1: a: dates and times are not supported"},
		{"deep nesting", "a = " + strings.Repeat("[", 17) + strings.Repeat("]", 17), "1: arrays and inline tables nested more than 16 deep are not supported"},
		{"deep inline tables", "a = " + strings.Repeat("{b=", 17) + "1" + strings.Repeat("}", 17), "1: arrays and inline tables nested more than 16 deep are not supported"},
		{"deep inline tables over lines", "a = " + strings.Repeat("{\nb=", 17) + "1" + strings.Repeat("\n}", 17), "17: arrays and inline tables nested more than 16 deep are not supported"},
		{"long key", "a" + strings.Repeat(".a", 16) + " = 1\n", "1: keys of more than 16 parts are not supported"},
		{"long header", "[a" + strings.Repeat(".a", 16) + "]\n", "1: keys of more than 16 parts are not supported"},

		{"error line after multi-line values", "a = \"\"\"\n\n\"\"\"\nb = [\n1,\n]\nc = \"\"\"\\\n\n  \"\"\"\nd = x\n", "10: expected a value, not 'x'"},
		{"quoted key with a newline", "\"a\\nb\" = 1\n\"a\\nb\" = 2\n", `2: a\nb: defined twice (first at line 1)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readTOML([]byte(c.in))
			if err == nil {
				t.Fatalf("readTOML(%q): no error, want %q", c.in, c.err)
			}
			checkTOMLError(t, []byte(c.in), err)
			if !strings.HasPrefix(err.Error(), c.err) {
				t.Fatalf("readTOML(%q): %q, want %q...", c.in, err, c.err)
			}
			if strings.HasSuffix(err.Error(), notSupported) && !unsupportedTOML(err) {
				t.Fatalf("readTOML(%q): %q is not among FuzzTOML's unsupportedTOML", c.in, err)
			}
		})
	}
}

// TestReadTOMLLinear: what the reader costs grows with the document, not
// with a key's length times the values under it. Every number and inline
// table built (or scanned) its key's text for errors that did not happen:
// a 1 MiB file of one 512 KiB key over an array of numbers took 96 s.
func TestReadTOMLLinear(t *testing.T) {
	key := `"` + strings.Repeat("k", 1<<18) + `"`
	for name, in := range map[string]string{
		"numbers":                  key + " = [" + strings.Repeat("1,", 1<<15) + "]\n",
		"inline tables":            key + " = [" + strings.Repeat("{},", 1<<15) + "]\n",
		"numbers in inline tables": "a = { " + key + " = {\n b = [" + strings.Repeat("1,\n", 1<<15) + "] } }\n",
		"numbers under a header":   "[" + key + "]\nb = [" + strings.Repeat("1,", 1<<15) + "]\n",
		"inline tables over lines": "[" + key + "]\nb = [" + strings.Repeat("{\n},\n", 1<<15) + "]\n",
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := readTOML([]byte(in))
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The tree of 32768 values is about 8 MB; the key's text once per
		// value was 8 GB. Allocation is the bound, as it does not depend
		// on the machine's load; the time is logged, never asserted.
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %d bytes of TOML: %v, %d MB allocated", name, len(in), took, alloc>>20)
		if alloc > 64<<20 {
			t.Errorf("%s: %d bytes of TOML allocated %d MB", name, len(in), alloc>>20)
		}
	}
}
