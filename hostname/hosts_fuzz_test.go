package hostname

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzEditHosts: whatever the runtime or the image left in /etc/hosts,
// editing it never panics, keeps every line that is not tinyinit's own,
// makes the FQDN resolvable, and is idempotent, so a restarted container
// does not grow its hosts file.
func FuzzEditHosts(f *testing.F) {
	for _, s := range []struct{ content, fqdn, runtime string }{
		{"127.0.0.1\tlocalhost\n172.17.0.2\tabc123\n", "web-1.example.com", "abc123"},
		{"127.0.0.1 localhost\n127.0.1.1\tweb-1.example.com web-1\t# added by tinyinit\n", "web-1.example.com", ""},
		{"10.0.0.5 WEB-1.EXAMPLE.COM\n", "web-1.example.com", "x"},
		{"::1 abc\nfe80::1%eth0 abc\n0.0.0.0 abc\n", "a.b", "abc"},
		{"no newline at the end", "a", ""},
		{"# comment abc\n1.2.3.4 # abc\n\r\n", "a.b.c", "abc"},
		{"", "host", ""},
	} {
		f.Add([]byte(s.content), s.fqdn, s.runtime)
	}
	f.Fuzz(func(t *testing.T, content []byte, fqdn, runtimeName string) {
		if Validate(fqdn) != nil {
			return // Apply only ever edits with a valid name
		}
		once := editHosts(content, fqdn, runtimeName)
		if twice := editHosts(once, fqdn, runtimeName); !bytes.Equal(once, twice) {
			t.Fatalf("editHosts is not idempotent on %q:\nonce  %q\ntwice %q", content, once, twice)
		}
		for _, line := range strings.SplitAfter(string(content), "\n") {
			if line != "" && !strings.HasSuffix(strings.TrimSpace(line), hostsMarker) && !strings.Contains(string(once), line) {
				t.Fatalf("editHosts(%q) lost line %q", content, line)
			}
		}
		if !resolves(once, fqdn) {
			t.Fatalf("editHosts(%q, %q) = %q: the name is not mapped", content, fqdn, once)
		}
	})
}

// resolves reports whether some line of a hosts file maps name, as a
// resolver reads it: address, then names, up to a '#'.
func resolves(content []byte, name string) bool {
	for _, line := range strings.Split(string(content), "\n") {
		body, _, _ := strings.Cut(line, "#")
		fields := strings.Fields(body)
		for _, n := range fields[min(1, len(fields)):] {
			if strings.EqualFold(n, name) {
				return true
			}
		}
	}
	return false
}
