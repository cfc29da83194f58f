// Package compat runs the same command lines under the real tini and
// dumb-init and under tinyinit (as pid 1 of fresh pid namespaces, and as an
// ordinary process where a case needs that), and compares what can be
// observed from outside: the exit code, the signals the app and a member of
// its process group saw and in what order, its session, the orphans adopted
// and the zombies left, and the messages that are part of the contract.
// Deliberate differences are asserted as differences. The tests need root.
package compat

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tinyinit/tinyinit/integration/proctree"
)

// How long the test waits: for a forwarded signal to show (a signal that
// does not show within settleFirst was dropped), for more lines after one
// showed, and for anything that must happen at all.
const (
	settleFirst = 600 * time.Millisecond
	settleQuiet = 100 * time.Millisecond
	eventually  = 5 * time.Second
)

// env holds the programs under test; made once by TestCompat.
type env struct {
	fixture string
	ours    string // a directory of links to tinyinit, named as each personality
	peers   map[string]string
}

func setup(t *testing.T) *env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("compat tests need root (pid namespaces)")
	}
	e := &env{peers: map[string]string{
		"tini":        "/usr/bin/tini",
		"tini-static": "/usr/bin/tini-static",
		"dumb-init":   "/usr/bin/dumb-init",
	}}
	for name, path := range e.peers {
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("peer %s: %v (make deps installs it)", name, err)
		}
	}
	dir := t.TempDir()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := os.Getenv("TINYINIT_BIN")
	if bin == "" {
		if out, err := exec.Command("make", "-C", root, "build").CombinedOutput(); err != nil {
			t.Fatalf("make build: %v\n%s", err, out)
		}
		bin = filepath.Join(root, "bin", "tinyinit")
	}
	e.ours = filepath.Join(dir, "ours")
	if err := os.Mkdir(e.ours, 0o755); err != nil {
		t.Fatal(err)
	}
	// A user swaps the binary, or links it under the old name: the name
	// decides the personality, so each is run under the peer's name.
	for _, name := range []string{"tini", "tini-static", "dumb-init", "tinyinit"} {
		if err := os.Symlink(bin, filepath.Join(e.ours, name)); err != nil {
			t.Fatal(err)
		}
	}
	e.fixture = filepath.Join(dir, "fixture")
	cmd := exec.Command("go", "build", "-o", e.fixture, "./fixture")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build fixture: %v\n%s", err, out)
	}
	return e
}

// mode is where the init runs.
type mode int

const (
	pid1       mode = iota // pid 1 of a new pid namespace
	notPid1                // an ordinary child of the test
	parentDies             // pid 1 under "unshare --fork", which the test kills
)

// step is one thing the test does to a running init, in order.
type step struct {
	sig   syscall.Signal // send this to the init
	probe probe
}

type probe int

const (
	none        probe = iota
	stopped           // count stopped processes, init included
	killParent        // SIGKILL the init's parent (parentDies)
	adopted           // count the orphans re-parented to init
	orphansGone       // wait until the orphans are gone, count zombies left
	running           // wait until no process under the init is stopped
)

func sigs(ss ...syscall.Signal) []step {
	out := make([]step, len(ss))
	for i, s := range ss {
		out[i] = step{sig: s}
	}
	return out
}

// obs is what one run showed. Stderr and Out are kept for messages, but
// only the fields before them are compared by default.
type obs struct {
	Code         int      // exit code; -1 where the init's parent was killed
	Ready        string   // the app's "ready" line: its session and group
	App          []string // signals the app saw, in order
	Member       []string // signals the other member of its group saw
	Adopted      int      // orphans re-parented to the init
	Zombies      int      // zombies under the init once orphans had exited
	Stopped      int      // stopped processes after a stop probe
	InitStopped  bool     // the init itself was stopped
	ReapWarnings int      // lines about reaped zombies on stderr
	MIT          bool     // the MIT license text was printed

	Out    []string
	Stderr string
}

func (o obs) comparable() string {
	return fmt.Sprintf("code=%d ready=%q app=%v member=%v adopted=%d zombies=%d stopped=%d init-stopped=%v reap-warnings=%d mit=%v",
		o.Code, o.Ready, o.App, o.Member, o.Adopted, o.Zombies, o.Stopped, o.InitStopped, o.ReapWarnings, o.MIT)
}

// run starts init (the real peer or tinyinit under a name) with c's command
// line and drives it through c's steps.
func (e *env) run(t *testing.T, initPath string, c kase) obs {
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = strings.ReplaceAll(a, "FIXTURE", e.fixture)
	}
	cmd := &exec.Cmd{Path: initPath, Args: append([]string{initPath}, args...)}
	if c.mode == parentDies {
		cmd = exec.Command("unshare", append([]string{"--pid", "--fork", "--", initPath}, args...)...)
	}
	if c.mode != notPid1 && c.mode != parentDies {
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	}
	// A clean environment: the test's own must not leak TINI_* or
	// DUMB_INIT_* into either side.
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, c.env...)
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// The pipe is handed over as is (no copying goroutine), so it reaches
	// EOF only when every process holding it has exited.
	cmd.Stdout = wr
	var stderr bytes.Buffer
	var mu sync.Mutex
	cmd.Stderr = writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return stderr.Write(p) })
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	wr.Close()
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(rd)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		rd.Close()
	}()
	done := make(chan int, 1)
	go func() { done <- exitCode(cmd.Wait()) }()
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Kill() // as pid 1, that ends its namespace
			<-done
		}
	}()

	var o obs
	open := true
	take := func(l string) {
		switch {
		case strings.HasPrefix(l, "ready"):
			o.Ready = l
		case strings.HasPrefix(l, "app "):
			o.App = append(o.App, strings.TrimPrefix(l, "app "))
		case strings.HasPrefix(l, "member "):
			o.Member = append(o.Member, strings.TrimPrefix(l, "member "))
		default:
			o.Out = append(o.Out, l)
		}
	}
	// next takes one line within d; false when none came or output ended.
	next := func(d time.Duration) bool {
		if !open {
			return false
		}
		select {
		case l, ok := <-lines:
			if !ok {
				open = false
				return false
			}
			take(l)
			return true
		case <-time.After(d):
			return false
		}
	}
	settle := func() {
		if next(settleFirst) {
			for next(settleQuiet) {
			}
		}
	}
	if c.app {
		end := time.Now().Add(eventually)
		for o.Ready == "" && time.Now().Before(end) && next(time.Until(end)) {
		}
		if o.Ready == "" {
			t.Fatalf("%s: app never ready; output %q, stderr %s", initPath, o.Out, stderr.String())
		}
	}
	initPid := cmd.Process.Pid
	for _, s := range c.steps {
		switch s.probe {
		case none:
			if err := syscall.Kill(initPid, s.sig); err != nil {
				t.Fatalf("kill %v: %v", s.sig, err)
			}
			settle()
		case stopped:
			time.Sleep(300 * time.Millisecond)
			for _, p := range tree(initPid) {
				if p.State == 'T' {
					o.Stopped++
				}
			}
			if p, ok := readProc(initPid); ok && p.State == 'T' {
				o.InitStopped = true
			}
		case running:
			// The next signal must not catch up with SIGCONT in the init's
			// queue, where pending signals leave in number order (TERM, 15,
			// before CONT, 18) for tinyinit and the kernel alike.
			end := time.Now().Add(eventually)
			for time.Now().Before(end) && slices.ContainsFunc(tree(initPid), func(p proc) bool { return p.State == 'T' }) {
				time.Sleep(10 * time.Millisecond)
			}
		case killParent:
			_ = cmd.Process.Kill()
			settle()
		case adopted:
			o.Adopted = adoptedOrphans(initPid)
		case orphansGone:
			o.Zombies = zombiesAfterOrphans(initPid)
		}
	}
	o.Code = -1
	select {
	case code := <-done:
		exited = true
		if c.mode != parentDies {
			o.Code = code
		}
	case <-time.After(eventually):
		t.Fatalf("%s: still running after %v; stderr %s", initPath, eventually, stderr.String())
	}
	end := time.Now().Add(eventually)
	for next(time.Until(end)) {
	}
	if open {
		t.Fatalf("%s: output still open after the init exited", initPath)
	}
	mu.Lock()
	o.Stderr = stderr.String()
	mu.Unlock()
	for _, l := range strings.Split(o.Stderr, "\n") {
		if strings.Contains(strings.ToLower(l), "reaped zombie") {
			o.ReapWarnings++
		}
	}
	for _, l := range o.Out {
		if strings.Contains(l, "MIT License") {
			o.MIT = true
		}
	}
	return o
}

// adoptedOrphans counts the fixture's "linger" orphans that were
// re-parented to init; they wait for the app's release.
func adoptedOrphans(initPid int) (adopted int) {
	for _, p := range tree(initPid) {
		if p.PPid == initPid && strings.HasSuffix(cmdline(p.Pid), " linger") {
			adopted++
		}
	}
	return adopted
}

// zombiesAfterOrphans waits until the released orphans are gone and counts
// the zombies left under init.
func zombiesAfterOrphans(initPid int) (zombies int) {
	end := time.Now().Add(eventually)
	for time.Now().Before(end) {
		lingering, z := 0, 0
		for _, p := range tree(initPid) {
			if p.State == 'Z' {
				z++
			} else if strings.HasSuffix(cmdline(p.Pid), " linger") {
				lingering++
			}
		}
		zombies = z
		if lingering == 0 {
			// Give init a moment to reap the last ones to exit.
			time.Sleep(200 * time.Millisecond)
			zombies = 0
			for _, p := range tree(initPid) {
				if p.State == 'Z' {
					zombies++
				}
			}
			return zombies
		}
		time.Sleep(20 * time.Millisecond)
	}
	return zombies
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		ws := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
	return -1
}

// proc is one process as /proc shows it (pids as the test sees them).
type proc = proctree.Proc

var (
	tree     = proctree.Tree
	readProc = proctree.Read
)

func cmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
}
