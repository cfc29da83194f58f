package signals

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzParse: any text is a signal in 1..64 or an error, never a panic, and
// every signal Parse accepts is found again under each of the spellings
// Name and --check print, so what tinyinit shows a user reads back the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"TERM", "sigterm", " 15 ", "SIGRTMIN+2", "RTMAX-30", "RTMIN+31", "RTMIN-1", "RTMAX+1", "rtmin+-1", "IOT", "CLD", "0", "65", "-1", "+3", "SIG", "SIGSIGTERM", "9223372036854775808", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := Parse(s)
		if err != nil {
			return
		}
		if sig < 1 || sig > rtMax {
			t.Fatalf("Parse(%q) = %d, outside 1..%d", s, sig, rtMax)
		}
		spellings := []string{Name(sig), strconv.Itoa(int(sig))}
		if _, err := strconv.Atoi(Name(sig)); err != nil {
			// 32 and 33 have no name (glibc's own); "SIG32" is nobody's spelling.
			spellings = append(spellings, "SIG"+Name(sig))
		}
		for _, again := range spellings {
			if got, err := Parse(again); err != nil || got != sig {
				t.Fatalf("Parse(%q) = %d, but Parse(%q) = %d, %v", s, sig, again, got, err)
			}
		}
	})
}

// FuzzParseMap: any input gives a valid map or an error, never a panic, and
// a valid map survives a round trip through its own String form.
func FuzzParseMap(f *testing.F) {
	for _, s := range []string{"TERM:QUIT", "15:3,INT:QUIT", "HUP:none", "15:0", "RTMIN+2:RTMAX", "TERM=QUIT INT=USR1", "KILL:TERM", ":", "SIG:SIG", "99:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMap(s)
		if err != nil {
			return
		}
		for from, to := range m {
			if !Forwardable(from) {
				t.Fatalf("ParseMap(%q) accepted unforwardable %v", s, from)
			}
			if to != Drop && (to < 1 || to > unix.Signal(rtMax)) {
				t.Fatalf("ParseMap(%q) maps %v to %d, not a signal", s, from, to)
			}
		}
		again, err := ParseMap(m.String())
		if err != nil || again.String() != m.String() {
			t.Fatalf("round trip of %q: %q then %q, %v", s, m.String(), again.String(), err)
		}
	})
}
