package integration

// The workload FQDN (issue 8), seen from programs the way users run them.
// Every tinyinit here runs in its own UTS and mount namespaces with a
// temporary file bound over /etc/hosts: a mistake must not rename the
// machine or edit its hosts file.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	hnRuntimeName = "abc123" // what a runtime's --hostname would have set
	hnFQDN        = "unicorn-1.server2.example.com"
)

// hnEnv names the container the way an operator would.
var hnEnv = []string{"TINYINIT_WORKLOAD=unicorn", "TINYINIT_INDEX=1", "TINYINIT_HOST_FQDN=server2.example.com"}

// hnBinary is tinyinit, with the preload library beside it.
func hnBinary(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates UTS, mount and pid namespaces")
	}
	bin := os.Getenv("TINYINIT_BIN")
	if bin == "" {
		root, err := filepath.Abs("..")
		if err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("make", "-C", root, "build", "preload").CombinedOutput(); err != nil {
			t.Fatalf("make build preload: %v\n%s", err, out)
		}
		bin = filepath.Join(root, "bin", "tinyinit")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(bin), "libtinyinit-fqdn.so")); err != nil {
		t.Fatalf("the preload library must be beside %s (make preload): %v", bin, err)
	}
	return bin
}

func hnNeed(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
}

// hnContainer is one start of a container: a fresh UTS, mount and pid
// namespace named hnRuntimeName, with hosts bound over /etc/hosts.
type hnContainer struct {
	hosts    string   // the file seen as /etc/hosts
	readOnly bool     // bind it read-only
	noAdmin  bool     // drop CAP_SYS_ADMIN, as Docker's defaults do
	env      []string // added to a clean environment
}

// run starts tinyinit with args; it returns stdout, stderr and exit code.
func (c hnContainer) run(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	hnNeed(t, "unshare", "mount", "hostname", "setpriv")
	setup := `set -e; mount --bind "$HN_HOSTS" /etc/hosts; ` +
		`if [ -n "$HN_RO" ]; then mount -o remount,bind,ro /etc/hosts; fi; ` +
		`hostname ` + hnRuntimeName + `; exec "$@"`
	argv := []string{"--uts", "--mount", "--pid", "--fork", "sh", "-c", setup, "sh"}
	if c.noAdmin {
		argv = append(argv, "setpriv", "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin")
	}
	argv = append(append(argv, bin), args...)
	cmd := exec.Command("unshare", argv...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HN_HOSTS=" + c.hosts, "HOME=" + os.Getenv("HOME")}, c.env...)
	if c.readOnly {
		cmd.Env = append(cmd.Env, "HN_RO=1")
	}
	// The coverage build of tinyinit (make test) writes its counters to
	// GOCOVERDIR, and warns on stderr when it is missing.
	if d := os.Getenv("GOCOVERDIR"); d != "" {
		cmd.Env = append(cmd.Env, "GOCOVERDIR="+d)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("tinyinit %q did not finish; stderr:\n%s", args, stderr.String())
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

func hnHostsFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(p, []byte("127.0.0.1\tlocalhost\n172.17.0.2\t"+hnRuntimeName+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// hnBuild compiles a test program; gcc and musl-gcc build C, "go" builds a
// static Go program.
func hnBuild(t *testing.T, compiler, src, ext string) string {
	t.Helper()
	hnNeed(t, compiler)
	dir := t.TempDir()
	file := filepath.Join(dir, "main."+ext)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "prog")
	cmd := exec.Command(compiler, "-o", out, file)
	if compiler == "go" {
		cmd = exec.Command("go", "build", "-o", out, file)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GO111MODULE=off")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", compiler, err, b)
	}
	return out
}

const hnCProgram = `#include <stdio.h>
#include <unistd.h>
#include <sys/utsname.h>
int main(void) {
	char name[256];
	struct utsname u;
	if (gethostname(name, sizeof name) || uname(&u)) { perror("hostname"); return 1; }
	printf("gethostname=%s\nuname=%s\n", name, u.nodename);
	return 0;
}
`

const hnGoProgram = `package main

import (
	"fmt"
	"os"
)

func main() {
	name, err := os.Hostname()
	if err != nil {
		panic(err)
	}
	fmt.Printf("static=%s\n", name)
}
`

// hnLines checks that output holds each wanted line, in order of want.
func hnLines(t *testing.T, out string, want ...string) {
	t.Helper()
	got := strings.Split(strings.TrimSpace(out), "\n")
	for i, w := range want {
		if i >= len(got) || got[i] != w {
			t.Errorf("line %d: want %q\nfull output:\n%s", i+1, w, out)
			return
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d lines, want %d:\n%s", len(got), len(want), out)
	}
}

// In its own UTS namespace with CAP_SYS_ADMIN (unshare as root), tinyinit
// sets the kernel's name: every program sees the FQDN, static ones too, and
// no library is preloaded.
func TestHostnameSethostname(t *testing.T) {
	bin := hnBinary(t)
	static := hnBuild(t, "go", hnGoProgram, "go")
	c := hnContainer{hosts: hnHostsFile(t), env: hnEnv}
	out, stderr, code := c.run(t, bin, "-v", "--hostname", "{workload}-{index}.{host}", "--",
		"sh", "-c", `hostname; uname -n; hostname -f; "$0"; echo "env=$TINYINIT_FQDN preload=${LD_PRELOAD-unset}"`, static)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	hnLines(t, out, hnFQDN, hnFQDN, hnFQDN, "static="+hnFQDN, "env="+hnFQDN+" preload=unset")
	if !strings.Contains(stderr, "set with sethostname(2)") {
		t.Errorf("-v does not say sethostname took effect:\n%s", stderr)
	}
}

// Without CAP_SYS_ADMIN (Docker's default), sethostname is refused and the
// preload library makes dynamically linked programs, glibc and musl, see
// the FQDN; a static program sees the runtime's name (the documented limit).
func TestHostnamePreload(t *testing.T) {
	bin := hnBinary(t)
	hnNeed(t, "python3")
	glibc := hnBuild(t, "gcc", hnCProgram, "c")
	static := hnBuild(t, "go", hnGoProgram, "go")
	// An image's own preload must survive: an empty library stands in.
	own := filepath.Join(t.TempDir(), "libown.so")
	if b, err := exec.Command("gcc", "-shared", "-fPIC", "-x", "c", "/dev/null", "-o", own).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	lib := filepath.Join(filepath.Dir(bin), "libtinyinit-fqdn.so")
	c := hnContainer{hosts: hnHostsFile(t), noAdmin: true, env: append(hnEnv, "LD_PRELOAD="+own)}
	script := `"$0"; hostname; uname -n; hostname -f; python3 -c 'import socket; print(socket.gethostname())'; "$1"; echo "preload=$LD_PRELOAD"`
	out, stderr, code := c.run(t, bin, "-v", "--hostname", "{workload}-{index}.{host}", "--", "sh", "-c", script, glibc, static)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	hnLines(t, out, "gethostname="+hnFQDN, "uname="+hnFQDN, hnFQDN, hnFQDN, hnFQDN, hnFQDN,
		"static="+hnRuntimeName, "preload="+own+":"+lib)
	for _, note := range []string{"sethostname not used: refused", "preload library " + lib} {
		if !strings.Contains(stderr, note) {
			t.Errorf("-v does not say %q:\n%s", note, stderr)
		}
	}

	t.Run("musl", func(t *testing.T) {
		musl := hnBuild(t, "musl-gcc", hnCProgram, "c")
		c := hnContainer{hosts: hnHostsFile(t), noAdmin: true, env: hnEnv}
		out, stderr, code := c.run(t, bin, "--hostname", "{workload}-{index}.{host}", "--", musl)
		if code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, stderr)
		}
		hnLines(t, out, "gethostname="+hnFQDN, "uname="+hnFQDN)
	})
}

// /etc/hosts gets one line for the FQDN, at the address the runtime gave
// the container, however often the container starts; read-only is a
// warning, not a failure.
func TestHostnameHostsFile(t *testing.T) {
	bin := hnBinary(t)
	c := hnContainer{hosts: hnHostsFile(t), env: hnEnv}
	for i := 0; i < 2; i++ {
		if _, stderr, code := c.run(t, bin, "--hostname", "{workload}-{index}.{host}", "--", "true"); code != 0 {
			t.Fatalf("start %d: exit %d; stderr:\n%s", i+1, code, stderr)
		}
	}
	data, err := os.ReadFile(c.hosts)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, hnFQDN) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "172.17.0.2\t"+hnFQDN+" unicorn-1") {
		t.Errorf("after two starts, want one line mapping 172.17.0.2 to %s; hosts file:\n%s", hnFQDN, data)
	}

	t.Run("read-only", func(t *testing.T) {
		ro := hnContainer{hosts: hnHostsFile(t), readOnly: true, env: hnEnv}
		before, _ := os.ReadFile(ro.hosts)
		out, stderr, code := ro.run(t, bin, "--hostname", "{workload}-{index}.{host}", "--", "sh", "-c", "echo ran; hostname")
		if code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, stderr)
		}
		hnLines(t, out, "ran", hnFQDN)
		if n := strings.Count(stderr, "\n"); n != 1 || !strings.HasPrefix(stderr, "tinyinit: ") || !strings.Contains(stderr, "read-only") {
			t.Errorf("want one warning line about the read-only file; stderr:\n%s", stderr)
		}
		if after, _ := os.ReadFile(ro.hosts); !bytes.Equal(before, after) {
			t.Errorf("read-only hosts file changed:\n%s", after)
		}
	})
}

// With only the host's FQDN, the default template keeps the runtime's name.
func TestHostnameDefaultTemplate(t *testing.T) {
	bin := hnBinary(t)
	c := hnContainer{hosts: hnHostsFile(t), env: []string{"TINYINIT_HOST_FQDN=server2.example.com."}}
	out, stderr, code := c.run(t, bin, "--", "hostname")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	hnLines(t, out, hnRuntimeName+".server2.example.com")
}

// Without a template or a host FQDN nothing changes.
func TestHostnameNotAsked(t *testing.T) {
	bin := hnBinary(t)
	c := hnContainer{hosts: hnHostsFile(t)}
	before, _ := os.ReadFile(c.hosts)
	out, stderr, code := c.run(t, bin, "--", "sh", "-c", `hostname; echo "fqdn=${TINYINIT_FQDN-unset}"`)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	hnLines(t, out, hnRuntimeName, "fqdn=unset")
	if after, _ := os.ReadFile(c.hosts); !bytes.Equal(before, after) {
		t.Errorf("hosts file changed:\n%s", after)
	}
}

// A wrong name is a usage error found before anything starts.
func TestHostnameRejected(t *testing.T) {
	bin := hnBinary(t)
	long := strings.Repeat("a", 63)
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"unknown variable", []string{"--hostname", "{workload}.{domain}"}, hnEnv, "unknown variable {domain}"},
		{"unclosed brace", []string{"--hostname", "{workload.x"}, hnEnv, "'{' without '}'"},
		{"stray brace", []string{"--hostname", "web}.x"}, hnEnv, "'}' without '{'"},
		{"missing value", []string{"--hostname", "{workload}-{index}"}, nil, "{workload}, which has no value"},
		{"bad character", []string{"--hostname", "web_1.example.com"}, nil, "not a letter, digit or '-'"},
		{"long label", []string{"--hostname", long + "a.example.com"}, nil, "the limit is 63"},
		{"long name", nil, []string{"TINYINIT_HOSTNAME={workload}.{host}", "TINYINIT_WORKLOAD=" + long,
			"TINYINIT_HOST_FQDN=" + strings.Repeat(long+".", 3)}, "the limit is 253"},
		{"env template", nil, []string{"TINYINIT_HOSTNAME={nope}"}, "unknown variable {nope}"},
		{"missing host file", nil, []string{"TINYINIT_HOST_FQDN_FILE=/nonexistent/host-fqdn"}, "host FQDN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "started")
			c := hnContainer{hosts: hnHostsFile(t), env: tt.env}
			args := append(append([]string(nil), tt.args...), "--", "touch", marker)
			_, stderr, code := c.run(t, bin, args...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "tinyinit: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("want one line 'tinyinit: ...%s...'; stderr:\n%s", tt.want, stderr)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Error("the app ran")
			}
		})
	}
}
