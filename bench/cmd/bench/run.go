package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// initEnv is all the environment an init and its app get: the same for
// every init, and nothing from the harness's own environment that could
// change an init's behaviour (TINI_SUBREAPER, DUMB_INIT_SETSID, ...).
func initEnv() []string {
	return []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
}

// proc is one init started as pid 1 of a new pid namespace, with the two
// pipes benchapp talks on (fd 3 and fd 4 in the namespace).
type proc struct {
	pid    int // in the host's namespace
	pidfd  int // to wait with a timeout and kill without a pid-reuse race
	report int // read end of the app's fd 3
	orders int // write end of the app's fd 4
	// cpu is the user+system time of the init and every process it
	// reaped (the kernel adds a reaped child's time to its reaper's),
	// known once wait returns.
	cpu time.Duration
}

// start runs argv as pid 1 of a new pid namespace, with extraEnv added to
// initEnv. stderr is the descriptor the init's stderr goes to; stdin and
// stdout are /dev/null.
func start(argv, extraEnv []string, devnull, stderr int) (*proc, error) {
	var rep, ord [2]int
	if err := unix.Pipe2(rep[:], unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("report pipe: %w", err)
	}
	if err := unix.Pipe2(ord[:], unix.O_CLOEXEC); err != nil {
		closeAll(rep[:]...)
		return nil, fmt.Errorf("orders pipe: %w", err)
	}
	p := &proc{pidfd: -1, report: rep[0], orders: ord[1]}
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{
		Dir:   "/",
		Env:   append(initEnv(), extraEnv...),
		Files: []uintptr{uintptr(devnull), uintptr(devnull), uintptr(stderr), uintptr(rep[1]), uintptr(ord[0])},
		Sys: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWPID,
			// If the harness dies, its inits (and with them their
			// namespaces) must not outlive it.
			Pdeathsig: syscall.SIGKILL,
			PidFD:     &p.pidfd,
		},
	})
	closeAll(rep[1], ord[0])
	if err != nil {
		closeAll(rep[0], ord[1])
		return nil, fmt.Errorf("start %s in a new pid namespace: %w", argv[0], err)
	}
	p.pid = pid
	return p, nil
}

func closeAll(fds ...int) {
	for _, fd := range fds {
		if fd >= 0 {
			_ = unix.Close(fd)
		}
	}
}

var errTimeout = errors.New("timed out")

// readFull reads exactly len(b) bytes from fd within timeout; a zero
// timeout takes only what is already there.
func readFull(fd int, b []byte, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for got := 0; got < len(b); {
		// Round up: poll's milliseconds would otherwise turn a short
		// wait into none.
		ms := max(int((time.Until(deadline)+time.Millisecond-1)/time.Millisecond), 0)
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("poll: %w", err)
		}
		if n == 0 {
			return errTimeout
		}
		k, err := unix.Read(fd, b[got:])
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if k == 0 {
			return fmt.Errorf("read: unexpected EOF after %d of %d bytes", got, len(b))
		}
		got += k
	}
	return nil
}

// expect waits for the app's one-byte message want.
func (p *proc) expect(want byte, timeout time.Duration) error {
	var b [1]byte
	if err := readFull(p.report, b[:], timeout); err != nil {
		return fmt.Errorf("waiting for %q from the app: %w", want, err)
	}
	if b[0] != want {
		return fmt.Errorf("waiting for %q from the app: got %q", want, b[0])
	}
	return nil
}

// wait waits up to timeout for the init to exit and returns the code a
// container runtime would report; on timeout it kills the init (and so its
// whole namespace) and says so.
func (p *proc) wait(timeout time.Duration) (int, error) {
	defer closeAll(p.pidfd, p.report, p.orders)
	pfd := []unix.PollFd{{Fd: int32(p.pidfd), Events: unix.POLLIN}}
	var timedOut bool
	for {
		n, err := unix.Poll(pfd, int(timeout.Milliseconds()))
		if err == unix.EINTR {
			continue
		}
		if err == nil && n == 0 {
			timedOut = true
			_ = unix.PidfdSendSignal(p.pidfd, unix.SIGKILL, nil, 0)
		}
		break
	}
	var ws unix.WaitStatus
	var ru unix.Rusage
	for {
		_, err := unix.Wait4(p.pid, &ws, 0, &ru)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("wait for init %d: %w", p.pid, err)
		}
		break
	}
	p.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if timedOut {
		return 0, fmt.Errorf("init %d did not exit within %v: killed", p.pid, timeout)
	}
	return exitCode(ws), nil
}

// finish tells the app to exit (EOF on its fd 4) and waits for the init.
func (p *proc) finish(timeout time.Duration) (int, error) {
	closeAll(p.orders)
	p.orders = -1
	return p.wait(timeout)
}

// exitCode is the container runtime's rule: the exit code, or 128 plus the
// signal that killed the process.
func exitCode(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// openDevNull opens /dev/null for the inits' standard descriptors.
func openDevNull() (int, error) {
	fd, err := unix.Open(os.DevNull, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open %s: %w", os.DevNull, err)
	}
	return fd, nil
}
