package hostname

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestEnv(t *testing.T) {
	const lib = "/sbin/libtinyinit-fqdn.so"
	const fqdn = "web-1.example.com"
	tests := []struct {
		name string
		r    Result
		base []string
		want []string
	}{
		{name: "sethostname: FQDN only",
			r:    Result{FQDN: fqdn},
			base: []string{"PATH=/bin", "HOSTNAME=web-1"},
			want: []string{"PATH=/bin", "HOSTNAME=web-1", "TINYINIT_FQDN=" + fqdn}},
		{name: "stale FQDN replaced",
			r:    Result{FQDN: fqdn},
			base: []string{"TINYINIT_FQDN=old", "A=1", "TINYINIT_FQDN=older"},
			want: []string{"A=1", "TINYINIT_FQDN=" + fqdn}},
		{name: "preload set",
			r:    Result{FQDN: fqdn, Preload: lib},
			base: []string{"A=1"},
			want: []string{"A=1", "TINYINIT_FQDN=" + fqdn, "LD_PRELOAD=" + lib}},
		{name: "preload appended, never clobbered",
			r:    Result{FQDN: fqdn, Preload: lib},
			base: []string{"LD_PRELOAD=/usr/lib/libjemalloc.so.2"},
			want: []string{"TINYINIT_FQDN=" + fqdn, "LD_PRELOAD=/usr/lib/libjemalloc.so.2:" + lib}},
		{name: "preload already there",
			r:    Result{FQDN: fqdn, Preload: lib},
			base: []string{"LD_PRELOAD=/a.so " + lib},
			want: []string{"TINYINIT_FQDN=" + fqdn, "LD_PRELOAD=/a.so " + lib}},
		{name: "empty preload value",
			r:    Result{FQDN: fqdn, Preload: lib},
			base: []string{"LD_PRELOAD=:"},
			want: []string{"TINYINIT_FQDN=" + fqdn, "LD_PRELOAD=" + lib}},
		{name: "first LD_PRELOAD wins, as in C",
			r:    Result{FQDN: fqdn, Preload: lib},
			base: []string{"LD_PRELOAD=/a.so", "LD_PRELOAD=/b.so"},
			want: []string{"TINYINIT_FQDN=" + fqdn, "LD_PRELOAD=/a.so:" + lib}},
		{name: "HOSTNAME when asked",
			r:    Result{FQDN: fqdn, setHOSTNAME: true},
			base: []string{"HOSTNAME=web-1"},
			want: []string{"TINYINIT_FQDN=" + fqdn, "HOSTNAME=" + fqdn}},
	}
	for _, tt := range tests {
		base := slices.Clone(tt.base)
		got := tt.r.Env(base)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: Env(%q) = %q; want %q", tt.name, tt.base, got, tt.want)
		}
		if !slices.Equal(base, tt.base) {
			t.Errorf("%s: Env modified its argument: %q", tt.name, base)
		}
	}
}

func TestEditHosts(t *testing.T) {
	const fqdn = "web-1.server2.example.com"
	const ours = "\tweb-1.server2.example.com web-1\t" + hostsMarker + "\n"
	docker := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n172.17.0.2\tabc123\n"
	tests := []struct {
		name, in, runtime, want string
	}{
		{name: "empty file", in: "", runtime: "abc123", want: "127.0.1.1" + ours},
		{name: "docker: container address", in: docker, runtime: "abc123", want: docker + "172.17.0.2" + ours},
		{name: "loopback line is not the address", in: "127.0.0.1 localhost abc123\n", runtime: "abc123", want: "127.0.0.1 localhost abc123\n127.0.1.1" + ours},
		{name: "no final newline", in: "127.0.0.1 localhost", runtime: "x", want: "127.0.0.1 localhost\n127.0.1.1" + ours},
		{name: "second start changes nothing", in: docker + "172.17.0.2" + ours, runtime: "abc123", want: docker + "172.17.0.2" + ours},
		{name: "old line replaced", in: "127.0.1.1\told.example old\t" + hostsMarker + "\n" + docker, runtime: "abc123", want: docker + "172.17.0.2" + ours},
		{name: "operator mapping kept", in: "10.0.0.5 WEB-1.server2.example.com # mine\n", runtime: "abc123", want: "10.0.0.5 WEB-1.server2.example.com # mine\n"},
		{name: "comment naming the FQDN is not a mapping", in: "# web-1.server2.example.com\n", runtime: "x", want: "# web-1.server2.example.com\n127.0.1.1" + ours},
	}
	for _, tt := range tests {
		got := string(editHosts([]byte(tt.in), fqdn, tt.runtime))
		if got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
	if got := string(editHosts(nil, "single", "x")); got != "127.0.1.1\tsingle\t"+hostsMarker+"\n" {
		t.Errorf("single-label name: got %q", got)
	}
}

func TestUpdateHostsTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(path, []byte("127.0.0.1 localhost\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	for i, wantChanged := range []bool{true, false} {
		changed, err := updateHosts(path, "web-1.example.com", "abc")
		if err != nil || changed != wantChanged {
			t.Fatalf("start %d: changed=%v err=%v; want changed=%v", i+1, changed, err, wantChanged)
		}
	}
	data, _ := os.ReadFile(path)
	if n := strings.Count(string(data), "web-1.example.com"); n != 1 {
		t.Errorf("after two starts the FQDN appears %d times:\n%s", n, data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v; want the original 0640 kept", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".tinyinit-hosts-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A hosts file that is a symlink (into a runtime's directory) is edited
// where it points, and stays a link: resolveLinks asks the kernel for the
// opened file's name.
func TestUpdateHostsThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real", "hosts")
	link := filepath.Join(dir, "hosts")
	if err := os.Mkdir(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real/hosts", link); err != nil {
		t.Fatal(err)
	}
	if got := resolveLinks(link); got != target {
		t.Errorf("resolveLinks(%q) = %q, want %q", link, got, target)
	}
	if got := resolveLinks(filepath.Join(dir, "missing")); got != filepath.Join(dir, "missing") {
		t.Errorf("resolveLinks of a missing file = %q, want the path itself", got)
	}
	if changed, err := updateHosts(link, "web-1.example.com", "abc"); err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced by a file (%v)", err)
	}
	if data, _ := os.ReadFile(target); !strings.Contains(string(data), "web-1.example.com") {
		t.Errorf("target not edited:\n%s", data)
	}
}

func TestReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	want := strings.Repeat("0123456789", 1000) // more than one read
	if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := readFile(path); err != nil || string(got) != want {
		t.Errorf("readFile: %d bytes, err %v; want %d bytes", len(got), err, len(want))
	}
	_, err := readFile(path + ".missing")
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "open "+path+".missing: ") {
		t.Errorf("missing file: %v; want an open error that is fs.ErrNotExist", err)
	}
}

// writeInPlace is the bind-mount path; it must keep the inode and leave no
// stale bytes whether it appends or rewrites.
func TestWriteInPlace(t *testing.T) {
	tests := []struct{ old, new string }{
		{"a\n", "a\nb\n"},                // append
		{"a\nlong old line\n", "a\nc\n"}, // shrink
		{"a\n", "b\nlonger\n"},           // rewrite
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "hosts")
		if err := os.WriteFile(path, []byte(tt.old), 0o644); err != nil {
			t.Fatal(err)
		}
		before, _ := os.Stat(path)
		if err := writeInPlace(path, []byte(tt.old), []byte(tt.new)); err != nil {
			t.Fatal(err)
		}
		after, _ := os.Stat(path)
		got, _ := os.ReadFile(path)
		if string(got) != tt.new || !os.SameFile(before, after) {
			t.Errorf("%q → %q: got %q (same inode %v)", tt.old, tt.new, got, os.SameFile(before, after))
		}
	}
}

func TestFindLibrary(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, LibraryName)
	if err := os.WriteFile(lib, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := findLibrary(lib); err != nil || got != lib {
		t.Errorf("findLibrary(%q) = %q, %v", lib, got, err)
	}
	if _, err := findLibrary(filepath.Join(dir, "missing.so")); err == nil {
		t.Error("missing library found")
	}
	spaced := filepath.Join(dir, "a b")
	_ = os.Mkdir(spaced, 0o755)
	_ = os.WriteFile(filepath.Join(spaced, LibraryName), nil, 0o644)
	if _, err := findLibrary(filepath.Join(spaced, LibraryName)); err == nil {
		t.Error("a path LD_PRELOAD would split was accepted")
	}
}

func TestIsContainerAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"172.17.0.2": true, "fd00::2": true, "10.0.0.1": true,
		"127.0.0.1": false, "127.0.1.1": false, "::1": false, "::": false, "0.0.0.0": false,
		"localhost": false, "abc123": false, "": false, "fe": false,
	} {
		if got := isContainerAddr(addr); got != want {
			t.Errorf("isContainerAddr(%q) = %v; want %v", addr, got, want)
		}
	}
}
