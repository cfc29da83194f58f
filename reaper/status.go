package reaper

import "golang.org/x/sys/unix"

// signalOffset is the shell's rule, which Docker and Kubernetes follow:
// a process killed by signal N reports 128+N.
const signalOffset = 128

// ExitCode turns a wait status into the code a container reports: the exit
// code, or 128 plus the signal that killed the process.
func ExitCode(ws unix.WaitStatus) int {
	switch {
	case ws.Exited():
		return ws.ExitStatus()
	case ws.Signaled():
		return signalOffset + int(ws.Signal())
	}
	// Stopped or continued states are not terminations; callers wait
	// without WUNTRACED and never see them. Map them to a failure anyway.
	return 1
}

// ExitedStatus builds the wait status of a process that called exit(code),
// for exits that tinyinit reports on the app's behalf (exec failures).
func ExitedStatus(code int) unix.WaitStatus {
	return unix.WaitStatus((code & 0xff) << 8)
}
