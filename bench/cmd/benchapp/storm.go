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

// holders is how many processes make the orphans in parallel: a few per
// CPU keeps both CPUs forking while one holder waits for a child to exit.
func holders() int { return 2 * runtime.NumCPU() }

// storm lands n orphaned zombies on pid 1 at once and reports when:
//
//  1. fork a few holders; each forks its share of the n orphans-to-be,
//     which exit at once, and waits (WNOWAIT, without reaping) until all
//     of them are zombies; then it reports its count and blocks on the
//     release pipe;
//  2. report 'F' and the total (4 bytes, little endian) on fd 3;
//  3. on a byte on fd 4, close the release pipe: every holder reads EOF
//     and exits, and the kernel hands its zombies to pid 1 (the shim is
//     not a subreaper), n zombies at once;
//  4. reap the holders, so all n zombies are now pid 1's, report 'E';
//  5. wait for EOF on fd 4, then exit.
//
// The orphans have exited before the release, so what the harness times
// afterwards is the init's reaping, not the kernel tearing down n
// processes (which, on a small VM, takes about half a millisecond each and
// would hide any difference between inits).
//
// Forking a Go program through os/exec costs about a millisecond; so the
// holders are forked raw, the way syscall.forkAndExecInChild does it, and
// run nothing but system calls.
func storm(n int, report, orders *os.File) error {
	var release, ready [2]int
	if err := syscall.Pipe2(release[:], syscall.O_CLOEXEC); err != nil {
		return fmt.Errorf("release pipe: %w", err)
	}
	if err := syscall.Pipe2(ready[:], syscall.O_CLOEXEC); err != nil {
		return fmt.Errorf("ready pipe: %w", err)
	}
	h := holders()
	// Everything a holder touches is allocated here, before any fork: a
	// holder must not allocate, grow its stack, or meet the scheduler.
	type holderMem struct {
		pids  []int32
		info  unix.Siginfo
		count [4]byte
		buf   [1]byte
		mask  uint64
	}
	mem := make([]holderMem, h)
	// One thread forks, so every holder is a copy of this thread only.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	var pids []int
	for i := range mem {
		k := n / h
		if i < n%h {
			k++
		}
		m := &mem[i]
		m.pids = make([]int32, k)
		m.mask = ^uint64(0)
		pid, errno := forkHolder(m.pids, release[0], release[1], ready[1], &m.info, &m.count, &m.buf, &m.mask)
		if errno != 0 {
			return fmt.Errorf("fork holder %d: %w", i+1, errno)
		}
		pids = append(pids, int(pid))
	}
	syscall.Close(ready[1])
	made := 0
	for range pids {
		var c [4]byte
		if _, err := readFull(ready[0], c[:]); err != nil {
			return fmt.Errorf("holders' counts: %w", err)
		}
		made += int(binary.LittleEndian.Uint32(c[:]))
	}
	if made < n {
		fmt.Fprintf(os.Stderr, "benchapp storm: made %d of %d orphans (fork failed; pid_max?)\n", made, n)
	}
	msg := [5]byte{'F'}
	binary.LittleEndian.PutUint32(msg[1:], uint32(made))
	if _, err := report.Write(msg[:]); err != nil {
		return fmt.Errorf("report forked: %w", err)
	}
	var order [1]byte
	if _, err := orders.Read(order[:]); err != nil {
		return fmt.Errorf("wait for release order: %w", err)
	}
	syscall.Close(release[1])
	for _, pid := range pids {
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
			return fmt.Errorf("reap holder %d: %w", pid, err)
		}
	}
	if _, err := report.Write([]byte{'E'}); err != nil {
		return fmt.Errorf("report released: %w", err)
	}
	runtime.KeepAlive(mem)
	waitEOF(orders)
	return nil
}

// readFull reads len(b) bytes from fd.
func readFull(fd int, b []byte) (int, error) {
	got := 0
	for got < len(b) {
		k, err := syscall.Read(fd, b[got:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return got, err
		}
		if k == 0 {
			return got, fmt.Errorf("EOF after %d bytes", got)
		}
		got += k
	}
	return got, nil
}

// forkHolder forks a holder: it forks len(pids) children that exit at
// once, waits until each is a zombie (WNOWAIT: they stay unreaped),
// writes how many it made to readyW, and blocks reading releaseR; when
// that returns, it exits, and its zombies become pid 1's.
//
// The holder is a copy of a Go program with one thread and runtime state
// it must not touch, so past the clone only raw system calls run, on the
// stack we already have (nosplit: no growth check that could call into the
// runtime), and it blocks every signal first so that no Go signal handler
// runs in it. Everything it writes to was allocated by the parent.
//
//go:nosplit
func forkHolder(pids []int32, releaseR, releaseW, readyW int, info *unix.Siginfo, count *[4]byte, buf *[1]byte, mask *uint64) (pid uintptr, errno syscall.Errno) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 || r != 0 {
		return r, e
	}
	// The holder.
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(mask)), 0, 8, 0, 0)
	// Else the release pipe would never reach EOF.
	syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(releaseW), 0, 0)
	made := 0
	for made < len(pids) {
		child, errno := spawnExiting()
		if errno != 0 {
			break
		}
		pids[made] = int32(child)
		made++
	}
	for i := 0; i < made; i++ {
		syscall.RawSyscall6(syscall.SYS_WAITID, unix.P_PID, uintptr(pids[i]), uintptr(unsafe.Pointer(info)), unix.WEXITED|unix.WNOWAIT, 0, 0)
	}
	count[0], count[1], count[2], count[3] = byte(made), byte(made>>8), byte(made>>16), byte(made>>24)
	syscall.RawSyscall(syscall.SYS_WRITE, uintptr(readyW), uintptr(unsafe.Pointer(count)), 4)
	for {
		_, _, e = syscall.RawSyscall(syscall.SYS_READ, uintptr(releaseR), uintptr(unsafe.Pointer(buf)), 1)
		if e != syscall.EINTR {
			break
		}
	}
	syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	return 0, 0 // not reached: exit_group does not return
}
