package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// batch is how many children are forked before the first is waited for:
// enough that both CPUs work (children fork grandchildren while we fork
// the next child), few enough that our own zombies stay a handful.
const batch = 64

// storm makes n orphans of pid 1 and releases them all at once:
//
//  1. for each, fork a child that forks a grandchild and exits at once;
//     we reap the child, so the grandchild is an orphan of pid 1 (the shim
//     is not a subreaper) blocked reading the release pipe;
//  2. report 'F' and the count made (4 bytes, little endian) on fd 3;
//  3. on any byte on fd 4, close the release pipe: every grandchild reads
//     EOF and exits, and pid 1 has n zombies to reap;
//  4. wait for EOF on fd 4, then exit.
//
// Forking a Go program through os/exec costs about a millisecond; 50,000
// orphans that way would take the run's whole budget. So forkOrphan forks
// raw, the way syscall.forkAndExecInChild does, and the children run
// nothing but system calls.
func storm(n int, report, orders *os.File) error {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return fmt.Errorf("release pipe: %w", err)
	}
	// Everything the children touch is allocated here, before any fork:
	// a child must not allocate, grow its stack, or meet the scheduler.
	buf := make([]byte, 1)
	allSignals := ^uint64(0)
	// One thread forks, so every child is a copy of this thread only.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	made := 0
	var pids [batch]int
	var ferr error
	for made < n && ferr == nil {
		k := 0
		for ; k < batch && made+k < n; k++ {
			pid, errno := forkOrphan(uintptr(p[0]), uintptr(p[1]), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&allSignals)))
			if errno != 0 {
				ferr = fmt.Errorf("fork child %d: %w", made+k+1, errno)
				break
			}
			pids[k] = int(pid)
		}
		for _, pid := range pids[:k] {
			var ws syscall.WaitStatus
			if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
				return fmt.Errorf("reap child %d: %w", pid, err)
			}
			// A child that could not fork its grandchild exits 1.
			if ws.Exited() && ws.ExitStatus() == 0 {
				made++
			} else if ferr == nil {
				ferr = fmt.Errorf("child %d could not fork a grandchild", pid)
			}
		}
		runtime.KeepAlive(buf)
	}
	if ferr != nil {
		fmt.Fprintf(os.Stderr, "benchapp storm: made %d of %d orphans: %v\n", made, n, ferr)
	}
	msg := [5]byte{'F'}
	binary.LittleEndian.PutUint32(msg[1:], uint32(made))
	if _, err := report.Write(msg[:]); err != nil {
		return fmt.Errorf("report forked: %w", err)
	}
	var go1 [1]byte
	if _, err := orders.Read(go1[:]); err != nil {
		return fmt.Errorf("wait for release order: %w", err)
	}
	syscall.Close(p[1])
	syscall.Close(p[0])
	waitEOF(orders)
	runtime.KeepAlive(buf)
	runtime.KeepAlive(&allSignals)
	return nil
}

// forkOrphan forks a child that forks one grandchild and exits. The
// grandchild closes the release pipe's write end (or it would never read
// EOF), blocks reading the read end, and exits when that returns.
//
// Both new processes are copies of a Go program with one thread and
// runtime state they must not touch, so past each clone only raw system
// calls run, on the stack we already have (nosplit: no growth check that
// could call into the runtime). They block every signal first so that no
// Go signal handler ever runs in them. buf and mask point to memory the
// parent allocated.
//
//go:nosplit
func forkOrphan(releaseR, releaseW, buf, mask uintptr) (pid uintptr, errno syscall.Errno) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 || r != 0 {
		return r, e
	}
	// The child.
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, mask, 0, 8, 0, 0)
	r, _, e = syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 1, 0, 0)
	}
	if r != 0 {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	// The grandchild.
	syscall.RawSyscall(syscall.SYS_CLOSE, releaseW, 0, 0)
	for {
		_, _, e = syscall.RawSyscall(syscall.SYS_READ, releaseR, buf, 1)
		if e != syscall.EINTR {
			break
		}
	}
	syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	return 0, 0 // not reached: exit_group does not return
}
