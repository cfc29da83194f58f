// Command rawshim is an experiment, not an init: goinit (see
// bench/lean/goinit) with a shim between it and the app that is a raw
// fork of the init instead of the init re-executed. It measures what
// tinyinit's shim would cost if it ran no Go runtime of its own:
//
//	bin/bench -only startup,memory -also 'raw-fork shim=bin/rawshim'
//
// The shim here only starts the app and waits for it; a real one would
// also forward signals from a signalfd and report the status on a pipe,
// all in raw system calls. See bench/LEAN.md.
package main

import (
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// forkShim forks the shim. The shim is a copy of a Go program with one
// thread and runtime state it must not touch, so past the clone only raw
// system calls run, on the stack we already have (nosplit), with every
// signal blocked; everything it reads or writes was allocated before the
// fork. It forks the app, which unblocks signals and execs, waits for the
// app, and exits with its code.
//
//go:nosplit
func forkShim(path *byte, argv, envv []*byte, ws *int32, all, none *uint64) (uintptr, syscall.Errno) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 || r != 0 {
		return r, e
	}
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(all)), 0, 8, 0, 0)
	app, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 125, 0, 0)
	}
	if app == 0 {
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(none)), 0, 8, 0, 0)
		syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(path)), uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&envv[0])))
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 127, 0, 0)
	}
	syscall.RawSyscall6(syscall.SYS_WAIT4, app, uintptr(unsafe.Pointer(ws)), 0, 0, 0, 0)
	syscall.RawSyscall(syscall.SYS_EXIT_GROUP, uintptr((*ws>>8)&0xff), 0, 0)
	return 0, 0 // not reached
}

func main() {
	if len(os.Args) < 3 || os.Args[1] != "--" {
		os.Stderr.WriteString("usage: rawshim -- /ABSOLUTE/COMMAND [ARGS...]\n")
		os.Exit(2)
	}
	argv := os.Args[2:]
	path, err := syscall.BytePtrFromString(argv[0])
	if err != nil {
		os.Exit(127)
	}
	av, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		os.Exit(127)
	}
	ev, err := syscall.SlicePtrFromStrings(os.Environ())
	if err != nil {
		os.Exit(125)
	}
	var ws int32
	all, none := ^uint64(0), uint64(0)
	// Fork from a locked thread so the shim is a copy of this one only.
	runtime.LockOSThread()
	pid, errno := forkShim(path, av, ev, &ws, &all, &none)
	runtime.UnlockOSThread()
	if errno != 0 {
		os.Stderr.WriteString("rawshim: fork: " + errno.Error() + "\n")
		os.Exit(125)
	}
	var st syscall.WaitStatus
	if _, err := syscall.Wait4(int(pid), &st, 0, nil); err != nil {
		os.Exit(125)
	}
	runtime.KeepAlive(&ws)
	runtime.KeepAlive(&all)
	runtime.KeepAlive(&none)
	os.Exit(st.ExitStatus())
}
