package signals

import (
	"io"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Stderr returns the writer for tinyinit's own diagnostics (fd 2). Its
// writes never raise SIGPIPE in tinyinit.
//
// Why it matters: tinyinit catches SIGPIPE, like every signal, to forward
// it to the app. When fd 2 is a pipe whose reader is gone (a log collector
// that died), a write to it makes the kernel send SIGPIPE to the writing
// thread, and os.Stderr adds one of its own (Go's "write to broken stdout
// or stderr" rule). Both would land in the signal channel and be forwarded:
// the app, whose default action for SIGPIPE is death, would be killed by
// tinyinit's logging, and with -v each forwarded signal is logged, which
// raises the next SIGPIPE. So the write runs on a thread with SIGPIPE
// blocked, and a SIGPIPE it raised is taken back off that thread's pending
// set (rt_sigtimedwait, no wait) before the mask is restored. A SIGPIPE sent
// from outside is process-directed and goes to another thread as before.
func Stderr() io.Writer { return quietFD(2) }

// Warn writes one line of tinyinit's own to Stderr: "tinyinit: msg".
func Warn(msg string) { _, _ = io.WriteString(Stderr(), "tinyinit: "+msg+"\n") }

type quietFD int

func (fd quietFD) Write(b []byte) (int, error) {
	// The mask is per thread: stay on this one until it is restored.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var pipe, old unix.Sigset_t
	pipe.Val[(unix.SIGPIPE-1)/64] |= 1 << ((unix.SIGPIPE - 1) % 64)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &pipe, &old); err != nil {
		return 0, err
	}
	defer func() { _ = unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil) }()
	n := 0
	for n < len(b) {
		m, err := unix.Write(int(fd), b[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			if err == unix.EPIPE {
				takePending(&pipe)
			}
			return n, err
		}
		n += m
	}
	return n, nil
}

// takePending removes the signals in set that are pending for this thread,
// without waiting (a zero timeout).
func takePending(set *unix.Sigset_t) {
	var zero unix.Timespec
	for {
		_, _, errno := unix.Syscall6(unix.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(set)), 0, uintptr(unsafe.Pointer(&zero)), kernelSigsetSize, 0, 0)
		if errno != unix.EINTR {
			return
		}
	}
}

// kernelSigsetSize is the kernel's sigset_t (64 signals), which
// rt_sigtimedwait wants, not the C library's larger unix.Sigset_t.
const kernelSigsetSize = 8
