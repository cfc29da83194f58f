package config

import (
	"errors"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		args    []string
		argv    []string
		m       string
		group   bool
		noShim  bool
		verbose int
		err     bool
	}{
		{args: []string{"--", "app", "-x"}, argv: []string{"app", "-x"}},
		{args: []string{"app", "--map", "x"}, argv: []string{"app", "--map", "x"}},
		{args: []string{"--map", "TERM:QUIT", "--", "app"}, argv: []string{"app"}, m: "TERM:QUIT"},
		{args: []string{"--map=15:3", "-m", "INT:QUIT", "app"}, argv: []string{"app"}, m: "INT:QUIT,TERM:QUIT"},
		{args: []string{"-mHUP:none", "app"}, argv: []string{"app"}, m: "HUP:none"},
		{args: []string{"-gvv", "--no-shim", "--", "app"}, argv: []string{"app"}, group: true, noShim: true, verbose: 2},
		{args: []string{"--verbose", "-v", "app"}, argv: []string{"app"}, verbose: 2},
		{args: []string{"--map", "KILL:TERM", "app"}, err: true},
		{args: []string{"--map"}, err: true},
		{args: []string{"--bogus", "app"}, err: true},
		{args: []string{"-x", "app"}, err: true},
		{args: []string{"--no-shim=1", "app"}, err: true},
		{args: []string{"--"}, err: true},
		{args: []string{}, err: true},
	}
	for _, c := range cases {
		s, err := Parse(c.args)
		if (err != nil) != c.err {
			t.Errorf("Parse(%q): error %v, want error %v", c.args, err, c.err)
			continue
		}
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Errorf("Parse(%q): error %T is not a UsageError", c.args, err)
			}
			continue
		}
		if !reflect.DeepEqual(s.Argv, c.argv) || s.Map.String() != c.m || s.Group != c.group || s.NoShim != c.noShim || s.Verbose != c.verbose {
			t.Errorf("Parse(%q) = %+v", c.args, s)
		}
	}
}

// An unknown option is echoed in the one-line error; a control character
// or a stray byte of it is quoted, so the line stays one line (found by
// FuzzParseArgs: "-\n").
func TestUnknownOptionIsOneLine(t *testing.T) {
	for _, tc := range []struct{ arg, want string }{
		{"--frobnicate", "unknown option --frobnicate (see --help)"},
		{"-x", "unknown option -x (see --help)"},
		{"-\n", `unknown option "-\n" (see --help)`},
		{"-\xc3\xa9", `unknown option "-\xc3" (see --help)`},
		{"--a\x1b[2J", `unknown option "--a\x1b[2J" (see --help)`},
	} {
		_, err := Parse([]string{tc.arg, "app"})
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q): err = %v; want %s", tc.arg, err, tc.want)
		}
	}
}
