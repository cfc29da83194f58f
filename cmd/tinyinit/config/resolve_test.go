package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Precedence: flags over environment over config file over defaults,
// setting by setting. (Regression: flag values once pointed into the
// Settings that merge resets, so -g and --grace were silently lost.)
func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "t.toml")
	body := "grace = \"5s\"\ngroup = true\nverbose = 1\nstop_signals = [\"TERM\", \"QUIT\"]\n[signals]\nTERM = \"QUIT\"\nHUP = 0\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		env     []string
		m       string
		grace   time.Duration
		group   bool
		verbose int
		stop    string
		source  map[string]string
	}{
		{name: "defaults", args: []string{"app"}, stop: "TERM,INT"},
		{name: "file", args: []string{"-c", cfg, "app"}, m: "HUP:none,TERM:QUIT", grace: 5 * time.Second, group: true, verbose: 1, stop: "TERM,QUIT",
			source: map[string]string{"grace": "config " + cfg, "signals.TERM": "config " + cfg}},
		{name: "file by env", args: []string{"app"}, env: []string{EnvConfig + "=" + cfg}, m: "HUP:none,TERM:QUIT", grace: 5 * time.Second, group: true, verbose: 1, stop: "TERM,QUIT"},
		{name: "env over file", args: []string{"-c", cfg, "app"}, env: []string{EnvMap + "=TERM:INT", EnvGrace + "=2", EnvGroup + "=0", EnvStopSignals + "=USR2"},
			m: "HUP:none,TERM:INT", grace: 2 * time.Second, group: false, verbose: 1, stop: "USR2",
			source: map[string]string{"signals.TERM": "env", "signals.HUP": "config " + cfg, "grace": "env"}},
		{name: "flags over env", args: []string{"-c", cfg, "-g", "-vv", "--grace", "1s", "-m", "TERM:USR1", "app"}, env: []string{EnvMap + "=TERM:INT", EnvGrace + "=2", EnvGroup + "=0"},
			m: "HUP:none,TERM:USR1", grace: time.Second, group: true, verbose: 2, stop: "TERM,QUIT",
			source: map[string]string{"signals.TERM": "flag", "grace": "flag", "group": "flag"}},
		{name: "empty env is unset", args: []string{"-c", cfg, "app"}, env: []string{EnvGrace + "=", EnvMap + "="}, m: "HUP:none,TERM:QUIT", grace: 5 * time.Second, group: true, verbose: 1, stop: "TERM,QUIT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Load(c.args, c.env)
			if err != nil {
				t.Fatal(err)
			}
			stop := make([]string, len(s.StopSignals))
			for i, sig := range s.StopSignals {
				stop[i] = map[int]string{15: "TERM", 2: "INT", 3: "QUIT", 12: "USR2"}[int(sig)]
			}
			if s.Map.String() != c.m || s.Grace != c.grace || s.Group != c.group || s.Verbose != c.verbose || strings.Join(stop, ",") != c.stop {
				t.Fatalf("got map %q grace %v group %v verbose %d stop %v", s.Map, s.Grace, s.Group, s.Verbose, stop)
			}
			for k, v := range c.source {
				if s.Sources[k] != v {
					t.Errorf("source of %s = %q, want %q", k, s.Sources[k], v)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		f, err := os.CreateTemp(dir, "*.toml")
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(body)
		f.Close()
		return f.Name()
	}
	cases := []struct {
		name string
		args []string
		env  []string
		msg  string // after the file path, when there is one
	}{
		{"syntax", []string{"-c", write("[signals\n")}, nil, ":1: "},
		{"unknown key", []string{"-c", write("\n\nbogus = 1\n")}, nil, `:3: unknown key "bogus"`},
		{"unknown nested key", []string{"-c", write("[hostname]\ntemplat = \"x\"\n")}, nil, `:2: unknown key "hostname.templat"`},
		{"wrong type", []string{"-c", write("no_shim = 1\n")}, nil, ":1: no_shim: want bool, not a TOML integer"},
		{"bad signal value", []string{"-c", write("[signals]\nINT = \"TERM\"\nTERM = 99\n")}, nil, ":3: signals.TERM: signal number 99 out of range"},
		{"bad signal key", []string{"-c", write("[signals]\nTREM = \"QUIT\"\n")}, nil, `:2: signals.TREM: unknown signal "TREM"`},
		{"CHLD source", []string{"-c", write("[signals]\nCHLD = \"TERM\"\n")}, nil, ":2: signals.CHLD: CHLD cannot be translated"},
		{"negative grace", []string{"-c", write("grace = -1\n")}, nil, ":1: grace: -1 seconds is out of range"},
		{"bad grace string", []string{"-c", write("grace = \"1 minute\"\n")}, nil, `:1: grace: "1 minute" is not a duration`},
		{"empty stop list", []string{"-c", write("stop_signals = []\n")}, nil, ":1: stop_signals: empty list"},
		{"missing explicit", []string{"-c", filepath.Join(dir, "none.toml")}, nil, "none.toml: config not found"},
		{"missing by env", nil, []string{EnvConfig + "=" + filepath.Join(dir, "none.toml")}, "none.toml: config not found"},
		{"env map", nil, []string{EnvMap + "=TERM:QUIT,INT"}, `TINYINIT_MAP: "INT": want FROM:TO`},
		{"env verbose", nil, []string{EnvVerbose + "=lots"}, `TINYINIT_VERBOSE: "lots" is not a verbosity level`},
		{"env stop", nil, []string{EnvStopSignals + "=KILL"}, "TINYINIT_STOP_SIGNALS: KILL cannot be a stop signal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(append(c.args, "app"), c.env)
			if err == nil {
				t.Fatal("no error")
			}
			if _, ok := err.(*UsageError); !ok {
				t.Fatalf("error %T, want *UsageError", err)
			}
			if !strings.Contains(err.Error(), c.msg) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q, want one line containing %q", err, c.msg)
			}
		})
	}
}

// A missing default config is not an error: most images have none.
func TestLoadWithoutDefaultFile(t *testing.T) {
	if _, err := os.Stat(DefaultPath); err == nil {
		t.Skipf("%s exists on this machine", DefaultPath)
	}
	s, err := Load([]string{"app"}, nil)
	if err != nil || s.File != nil {
		t.Fatalf("Load = %+v, %v", s, err)
	}
}

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"10s", 10 * time.Second, false},
		{"1m30s", 90 * time.Second, false},
		{"10", 10 * time.Second, false},
		{"0.5", 500 * time.Millisecond, false},
		{"0", 0, false},
		{"-1s", 0, true},
		{"-1", 0, true},
		{"ten", 0, true},
		{"", 0, true},
		{"NaN", 0, true},
		{"1e300", 0, true},
	}
	for _, c := range cases {
		got, err := parseDuration(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("parseDuration(%q) = %v, %v", c.in, got, err)
		}
	}
}
