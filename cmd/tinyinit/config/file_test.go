package config

import (
	"strings"
	"testing"
)

// TestParseFileErrors: the schema's errors, each at the line of the value
// it is about, in the wording the README shows.
func TestParseFileErrors(t *testing.T) {
	cases := []struct{ in, err string }{
		{"group = \"yes\"\n", `f.toml:1: group: want bool, not a TOML string`},
		{"\nno_shim = 1\n", `f.toml:2: no_shim: want bool, not a TOML integer`},
		{"verbose = 1.5\n", `f.toml:1: verbose: want int, not a TOML float`},
		{"stop_signals = \"TERM\"\n", `f.toml:1: stop_signals: want a list, not a TOML string`},
		{"stop_signals = [\n  \"TERM\",\n  2,\n]\n", `f.toml:3: stop_signals: want string, not a TOML integer`},
		{"grace = true\n", `f.toml:1: grace: want a duration like "10s" or a number of seconds, not a TOML boolean`},
		{"signals = 1\n", `f.toml:1: signals: want a table, not a TOML integer`},
		{"[signals]\nTERM = [\"QUIT\"]\n", `f.toml:2: signals.TERM: want a signal name or number, not a TOML array`},
		{"[hostname]\ntemplate = 1\n", `f.toml:2: hostname.template: want string, not a TOML integer`},
		{"[commands]\nweb = \"puma\"\n", `f.toml:2: commands.web: want a table, not a TOML string`},
		{"[commands.web]\nrun = [\"x\"]\nenv = { A = \"1\", B = 2 }\n", `f.toml:3: commands.web.env.B: want string, not a TOML integer`},
		{"[commands.web]\nrun = [\"x\"]\nneeds = \"db\"\n", `f.toml:3: commands.web.needs: want a list, not a TOML string`},

		{"grace = \"1s\"\n\n\ngrase = \"2s\"\n", `f.toml:4: unknown key "grase"`},
		{"[hostname]\ntemplat = \"x\"\n", `f.toml:2: unknown key "hostname.templat"`},
		{"[x]\ny = 1\n", `f.toml:1: unknown key "x"`},
		{"[commands.a]\nrun = [\"x\"]\ncmd = [\"y\"]\n", `f.toml:3: unknown key "commands.a.cmd"`},
		{"[bootstrap]\nrun = [\"x\"]\n[bootstrap.signals]\nTERM = 'QUIT'\n[bootstrap.x]\n", `f.toml:5: unknown key "bootstrap.x"`},
		{"verbose = 1\n[hostname]\nverbose = 2\n", `f.toml:3: unknown key "hostname.verbose"`},

		// Errors found after decoding still name the line.
		{"\n[signals]\nTERM = \"QUITE\"\n", `f.toml:3: signals.TERM: unknown signal "QUITE"`},
		{"[commands.web]\ndescription = \"y\"\n", `f.toml:1: commands.web.run: must name a program`},
		{"[commands.web.signals]\n\n[commands.web]\ndescription = \"y\"\n", `f.toml:3: commands.web.run: must name a program`},
		{"[commands.a]\nrun = [\"x\"]\nneeds = [\"a\"]\n", `f.toml:3: commands.a.needs: cycle: a -> a`},
		{"[signals]\n\"a\\nb\" = \"QUIT\"\n", `f.toml:2: signals.a\nb: unknown signal "a\nb"`},
		{"[commands.\"a\\nb\"]\nrun = [\"x\"]\nneeds = [\"a\\nb\"]\n", `f.toml:3: commands.a\nb.needs: cycle: a\nb -> a\nb`},

		// The reader's errors, with the file's name.
		{"[signals\n", `f.toml:1: expected ']' to close the table header`},
		{"grace = 1979-05-27\n", `f.toml:1: grace: dates and times are not supported in tinyinit's config`},
	}
	for _, c := range cases {
		f, err := parseFile("f.toml", []byte(c.in))
		if err == nil {
			_, err = f.layer()
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.err) || strings.Contains(err.Error(), "\n") {
			t.Errorf("parseFile(%q): %v\nwant one line starting %q", c.in, err, c.err)
		}
		if _, ok := err.(*UsageError); err != nil && !ok {
			t.Errorf("parseFile(%q): error %T, want *UsageError", c.in, err)
		}
	}
}

// TestParseFileValues: the schema fields as decoded.
func TestParseFileValues(t *testing.T) {
	const config = `grace = 1.5
group = true
no_shim = false
verbose = 2
stop_signals = ["TERM", "INT"]
signals = { TERM = "QUIT", HUP = 0 }
[hostname]
template = "{workload}-{index}.{host}"
workload = "w"
index = "1"
host_fqdn = "h.example"
host_fqdn_file = "/f"
hostname_env = "fqdn"
[bootstrap]
run = ["setup"]
[commands.web]
description = "d"
run = ["puma", "-p", "80"]
check = []
env.ROLE = "web"
workdir = "/app"
grace = "20s"
group = false
stop_signals = ["QUIT"]
needs = ["bootstrap"]
signals.TERM = 3
`
	// An empty list is not a missing one.
	_, err := parseFile("f.toml", []byte(config))
	if err == nil || !strings.Contains(err.Error(), "f.toml:19: commands.web.check: must name a program, or be left out") {
		t.Fatalf("check = []: %v", err)
	}
	f, err := parseFile("f.toml", []byte(strings.Replace(config, "check = []\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	w := f.Commands["web"]
	switch {
	case f.Grace != 1.5 || *f.Group != true || *f.NoShim != false || *f.Verbose != 2:
		t.Errorf("top level: %v %v %v %v", f.Grace, *f.Group, *f.NoShim, *f.Verbose)
	case strings.Join(f.StopSignals, ",") != "TERM,INT" || f.Signals["TERM"] != "QUIT" || f.Signals["HUP"] != int64(0):
		t.Errorf("signals: %v %v", f.StopSignals, f.Signals)
	case *f.Hostname != HostnameSection{"{workload}-{index}.{host}", "w", "1", "h.example", "/f", "fqdn"}:
		t.Errorf("hostname: %+v", *f.Hostname)
	case strings.Join(f.Bootstrap.Run, " ") != "setup":
		t.Errorf("bootstrap: %+v", *f.Bootstrap)
	case w.Description != "d" || strings.Join(w.Run, " ") != "puma -p 80" || w.Check != nil || w.Env["ROLE"] != "web" ||
		w.Workdir != "/app" || w.Grace != "20s" || *w.Group || w.StopSignals[0] != "QUIT" || w.Needs[0] != "bootstrap" || w.Signals["TERM"] != int64(3):
		t.Errorf("commands.web: %+v", w)
	}
}
