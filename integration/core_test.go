package integration

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// children returns the direct children of pid, from outside the namespace.
func children(pid int) []proc {
	var out []proc
	for _, p := range tree(pid) {
		if p.PPid == pid {
			out = append(out, p)
		}
	}
	return out
}

// waitFor polls cond every 10ms until it holds or within passes.
func waitFor(within time.Duration, cond func() bool) bool {
	end := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func cmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
}

func TestProcessTree(t *testing.T) {
	r := start(t, "--", "FIXTURE", "signals", "15")
	r.expect("ready", 5*time.Second)
	shims := children(r.pid())
	if len(shims) != 1 || shims[0].Comm != "tinyinit-shim" {
		t.Fatalf("pid 1's children = %+v, want exactly the shim", shims)
	}
	apps := children(shims[0].Pid)
	if len(apps) != 1 || !strings.Contains(cmdline(apps[0].Pid), "signals") {
		t.Fatalf("shim's children = %+v, want exactly the app", apps)
	}
	r.signal(syscall.SIGTERM)
	r.expect("15", 5*time.Second)
	if code := r.wait(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
}

func TestProcessTreeNoShim(t *testing.T) {
	r := start(t, "--no-shim", "--", "FIXTURE", "signals", "15")
	r.expect("ready", 5*time.Second)
	kids := children(r.pid())
	if len(kids) != 1 || !strings.Contains(cmdline(kids[0].Pid), "signals") {
		t.Fatalf("pid 1's children = %+v, want exactly the app", kids)
	}
	r.signal(syscall.SIGTERM)
	r.expect("15", 5*time.Second)
	if code := r.wait(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
}

// The app's own view: getppid() is the shim's pid in the namespace, never 1.
func TestAppNeverSeesPpidOne(t *testing.T) {
	r := start(t, "--", "FIXTURE", "ppid-poll", "2s")
	line := r.next(10 * time.Second)
	if code := r.wait(5 * time.Second); code != 0 || !strings.HasPrefix(line, "ppid never 1") {
		t.Fatalf("exit %d, output %q", code, line)
	}
	r = start(t, "--no-shim", "--", "FIXTURE", "ppid")
	if line := r.next(5 * time.Second); line != "1" {
		t.Fatalf("with --no-shim the app's ppid is %s, want 1", line)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		app  []string
		code int
		msg  string // required on stderr
	}{
		{"exit 0", []string{"FIXTURE", "exit", "0"}, 0, ""},
		{"exit 1", []string{"FIXTURE", "exit", "1"}, 1, ""},
		{"exit 3", []string{"FIXTURE", "exit", "3"}, 3, ""},
		{"exit 255", []string{"FIXTURE", "exit", "255"}, 255, ""},
		{"killed by TERM", []string{"FIXTURE", "killself", "15"}, 143, ""},
		{"killed by KILL", []string{"FIXTURE", "killself", "9"}, 137, ""},
		{"not found", []string{"/no/such/program"}, 127, `tinyinit: exec "/no/such/program": not found`},
		{"not found in PATH", []string{"no-such-program-anywhere"}, 127, `tinyinit: exec "no-such-program-anywhere": not found`},
		{"not executable", []string{notExec}, 126, fmt.Sprintf("tinyinit: exec %q: not executable", notExec)},
		{"directory", []string{dir}, 126, "tinyinit: exec"},
	}
	for _, mode := range [][]string{nil, {"--no-shim"}} {
		for _, c := range cases {
			t.Run(strings.Join(append(mode, c.name), " "), func(t *testing.T) {
				args := append(append(append([]string{}, mode...), "--"), c.app...)
				r := start(t, args...)
				if code := r.wait(10 * time.Second); code != c.code {
					t.Fatalf("exit code %d, want %d; stderr: %s", code, c.code, r.stderr)
				}
				if c.msg != "" {
					got := strings.TrimSpace(r.stderr.String())
					if strings.Count(got, "\n") != 0 || !strings.HasPrefix(got, c.msg) {
						t.Fatalf("stderr %q, want one line starting %q", got, c.msg)
					}
				}
			})
		}
	}
}

// An app double-forks 5,000 orphans that all exit at once when it closes a
// pipe. Each orphan's exit takes the kernel a while (5,000 address spaces to
// tear down on 2 cores), so the clock starts when the last orphan has
// exited: from then on, no zombie may stay more than a second.
func TestOrphanStorm(t *testing.T) {
	r := start(t, "--", "FIXTURE", "orphans", "5000", "stay")
	if line := r.next(3 * time.Minute); line != "released 5000" {
		t.Fatalf("app printed %q", line)
	}
	var allExited time.Time
	var ps []proc
	done := waitFor(2*time.Minute, func() bool {
		ps = tree(r.pid())
		z := zombies(ps)
		alive := len(ps) - z - 2 // the shim and the app stay
		if alive > 0 {
			return false
		}
		if allExited.IsZero() {
			allExited = time.Now()
		}
		if z > 0 && time.Since(allExited) > time.Second {
			t.Fatalf("%d zombies still there 1s after the last orphan exited", z)
		}
		return z == 0
	})
	if !done {
		t.Fatalf("orphans still around after 2 minutes: %d processes, %d zombies", len(ps), zombies(ps))
	}
	t.Logf("zero zombies %v after the last orphan exited", time.Since(allExited).Round(time.Millisecond))
	r.signal(syscall.SIGTERM)
	if code := r.wait(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, r.stderr)
	}
}

// The zombie-leak regression test: many short storms in a row, each of
// which must end with tinyinit exiting, none hanging.
func TestOrphanStormsNeverHang(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 20
	}
	for i := 0; i < runs; i++ {
		r := start(t, "--", "FIXTURE", "orphans", "100")
		if code := r.wait(20 * time.Second); code != 0 {
			t.Fatalf("run %d: exit code %d; stderr: %s", i, code, r.stderr)
		}
	}
}

// 10,000 signals sent to pid 1 from outside, one at a time, each
// acknowledged by the app: none may be lost.
func TestSignalRoundTrips(t *testing.T) {
	for _, mode := range [][]string{nil, {"--no-shim"}} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			r := start(t, append(mode, "--", "FIXTURE", "ack")...)
			r.expect("ready", 5*time.Second)
			const n = 10000
			for i := 0; i < n; i++ {
				r.signal(syscall.SIGUSR1)
				select {
				case line := <-r.lines:
					if line != "ack" {
						t.Fatalf("round trip %d: app printed %q", i, line)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("round trip %d of %d: SIGUSR1 lost; stderr: %s", i, n, r.stderr)
				}
			}
			r.signal(syscall.SIGTERM)
			if code := r.wait(5 * time.Second); code != 0 {
				t.Fatalf("exit code %d", code)
			}
		})
	}
}

func TestTermAndMap(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string // signal number the app must see first and exit on
	}{
		{"TERM reaches the app", []string{"--", "FIXTURE", "signals", "15"}, "15"},
		{"TERM mapped to QUIT", []string{"--map", "TERM:QUIT", "--", "FIXTURE", "signals", "3"}, "3"},
		{"mapped by number", []string{"-m", "15:3", "--", "FIXTURE", "signals", "3"}, "3"},
		{"mapped, no shim", []string{"--no-shim", "--map=SIGTERM:sigquit", "--", "FIXTURE", "signals", "3"}, "3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := start(t, c.args...)
			r.expect("ready", 5*time.Second)
			r.signal(syscall.SIGTERM)
			r.expect(c.want, 5*time.Second)
			if code := r.wait(5 * time.Second); code != 0 {
				t.Fatalf("exit code %d", code)
			}
		})
	}
}

// The app exits and leaves children behind: tinyinit ends them and exits
// with the app's code. Children that ignore SIGTERM are SIGKILLed after the
// sweep bound (2 s), so tinyinit cannot exit before it.
func TestAppLeavesChildren(t *testing.T) {
	cases := []struct {
		mode    string
		minTime time.Duration
	}{
		{"exit-on-term", 0},
		{"ignore-term", 2 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			began := time.Now()
			r := start(t, "--", "FIXTURE", "leave-children", "3", c.mode, "7")
			r.expect("started 3", 10*time.Second)
			if code := r.wait(10 * time.Second); code != 7 {
				t.Fatalf("exit code %d, want the app's 7; stderr: %s", code, r.stderr)
			}
			if took := time.Since(began); took < c.minTime {
				t.Fatalf("tinyinit exited after %v, before the sweep bound %v: it did not wait for its children", took, c.minTime)
			}
		})
	}
}

// Not pid 1: tinyinit is a subreaper, and what the app leaves behind must
// not outlive tinyinit (as pid 1 the kernel would hide a bug by killing the
// namespace).
func TestSubreaperLeavesNothing(t *testing.T) {
	cmd := exec.Command(bins.tinyinit, "--", bins.fixture, "leave-children", "3", "ignore-term", "5")
	out, err := cmd.Output()
	if code := exitCode(err); code != 5 {
		t.Fatalf("exit code %d, want 5 (%v)", code, err)
	}
	if !strings.Contains(string(out), "started 3") {
		t.Fatalf("app output %q", out)
	}
	survivors := 0
	for _, p := range tree(1) {
		if p.Comm == "fixture" && strings.Contains(cmdline(p.Pid), bins.fixture+" ignore-term") {
			survivors++
		}
	}
	if survivors > 0 {
		t.Fatalf("%d of the app's children outlived tinyinit", survivors)
	}
}

func TestShimKilled(t *testing.T) {
	r := start(t, "--", "FIXTURE", "signals", "15")
	r.expect("ready", 5*time.Second)
	shims := children(r.pid())
	if len(shims) != 1 {
		t.Fatalf("children of pid 1: %+v", shims)
	}
	if err := syscall.Kill(shims[0].Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(5 * time.Second); code != 125 {
		t.Fatalf("exit code %d, want 125; stderr: %s", code, r.stderr)
	}
	if msg := r.stderr.String(); !strings.HasPrefix(msg, "tinyinit: shim") || !strings.Contains(msg, "killed app") {
		t.Fatalf("stderr %q, want the shim-lost line", msg)
	}
}

// Regression: not pid 1, in a pid namespace whose /proc is the host's,
// the sweep once matched namespace pids against host /proc entries and
// SIGKILLed tinyinit's own threads (exit 137 after 2 s). Without a /proc of
// its own namespace tinyinit must not signal anything it finds there.
func TestSubreaperWithForeignProc(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare not installed")
	}
	cmd := exec.Command("unshare", "--pid", "--fork", "/bin/sh", "-c", bins.tinyinit+" -- "+bins.fixture+" exit 0; echo tinyinit=$?")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "tinyinit=0") {
		t.Fatalf("err %v, output %q; want tinyinit=0", err, out)
	}
}

// The app gets what tinyinit was given and nothing of tinyinit's own: a
// descriptor the runtime passed (socket activation's fd 3) arrives open,
// init's and the shim's descriptors (the status pipe, the runtime's epoll)
// do not, and no signal is blocked or ignored, even one ignored by
// tinyinit's own parent (the test starts tinyinit with SIGUSR2, and signal
// 32 as make does, ignored; without the fix the shim's app saw 32 ignored). The shim is a fork of init
// that runs no Go code, so this is what proves it leaves the app clean.
func TestAppInheritance(t *testing.T) {
	const script = `echo passed >&3 || echo "fd 3 not open"
for n in 4 5 6 7 8 9; do [ -e /proc/self/fd/$n ] && echo "fd $n leaked: $(readlink /proc/self/fd/$n)"; done
grep -E '^Sig(Blk|Ign):' /proc/self/status`
	for _, mode := range [][]string{nil, {"--no-shim"}} {
		t.Run(strings.Join(append([]string{"shim"}, mode...), " "), func(t *testing.T) {
			rd, wr, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			args := append([]string{"ignore-exec", "12,32", bins.tinyinit}, mode...)
			cmd := exec.Command(bins.fixture, append(args, "--", "/bin/sh", "-c", script)...)
			cmd.ExtraFiles = []*os.File{wr}
			cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
			out, err := cmd.Output()
			wr.Close()
			if code := exitCode(err); code != 0 {
				t.Fatalf("exit code %d (%v), output %q", code, err, out)
			}
			want := "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
			if mode != nil {
				// Without the shim Go's own fork starts the app, and Go
				// never touches signals 32 and 33 (glibc's): the ignore
				// of 32 stays. SIGUSR2, which init catches, is clear.
				want = "SigBlk:\t0000000000000000\nSigIgn:\t0000000080000000\n"
			}
			if string(out) != want {
				t.Errorf("app saw:\n%s\nwant only:\n%s", out, want)
			}
			passed, _ := io.ReadAll(rd)
			if string(passed) != "passed\n" {
				t.Errorf("fd 3 from the runtime: read %q, want %q", passed, "passed\n")
			}
		})
	}
}
