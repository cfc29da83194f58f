package shim

import (
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/reaper"
	"github.com/tinyinit/tinyinit/signals"
)

// The shim is tinyinit re-executed (Go cannot fork without exec). It knows
// itself by both its argv[0] and the pipe descriptor in its environment, a
// pair no user sets by accident; the variable is removed before the app
// starts, so the app never sees it.
const (
	shimArgv0 = "tinyinit-shim"
	shimFDEnv = "TINYINIT_SHIM_FD"
)

// IsShim reports whether this process was started by init as the shim.
func IsShim(args []string) bool {
	if len(args) == 0 || args[0] != shimArgv0 {
		return false
	}
	_, ok := os.LookupEnv(shimFDEnv)
	return ok
}

// shimArgs is how init hands the shim its settings: a short argv the shim
// alone parses, visible in ps as "tinyinit-shim -m 15:3 -- app args".
func shimArgs(o Options) []string {
	args := []string{shimArgv0}
	if o.Group {
		args = append(args, "-g")
	}
	if o.Verbose {
		args = append(args, "-v")
	}
	if o.App.Setsid {
		args = append(args, "-s")
	}
	if o.App.Dir != "" {
		args = append(args, "-C", o.App.Dir)
	}
	for _, sig := range o.StopSignals {
		args = append(args, "-t", strconv.Itoa(int(sig)))
	}
	for from, to := range o.Map {
		args = append(args, "-m", strconv.Itoa(int(from))+":"+strconv.Itoa(int(to)))
	}
	args = append(args, "--")
	return append(args, o.App.Argv...)
}

func parseShimArgs(args []string, env []string) (Options, error) {
	o := Options{Map: signals.Map{}}
	i := 1
	for ; i < len(args) && args[i] != "--"; i++ {
		switch args[i] {
		case "-g":
			o.Group = true
		case "-v":
			o.Verbose = true
		case "-s":
			o.App.Setsid = true
		case "-C", "-m", "-t":
			if i+1 >= len(args) {
				return o, fmt.Errorf("shim: %s needs a value", args[i])
			}
			i++
			if args[i-1] == "-C" {
				o.App.Dir = args[i]
				continue
			}
			if args[i-1] == "-t" {
				sig, err := signals.Parse(args[i])
				if err != nil {
					return o, fmt.Errorf("shim: -t: %w", err)
				}
				o.StopSignals = append(o.StopSignals, sig)
				continue
			}
			from, to, err := signals.ParsePair(args[i])
			if err != nil {
				return o, fmt.Errorf("shim: %w", err)
			}
			o.Map[from] = to
		default:
			return o, fmt.Errorf("shim: unknown argument %q", args[i])
		}
	}
	if i+1 >= len(args) {
		return o, fmt.Errorf("shim: no command")
	}
	o.App.Argv = args[i+1:]
	for _, kv := range env {
		if !strings.HasPrefix(kv, shimFDEnv+"=") {
			o.App.Env = append(o.App.Env, kv)
		}
	}
	return o, nil
}

// Serve is the shim's whole life: start the app as our child, pass it every
// signal init forwards (translated), wait for it, tell init its status, and
// exit with the app's code. The shim is never a subreaper: the app's orphans
// go to init, which reaps them; the only process the shim waits for is the
// app, so it is the one waiter that can never lose the app's status.
func Serve(args []string) int {
	fd, err := strconv.Atoi(os.Getenv(shimFDEnv))
	if err != nil || fd < 3 {
		fmt.Fprintf(signals.Stderr(), "tinyinit: shim: bad %s\n", shimFDEnv)
		return CodeInternal
	}
	// The app must not inherit init's pipe, or init would not see EOF when
	// the shim dies while the app lives.
	unix.CloseOnExec(fd)
	report := os.NewFile(uintptr(fd), "tinyinit-status")

	// Register before the app exists, so a signal forwarded at any moment
	// after init learns the app's pid is queued, not fatal to the shim.
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, signals.Forwarded()...)

	o, err := parseShimArgs(args, os.Environ())
	if err != nil {
		fmt.Fprintf(signals.Stderr(), "tinyinit: %v\n", err)
		_ = writeMessage(report, message{msgExited, uint32(reaper.ExitedStatus(CodeInternal))})
		return CodeInternal
	}
	pid, err := startApp(o.App, nil)
	if err != nil {
		code := exitCodeOf(err)
		fmt.Fprintf(signals.Stderr(), "tinyinit: %v\n", err)
		_ = writeMessage(report, message{msgExited, uint32(reaper.ExitedStatus(code))})
		return code
	}
	_ = writeMessage(report, message{msgStarted, uint32(pid)})
	if o.Verbose {
		fmt.Fprintf(signals.Stderr(), "tinyinit: shim %d started app %d: %s\n", os.Getpid(), pid, strings.Join(o.App.Argv, " "))
	}

	exited := make(chan struct{})
	go func() {
		waitExit(pid)
		close(exited)
	}()
	for {
		select {
		case s := <-sigs:
			sig := s.(unix.Signal)
			to := o.Map.Translate(sig)
			if o.Verbose {
				fmt.Fprintf(signals.Stderr(), "tinyinit: shim: %s -> %s to app %d\n", signals.Name(sig), targetName(to), pid)
			}
			_ = signals.Deliver(pid, to, o.Group)
			if slices.Contains(o.StopSignals, sig) {
				resume(pid, to, o.Group)
			}
		case <-exited:
			// The app is a zombie now; reaping it here, in the loop that
			// signals it, means no signal can go to a recycled pid.
			ws := reapExited(pid)
			_ = writeMessage(report, message{msgExited, uint32(ws)})
			return reaper.ExitCode(ws)
		}
	}
}

func targetName(sig unix.Signal) string {
	if sig == signals.Drop {
		return "(dropped)"
	}
	return signals.Name(sig)
}

func exitCodeOf(err error) int {
	if se, ok := err.(*StartError); ok {
		return se.Code
	}
	return CodeInternal
}

// waitExit blocks until pid has terminated, without reaping it (WNOWAIT).
func waitExit(pid int) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// reapExited collects the status of pid, which has already exited.
func reapExited(pid int) unix.WaitStatus {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err != unix.EINTR {
			return ws
		}
	}
}
