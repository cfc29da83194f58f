// Command tinyinit is a minimal init for containers: as pid 1 it reaps every
// orphan, starts a shim that stays the app's parent, passes every signal on
// (translated where the image asks), and exits with the app's code.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit"
	"github.com/tinyinit/tinyinit/cmd/tinyinit/config"
	"github.com/tinyinit/tinyinit/hostname"
	"github.com/tinyinit/tinyinit/reaper"
	"github.com/tinyinit/tinyinit/shim"
	"github.com/tinyinit/tinyinit/signals"
)

// version is set at link time by the Makefile.
var version = "dev"

func main() {
	if shim.IsShim(os.Args) {
		os.Exit(shim.Serve(os.Args))
	}
	os.Exit(run())
}

func run() int {
	// First of all: a Go pid 1 dies of any signal it has not asked for.
	sigs := make(chan os.Signal, 128)
	signal.Notify(sigs, signals.Forwarded()...)

	// argv[0] matters: installed as tini or dumb-init, tinyinit is a
	// drop-in for that program (see config.PersonalityOf).
	s, err := config.ParseProgram(os.Args, os.Environ())
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
	case s.License:
		fmt.Print(tinyinit.License)
		return 0
	}
	// The name is checked before anything starts: a wrong one is a usage error.
	env := os.Environ()
	hs := hostname.Settings{Template: s.Hostname}.Or(hostname.FromEnv(env))
	fqdn, err := hostname.Resolve(hs)
	if err != nil {
		return fail(&config.UsageError{Msg: err.Error()})
	}
	logf := func(format string, args ...any) {
		if s.Verbose > 0 {
			fmt.Fprintf(os.Stderr, "tinyinit: "+format+"\n", args...)
		}
	}

	if err := parentDeathSignal(s.ParentDeath); err != nil {
		return fail(err)
	}
	becomeReaper(logf)
	if s.NoShim && !shim.NoShimSupported() {
		fmt.Fprintf(os.Stderr, "tinyinit: %v; running with the shim instead\n", shim.ErrNoExitInfo)
		s.NoShim = false
	}

	if fqdn != "" {
		named := hostname.Apply(fqdn, hostname.ApplyOptions{SetHostnameEnv: hs.HostnameEnv == "fqdn"})
		for _, w := range named.Warnings {
			fmt.Fprintf(os.Stderr, "tinyinit: %s\n", w)
		}
		for _, n := range named.Notes {
			logf("%s", n)
		}
		env = named.Env(env)
	}

	var orphan func(int)
	if s.WarnReap {
		orphan = func(pid int) { fmt.Fprintf(os.Stderr, "tinyinit: reaped zombie process %d (not the app)\n", pid) }
	}
	r := reaper.StartReporting(orphan)
	sup, err := shim.Launch(r, shim.Options{
		App:     shim.App{Argv: s.Argv, Env: env, Setsid: s.Setsid},
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
	code := s.RemapExit(res.Code)
	logf("exiting with code %d", code)
	return code
}

// parentDeathSignal is tini's -p: the kernel sends sig to init when the
// process that started it dies, e.g. a supervisor that runs tinyinit
// outside a container. Only init needs it: init forwards it to the app like
// any other signal, and if sig kills init, the shim and app go with the
// namespace (pid 1) or are swept up by the next subreaper. The kernel
// checks every thread of init for the setting, so setting it from
// whichever thread runs this is enough.
func parentDeathSignal(sig unix.Signal) error {
	if sig == 0 {
		return nil
	}
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(sig), 0, 0, 0); err != nil {
		return fmt.Errorf("-p %s: set parent-death signal: %w", signals.Name(sig), err)
	}
	return nil
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
      --hostname TMPL the container's FQDN, from {hostname} {workload} {index}
                      {host} (see README, "Hostname")
  -g, --group         deliver signals to the app's process group
      --no-shim       run the app as init's own child (needs Linux 6.15+)
  -v, --verbose       diagnostics on stderr
  -h, --help          this text
      --version       print the version

tini's and dumb-init's options and environment work too (-s -e -p -w -l,
-r/--rewrite, --single-child; installed as "dumb-init", -c is
--single-child): see README, "Drop-in for tini and dumb-init".

Exit codes: the app's code; 128+N when the app was killed by signal N;
126 not executable; 127 not found; 2 bad usage; 125 tinyinit failed.
`
