package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// railsConfig is a Rails-like image's config: a web server, a worker with
// its own TERM→QUIT table, a migration, a bootstrap, and a check. Every
// program is the fixture, so the test sees what ran.
func railsConfig(t *testing.T, bootstrapCode int, checkCode int) string {
	t.Helper()
	f := bins.fixture
	return writeConfig(t, fmt.Sprintf(`grace = "5s"

[bootstrap]
description = "prepare the database"
run = [%[1]q, "say-exit", "bootstrapped", "%[2]d"]

[commands.web]
description = "HTTP API"
run = [%[1]q, "signals", "15"]
check = [%[1]q, "say-exit", "checked", "%[3]d"]
env = { ROLE = "web" }

[commands.worker]
description = "background jobs"
run = [%[1]q, "resque"]
[commands.worker.signals]
TERM = "QUIT"

[commands.migrate]
run = [%[1]q, "say-exit", "migrated", "0"]
needs = ["bootstrap"]

[commands.env]
run = [%[1]q, "getenv", "ROLE"]
env = { ROLE = "from-config" }
workdir = "/tmp"
`, f, bootstrapCode, checkCode))
}

func lines(r *run) []string {
	var out []string
	for l := range r.lines {
		out = append(out, l)
	}
	return out
}

func TestNamedCommandWithOwnTable(t *testing.T) {
	cfg := railsConfig(t, 0, 0)
	r := start(t, "-c", cfg, "--", "worker")
	r.expect("ready", 5*time.Second)
	r.signal(syscall.SIGTERM)
	r.expect("drained", 5*time.Second) // the worker's table sent QUIT
	if code := r.wait(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d; stderr %s", code, r.stderr)
	}
	// The same program run by its path is not the command: no table.
	r = start(t, "-c", cfg, "--", "FIXTURE", "resque")
	r.expect("ready", 5*time.Second)
	r.signal(syscall.SIGTERM)
	r.expect("aborted", 5*time.Second)
	if code := r.wait(5 * time.Second); code != 1 {
		t.Fatalf("exit code %d", code)
	}
}

func TestNamedCommandEnvAndArgs(t *testing.T) {
	cfg := railsConfig(t, 0, 0)
	r := start(t, "-c", cfg, "--", "env", "extra-arg")
	got := lines(r)
	if code := r.wait(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d; stderr %s", code, r.stderr)
	}
	want := []string{"ROLE=from-config", "cwd=/tmp", "args=extra-arg"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("output %q, want %q", got, want)
	}
}

func TestBootstrap(t *testing.T) {
	cases := []struct {
		name      string
		bootstrap int
		check     int
		args      []string
		out       []string
		code      int
		msg       string
	}{
		{"one word", 0, 0, []string{"bootstrap"}, []string{"bootstrapped"}, 0, ""},
		{"one word, failing", 3, 0, []string{"bootstrap"}, []string{"bootstrapped"}, 3, ""},
		{"two words", 0, 0, []string{"bootstrap", "web"}, []string{"bootstrapped", "checked", "ready", "15"}, 0, ""},
		{"two words, bootstrap fails", 4, 0, []string{"bootstrap", "web"}, []string{"bootstrapped"}, 4, `tinyinit: "bootstrap" failed with code 4; not starting what follows`},
		{"needs", 0, 0, []string{"migrate"}, []string{"bootstrapped", "migrated"}, 0, ""},
		{"needs, failing", 5, 0, []string{"migrate"}, []string{"bootstrapped"}, 5, `"bootstrap" failed with code 5`},
		{"check fails", 0, 1, []string{"web"}, []string{"checked"}, 124, `tinyinit: check of "web" failed with code 1`},
		{"check fails after bootstrap", 0, 7, []string{"bootstrap", "web"}, []string{"bootstrapped", "checked"}, 124, `check of "web" failed with code 7`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := start(t, append([]string{"-c", railsConfig(t, c.bootstrap, c.check), "--"}, c.args...)...)
			var got []string
			for len(got) < len(c.out) {
				line := r.next(10 * time.Second)
				got = append(got, line)
				if line == "ready" {
					r.signal(syscall.SIGTERM) // the service runs: stop it
				}
			}
			got = append(got, lines(r)...)
			code := r.wait(10 * time.Second)
			if strings.Join(got, "|") != strings.Join(c.out, "|") || code != c.code {
				t.Fatalf("output %q code %d, want %q code %d; stderr %s", got, code, c.out, c.code, r.stderr)
			}
			if c.msg != "" && !strings.Contains(r.stderr.String(), c.msg) {
				t.Fatalf("stderr %q lacks %q", r.stderr, c.msg)
			}
		})
	}
}

// TERM during the bootstrap stops it and the container ends: the service
// is never started.
func TestTermDuringBootstrap(t *testing.T) {
	cfg := writeConfig(t, fmt.Sprintf(`[bootstrap]
run = [%[1]q, "resque"]
[commands.web]
run = [%[1]q, "say-exit", "web started", "0"]
`, bins.fixture))
	for _, c := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"bootstrap aborts", nil, "aborted", 1},
		// It drains and exits 0, but the container is stopping all the same.
		{"bootstrap drains", []string{"--map", "TERM:QUIT"}, "drained", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := start(t, append(append([]string{"-c", cfg}, c.args...), "--", "bootstrap", "web")...)
			r.expect("ready", 5*time.Second)
			r.signal(syscall.SIGTERM)
			r.expect(c.want, 5*time.Second)
			if rest := lines(r); len(rest) > 0 {
				t.Fatalf("after the bootstrap, output %q: the service started", rest)
			}
			if code := r.wait(5 * time.Second); code != c.code {
				t.Fatalf("exit code %d, want %d", code, c.code)
			}
		})
	}
}

func TestList(t *testing.T) {
	r := start(t, "-c", railsConfig(t, 0, 0), "--list")
	got := lines(r)
	if code := r.wait(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d; stderr %s", code, r.stderr)
	}
	want := []string{
		"bootstrap  prepare the database",
		"env        " + bins.fixture + " getenv ROLE",
		"migrate    " + bins.fixture + " say-exit migrated 0",
		"web        HTTP API",
		"worker     background jobs",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("--list printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCommandBadInput(t *testing.T) {
	f := bins.fixture
	cases := []struct {
		name   string
		config string
		args   []string
		msg    string
	}{
		{"unknown command", "[commands.web]\nrun = [\"x\"]\n", []string{"webb"}, `tinyinit: "webb" is neither a command in`},
		{"missing bootstrap", "[commands.web]\nrun = [\"x\"]\n", []string{"bootstrap", "web"}, `tinyinit: "bootstrap" is neither a command in`},
		{"empty run", "[commands.web]\nrun = []\n", []string{"web"}, ".toml:2: commands.web.run: must name a program"},
		{"no run", "[commands.web]\ndescription = \"y\"\n", []string{"web"}, ".toml:1: commands.web.run: must name a program"},
		{"empty bootstrap", "[bootstrap]\nrun = [\"\"]\n", []string{"bootstrap"}, "bootstrap.run: must name a program"},
		{"cycle", "[commands.a]\nrun = [\"x\"]\nneeds = [\"b\"]\n[commands.b]\nrun = [\"x\"]\nneeds = [\"a\"]\n", []string{"a"}, "needs: cycle: a -> b -> a"},
		{"self cycle", "[commands.a]\nrun = [\"x\"]\nneeds = [\"a\"]\n", []string{"a"}, ".toml:3: commands.a.needs: cycle: a -> a"},
		{"unknown need", "[commands.a]\nrun = [\"x\"]\nneeds = [\"bootstrap\"]\n", []string{"a"}, `.toml:3: commands.a.needs: "bootstrap" is not a command`},
		{"bad command table", "[commands.a]\nrun = [\"x\"]\n[commands.a.signals]\nTERM = \"QUITE\"\n", []string{"a"}, `.toml:4: commands.a.signals.TERM: unknown signal "QUITE"`},
		{"unknown key", "[commands.a]\nrun = [\"x\"]\ncmd = [\"y\"]\n", []string{"a"}, `.toml:3: unknown key "commands.a.cmd"`},
		{"slash in name", "[commands.\"a/b\"]\nrun = [\"x\"]\n", []string{"x"}, "cannot contain '/'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := writeConfig(t, strings.ReplaceAll(c.config, "\"x\"", fmt.Sprintf("%q, \"say-exit\", \"started\", \"0\"", f)))
			r := start(t, append([]string{"-c", cfg, "--"}, c.args...)...)
			code := r.wait(5 * time.Second)
			msg := strings.TrimSpace(r.stderr.String())
			if code != 2 || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "tinyinit: ") || !strings.Contains(msg, c.msg) {
				t.Fatalf("exit %d, stderr %q; want 2 and one line containing %q", code, msg, c.msg)
			}
			if out := lines(r); len(out) > 0 {
				t.Fatalf("something ran: %q", out)
			}
		})
	}
}

// A name that is not a command but is a program still runs, and a path
// always means a program, even when a command has that name.
func TestProgramsBesideCommands(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "web")
	if err := os.Symlink(bins.fixture, link); err != nil {
		t.Fatal(err)
	}
	cfg := railsConfig(t, 0, 0)
	r := startEnv(t, []string{"PATH=" + dir + ":/usr/bin:/bin"}, "-c", cfg, "--", link, "say-exit", "the program", "0")
	if got := lines(r); len(got) != 1 || got[0] != "the program" {
		t.Fatalf("output %q", got)
	}
	r.wait(5 * time.Second)
	r = start(t, "-c", cfg, "--", "true")
	if code := r.wait(5 * time.Second); code != 0 {
		t.Fatalf("true: exit %d; stderr %s", code, r.stderr)
	}
}

// The example config the README and examples/Dockerfile ship must load.
func TestExampleConfig(t *testing.T) {
	cfg, err := filepath.Abs("../examples/tinyinit.toml")
	if err != nil {
		t.Fatal(err)
	}
	r := startEnv(t, []string{"TINYINIT_HOST_FQDN=server2.example.com"}, "-c", cfg, "--check", "--", "bootstrap", "web")
	out := strings.Join(lines(r), "\n")
	if code := r.wait(5 * time.Second); code != 0 {
		t.Fatalf("--check: exit %d; stderr %s", code, r.stderr)
	}
	for _, want := range []string{"TERM:QUIT", "bundle exec rake db:prepare", "bundle exec unicorn"} {
		if !strings.Contains(out, want) {
			t.Errorf("--check output lacks %q:\n%s", want, out)
		}
	}
}

// Regression: --check with no command checks the config alone. It once
// panicked (index out of range, exit 2 with a Go trace) instead.
func TestCheckWithoutCommand(t *testing.T) {
	cfg, err := filepath.Abs("../examples/tinyinit.toml")
	if err != nil {
		t.Fatal(err)
	}
	r := startEnv(t, []string{"TINYINIT_HOST_FQDN=server2.example.com"}, "-c", cfg, "--check")
	out := strings.Join(lines(r), "\n")
	if code := r.wait(5 * time.Second); code != 0 || r.stderr.String() != "" {
		t.Fatalf("--check: exit %d; stderr %q", code, r.stderr.String())
	}
	if !strings.Contains(out, "(none given)") || !strings.Contains(out, "TERM:QUIT") {
		t.Errorf("--check output:\n%s\nwant the config's settings and no command", out)
	}
}
