package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/tinyinit/tinyinit/signals"
)

// The fuzz targets below promise what pid 1 needs from its parsers: any
// input is either accepted or refused with a UsageError (exit 2, one line),
// never a panic, and what is accepted is consistent. Their seeds, in code
// and in testdata/fuzz/FuzzXxx/, run in every "go test".

// FuzzParseFile decodes any bytes as a config, then goes where a real start
// goes with the result: the top-level layer, every command's plan (alone
// and after "bootstrap"), --list and --check.
func FuzzParseFile(f *testing.F) {
	for _, s := range parseFileSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := parseFile("fuzz.toml", b)
		if err != nil {
			mustBeUsage(t, "parseFile", err)
			return
		}
		s, err := settingsWithFile(file)
		if err != nil {
			mustBeUsage(t, "layer", err)
			return
		}
		_ = s.Commands()
		_ = s.Describe()
		_ = file.HostnameSettings()
		isProgram := func(string) bool { return false }
		for _, name := range file.listNames() {
			for _, argv := range [][]string{{name, "arg"}, {BootstrapName, name}} {
				s.Argv = argv
				steps, err := s.Plan(isProgram)
				if err != nil {
					mustBeUsage(t, "Plan", err)
					continue
				}
				checkSteps(t, argv, steps)
			}
		}
	})
}

// parseFileSeeds are FuzzParseFile's seeds in code; FuzzTOML starts from
// them too.
func parseFileSeeds() []string {
	return []string{
		"grace = \"10s\"\n[signals]\nTERM = \"QUIT\"\n",
		"[signals]\nTERM = 3\nHUP = 0\nINT = \"none\"\n",
		"[commands.web]\nrun = [\"puma\"]\n[commands.web.signals]\nTERM = \"QUIT\"\n",
		"[hostname]\ntemplate = \"{workload}-{index}.{host}\"\n",
		"[bootstrap]\nrun = [\"migrate\"]\n[commands.web]\nrun = [\"web\"]\nneeds = [\"bootstrap\"]\ncheck = [\"true\"]\n",
		"[commands.a]\nrun = [\"a\"]\nneeds = [\"b\"]\n[commands.b]\nrun = [\"b\"]\nneeds = [\"a\"]\n",
		"[signals\n",
		"grace = [1, 2]\n",
		"a.b.c = { d = 1 }\n",
		"\"quoted key\" = 1\n",
		"",
	}
}

// settingsWithFile settles settings as LoadProgram does for a command line
// with no flags, no environment and file as the config.
func settingsWithFile(file *File) (*Settings, error) {
	s, err := Parse([]string{"app"})
	if err != nil {
		return nil, err
	}
	fl, err := file.layer()
	if err != nil {
		return nil, err
	}
	s.File, s.Sources = file, map[string]string{}
	s.layers = []layer{s.flagLayer(), {source: "env"}, fl}
	s.merge(s.layers)
	return s, nil
}

// checkSteps: a plan always ends with the service, every step runs a
// program, and no step forwards a signal an init never receives.
func checkSteps(t *testing.T, argv []string, steps []Step) {
	t.Helper()
	if len(steps) == 0 || steps[len(steps)-1].Kind != Service {
		t.Fatalf("Plan(%q): %d steps, the last not the service", argv, len(steps))
	}
	for _, st := range steps {
		if len(st.Argv) == 0 || st.Argv[0] == "" {
			t.Fatalf("Plan(%q): step %q runs no program", argv, st.Name)
		}
		for from := range st.Map {
			if !signals.Forwardable(from) {
				t.Fatalf("Plan(%q): step %q maps unforwardable %v", argv, st.Name, from)
			}
		}
		if len(st.StopSignals) == 0 {
			t.Fatalf("Plan(%q): step %q has no stop signal", argv, st.Name)
		}
	}
}

func mustBeUsage(t *testing.T, what string, err error) {
	t.Helper()
	var u *UsageError
	if !errors.As(err, &u) {
		t.Fatalf("%s: error %T is not a UsageError: %v", what, err, err)
	}
	if strings.Contains(u.Msg, "\n") {
		t.Fatalf("%s: error is not one line: %q", what, u.Msg)
	}
}

// FuzzParseArgs: any command line parses or fails with a UsageError.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{"-m TERM:QUIT -- app", "-gvv app", "--map=15:0 app", "--grace 1s app", "-c", "--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := splitSpaces(line)
		if _, err := Parse(args); err != nil {
			mustBeUsage(t, "Parse", err)
		}
	})
}

// FuzzParseProgram reads a whole invocation the way main does: argv[0]
// picks the personality (tinyinit, tini, dumb-init, by base name), then
// the options as that personality reads them, then tini's, dumb-init's and
// tinyinit's environment variables. Arguments and variables are separated
// by NUL, the one byte a real argv or environment cannot hold, so the
// fuzzer can produce empty words, spaces and non-UTF-8 bytes.
func FuzzParseProgram(f *testing.F) {
	for _, s := range []struct{ argv0, args, env string }{
		{"tinyinit", "-m\x00TERM:QUIT\x00--\x00app", ""},
		{"/sbin/tini", "-s\x00-g\x00-e\x00143\x00-p\x00SIGKILL\x00--\x00app", "TINI_SUBREAPER=\x00TINI_VERBOSITY=3"},
		{"tini-static", "-vvvw\x00app", "TINI_KILL_PROCESS_GROUP=1"},
		{"/usr/bin/dumb-init", "-c\x00--rewrite\x0015:3\x00app", ""},
		{"dumb-init", "-r\x0015:0\x00-r\x0020:20\x00app", "DUMB_INIT_SETSID=0"},
		{"tinyinit", "--single-child\x00app", "DUMB_INIT_SETSID=1"},
		{"tinyinit", "app", "TINYINIT_MAP=TERM:QUIT,INT:none\x00TINYINIT_GRACE=1.5\x00TINYINIT_GROUP=yes\x00TINYINIT_VERBOSE=2\x00TINYINIT_STOP_SIGNALS=TERM,USR2"},
		{"tinyinit", "app", "TINYINIT_GRACE=NaN\x00TINYINIT_NO_SHIM=maybe"},
		{"", "", ""},
		{"dumb-init/", "-c\x00x\x00app", ""},
		{"tini", "-e\x00256\x00-p\x000\x00app", ""},
	} {
		f.Add(s.argv0, s.args, s.env)
	}
	f.Fuzz(func(t *testing.T, argv0, args, env string) {
		argv := append([]string{argv0}, splitNUL(args)...)
		environ := splitNUL(env)
		s, err := ParseProgram(argv, environ)
		if err != nil {
			mustBeUsage(t, "ParseProgram", err)
			return
		}
		for from, to := range s.Map {
			if !signals.Forwardable(from) {
				t.Fatalf("ParseProgram(%q, %q): maps unforwardable %v to %v", argv, environ, from, to)
			}
		}
		if s.Personality == DumbInit && !s.SingleChild && !(s.Setsid && s.Group) {
			t.Fatalf("ParseProgram(%q, %q): dumb-init without --single-child must setsid and signal the group", argv, environ)
		}
		if s.Setsid && s.SingleChild {
			t.Fatalf("ParseProgram(%q, %q): both a new session and --single-child", argv, environ)
		}
		if len(s.Argv) == 0 && !s.Help && !s.Version && !s.Check && !s.List && !s.License {
			t.Fatalf("ParseProgram(%q, %q): accepted with no command", argv, environ)
		}
		for _, code := range s.ExitZero {
			if s.RemapExit(code) != 0 {
				t.Fatalf("ParseProgram(%q, %q): -e %d does not map to 0", argv, environ, code)
			}
		}
		if _, _, err := fromEnv(environ); err != nil {
			mustBeUsage(t, "fromEnv", err)
		}
	})
}

func splitNUL(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

func splitSpaces(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if r == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}
