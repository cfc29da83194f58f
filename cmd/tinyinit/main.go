// Command tinyinit is a minimal init for containers: as pid 1 it reaps every
// orphan, starts a shim that stays the app's parent, passes every signal on
// (translated where the image asks), and exits with the app's code.
package main

import (
	"errors"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"

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
	// One P: an init has little to do at a time, and with a
	// second P the scheduler hands each signal and each reaped pid from
	// one thread to another. Measured in bench/LEAN.md: signal round trip
	// p50 -10 to -20%, a 10k orphan storm about a third faster, fewer
	// threads; start-up and memory unchanged.
	runtime.GOMAXPROCS(1)
	os.Exit(run())
}

func run() int {
	// First of all: a Go pid 1 dies of any signal it has not asked for.
	sigs := make(chan os.Signal, 128)
	signal.Notify(sigs, signals.Forwarded()...)

	// argv[0] matters: installed as tini or dumb-init, tinyinit is a
	// drop-in for that program (see config.PersonalityOf).
	s, err := config.LoadProgram(os.Args, os.Environ())
	if err != nil {
		return fail(err)
	}
	switch {
	case s.Help:
		os.Stdout.WriteString(usage)
		return 0
	case s.Version:
		os.Stdout.WriteString("tinyinit " + version + "\n")
		return 0
	case s.License:
		os.Stdout.WriteString(tinyinit.License)
		return 0
	case s.List:
		os.Stdout.WriteString(s.Commands())
		return 0
	}
	logf := func(msg string) {
		if s.Verbose > 0 {
			signals.Warn(msg)
		}
	}

	// Everything that can be wrong in what the user asked for is found
	// here, before anything is changed or started.
	env := os.Environ()
	hs := hostname.Settings{Template: s.Hostname}.Or(hostname.FromEnv(env))
	if h := s.File.HostnameSettings(); h != nil {
		hs = hs.Or(*h)
	}
	fqdn, err := hostname.Resolve(hs)
	if err != nil {
		return fail(&config.UsageError{Msg: err.Error()})
	}
	steps, err := s.Plan(func(name string) bool { return shim.Findable(name, env) })
	if err != nil {
		return fail(err)
	}
	if s.Check {
		var b strings.Builder
		b.WriteString(s.Describe())
		for _, st := range steps {
			b.WriteString(pad(kindName(st.Kind), 13) + " " + strings.Join(st.Argv, " ") + "\n")
		}
		if fqdn != "" {
			b.WriteString("hostname      " + fqdn + "\n")
		}
		os.Stdout.WriteString(b.String())
		return 0
	}

	if err := parentDeathSignal(s.ParentDeath); err != nil {
		return fail(err)
	}
	becomeReaper(logf)
	if fqdn != "" {
		env = applyHostname(fqdn, hs, env, logf)
	}
	var orphan func(int)
	if s.WarnReap {
		orphan = func(pid int) {
			signals.Warn("reaped zombie process " + strconv.Itoa(pid) + " (not the app)")
		}
	}
	r := reaper.StartReporting(orphan)
	code := 0
	for _, st := range steps {
		res, err := runStep(r, st, env, s.Setsid, sigs, s.Verbose > 0)
		if err != nil {
			return fail(err)
		}
		code = res.Code
		if st.Kind == config.Service || res.Escalated {
			break
		}
		if res.Code != 0 {
			code = stepFailed(st, res.Code)
			break
		}
		if res.Stopped {
			logf("stop signal during " + kindName(st.Kind) + " " + strconv.Quote(st.Name) + ": not starting what follows")
			break
		}
	}
	if left := r.Sweep(reaper.SweepBound); left > 0 {
		logf("terminated and reaped " + strconv.Itoa(left) + " processes left behind")
	}
	code = s.RemapExit(code)
	logf("exiting with code " + strconv.Itoa(code))
	return code
}

// applyHostname makes the FQDN visible by every means allowed here and
// returns the app's environment with it.
func applyHostname(fqdn string, hs hostname.Settings, env []string, logf func(string)) []string {
	named := hostname.Apply(fqdn, hostname.ApplyOptions{SetHostnameEnv: hs.HostnameEnv == "fqdn"})
	for _, w := range named.Warnings {
		signals.Warn(w)
	}
	for _, n := range named.Notes {
		logf(n)
	}
	return named.Env(env)
}

// runStep runs one program to its end, passing it every signal.
func runStep(r *reaper.Reaper, st config.Step, env []string, setsid bool, sigs <-chan os.Signal, verbose bool) (shim.Result, error) {
	if st.NoShim && !shim.NoShimSupported() {
		signals.Warn(shim.ErrNoExitInfo.Error() + "; running with the shim instead")
		st.NoShim = false
	}
	sup, err := shim.Launch(r, shim.Options{
		App:         shim.App{Argv: st.Argv, Env: st.Environ(env), Dir: st.Dir, Setsid: setsid},
		Map:         st.Map,
		Group:       st.Group,
		NoShim:      st.NoShim,
		Verbose:     verbose,
		Grace:       st.Grace,
		StopSignals: st.StopSignals,
	})
	if err != nil {
		return shim.Result{}, err
	}
	if verbose {
		signals.Warn("pid " + strconv.Itoa(os.Getpid()) + ", " + kindName(st.Kind) + ": " + sup.Describe())
	}
	res := sup.Wait(sigs)
	if res.Escalated {
		// The grace period is spent: what is left is killed now.
		r.Sweep(0)
	}
	return res, nil
}

// stepFailed reports a bootstrap or check that failed, once, and returns
// the container's exit code: the bootstrap's own, or CodeCheckFailed.
func stepFailed(st config.Step, code int) int {
	if st.Kind == config.Check {
		signals.Warn("check of " + strconv.Quote(st.Name) + " failed with code " + strconv.Itoa(code) + " (" + strings.Join(st.Argv, " ") + "); not starting it")
		return config.CodeCheckFailed
	}
	signals.Warn(strconv.Quote(st.Name) + " failed with code " + strconv.Itoa(code) + "; not starting what follows")
	return code
}

func kindName(k config.StepKind) string {
	switch k {
	case config.Bootstrap:
		return "bootstrap"
	case config.Check:
		return "check"
	}
	return "app"
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
		return &setupError{"-p " + signals.Name(sig) + ": set parent-death signal", err}
	}
	return nil
}

// becomeReaper makes orphans come to us when we are not pid 1 (under
// "docker run --init", a supervisor, or a shell): the kernel sends them to
// the nearest subreaper ancestor.
func becomeReaper(logf func(string)) {
	if os.Getpid() == 1 {
		return
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		signals.Warn("not pid 1 and cannot become a child subreaper (" + err.Error() + "): orphans will not be reaped by tinyinit")
		return
	}
	logf("not pid 1 (pid " + strconv.Itoa(os.Getpid()) + "): registered as child subreaper")
}

// fail reports err once, as the one line users see, and picks the exit code.
func fail(err error) int {
	signals.Warn(err.Error())
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

// pad left-aligns s in a column of width n, as %-13s would.
func pad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}

// setupError is a step of init's own set-up that failed.
type setupError struct {
	what string
	err  error
}

func (e *setupError) Error() string { return e.what + ": " + e.err.Error() }
func (e *setupError) Unwrap() error { return e.err }

const usage = `usage: tinyinit [OPTIONS] -- COMMAND [ARGS...]
       tinyinit [OPTIONS] -- NAME [ARGS...]      a command from the config file
       tinyinit [OPTIONS] -- bootstrap [NAME]

A minimal init for containers: reaps every orphan, keeps a shim as the
app's parent, forwards every signal, exits with the app's code.

Options:
  -m, --map FROM:TO   translate signal FROM into TO before it reaches the app
                      (names or numbers; TO of 0 or none drops FROM); repeatable
  -g, --group         deliver signals to the app's process group
      --grace DUR     SIGKILL the app's group DUR after the first stop signal
  -c, --config PATH   config file (default /etc/tinyinit.toml if it exists)
      --check         validate everything, print the effective settings, start nothing
      --list          list the config's named commands
      --hostname TMPL the container's FQDN, from {hostname} {workload} {index}
                      {host} (see README, "Hostname")
      --no-shim       run the app as init's own child (needs Linux 6.15+)
  -v, --verbose       diagnostics on stderr
  -h, --help          this text
      --version       print the version

tini's and dumb-init's options and environment work too (-s -e -p -w -l,
-r/--rewrite, --single-child; installed as "dumb-init", -c is
--single-child): see README, "Drop-in for tini and dumb-init".

Exit codes: the app's code; 128+N when the app was killed by signal N;
127 not found; 126 not executable; 125 tinyinit failed; 124 a check
failed; 2 bad usage or configuration.
`
