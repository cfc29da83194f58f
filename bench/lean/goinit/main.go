// Command goinit is an experiment, not an init: the least a Go pid 1 can
// do (fork and exec the app, wait for it, exit with its code) so that the
// benchmark can show the floor any Go init starts from on this machine:
//
//	bin/bench -only startup,memory -also 'Go floor=bin/goinit'
//
// It reaps nothing and forwards no signal. See bench/LEAN.md.
package main

import (
	"os"
	"syscall"
)

func main() {
	if len(os.Args) < 3 || os.Args[1] != "--" {
		os.Stderr.WriteString("usage: goinit -- COMMAND [ARGS...]\n")
		os.Exit(2)
	}
	argv := os.Args[2:]
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}})
	if err != nil {
		os.Stderr.WriteString("goinit: exec " + argv[0] + ": " + err.Error() + "\n")
		os.Exit(127)
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		os.Exit(125)
	}
	os.Exit(ws.ExitStatus())
}
