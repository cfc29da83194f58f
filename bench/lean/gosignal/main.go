// Command gosignal is an experiment, not an init: goinit (see
// bench/lean/goinit) plus the least a Go pid 1 does to pass signals on
// (os/signal for every catchable signal, each one sent to the app as it
// comes), so that the benchmark can show what Go's own signal delivery
// costs on this machine, with no shim, no reaping and no translation:
//
//	bin/bench -only signals -also 'Go signal floor=bin/gosignal'
//
// See bench/LEAN.md. It leaves out SIGURG, the runtime's own preemption
// signal, which tinyinit turns off at link time instead.
package main

import (
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

func main() {
	runtime.GOMAXPROCS(1)
	if len(os.Args) < 3 || os.Args[1] != "--" {
		os.Stderr.WriteString("usage: gosignal -- COMMAND [ARGS...]\n")
		os.Exit(2)
	}
	sigs := make(chan os.Signal, 128)
	for s := syscall.Signal(1); s <= 64; s++ {
		if s != syscall.SIGKILL && s != syscall.SIGSTOP && s != syscall.SIGCHLD && s != syscall.SIGURG {
			signal.Notify(sigs, s)
		}
	}
	argv := os.Args[2:]
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}})
	if err != nil {
		os.Stderr.WriteString("gosignal: exec " + argv[0] + ": " + err.Error() + "\n")
		os.Exit(127)
	}
	exited := make(chan syscall.WaitStatus)
	go func() {
		var ws syscall.WaitStatus
		for {
			if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
				exited <- ws
				return
			}
		}
	}()
	for {
		select {
		case s := <-sigs:
			_ = syscall.Kill(pid, s.(syscall.Signal))
		case ws := <-exited:
			os.Exit(ws.ExitStatus())
		}
	}
}
