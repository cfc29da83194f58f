package shim

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Exit codes for an app that could not be started, as POSIX shells report
// them, and for a failure of tinyinit's own machinery.
const (
	CodeNotExecutable = 126
	CodeNotFound      = 127
	CodeInternal      = 125 // the shim was lost, or no process could be forked
)

// defaultPath is used when the app's environment has no PATH, as execvp does.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// StartError says why the app did not start, with the exit code to report.
type StartError struct {
	Prog string
	Code int
	Err  error
	Shim bool   // the shim, not the app, could not be started
	Dir  string // set when the app's working directory was the trouble
}

func (e *StartError) Error() string {
	what := e.Err.Error()
	switch {
	case e.Code == CodeNotFound:
		what = "not found"
	case e.Code == CodeNotExecutable:
		what = "not executable: " + what
	case errors.Is(e.Err, unix.EAGAIN):
		// fork fails with EAGAIN, which names no file, when the user's
		// RLIMIT_NPROC or the container's pids limit is reached: say
		// which limit to look at, since "resource temporarily
		// unavailable" alone sends people looking at memory.
		what = "cannot fork: " + what + " (the process limit is reached: RLIMIT_NPROC, or the container's pids limit)"
	}
	if e.Shim {
		return "start shim: " + what
	}
	if e.Dir != "" {
		return "exec " + strconv.Quote(e.Prog) + ": working directory " + strconv.Quote(e.Dir) + ": " + e.Err.Error()
	}
	return "exec " + strconv.Quote(e.Prog) + ": " + what
}

func (e *StartError) Unwrap() error { return e.Err }

// lookPath finds prog as execvp would: a name with a slash is used as is,
// anything else is searched in PATH. A match that exists but cannot be
// executed is remembered and reported as 126 if nothing better is found.
func lookPath(prog string, env []string) (string, error) {
	if prog == "" {
		return "", &StartError{Prog: prog, Code: CodeNotFound, Err: unix.ENOENT}
	}
	if strings.Contains(prog, "/") {
		return prog, nil
	}
	path := defaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	var denied error
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, prog)
		if !exists(p) || isDir(p) {
			continue
		}
		if err := unix.Access(p, unix.X_OK); err != nil {
			if denied == nil {
				denied = &StartError{Prog: prog, Code: CodeNotExecutable, Err: err}
			}
			continue
		}
		return p, nil
	}
	if denied != nil {
		return "", denied
	}
	return "", &StartError{Prog: prog, Code: CodeNotFound, Err: unix.ENOENT}
}

// Findable reports whether name would be found as a program: a path that
// exists, or a name in the PATH of env.
func Findable(name string, env []string) bool {
	p, err := lookPath(name, env)
	if err != nil {
		return false
	}
	return exists(p)
}

// exists and isDir stat with x/sys, not os.Stat, whose FileInfo would link
// time formatting and time zones into the binary (README, "Benchmarks").
func exists(path string) bool {
	var st unix.Stat_t
	return unix.Stat(path, &st) == nil
}

func isDir(path string) bool {
	var st unix.Stat_t
	return unix.Stat(path, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR
}

// classify turns a fork/exec error into the exit code users expect.
func classify(prog string, err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return &StartError{Prog: prog, Code: CodeInternal, Err: err}
	}
	code := CodeNotExecutable
	switch errno {
	case unix.ENOENT, unix.ENOTDIR, unix.ELOOP, unix.ENAMETOOLONG:
		code = CodeNotFound
	case unix.EAGAIN, unix.ENOMEM:
		code = CodeInternal
	}
	return &StartError{Prog: prog, Code: code, Err: errno}
}

// ownsTerminal reports whether fd 0 is our controlling terminal. Only then
// can the app be made its foreground process group: tcsetpgrp on any other
// fd fails, and Go's fork would report that as the exec failing.
func ownsTerminal() bool {
	_, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
	return err == nil
}

// App is what to run and how to treat it once it runs.
type App struct {
	Argv []string
	Env  []string
	Dir  string
	// Setsid starts the app in a new session, as dumb-init does, instead
	// of a process group in ours. A new session has no controlling
	// terminal, so the app is then never the terminal's foreground group.
	Setsid bool
}

// startApp forks and execs the app as the caller's child, in a process
// group of its own (the terminal's foreground group when there is one), with
// the caller's stdin, stdout and stderr as they are: tinyinit never copies
// the app's output.
func startApp(app App, pidfd *int) (int, error) {
	path, err := lookPath(app.Argv[0], app.Env)
	if err != nil {
		return 0, err
	}
	// Go's fork reports a failed chdir with the same errno as a failed
	// exec, which would read "not found"; the raw-fork shim tells them
	// apart, so --no-shim checks the directory first to say the same.
	if app.Dir != "" {
		if err := unix.Access(app.Dir, unix.X_OK); err != nil || !isDir(app.Dir) {
			if err == nil {
				err = unix.ENOTDIR
			}
			return 0, &StartError{Prog: app.Argv[0], Code: CodeInternal, Err: err, Dir: app.Dir}
		}
	}
	sys := &syscall.SysProcAttr{Setpgid: true, Foreground: ownsTerminal(), PidFD: pidfd}
	if app.Setsid {
		// A session leader leads its process group too, so delivery to
		// the group works the same; setpgid would fail on a leader.
		sys = &syscall.SysProcAttr{Setsid: true, PidFD: pidfd}
	}
	attr := &syscall.ProcAttr{Dir: app.Dir, Env: app.Env, Files: []uintptr{0, 1, 2}, Sys: sys}
	pid, err := syscall.ForkExec(path, app.Argv, attr)
	if err != nil {
		return 0, classify(app.Argv[0], err)
	}
	return pid, nil
}
