package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tinyinit.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The Resque case from the brief: with TERM = "QUIT" in the image's config,
// docker stop's TERM lets the job finish; without it the job is aborted.
func TestResqueConfig(t *testing.T) {
	withMap := writeConfig(t, "[signals]\nTERM = \"QUIT\"\n")
	cases := []struct {
		name string
		args []string
		env  string
		want string
		code int
	}{
		{"config file", []string{"-c", withMap}, "", "drained", 0},
		{"TINYINIT_CONFIG", nil, "TINYINIT_CONFIG=" + withMap, "drained", 0},
		{"TINYINIT_MAP", nil, "TINYINIT_MAP=TERM:QUIT", "drained", 0},
		{"no mapping", nil, "", "aborted", 1},
		{"flag over config", []string{"-c", withMap, "--map", "TERM:TERM"}, "", "aborted", 1},
		{"env over config", []string{"-c", withMap}, "TINYINIT_MAP=TERM:TERM", "aborted", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append(append([]string{}, c.args...), "--", "FIXTURE", "resque")
			r := startEnv(t, []string{c.env}, args...)
			r.expect("ready", 5*time.Second)
			r.signal(syscall.SIGTERM)
			r.expect(c.want, 5*time.Second)
			if code := r.wait(5 * time.Second); code != c.code {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, c.code, r.stderr)
			}
		})
	}
}

// An app that ignores every signal is SIGKILLed when the grace period is
// over, and tinyinit exits 137 no later than grace + 1 s. A second TERM
// during the grace period reaches the app too.
func TestGraceEscalation(t *testing.T) {
	for _, mode := range [][]string{nil, {"--no-shim"}} {
		t.Run(strings.Join(append(mode, "grace"), " "), func(t *testing.T) {
			const grace = time.Second
			r := start(t, append(mode, "--grace", "1s", "--", "FIXTURE", "ignore-all")...)
			r.expect("ready", 5*time.Second)
			sent := time.Now()
			r.signal(syscall.SIGTERM)
			r.expect("15", 5*time.Second)
			r.signal(syscall.SIGTERM)
			r.expect("15", 5*time.Second)
			code := r.wait(grace + 5*time.Second)
			took := time.Since(sent)
			if code != 137 {
				t.Fatalf("exit code %d, want 137; stderr: %s", code, r.stderr)
			}
			if took < grace || took > grace+time.Second {
				t.Fatalf("exited %v after TERM, want between the grace period %v and a second more", took, grace)
			}
			if !strings.Contains(r.stderr.String(), "sending SIGKILL to its process group") {
				t.Fatalf("stderr %q lacks the escalation line", r.stderr)
			}
		})
	}
}

// Without a grace period tinyinit never kills the app itself.
func TestNoGraceNoEscalation(t *testing.T) {
	r := start(t, "--", "FIXTURE", "ignore-all")
	r.expect("ready", 5*time.Second)
	r.signal(syscall.SIGTERM)
	r.expect("15", 5*time.Second)
	select {
	case <-r.done:
		t.Fatalf("tinyinit exited (%d) with no grace period set", r.code)
	case <-time.After(1500 * time.Millisecond):
	}
}

// -g delivers to the app's process group: a child of the app that shares
// its group gets the signal too.
func TestGroupDelivery(t *testing.T) {
	cases := []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"-g"}, "", "group"},
		{nil, "TINYINIT_GROUP=1", "group"},
		{nil, "", "app only"},
	}
	for _, c := range cases {
		t.Run(c.want+c.env, func(t *testing.T) {
			args := append(append([]string{}, c.args...), "--", "FIXTURE", "group-probe")
			r := startEnv(t, []string{c.env}, args...)
			r.expect("ready", 5*time.Second)
			r.signal(syscall.SIGUSR1)
			r.expect(c.want, 5*time.Second)
			r.signal(syscall.SIGTERM)
			r.wait(5 * time.Second)
		})
	}
}

// Bad input of every kind: one line "tinyinit: ..." on stderr, exit 2,
// and the app never started (it would print "started").
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.toml")
	if err := os.WriteFile(big, []byte(strings.Repeat("# padding\n", 200000)), 0o644); err != nil {
		t.Fatal(err)
	}
	unreadable := writeConfig(t, "grace = \"1s\"\n")
	cases := []struct {
		name string
		args []string
		env  string
		msg  string
	}{
		{"unknown signal in --map", []string{"--map", "TERM:QUITE"}, "", `tinyinit: --map "TERM:QUITE": unknown signal "QUITE"`},
		{"KILL as a source", []string{"--map", "KILL:TERM"}, "", "tinyinit: --map"},
		{"unknown option", []string{"--frobnicate"}, "", "tinyinit: unknown option --frobnicate"},
		{"bad --grace", []string{"--grace", "soon"}, "", `tinyinit: --grace: "soon" is not a duration`},
		{"bad TINYINIT_MAP", nil, "TINYINIT_MAP=TERM", "tinyinit: TINYINIT_MAP:"},
		{"bad TINYINIT_GRACE", nil, "TINYINIT_GRACE=-3s", "tinyinit: TINYINIT_GRACE:"},
		{"bad TINYINIT_GROUP", nil, "TINYINIT_GROUP=maybe", "tinyinit: TINYINIT_GROUP:"},
		{"malformed TOML", []string{"-c", writeConfig(t, "grace = \"1s\"\n[signals\n")}, "", ".toml:2: "},
		{"unknown key", []string{"-c", writeConfig(t, "grace = \"1s\"\ngrase = \"2s\"\n")}, "", `.toml:2: unknown key "grase"`},
		{"wrong type", []string{"-c", writeConfig(t, "group = \"yes\"\n")}, "", ".toml:1: group: want bool, not a TOML string"},
		{"unknown signal in config", []string{"-c", writeConfig(t, "\n[signals]\nTERM = \"QUITE\"\n")}, "", `.toml:3: signals.TERM: unknown signal "QUITE"`},
		{"bad duration in config", []string{"-c", writeConfig(t, "grace = \"10 seconds\"\n")}, "", `.toml:1: grace: "10 seconds" is not a duration`},
		{"missing config", []string{"-c", filepath.Join(dir, "nope.toml")}, "", "nope.toml: config not found"},
		{"config is a directory", []string{"-c", dir}, "", "config is not a regular file but a directory"},
		{"config is a FIFO", []string{"-c", fifo}, "", "config is not a regular file but a FIFO"},
		{"config is a symlink loop", []string{"-c", loop}, "", "cannot read config: too many levels of symbolic links"},
		{"config of 2 MB", []string{"-c", big}, "", "config is larger than"},
		{"unreadable config", []string{"-c", unreadable}, "NOBODY", "cannot read config: permission denied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append(append([]string{}, c.args...), "--", "FIXTURE", "leave-children", "0", "x", "0")
			var r *run
			if c.env == "NOBODY" {
				// root reads anything: drop to nobody for this one.
				if err := os.Chmod(unreadable, 0o600); err != nil {
					t.Fatal(err)
				}
				r = startAs(t, 65534, args...)
			} else {
				r = startEnv(t, []string{c.env}, args...)
			}
			code := r.wait(5 * time.Second)
			msg := strings.TrimSpace(r.stderr.String())
			if code != 2 {
				t.Fatalf("exit code %d, want 2; stderr: %q", code, msg)
			}
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "tinyinit: ") || !strings.Contains(msg, c.msg) {
				t.Fatalf("stderr %q, want one tinyinit: line containing %q", msg, c.msg)
			}
			for line := range r.lines {
				t.Fatalf("the app ran and printed %q", line)
			}
		})
	}
}

// --check validates and prints the effective settings with their sources,
// and starts nothing.
func TestCheck(t *testing.T) {
	cfg := writeConfig(t, "grace = \"7s\"\n[signals]\nTERM = \"QUIT\"\nHUP = \"none\"\n")
	r := startEnv(t, []string{"TINYINIT_MAP=INT:QUIT"}, "-c", cfg, "--check", "--", "FIXTURE", "leave-children", "0", "x", "0")
	var out []string
	for line := range r.lines {
		out = append(out, line)
	}
	if code := r.wait(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d; stderr: %s", code, r.stderr)
	}
	text := strings.Join(out, "\n")
	for _, want := range []string{"TERM:QUIT", "(config " + cfg + ")", "INT:QUIT", "(env)", "HUP:none", "7s", "leave-children"} {
		if !strings.Contains(text, want) {
			t.Errorf("--check output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "started") {
		t.Errorf("--check started the app:\n%s", text)
	}
}
