package signals

import "testing"

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
		for from := range m {
			if !Forwardable(from) {
				t.Fatalf("ParseMap(%q) accepted unforwardable %v", s, from)
			}
		}
		again, err := ParseMap(m.String())
		if err != nil || again.String() != m.String() {
			t.Fatalf("round trip of %q: %q then %q, %v", s, m.String(), again.String(), err)
		}
	})
}
