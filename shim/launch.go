// Package shim owns the app's life: the shim process that starts the app,
// stays its parent and reports its exit status, and the init side that
// launches the shim (or, with --no-shim, the app itself), passes it signals,
// and learns how the app ended.
package shim

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/reaper"
	"github.com/tinyinit/tinyinit/signals"
)

// Options describe the app and how signals reach it.
type Options struct {
	App     App
	Map     signals.Map // translation applied before delivery
	Group   bool        // deliver to the app's process group, not the app alone
	NoShim  bool        // the app is init's own child
	Verbose bool

	// Grace is how long the app has to exit after the first stop signal
	// before its process group is SIGKILLed; 0 waits for ever.
	Grace       time.Duration
	StopSignals []unix.Signal
}

// Result is how the app ended, as init reports it.
type Result struct {
	Code int
	// Lost is set when the shim died without reporting the app's status;
	// Code is then CodeInternal and the app's process group was killed.
	Lost bool
	// Escalated is set when the grace period ran out and the app's group
	// was SIGKILLed: what is left gets no second grace period.
	Escalated bool
	// Stopped is set when a stop signal arrived while the app ran: the
	// container is being stopped, so nothing should start after it.
	Stopped bool
}

// Supervisor is init's handle on the running shim or app.
type Supervisor struct {
	o       Options
	pid     int             // the shim, or the app with NoShim
	gone    <-chan struct{} // closed once pid has been reaped
	r       *reaper.Reaper
	msgs    chan message // from the shim; nil with NoShim
	pidfd   int          // with NoShim: where the app's status survives reaping
	appPid  int          // 0 until the app runs
	pending []unix.Signal
	failed  error // why the app did not start, reported by Wait
}

// ErrNoExitInfo means the kernel cannot keep an exit status for a process
// that go-reap reaped (PIDFD_INFO_EXIT, Linux 6.15), which --no-shim needs.
var ErrNoExitInfo = errors.New("the kernel lacks PIDFD_INFO_EXIT (Linux 6.15+), which --no-shim needs to learn the app's status beside go-reap")

// NoShimSupported reports whether the kernel can keep the app's status for
// init when go-reap reaps it: a pidfd that outlives its process. PIDFD_GET_INFO
// came in 6.13 and its exit information in 6.15, and a 6.13 kernel answers
// the probe below without ever filling the exit fields, so the release is
// checked as well.
func NoShimSupported() bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil || !atLeast(unix.ByteSliceToString(u.Release[:]), 6, 15) {
		return false
	}
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	info := unix.PidfdInfo{Mask: unix.PIDFD_INFO_EXIT}
	return unix.IoctlPidfdInfo(fd, &info) == nil
}

// atLeast compares a kernel release ("6.18.44-fc") with major.minor.
func atLeast(release string, major, minor int) bool {
	maj, rest, _ := strings.Cut(release, ".")
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end >= 0 {
		rest = rest[:end]
	}
	ma, err1 := strconv.Atoi(maj)
	mi, err2 := strconv.Atoi(rest)
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

// Launch starts the shim (or the app) under r, which must already reap.
func Launch(r *reaper.Reaper, o Options) (*Supervisor, error) {
	s := &Supervisor{o: o, r: r, pidfd: -1}
	if o.NoShim {
		return s, s.launchApp()
	}
	return s, s.launchShim()
}

func (s *Supervisor) launchApp() error {
	pid, gone, err := s.r.Start(func() (int, error) { return startApp(s.o.App, &s.pidfd) })
	if err != nil {
		return err
	}
	s.pid, s.appPid, s.gone = pid, pid, gone
	return nil
}

func (s *Supervisor) launchShim() error {
	path, err := lookPath(s.o.App.Argv[0], s.o.App.Env)
	if err != nil {
		// Reported by Wait, as a start that failed in the shim would be.
		s.failed = err
		return nil
	}
	// The status pipe is made by hand: os.Pipe's read end would be fine,
	// but the shim needs the write end's number, and File.Fd would turn
	// the pipe blocking. Both ends are close-on-exec: the app gets neither,
	// and the shim closes the read end first thing.
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return &StartError{Prog: s.o.App.Argv[0], Code: CodeInternal, Err: err, Shim: true}
	}
	rfd, wfd := fds[0], fds[1]
	defer unix.Close(wfd)
	// The read end is non-blocking, so that reading it parks a goroutine,
	// not a thread; the shim's write end stays blocking.
	if err := unix.SetNonblock(rfd, true); err != nil {
		unix.Close(rfd)
		return &StartError{Prog: s.o.App.Argv[0], Code: CodeInternal, Err: err, Shim: true}
	}
	plan, err := newForkPlan(s.o, path, wfd, rfd)
	if err != nil {
		unix.Close(rfd)
		return &StartError{Prog: s.o.App.Argv[0], Code: CodeInternal, Err: err}
	}
	pid, gone, err := s.r.Start(func() (int, error) {
		pid, errno := forkShim(plan.plan)
		if errno != 0 {
			return 0, errno
		}
		return pid, nil
	})
	plan.release()
	if err != nil {
		unix.Close(rfd)
		return &StartError{Prog: s.o.App.Argv[0], Code: CodeInternal, Err: err, Shim: true}
	}
	s.pid, s.gone = pid, gone
	s.msgs = make(chan message, 2)
	go readMessages(os.NewFile(uintptr(rfd), "tinyinit-status"), s.msgs)
	return nil
}

// Wait passes each signal from sigs on until the app has ended, then
// returns how it ended. Signals that arrive before the app runs are held and
// delivered, in order, once it does.
func (s *Supervisor) Wait(sigs <-chan os.Signal) Result {
	var status unix.WaitStatus
	haveStatus := false
	handle := func(m message) {
		switch m.kind {
		case msgStarted:
			s.appPid = int(m.value)
			for _, sig := range s.pending {
				s.deliver(sig)
			}
			s.pending = nil
			if s.o.Verbose {
				signals.Warn("shim " + strconv.Itoa(s.pid) + " started app " + strconv.Itoa(s.appPid) + ": " + strings.Join(s.o.App.Argv, " "))
			}
		case msgExited:
			status, haveStatus = unix.WaitStatus(m.value), true
		case msgStartFailed:
			s.failed = s.startError(m.value)
		}
	}
	if s.failed != nil {
		return s.startFailed()
	}
	msgs := s.msgs // nil with NoShim, and once the pipe is at EOF
	var graceUp <-chan time.Time
	escalated, stopped := false, false
	for {
		select {
		case received := <-sigs:
			sig := received.(unix.Signal)
			stopped = stopped || slices.Contains(s.o.StopSignals, sig)
			if graceUp == nil && !escalated && s.o.Grace > 0 && slices.Contains(s.o.StopSignals, sig) {
				t := time.NewTimer(s.o.Grace)
				defer t.Stop()
				graceUp = t.C
			}
			s.signal(sig)
		case <-graceUp:
			graceUp, escalated = nil, true
			s.escalate()
		case m, ok := <-msgs:
			if !ok {
				// The shim closed the pipe by exiting; make sure go-reap
				// looks now rather than at its next tick.
				msgs = nil
				s.r.Kick()
				continue
			}
			handle(m)
		case <-s.gone:
			if s.o.NoShim {
				return Result{Code: reaper.ExitCode(s.appStatus()), Escalated: escalated, Stopped: stopped}
			}
			// The shim is reaped, so the pipe is at EOF after whatever
			// it wrote: read the rest.
			for m := range s.msgs {
				handle(m)
			}
			if s.failed != nil {
				return s.startFailed()
			}
			if haveStatus {
				return Result{Code: reaper.ExitCode(status), Escalated: escalated, Stopped: stopped}
			}
			return s.lost()
		}
	}
}

// startError decodes a start that failed in the shim or the app's child.
func (s *Supervisor) startError(value uint32) error {
	errno := syscall.Errno(value & 0xffff)
	prog := s.o.App.Argv[0]
	switch value >> 16 {
	case stageChdir:
		return &StartError{Prog: prog, Code: CodeInternal, Err: errno, Dir: s.o.App.Dir}
	case stageShim:
		// The shim ran but could not fork the app (a pids limit).
		return &StartError{Prog: prog, Code: CodeInternal, Err: errno}
	}
	return classify(prog, errno)
}

// startFailed reports an app that never ran, once, and returns its code.
func (s *Supervisor) startFailed() Result {
	signals.Warn(s.failed.Error())
	code := CodeInternal
	if se, ok := s.failed.(*StartError); ok {
		code = se.Code
	}
	return Result{Code: code}
}

// escalate ends an app that outlived its grace period: SIGKILL to its
// process group (what it forked goes too) and to the app itself, in case it
// left its group. Its status then arrives as killed by SIGKILL, 137.
func (s *Supervisor) escalate() {
	if s.appPid == 0 {
		// Still starting: the shim is all there is to stop.
		signals.Warn("grace period of " + s.o.Grace.String() + " over before the app started; killing the shim")
		_ = unix.Kill(s.pid, unix.SIGKILL)
		return
	}
	signals.Warn("app " + strconv.Itoa(s.appPid) + " still running " + s.o.Grace.String() + " after the stop signal; sending SIGKILL to its process group")
	_ = unix.Kill(-s.appPid, unix.SIGKILL)
	_ = unix.Kill(s.appPid, unix.SIGKILL)
}

// lost handles a shim that died without a word: its app would run on with
// nobody to wait for it or pass it signals, so it and its group are killed.
func (s *Supervisor) lost() Result {
	what := "before the app started"
	if s.appPid > 0 {
		_ = unix.Kill(-s.appPid, unix.SIGKILL)
		_ = unix.Kill(s.appPid, unix.SIGKILL)
		what = "killed app " + strconv.Itoa(s.appPid) + " and its process group"
	}
	signals.Warn("shim (pid " + strconv.Itoa(s.pid) + ") died without reporting the app's status; " + what)
	return Result{Code: CodeInternal, Lost: true}
}

// appStatus reads the status of the app that go-reap reaped (NoShim).
func (s *Supervisor) appStatus() unix.WaitStatus {
	info := unix.PidfdInfo{Mask: unix.PIDFD_INFO_EXIT}
	if err := unix.IoctlPidfdInfo(s.pidfd, &info); err != nil || info.Mask&unix.PIDFD_INFO_EXIT == 0 {
		why := "no exit information"
		if err != nil {
			why = err.Error()
		}
		signals.Warn("app " + strconv.Itoa(s.appPid) + ": exit status unavailable: " + why)
		return reaper.ExitedStatus(CodeInternal)
	}
	unix.Close(s.pidfd)
	return unix.WaitStatus(info.Exit_code)
}

func (s *Supervisor) signal(sig unix.Signal) {
	if s.appPid == 0 {
		s.pending = append(s.pending, sig)
		return
	}
	s.deliver(sig)
}

// deliver hands sig to the shim, which translates it, or with NoShim
// translates it here and signals the app.
func (s *Supervisor) deliver(sig unix.Signal) {
	to := s.o.Map.Translate(sig)
	if s.o.Verbose {
		via := ""
		if !s.o.NoShim {
			via = " through shim " + strconv.Itoa(s.pid)
		}
		signals.Warn(signals.Name(sig) + " -> " + targetName(to) + " to app " + strconv.Itoa(s.appPid) + via)
	}
	if !s.o.NoShim {
		_ = unix.Kill(s.pid, sig)
		return
	}
	_ = signals.Deliver(s.appPid, to, s.o.Group)
	if slices.Contains(s.o.StopSignals, sig) {
		resume(s.appPid, to, s.o.Group)
	}
}

// resume follows a stop signal with SIGCONT when the app is stopped
// (SIGSTOP from outside, Ctrl-Z), to the same target (the app, or its group
// with -g), as the final sweep does: a stopped app cannot act on TERM until
// it runs again, and would hold the container until the runtime's SIGKILL.
// Only a stopped app gets it, so an app that handles SIGCONT sees one only
// when it really was resumed. The caller is the app's parent, the one
// process that can ask the kernel whether it is stopped (/proc may be
// another pid namespace's). A stop signal mapped to none needs none.
func resume(app int, delivered unix.Signal, group bool) {
	if delivered == signals.Drop || !stopped(app) {
		return
	}
	_ = signals.Deliver(app, unix.SIGCONT, group)
}

// stopped reports whether the caller's child pid is stopped, without
// consuming the report (WNOWAIT): nobody else waits for stops, so the
// kernel keeps it reportable for as long as the child stays stopped.
func stopped(pid int) bool {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WSTOPPED|unix.WNOHANG|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		// With WNOHANG and nothing to report the kernel leaves info zero.
		return err == nil && info.Signo != 0
	}
}

func targetName(sig unix.Signal) string {
	if sig == signals.Drop {
		return "(dropped)"
	}
	return signals.Name(sig)
}

// Describe says, for -v, what was started.
func (s *Supervisor) Describe() string {
	if s.failed != nil {
		// Found unstartable before any fork; Wait says why.
		return "nothing started, it cannot start: " + strings.Join(s.o.App.Argv, " ")
	}
	if s.o.NoShim {
		return "started app " + strconv.Itoa(s.pid) + " (no shim): " + strings.Join(s.o.App.Argv, " ")
	}
	return "started shim " + strconv.Itoa(s.pid) + " for: " + strings.Join(s.o.App.Argv, " ")
}
