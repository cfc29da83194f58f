// Package signals owns everything tinyinit knows about signals: their names,
// which of them an init can catch and forward, translation tables (TERM→QUIT),
// and delivery to a process or a process group.
package signals

import (
	"errors"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// names lists each signal under its canonical name (without "SIG") first,
// then the aliases Linux and the shells accept. The order of the canonical
// names is the signal number order, which keeps Name and Parse in one table.
var names = [...]struct {
	sig  unix.Signal
	name string
}{
	{unix.SIGHUP, "HUP"},
	{unix.SIGINT, "INT"},
	{unix.SIGQUIT, "QUIT"},
	{unix.SIGILL, "ILL"},
	{unix.SIGTRAP, "TRAP"},
	{unix.SIGABRT, "ABRT"},
	{unix.SIGBUS, "BUS"},
	{unix.SIGFPE, "FPE"},
	{unix.SIGKILL, "KILL"},
	{unix.SIGUSR1, "USR1"},
	{unix.SIGSEGV, "SEGV"},
	{unix.SIGUSR2, "USR2"},
	{unix.SIGPIPE, "PIPE"},
	{unix.SIGALRM, "ALRM"},
	{unix.SIGTERM, "TERM"},
	{unix.SIGSTKFLT, "STKFLT"},
	{unix.SIGCHLD, "CHLD"},
	{unix.SIGCONT, "CONT"},
	{unix.SIGSTOP, "STOP"},
	{unix.SIGTSTP, "TSTP"},
	{unix.SIGTTIN, "TTIN"},
	{unix.SIGTTOU, "TTOU"},
	{unix.SIGURG, "URG"},
	{unix.SIGXCPU, "XCPU"},
	{unix.SIGXFSZ, "XFSZ"},
	{unix.SIGVTALRM, "VTALRM"},
	{unix.SIGPROF, "PROF"},
	{unix.SIGWINCH, "WINCH"},
	{unix.SIGIO, "IO"},
	{unix.SIGPWR, "PWR"},
	{unix.SIGSYS, "SYS"},
	// Aliases: Parse accepts them, Name never returns them.
	{unix.SIGABRT, "IOT"},
	{unix.SIGIO, "POLL"},
	{unix.SIGCHLD, "CLD"},
}

// The real-time range as the kernel numbers it. glibc reserves 32 and 33 for
// its threads, so its SIGRTMIN is 34; tinyinit is static and uses no glibc,
// and the apps it runs may, so RTMIN is taken as 34, as in kill(1) and bash.
const (
	rtMin = 34
	rtMax = 64
)

// Name returns the conventional name of sig without the "SIG" prefix
// ("TERM", "RTMIN+3"), or its number when it has no name.
func Name(sig unix.Signal) string {
	for _, n := range names {
		if n.sig == sig {
			return n.name
		}
	}
	switch {
	case sig == rtMin:
		return "RTMIN"
	case sig == rtMax:
		return "RTMAX"
	case sig > rtMin && sig < rtMax:
		return "RTMIN+" + strconv.Itoa(int(sig)-rtMin)
	}
	return strconv.Itoa(int(sig))
}

// Parse reads a signal written the ways users write them: "TERM", "SIGTERM",
// "sigterm", "15", "RTMIN+2", "SIGRTMAX-1". It rejects 0 and numbers outside
// 1..64: callers that give 0 a meaning (drop the signal) check for it first.
func Parse(s string) (unix.Signal, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if t == "" {
		return 0, errors.New("empty signal name")
	}
	if n, err := strconv.Atoi(t); err == nil {
		if n < 1 || n > rtMax {
			return 0, errors.New("signal number " + strconv.Itoa(n) + " out of range 1.." + strconv.Itoa(rtMax))
		}
		return unix.Signal(n), nil
	}
	t = strings.TrimPrefix(t, "SIG")
	for _, n := range names {
		if n.name == t {
			return n.sig, nil
		}
	}
	if sig, ok := parseRealtime(t); ok {
		return sig, nil
	}
	return 0, errors.New("unknown signal " + strconv.Quote(s))
}

func parseRealtime(t string) (unix.Signal, bool) {
	base, rest := 0, ""
	switch {
	case strings.HasPrefix(t, "RTMIN"):
		base, rest = rtMin, t[len("RTMIN"):]
	case strings.HasPrefix(t, "RTMAX"):
		base, rest = rtMax, t[len("RTMAX"):]
	default:
		return 0, false
	}
	if rest == "" {
		return unix.Signal(base), true
	}
	if len(rest) < 2 || (rest[0] != '+' && rest[0] != '-') {
		return 0, false
	}
	off, err := strconv.Atoi(rest[1:])
	if err != nil || off < 0 {
		return 0, false
	}
	if rest[0] == '-' {
		off = -off
	}
	n := base + off
	if n < rtMin || n > rtMax {
		return 0, false
	}
	return unix.Signal(n), true
}
