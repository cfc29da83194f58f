package config

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// FuzzTOML holds the config's own TOML reader to go-toml, the library it
// replaced (now only a test dependency), on the same bytes:
//
//   - what we accept, go-toml accepts, with the same values;
//   - what go-toml rejects, we reject;
//   - what we reject and go-toml accepts is valid TOML that tinyinit's
//     config has no use for, refused with a "not supported" error of
//     unsupportedTOML, never a silent disagreement;
//   - every error of ours is one line, at a line of the input.
//
// go-toml reads TOML 1.1, and so does this reader as far as a config can
// use it: the \e and \xHH escapes and inline tables over lines are read,
// not refused, since configs that used them worked with go-toml.
func FuzzTOML(f *testing.F) {
	for _, s := range tomlSeeds(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		root, err := readTOML(b)
		var theirs map[string]any
		theirErr := toml.Unmarshal(b, &theirs)
		if err != nil {
			checkTOMLError(t, b, err)
		}
		switch {
		case err == nil && theirErr != nil:
			t.Fatalf("we accept %q, go-toml rejects it: %v", b, theirErr)
		case err == nil:
			if ours := tomlValue(root); !sameTOML(ours, theirs) {
				t.Fatalf("%q: we read %#v, go-toml %#v", b, ours, theirs)
			}
		case theirErr == nil && !strings.HasSuffix(err.Error(), notSupported):
			t.Fatalf("we reject %q (%v), go-toml accepts it as %#v", b, err, theirs)
		case strings.HasSuffix(err.Error(), notSupported) && !unsupportedTOML(err):
			t.Fatalf("%q: %v: not one of the things the config does not support", b, err)
		}
	})
}

// unsupportedTOML reports whether err refuses one of the few things of
// TOML that tinyinit's config has no use for, or bounds against a hostile
// file: no other "not supported" error may exist, so that the fuzz test
// cannot pass a valid config that the reader refuses under a new pretext.
func unsupportedTOML(err error) bool {
	for _, what := range []string{
		": dates and times are",
		"arrays of tables ([[...]]) are",
		"arrays and inline tables nested more than " + strconv.Itoa(maxNesting) + " deep are",
		"keys of more than " + strconv.Itoa(maxKeyParts) + " parts are",
	} {
		if strings.HasSuffix(err.Error(), what+notSupported) {
			return true
		}
	}
	return false
}

// checkTOMLError: one line, "LINE: message", LINE within the input.
func checkTOMLError(t *testing.T, b []byte, err error) {
	t.Helper()
	var te *tomlError
	if !errors.As(err, &te) {
		t.Fatalf("%q: error %T is not a tomlError: %v", b, err, err)
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Fatalf("%q: error is not one line: %q", b, err)
	}
	if lines := strings.Count(string(b), "\n") + 1; te.line < 1 || te.line > lines {
		t.Fatalf("%q: error at line %d of %d: %v", b, te.line, lines, err)
	}
}

// tomlSeeds: documents in code, FuzzParseFile's seeds (in code and in its
// corpus), and the README's TOML examples (so that they are known to read).
func tomlSeeds(tb testing.TB) []string {
	seeds := append(parseFileSeeds(),
		"a = 1\n",
		"a = \"\\u00e9\\U0001F600\\t\\\"\\\\\"\n",
		"a = \"\"\"\nx\\\n   y\"\"\"\"\"\n",
		"a = '''\nx'''''\n",
		"a = 'C:\\x'\n",
		"a = [\n  1, # one\n  'two',\n  [3.5, -inf, nan],\n  { b = true },\n]\n",
		"a = { b.c = 1, d = [] }\n",
		"[a.\"b.c\".'d']\n[a]\nx = 0x_1\n",
		"a = 0xdead_BEEF\nb = 0o17\nc = 0b1010\nd = -9_223_372_036_854_775_808\n",
		"a = 1e400\n",
		"a = 6.02e+23\nb = -0.0\nc = 1_000.000_1E-0_3\n",
		"a = 1979-05-27T07:32:00Z\n",
		"a = 07:32\n",
		"[[a]]\n",
		"a = { b = 1,\n c = 2 }\n",
		"a = {b=1,}\n",
		"a = \"\\e\\x41\"\n",
		"a.b = 1\n[a]\n",
		"[a]\nb.c = 1\n[a.b.d]\n",
		"[a.b.c]\n[a]\nb.c.t = 1\n",
		"a = [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]\n",
		"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q = 1\n",
		"\"\" = 1\n'' .\"\" = 2\n",
		"a = \"x\" # \x7f\n",
		"a = 1\r\nb = 2\r",
	)
	for _, dir := range []string{"testdata/fuzz/FuzzParseFile", "testdata/fuzz/FuzzTOML"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				tb.Fatal(err)
			}
			_, lit, _ := strings.Cut(string(b), "\n[]byte(")
			s, err := strconv.Unquote(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(lit), ")")))
			if err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
			seeds = append(seeds, s)
		}
	}
	return append(seeds, readmeTOML(tb)...)
}

// readmeTOML returns the README's ```toml blocks.
func readmeTOML(tb testing.TB) []string {
	b, err := os.ReadFile("../../../README.md")
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	rest := string(b)
	for {
		_, block, ok := strings.Cut(rest, "```toml\n")
		if !ok {
			return out
		}
		block, rest, _ = strings.Cut(block, "```")
		out = append(out, block)
	}
}

// tomlValue turns our tree into what go-toml decodes into a map.
func tomlValue(v *node) any {
	switch v.kind {
	case kindString:
		return v.str
	case kindInteger:
		return v.num
	case kindFloat:
		return v.float
	case kindBool:
		return v.bool
	case kindArray:
		a := make([]any, len(v.list))
		for i, e := range v.list {
			a[i] = tomlValue(e)
		}
		return a
	}
	m := make(map[string]any, len(v.fields))
	for _, f := range v.fields {
		m[f.name] = tomlValue(f.val)
	}
	return m
}

// sameTOML compares decoded values; NaN equals NaN, and -0 is not 0.
func sameTOML(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && (a == b && math.Signbit(a) == math.Signbit(b) || a != a && b != b)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameTOML(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if w, ok := b[k]; !ok || !sameTOML(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

func TestREADMEConfigsRead(t *testing.T) {
	blocks := readmeTOML(t)
	if len(blocks) < 2 {
		t.Fatalf("found %d ```toml blocks in the README", len(blocks))
	}
	for _, b := range blocks {
		if _, err := parseFile("README.md", []byte(b)); err != nil {
			t.Errorf("%v\n%s", err, b)
		}
	}
}
