// Package integration runs the real static tinyinit binary as the real pid 1
// of fresh pid namespaces and checks what users rely on: the process tree,
// reaping, signals and exit codes. Nothing of the kernel's process model is
// mocked. The tests need root (they create namespaces).
package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tinyinit/tinyinit/integration/proctree"
)

// paths of the programs under test, built once in TestMain.
type binaries struct {
	tinyinit string
	fixture  string
}

var bins binaries

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 {
		fmt.Println("integration tests need root (pid namespaces); skipping")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "tinyinit-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		if err := build(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// build finds or makes the tinyinit binary (the Makefile's, so the tests run
// exactly what users install) and the fixture app.
func build(dir string) error {
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	bins.tinyinit = os.Getenv("TINYINIT_BIN")
	if bins.tinyinit == "" {
		cmd := exec.Command("make", "-C", root, "build")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("make build: %v\n%s", err, out)
		}
		bins.tinyinit = filepath.Join(root, "bin", "tinyinit")
	}
	bins.fixture = filepath.Join(dir, "fixture")
	cmd := exec.Command("go", "build", "-o", bins.fixture, "./fixture")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build fixture: %v\n%s", err, out)
	}
	return nil
}

// run is tinyinit running as pid 1 of its own pid namespace.
type run struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string // the app's stdout, line by line
	stderr *syncBuffer
	done   chan struct{}
	code   int
}

// start runs tinyinit ARGS as pid 1 of a new pid namespace. The fixture's
// path replaces the word "FIXTURE" in args.
func start(t *testing.T, args ...string) *run {
	t.Helper()
	return startWith(t, nil, nil, args...)
}

// startEnv is start with extra environment variables ("" entries ignored).
func startEnv(t *testing.T, env []string, args ...string) *run {
	t.Helper()
	return startWith(t, env, nil, args...)
}

// startAs is start as another user (for permission tests).
func startAs(t *testing.T, uid uint32, args ...string) *run {
	t.Helper()
	return startWith(t, nil, &syscall.Credential{Uid: uid, Gid: uid}, args...)
}

func startWith(t *testing.T, env []string, cred *syscall.Credential, args ...string) *run {
	t.Helper()
	for i, a := range args {
		if a == "FIXTURE" {
			args[i] = bins.fixture
		}
	}
	cmd := exec.Command(bins.tinyinit, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID, Credential: cred}
	cmd.Env = os.Environ()
	for _, kv := range env {
		if kv != "" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r := &run{t: t, cmd: cmd, lines: make(chan string, 1<<16), stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
	}()
	go func() {
		err := cmd.Wait()
		r.code = exitCode(err)
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			_ = cmd.Process.Kill() // pid 1 dies: the kernel kills the namespace
			<-r.done
		}
	})
	return r
}

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

// pid is tinyinit's pid as seen from the test (outside the namespace).
func (r *run) pid() int { return r.cmd.Process.Pid }

// expect waits for the next line of the app's output and checks it.
func (r *run) expect(want string, within time.Duration) {
	r.t.Helper()
	select {
	case got, ok := <-r.lines:
		if !ok {
			r.t.Fatalf("app output ended, want %q; stderr: %s", want, r.stderr)
		}
		if got != want {
			r.t.Fatalf("app printed %q, want %q", got, want)
		}
	case <-time.After(within):
		r.t.Fatalf("no line %q within %v; stderr: %s", want, within, r.stderr)
	}
}

// next returns the next line of the app's output.
func (r *run) next(within time.Duration) string {
	r.t.Helper()
	select {
	case got, ok := <-r.lines:
		if !ok {
			r.t.Fatalf("app output ended; stderr: %s", r.stderr)
		}
		return got
	case <-time.After(within):
		r.t.Fatalf("no output within %v; stderr: %s", within, r.stderr)
	}
	return ""
}

// wait waits for tinyinit to exit and returns its exit code.
func (r *run) wait(within time.Duration) int {
	r.t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(within):
		r.t.Fatalf("tinyinit still running after %v; stderr: %s", within, r.stderr)
	}
	return 0
}

func (r *run) signal(sig syscall.Signal) {
	r.t.Helper()
	if err := syscall.Kill(r.pid(), sig); err != nil {
		r.t.Fatalf("kill %d %v: %v", r.pid(), sig, err)
	}
}

// proc is one process as /proc shows it from outside the namespace.
type proc = proctree.Proc

var (
	tree    = proctree.Tree
	zombies = proctree.Zombies
)

// syncBuffer is a bytes.Buffer that the exec package's copier and the test
// may use at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
