package oci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// container is one `runc run` in the foreground, as `docker run` without -d
// leaves it: runc stays the parent and its exit status is the container's.
type container struct {
	t      *testing.T
	b      *bundle
	id     string
	cmd    *exec.Cmd
	stdout *lineLog
	stderr *lineLog
	done   chan struct{} // closed when runc run has returned
	code   int           // runc run's exit status, once done
	init   int           // host pid of the container's pid 1 (tinyinit)
}

// runContainer starts the bundle and returns once runc reports it running,
// or once it has already ended (a short app): c.init is then 0.
// Cleanup kills and deletes it whatever happened, and then checks that none
// of its processes is left on the host.
func runContainer(t *testing.T, b *bundle) *container {
	t.Helper()
	c := &container{
		t: t, b: b,
		// Unique per test: the bundle directory's name is.
		id:     filepath.Base(b.dir),
		stdout: newLineLog(), stderr: newLineLog(),
		done: make(chan struct{}),
	}
	c.cmd = exec.Command("runc", "--root", b.state, "run", "--bundle", b.dir, c.id)
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	// Its own process group: a ^C at the terminal running `go test` must
	// reach the suite, whose cleanup then stops the container, not runc.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("runc run: %v", err)
	}
	go func() {
		err := c.cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
			c.code = 0
		case errors.As(err, &ee):
			c.code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				c.code = 128 + int(ws.Signal())
			}
		default:
			c.code = -1
		}
		close(c.done)
	}()
	t.Cleanup(c.cleanup)

	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := c.state()
		if err == nil && st.Pid > 0 && (st.Status == "running" || st.Status == "stopped") {
			c.init = st.Pid
			break
		}
		select {
		case <-c.done:
			return c
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("container not running after 10 s: state %+v, %v\nstderr:\n%s", st, err, c.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

type runcState struct {
	ID     string `json:"id"`
	Pid    int    `json:"pid"`
	Status string `json:"status"`
}

func (c *container) state() (runcState, error) {
	var st runcState
	out, err := c.runc("state", c.id)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return st, fmt.Errorf("runc state %s: %w: %q", c.id, err, out)
	}
	return st, nil
}

// runc runs one runc command on this test's state root.
func (c *container) runc(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "runc", append([]string{"--root", c.b.state}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("runc %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// kill is `runc kill ID SIG`: the signal goes to the container's pid 1, as
// from `docker kill` and `docker stop`.
func (c *container) kill(sig string) {
	c.t.Helper()
	if _, err := c.runc("kill", c.id, sig); err != nil {
		c.t.Fatalf("%v", err)
	}
}

// exec is `runc exec ID ARGS...`, whose output is returned.
func (c *container) exec(args ...string) (string, error) {
	return c.runc(append([]string{"exec", c.id}, args...)...)
}

// wait waits up to d for runc run to return, and returns its exit status.
func (c *container) wait(d time.Duration) (int, bool) {
	select {
	case <-c.done:
		return c.code, true
	case <-time.After(d):
		return 0, false
	}
}

// mustExit waits up to d and fails the test if the container still runs.
func (c *container) mustExit(d time.Duration) int {
	c.t.Helper()
	code, ok := c.wait(d)
	if !ok {
		c.t.Fatalf("container still running after %v\nstdout:\n%s\nstderr:\n%s", d, c.stdout, c.stderr)
	}
	return code
}

// dockerStop is `docker stop`'s sequence: TERM, up to grace for the
// container to end, then KILL. It returns the exit status and how long
// after the TERM the container ended, and whether KILL was needed.
func (c *container) dockerStop(grace time.Duration) (code int, took time.Duration, killed bool) {
	c.t.Helper()
	start := time.Now()
	c.kill("TERM")
	if code, ok := c.wait(grace); ok {
		return code, time.Since(start), false
	}
	c.kill("KILL")
	return c.mustExit(10 * time.Second), time.Since(start), true
}

// cleanup stops and deletes the container, then checks that none of its
// processes is left on the host: runc deletes the cgroup, and a pid
// namespace ends with its init, but only if everything works as it should.
func (c *container) cleanup() {
	if _, ok := c.wait(0); !ok {
		_, _ = c.runc("kill", c.id, "KILL")
		if _, ok := c.wait(10 * time.Second); !ok {
			c.t.Errorf("runc run did not return 10 s after KILL")
			_ = c.cmd.Process.Kill()
		}
	}
	if _, err := c.runc("delete", "--force", c.id); err != nil && !strings.Contains(err.Error(), "does not exist") {
		c.t.Errorf("%v", err)
	}
	if left := c.leftovers(); len(left) > 0 {
		c.t.Errorf("processes of container %s left on the host after it ended:\n  %s", c.id, strings.Join(left, "\n  "))
	}
	if c.t.Failed() {
		c.t.Logf("container %s stdout:\n%s\nstderr:\n%s", c.id, c.stdout, c.stderr)
	}
}

// leftovers lists what is left of the container's cgroup after delete:
// runc removes it once it is empty, and every process of the container,
// those run with runc exec included, is in it. (Scanning all of /proc is
// too slow for every test on a host with thousands of processes; TestMain
// does that once.)
func (c *container) leftovers() []string {
	dirs, err := cgroupDirs(cgroupParent() + "/" + c.id)
	if err != nil {
		return []string{err.Error()}
	}
	var left []string
	for _, d := range dirs {
		procs, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		left = append(left, fmt.Sprintf("cgroup %s still exists, holding pids %q (%v)", d, strings.Fields(string(procs)), err))
	}
	return left
}

// proc is one process of the container as the host sees it.
type proc struct {
	pid, parent int // host pids; parent is 0 for the init
	state       byte
}

// tree returns the container's processes: its init and every descendant,
// found through /proc/PID/task/TID/children, which a process's parent
// thread lists (for Go programs, any of their threads). Zombies are
// included: they keep their stat and their place under their parent.
func (c *container) tree() []proc {
	var out []proc
	queue := []proc{{pid: c.init}}
	seen := map[int]bool{}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		pid := p.pid
		if seen[pid] {
			continue
		}
		seen[pid] = true
		st, ok := procState(pid)
		if !ok {
			continue // gone meanwhile
		}
		p.state = st
		out = append(out, p)
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		for _, task := range tasks {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				if child, err := strconv.Atoi(f); err == nil {
					queue = append(queue, proc{pid: child, parent: pid})
				}
			}
		}
	}
	return out
}

// procState reads the state letter from /proc/PID/stat. The command name
// may hold spaces and parentheses, so the field after the last ')' is it.
func procState(pid int) (byte, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 >= len(b) {
		return 0, false
	}
	return b[i+2], true
}

// reapBound is how long a zombie may wait for tinyinit: the core reaps on
// SIGCHLD and, for a SIGCHLD missed before go-reap registered, kicks itself
// every second (reaper.kickEvery). A zombie that pid 1 holds for a second
// or more is one it is not reaping. Anything shorter is scheduling: on these
// shared 2-core machines, under a load average of 150, zombies held by the
// fixtures' own waiters and by tinyinit alike were seen for 100-400 ms.
const reapBound = time.Second

// zombieStats is what a sampler saw.
type zombieStats struct {
	samples int
	max     int   // most zombies in one sample
	maxProc int   // most processes in one sample
	nonzero int   // samples with at least one zombie
	over    []int // zombie count of every sample at or above the limit
	// zombies describes each zombie seen, by the parent that had not
	// reaped it yet: "init" (tinyinit's job) or "app" (another process's).
	byInit, byOthers int
	lingering        int // zombies seen in two samples in a row
	// The longest a zombie was seen for (last sample - first sample), by
	// who held it: at least this long unreaped.
	oldestByInit, oldestByOthers time.Duration
}

// sampleZombies counts the container's zombies every period until stop is
// called, which returns the figures.
func (c *container) sampleZombies(period time.Duration, limit int) (stop func() zombieStats) {
	quit := make(chan struct{})
	result := make(chan zombieStats)
	go func() {
		var st zombieStats
		var prev map[int]time.Time // zombie pid -> first seen
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				result <- st
				return
			case <-tick.C:
			}
			procs := c.tree()
			if len(procs) == 0 {
				continue // the container has not started or has ended
			}
			z := 0
			now := time.Now()
			zombies := map[int]time.Time{}
			for _, p := range procs {
				if p.state != 'Z' {
					continue
				}
				z++
				first, ok := prev[p.pid]
				if ok {
					st.lingering++
				} else {
					first = now
				}
				zombies[p.pid] = first
				age := now.Sub(first)
				if p.parent == c.init {
					st.byInit++
					st.oldestByInit = max(st.oldestByInit, age)
				} else {
					st.byOthers++
					st.oldestByOthers = max(st.oldestByOthers, age)
				}
			}
			prev = zombies
			st.samples++
			st.max = max(st.max, z)
			st.maxProc = max(st.maxProc, len(procs))
			if z > 0 {
				st.nonzero++
			}
			if z >= limit {
				st.over = append(st.over, z)
			}
		}
	}()
	return func() zombieStats {
		close(quit)
		return <-result
	}
}

// lineLog collects a stream's lines and lets a test wait for one.
type lineLog struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	changed chan struct{} // closed and replaced on every new line
}

func newLineLog() *lineLog { return &lineLog{changed: make(chan struct{})} }

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := strings.IndexByte(string(l.partial), '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

// Lines returns a copy of the complete lines so far.
func (l *lineLog) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n") + string(l.partial)
}

// waitMatch waits up to d for a line matching re and returns its
// submatches.
func (l *lineLog) waitMatch(re *regexp.Regexp, d time.Duration) ([]string, error) {
	deadline := time.After(d)
	seen := 0
	for {
		l.mu.Lock()
		lines, changed := l.lines[seen:], l.changed
		seen = len(l.lines)
		l.mu.Unlock()
		for _, line := range lines {
			if m := re.FindStringSubmatch(line); m != nil {
				return m, nil
			}
		}
		select {
		case <-changed:
		case <-deadline:
			return nil, fmt.Errorf("no line matching %q within %v", re, d)
		}
	}
}
