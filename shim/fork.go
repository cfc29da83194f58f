package shim

import (
	"os"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/signals"
)

// The shim is a raw fork of init, not init re-executed. A second Go
// runtime cost 12 ms of start-up and 0.8 MiB per container (bench/LEAN.md);
// the shim's job fits in a dozen system calls. The price is discipline:
// after the clone the child is a copy of one thread of a Go program whose
// runtime it must never enter (no allocation, no scheduler, no stack
// growth, no write barrier, no race detector), so everything below the
// clone is nosplit and norace, calls only syscall.RawSyscall6, and reads a
// plan that init built before forking. Go's own syscall.forkAndExecInChild
// works the same way.

// maxSignal bounds the signals the shim knows: the kernel's SIGRTMAX.
const maxSignal = 64

// Stages of a failed start, in the high half of an msgStartFailed value.
const (
	stageExec  = 0
	stageChdir = 1
	stageShim  = 2 // the shim itself could not fork the app
)

// forkPlan is everything the shim and the app's child need, prepared by
// init. It lives in a mapping of its own, outside the Go heap, with the C
// strings it points to (planMemory), so that the shim can be forked without
// the rest of init's memory. Past the fork it is only read, except for the
// scratch fields at the end, which each process writes in its own copy.
// It holds no Go pointers: the GC never sees it.
type forkPlan struct {
	path, dir  uintptr // C strings; dir is 0 to stay where init is
	argv, envv uintptr // NULL-terminated arrays of C strings
	report     uintptr // the status pipe's write end
	reportRead uintptr // its read end, init's alone: the shim closes it
	setsid     bool
	foreground bool // make the app the terminal's foreground group
	group      bool // deliver to the app's process group

	wait  uint64               // the signals the shim takes, SIGCHLD included
	stop  uint64               // stop signals: a stopped app gets SIGCONT after them
	table [maxSignal + 1]uint8 // received → delivered; 0 drops it
	name  [16]byte             // "tinyinit-shim": the comm shown by ps and top
	all   uint64               // every signal, to block
	none  uint64               // no signal, the app's mask
	dfl   [4]uint64            // a struct sigaction of zeros: SIG_DFL

	// Init's memory the shim does not need (see leaveBehind).
	leave  [maxLeave]memRange
	nleave int
	page   uintptr

	// Scratch.
	saved   uint64 // init's thread mask around the fork
	errpipe [2]int32
	rec     [recordLen]byte
	errno   uint32
	ws      int32
	pgid    int32
	info    [128]byte // a siginfo_t from rt_sigtimedwait
}

// newForkPlan turns the app and its signal settings into a plan; path is
// the program lookPath found, report and reportRead the status pipe. The
// caller releases its memory once the shim is forked.
func newForkPlan(o Options, path string, report, reportRead int) (*planMemory, error) {
	strs := append([]string{path, o.App.Dir}, o.App.Argv...)
	strs = append(strs, o.App.Env...)
	for _, s := range strs {
		if strings.IndexByte(s, 0) >= 0 {
			return nil, unix.EINVAL // as execve would refuse it
		}
	}
	m, err := newPlanMemory(strs, len(o.App.Argv)+len(o.App.Env)+2)
	if err != nil {
		return nil, err
	}
	p := m.plan
	p.report, p.reportRead = uintptr(report), uintptr(reportRead)
	p.setsid, p.group = o.App.Setsid, o.Group
	p.foreground = !o.App.Setsid && ownsTerminal()
	p.all = ^uint64(0)
	p.path = m.cstring(path)
	if o.App.Dir != "" {
		p.dir = m.cstring(o.App.Dir)
	}
	p.argv = m.cstrings(o.App.Argv)
	p.envv = m.cstrings(o.App.Env)
	p.wait = sigbit(unix.SIGCHLD)
	for s := unix.Signal(1); s <= maxSignal; s++ {
		if signals.Forwardable(s) {
			p.wait |= sigbit(s)
			p.table[s] = uint8(o.Map.Translate(s))
		}
	}
	for _, s := range o.StopSignals {
		p.stop |= sigbit(s)
	}
	copy(p.name[:len(p.name)-1], shimName)
	p.nleave = leaveBehind(&p.leave, m.bounds())
	p.page = uintptr(os.Getpagesize())
	return m, nil
}

// shimName is the shim's comm (at most 15 bytes): its command line is
// init's, as a fork's is.
const shimName = "tinyinit-shim"

func sigbit(s unix.Signal) uint64 { return 1 << (uint(s) - 1) }

// forkShim forks the shim from the calling thread with every signal
// blocked, so that no Go signal handler can run in the child, and returns
// its pid in the parent. In the child it never returns.
//
//go:nosplit
//go:norace
func forkShim(p *forkPlan) (int, syscall.Errno) {
	// The stack this runs on is the one part of the Go heap the shim
	// needs: it is here, in this frame, that the goroutine cannot move.
	var here byte
	sp := uintptr(unsafe.Pointer(&here))
	markFork(p, sp, unix.MADV_DONTFORK)
	raw(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&p.all)), uintptr(unsafe.Pointer(&p.saved)), 8)
	pid, _, errno := syscall.RawSyscall6(unix.SYS_CLONE, uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	if errno == 0 && pid == 0 {
		shimMain(p)
	}
	raw(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&p.saved)), 0, 8)
	markFork(p, sp, unix.MADV_DOFORK)
	return int(pid), errno
}

// markFork sets advice (MADV_DONTFORK, then back to MADV_DOFORK) on the
// memory the shim leaves behind, all but a window around sp: the frames of
// the fork and of everything the shim calls.
//
//go:nosplit
//go:norace
func markFork(p *forkPlan, sp uintptr, advice uintptr) {
	lo := (sp &^ (p.page - 1)) - stackWindow
	hi := (sp &^ (p.page - 1)) + stackWindow
	for i := 0; i < p.nleave && i < maxLeave; i++ {
		r := p.leave[i]
		if r.lo < lo {
			raw(unix.SYS_MADVISE, r.lo, min(r.hi, lo)-r.lo, advice, 0)
		}
		if r.hi > hi {
			start := max(r.lo, hi)
			raw(unix.SYS_MADVISE, start, r.hi-start, advice, 0)
		}
	}
}

// shimMain is the shim's whole life: start the app as its child, pass it
// every signal init forwards (translated), wait for it, tell init its
// status on the pipe, exit. It takes signals synchronously with
// rt_sigtimedwait, all blocked, so none is ever lost between two waits and
// no handler runs. The shim is never a subreaper: the app's orphans go to
// init; the shim waits for the app alone, so it is the one waiter that can
// never lose the app's status, and it reaps the app in the loop that
// signals it, so no signal can reach a recycled pid.
//
//go:nosplit
//go:norace
func shimMain(p *forkPlan) {
	raw(unix.SYS_PRCTL, unix.PR_SET_NAME, uintptr(unsafe.Pointer(&p.name[0])), 0, 0)
	raw(unix.SYS_CLOSE, p.reportRead, 0, 0, 0)
	if _, _, e := syscall.RawSyscall6(unix.SYS_PIPE2, uintptr(unsafe.Pointer(&p.errpipe[0])), unix.O_CLOEXEC, 0, 0, 0, 0); e != 0 {
		failShim(p, stageShim, e)
	}
	app, _, e := syscall.RawSyscall6(unix.SYS_CLONE, uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 {
		failShim(p, stageShim, e)
	}
	if app == 0 {
		appMain(p)
	}
	raw(unix.SYS_CLOSE, uintptr(p.errpipe[1]), 0, 0, 0)
	// The app's exec closes its end of errpipe; a failure writes the errno
	// there first. Signals are blocked, so the read cannot be interrupted.
	n, _, _ := syscall.RawSyscall6(unix.SYS_READ, uintptr(p.errpipe[0]), uintptr(unsafe.Pointer(&p.errno)), 4, 0, 0, 0)
	raw(unix.SYS_CLOSE, uintptr(p.errpipe[0]), 0, 0, 0)
	if n == 4 {
		syscall.RawSyscall6(unix.SYS_WAIT4, app, uintptr(unsafe.Pointer(&p.ws)), 0, 0, 0, 0)
		send(p, msgStartFailed, p.errno)
		exit(CodeNotFound)
	}
	send(p, msgStarted, uint32(app))

	for {
		sig, _, e := syscall.RawSyscall6(unix.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(&p.wait)), uintptr(unsafe.Pointer(&p.info[0])), 0, 8, 0, 0)
		if e != 0 || sig == 0 || sig > maxSignal {
			continue
		}
		if sig == uintptr(unix.SIGCHLD) {
			got, _, _ := syscall.RawSyscall6(unix.SYS_WAIT4, app, uintptr(unsafe.Pointer(&p.ws)), unix.WNOHANG, 0, 0, 0)
			if got == app {
				send(p, msgExited, uint32(p.ws))
				exit(0)
			}
			continue
		}
		to := uintptr(p.table[sig])
		if to == 0 {
			continue
		}
		target := app
		if p.group {
			target = -app
		}
		raw(unix.SYS_KILL, target, to, 0, 0)
		if p.stop&(1<<(sig-1)) != 0 && stoppedRaw(p, app) {
			raw(unix.SYS_KILL, target, uintptr(unix.SIGCONT), 0, 0)
		}
	}
}

// stoppedRaw is stopped for the shim: whether its child pid is stopped,
// asked without consuming the report.
//
//go:nosplit
//go:norace
func stoppedRaw(p *forkPlan, pid uintptr) bool {
	p.info[0], p.info[1], p.info[2], p.info[3] = 0, 0, 0, 0 // si_signo
	_, _, e := syscall.RawSyscall6(unix.SYS_WAITID, unix.P_PID, pid, uintptr(unsafe.Pointer(&p.info[0])), unix.WSTOPPED|unix.WNOHANG|unix.WNOWAIT, 0, 0)
	return e == 0 && (p.info[0]|p.info[1]|p.info[2]|p.info[3]) != 0
}

// appMain runs in the app's child of the shim: its own process group (and
// the terminal's foreground) or session, the app's directory, every signal
// at its default and none blocked, then exec. A failure goes to the shim on errpipe.
//
//go:nosplit
//go:norace
func appMain(p *forkPlan) {
	raw(unix.SYS_CLOSE, uintptr(p.errpipe[0]), 0, 0, 0)
	if p.setsid {
		raw(unix.SYS_SETSID, 0, 0, 0, 0)
	} else {
		raw(unix.SYS_SETPGID, 0, 0, 0, 0)
		if p.foreground {
			// SIGTTOU is blocked, so a background group may take the
			// terminal.
			pid, _, _ := syscall.RawSyscall6(unix.SYS_GETPID, 0, 0, 0, 0, 0, 0)
			p.pgid = int32(pid)
			raw(unix.SYS_IOCTL, 0, unix.TIOCSPGRP, uintptr(unsafe.Pointer(&p.pgid)), 0)
		}
	}
	if p.dir != 0 {
		if _, _, e := syscall.RawSyscall6(unix.SYS_CHDIR, p.dir, 0, 0, 0, 0, 0); e != 0 {
			failApp(p, stageChdir, e)
		}
	}
	// Exec resets caught signals but keeps ignored ones ignored: a
	// SIG_IGN inherited from whatever started tinyinit (make ignores
	// signals 32 and 33, which Go never touches) must not reach the app.
	for sig := uintptr(1); sig <= maxSignal; sig++ {
		raw(unix.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&p.dfl)), 0, 8)
	}
	raw(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&p.none)), 0, 8)
	_, _, e := syscall.RawSyscall6(unix.SYS_EXECVE, p.path, p.argv, p.envv, 0, 0, 0)
	failApp(p, stageExec, e)
}

// failApp reports why the app's child could not become the app, and exits.
//
//go:nosplit
//go:norace
func failApp(p *forkPlan, stage uint32, e syscall.Errno) {
	p.errno = stage<<16 | uint32(e)
	raw(unix.SYS_WRITE, uintptr(p.errpipe[1]), uintptr(unsafe.Pointer(&p.errno)), 4, 0)
	exit(CodeNotFound)
}

// failShim reports a shim that could not start the app at all.
//
//go:nosplit
//go:norace
func failShim(p *forkPlan, stage uint32, e syscall.Errno) {
	send(p, msgStartFailed, stage<<16|uint32(e))
	exit(CodeInternal)
}

// send writes one record to init: five bytes, below PIPE_BUF, so the write
// is atomic. If init is gone there is nobody to tell: SIGPIPE is blocked
// and the error is ignored.
//
//go:nosplit
//go:norace
func send(p *forkPlan, kind byte, value uint32) {
	p.rec[0] = kind
	p.rec[1], p.rec[2], p.rec[3], p.rec[4] = byte(value), byte(value>>8), byte(value>>16), byte(value>>24)
	raw(unix.SYS_WRITE, p.report, uintptr(unsafe.Pointer(&p.rec[0])), recordLen, 0)
}

//go:nosplit
//go:norace
func exit(code int) {
	for {
		raw(unix.SYS_EXIT_GROUP, uintptr(code), 0, 0, 0)
	}
}

//go:nosplit
//go:norace
func raw(trap, a1, a2, a3, a4 uintptr) {
	syscall.RawSyscall6(trap, a1, a2, a3, a4, 0, 0)
}
