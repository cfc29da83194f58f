package signals

import (
	"os"

	"golang.org/x/sys/unix"
)

// Forwardable reports whether an init receives sig as something to pass on.
// SIGKILL and SIGSTOP cannot be caught; SIGCHLD tells the init about its own
// children and means nothing to the app.
func Forwardable(sig unix.Signal) bool {
	switch sig {
	case unix.SIGKILL, unix.SIGSTOP, unix.SIGCHLD:
		return false
	}
	return sig >= 1 && sig <= rtMax
}

// Forwarded returns every signal tinyinit catches to pass on, for
// signal.Notify. Notify must get an explicit list: with none, a Go program
// also catches the runtime's own SIGURG preemption signals (tinyinit turns
// those off, see cmd/tinyinit) and would forward them. And every catchable
// signal must be in it: a signal a Go program has not asked for takes its
// default action, which for pid 1 in a namespace is usually "ignored", and
// for SIGTERM in a plain process is death.
func Forwarded() []os.Signal {
	list := make([]os.Signal, 0, rtMax)
	for s := unix.Signal(1); s <= rtMax; s++ {
		if Forwardable(s) {
			list = append(list, s)
		}
	}
	return list
}

// Deliver sends sig to pid, or to pid's whole process group when group is
// set (the app leads its own group, so its pid is the group id). ESRCH is
// not an error: the target has exited and its exit will be seen by whoever
// waits for it.
func Deliver(pid int, sig unix.Signal, group bool) error {
	if sig == Drop {
		return nil
	}
	target := pid
	if group {
		target = -pid
	}
	err := unix.Kill(target, sig)
	if err == unix.ESRCH {
		return nil
	}
	return err
}
