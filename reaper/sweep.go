package reaper

import (
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// SweepBound is how long processes left behind by the app get between
// SIGTERM and SIGKILL when tinyinit shuts down.
const SweepBound = 2 * time.Second

// killWait is how long tinyinit waits for SIGKILLed processes to be reaped
// before it exits anyway (a process in uninterruptible sleep can take long).
const killWait = 2 * time.Second

// Sweep ends every process that is still around when the app has exited:
// SIGCONT and SIGTERM (a stopped process cannot act on TERM), then SIGKILL
// after bound (at once when bound is 0), and waits until all of them are
// reaped. It returns how many
// were still alive at the start.
//
// As pid 1 of a namespace, "every process" is kill(-1): the kernel limits
// it to the namespace and spares the caller. Anywhere else kill(-1) would
// reach the whole machine, so a subreaper sweeps only its descendants,
// found through /proc.
func (r *Reaper) Sweep(bound time.Duration) int {
	var t target = namespace{}
	if os.Getpid() != 1 {
		t = descendants{self: os.Getpid(), visible: procIsOurs()}
	}
	left := t.count()
	if left == 0 {
		return 0
	}
	t.signal(unix.SIGCONT)
	t.signal(unix.SIGTERM)
	if bound > 0 && r.waitEmpty(t, bound) {
		return left
	}
	t.signal(unix.SIGKILL)
	r.waitEmpty(t, killWait)
	return left
}

// waitEmpty waits until t has no process left, rechecking after each reap
// and on a short timer (a process reaped by its own parent, not by us,
// sends us nothing).
func (r *Reaper) waitEmpty(t target, bound time.Duration) bool {
	deadline := time.NewTimer(bound)
	defer deadline.Stop()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for t.count() > 0 {
		select {
		case <-r.reaped:
		case <-poll.C:
			r.Kick()
		case <-deadline.C:
			return t.count() == 0
		}
	}
	return true
}

type target interface {
	count() int
	signal(unix.Signal)
}

// namespace is every other process in the pid namespace we are init of.
type namespace struct{}

func (namespace) count() int {
	// kill(-1, 0) fails with ESRCH once no process but us is left;
	// zombies count until they are reaped, which is what we wait for.
	if unix.Kill(-1, 0) == unix.ESRCH {
		return 0
	}
	return 1
}

func (namespace) signal(sig unix.Signal) { _ = unix.Kill(-1, sig) }

// descendants is every process below self in the process tree. Without a
// /proc of our own pid namespace (unshare --pid without --mount-proc) the
// pids there are another namespace's: matching them against ours would
// signal strangers, even our own threads, so nothing is visible then.
type descendants struct {
	self    int
	visible bool
}

// procIsOurs reports whether /proc shows pids as our namespace numbers them.
func procIsOurs() bool {
	link, err := os.Readlink("/proc/self")
	return err == nil && link == strconv.Itoa(os.Getpid())
}

func (d descendants) count() int { return len(d.list()) }

func (d descendants) signal(sig unix.Signal) {
	for _, pid := range d.list() {
		_ = unix.Kill(pid, sig)
	}
}

func (d descendants) list() []int {
	if !d.visible {
		return nil
	}
	parent := map[int]int{}
	for _, name := range procNames() {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		if ppid, ok := readPPID(pid); ok {
			parent[pid] = ppid
		}
	}
	var out []int
	for pid := range parent {
		for p, hops := parent[pid], 0; p > 0 && hops < len(parent); p, hops = parent[p], hops+1 {
			if p == d.self {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// readPPID reads field 4 of /proc/PID/stat. The command name in field 2 may
// hold spaces and parentheses, so fields are counted after the last ')'.
func readPPID(pid int) (int, bool) {
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, false
	}
	// One read: the kernel makes the whole line at once, and it is a few
	// hundred bytes (a 64-byte name at most, 52 numbers).
	var buf [1024]byte
	n, err := unix.Read(fd, buf[:])
	unix.Close(fd)
	if err != nil || n <= 0 {
		return 0, false
	}
	s := string(buf[:n])
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// procNames lists /proc with getdents, not os.ReadDir: os's directory
// reading links os.FileInfo, and with it time formatting and time zones,
// into the binary (README, "Benchmarks").
func procNames() []string {
	fd, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	var names []string
	buf := make([]byte, 16<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return names
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}
