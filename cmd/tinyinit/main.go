// Command tinyinit is a minimal init for containers: as pid 1 it reaps every
// orphan, starts a shim that stays the app's parent, passes every signal on
// (translated where the image asks), and exits with the app's code.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/cmd/tinyinit/config"
	"github.com/tinyinit/tinyinit/reaper"
	"github.com/tinyinit/tinyinit/shim"
	"github.com/tinyinit/tinyinit/signals"
)

// version is set at link time by the Makefile.
var version = "dev"

func main() {
	// One P: an init (or shim) has little to do at a time, and with a
	// second P the scheduler hands each signal and each reaped pid from
	// one thread to another. Measured in bench/LEAN.md: signal round trip
	// p50 -10 to -20%, a 10k orphan storm about a third faster, fewer
	// threads; start-up and memory unchanged.
	runtime.GOMAXPROCS(1)
	if shim.IsShim(os.Args) {
		os.Exit(shim.Serve(os.Args))
	}
	os.Exit(run())
}

func run() int {
	// First of all: a Go pid 1 dies of any signal it has not asked for.
	sigs := make(chan os.Signal, 128)
	signal.Notify(sigs, signals.Forwarded()...)

	s, err := config.Parse(os.Args[1:])
	if err != nil {
		return fail(err)
	}
	switch {
	case s.Help:
		fmt.Print(usage)
		return 0
	case s.Version:
		fmt.Printf("tinyinit %s\n", version)
		return 0
	}
	logf := func(format string, args ...any) {
		if s.Verbose > 0 {
			fmt.Fprintf(os.Stderr, "tinyinit: "+format+"\n", args...)
		}
	}

	becomeReaper(logf)
	if s.NoShim && !shim.NoShimSupported() {
		fmt.Fprintf(os.Stderr, "tinyinit: %v; running with the shim instead\n", shim.ErrNoExitInfo)
		s.NoShim = false
	}

	r := reaper.Start()
	sup, err := shim.Launch(r, shim.Options{
		App:     shim.App{Argv: s.Argv, Env: os.Environ()},
		Map:     s.Map,
		Group:   s.Group,
		NoShim:  s.NoShim,
		Verbose: s.Verbose > 0,
	})
	if err != nil {
		return fail(err)
	}
	logf("pid %d started %s", os.Getpid(), sup.Describe())

	res := sup.Wait(sigs)
	if left := r.Sweep(reaper.SweepBound); left > 0 {
		logf("app exited with code %d; terminated and reaped the processes it left", res.Code)
	}
	logf("exiting with code %d", res.Code)
	return res.Code
}

// becomeReaper makes orphans come to us when we are not pid 1 (under
// "docker run --init", a supervisor, or a shell): the kernel sends them to
// the nearest subreaper ancestor.
func becomeReaper(logf func(string, ...any)) {
	if os.Getpid() == 1 {
		return
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "tinyinit: not pid 1 and cannot become a child subreaper (%v): orphans will not be reaped by tinyinit\n", err)
		return
	}
	logf("not pid 1 (pid %d): registered as child subreaper", os.Getpid())
}

// fail reports err once, as the one line users see, and picks the exit code.
func fail(err error) int {
	fmt.Fprintf(os.Stderr, "tinyinit: %v\n", err)
	var ue *config.UsageError
	var se *shim.StartError
	switch {
	case errors.As(err, &ue):
		return config.CodeUsage
	case errors.As(err, &se):
		return se.Code
	}
	return shim.CodeInternal
}

const usage = `usage: tinyinit [OPTIONS] -- COMMAND [ARGS...]

A minimal init for containers: reaps every orphan, keeps a shim as the
app's parent, forwards every signal, exits with the app's code.

Options:
  -m, --map FROM:TO   translate signal FROM into TO before it reaches the app
                      (names or numbers; TO of 0 or none drops FROM); repeatable
  -g, --group         deliver signals to the app's process group
      --no-shim       run the app as init's own child (needs Linux 6.15+)
  -v, --verbose       diagnostics on stderr
  -h, --help          this text
      --version       print the version

Exit codes: the app's code; 128+N when the app was killed by signal N;
126 not executable; 127 not found; 2 bad usage; 125 tinyinit failed.
`
