package signals

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want unix.Signal
		err  bool
	}{
		{"TERM", unix.SIGTERM, false},
		{"SIGTERM", unix.SIGTERM, false},
		{"sigterm", unix.SIGTERM, false},
		{" term ", unix.SIGTERM, false},
		{"15", unix.SIGTERM, false},
		{"3", unix.SIGQUIT, false},
		{"QUIT", unix.SIGQUIT, false},
		{"IOT", unix.SIGABRT, false},
		{"CLD", unix.SIGCHLD, false},
		{"RTMIN", 34, false},
		{"SIGRTMIN+3", 37, false},
		{"RTMAX-1", 63, false},
		{"64", 64, false},
		{"0", 0, true},
		{"65", 0, true},
		{"-1", 0, true},
		{"", 0, true},
		{"SIG", 0, true},
		{"TERMINATE", 0, true},
		{"RTMIN+31", 0, true},
		{"RTMAX+1", 0, true},
		{"RTMIN+", 0, true},
		{"RTMIN+-1", 0, true},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestNameRoundTrip(t *testing.T) {
	for s := unix.Signal(1); s <= rtMax; s++ {
		got, err := Parse(Name(s))
		if err != nil || got != s {
			t.Errorf("Parse(Name(%d)=%q) = %v, %v", s, Name(s), got, err)
		}
	}
	if Name(unix.SIGTERM) != "TERM" || Name(36) != "RTMIN+2" {
		t.Errorf("names: %q %q", Name(unix.SIGTERM), Name(36))
	}
}

func TestParseMap(t *testing.T) {
	cases := []struct {
		in   string
		want string // Map.String of the result
		err  bool
	}{
		{"TERM:QUIT", "TERM:QUIT", false},
		{"15:3", "TERM:QUIT", false},
		{"TERM:QUIT,INT:QUIT", "INT:QUIT,TERM:QUIT", false},
		{"TERM=QUIT INT=QUIT", "INT:QUIT,TERM:QUIT", false},
		{"15:0", "TERM:none", false},
		{"HUP:none", "HUP:none", false},
		{"", "", false},
		{"TERM", "", true},
		{"TERM:", "", true},
		{"KILL:TERM", "", true},
		{"STOP:TERM", "", true},
		{"CHLD:TERM", "", true},
		{"TERM:BOGUS", "", true},
		{"99:1", "", true},
	}
	for _, c := range cases {
		m, err := ParseMap(c.in)
		if (err != nil) != c.err {
			t.Errorf("ParseMap(%q) error %v, want error %v", c.in, err, c.err)
			continue
		}
		if err == nil && m.String() != c.want {
			t.Errorf("ParseMap(%q) = %q, want %q", c.in, m.String(), c.want)
		}
	}
}

func TestTranslate(t *testing.T) {
	m := Map{unix.SIGTERM: unix.SIGQUIT, unix.SIGHUP: Drop}
	cases := []struct{ in, want unix.Signal }{
		{unix.SIGTERM, unix.SIGQUIT},
		{unix.SIGHUP, Drop},
		{unix.SIGINT, unix.SIGINT},
		{unix.SIGQUIT, unix.SIGQUIT},
	}
	for _, c := range cases {
		if got := m.Translate(c.in); got != c.want {
			t.Errorf("Translate(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestForwarded(t *testing.T) {
	seen := map[unix.Signal]bool{}
	for _, s := range Forwarded() {
		seen[s.(unix.Signal)] = true
	}
	for _, s := range []unix.Signal{unix.SIGKILL, unix.SIGSTOP, unix.SIGCHLD} {
		if seen[s] {
			t.Errorf("%v must not be forwarded", s)
		}
	}
	for _, s := range []unix.Signal{unix.SIGTERM, unix.SIGURG, unix.SIGWINCH, unix.SIGTSTP, unix.SIGSEGV, 34, 64} {
		if !seen[s] {
			t.Errorf("%v must be forwarded", s)
		}
	}
	if len(seen) != 64-3 {
		t.Errorf("%d signals forwarded, want 61", len(seen))
	}
}
