package integration

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The hardening suite: orders of events, faults and inputs that an init
// meets rarely but must survive every time. Each test states the behaviour
// it holds tinyinit to; README "Hardening" lists them.

// initStatus is how tinyinit itself ended, after r.wait: a pid 1 killed by
// a signal and a pid 1 that reported an app killed by it (exit 128+N) give
// the same r.code, and only the first is a failure of tinyinit.
func initStatus(r *run) syscall.WaitStatus {
	return r.cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// hammer sends sig to pid 1 every 50µs until tinyinit exits.
func hammer(r *run, sig syscall.Signal) {
	go func() {
		for {
			select {
			case <-r.done:
				return
			default:
			}
			_ = syscall.Kill(r.pid(), sig)
			time.Sleep(50 * time.Microsecond)
		}
	}()
}

// A TERM that reaches pid 1 while the shim or the app is still starting is
// held and delivered once the app runs: the test sends TERM in a tight loop
// from the moment init has forked its first child (so init's handlers are in
// place) until tinyinit exits. The app either catches it (prints 15, exits
// 0) or, when TERM lands before the app's own Go runtime handles it, dies of
// it (143, reported by init, which itself exits normally). Never a hang, and
// never init killed.
//
// What happens before init's main runs is README "Signals", "During start":
// the kernel drops signals for a pid 1 without a handler, and the Go runtime
// exits 2 on one that arrives between its handler and signal.Notify.
func TestTermDuringStart(t *testing.T) {
	runs := 100
	if testing.Short() {
		runs = 10
	}
	for _, mode := range [][]string{nil, {"--no-shim"}} {
		caught, killed := 0, 0
		for i := 0; i < runs; i++ {
			r := start(t, append(mode, "--", "FIXTURE", "signals", "15")...)
			if !waitFor(5*time.Second, func() bool { return len(children(r.pid())) > 0 }) {
				t.Fatalf("%v run %d: init started no child in 5s; stderr: %q", mode, i, r.stderr)
			}
			hammer(r, syscall.SIGTERM)
			code := r.wait(10 * time.Second)
			if ws := initStatus(r); ws.Signaled() || (code != 0 && code != 143) {
				t.Fatalf("%v run %d: tinyinit ended with status %#x (code %d), want 0 or the app's 143; stderr: %q", mode, i, ws, code, r.stderr)
			}
			if code == 0 {
				caught++
			} else {
				killed++
			}
		}
		t.Logf("%v: %d runs: the app caught TERM %d times, died of it %d times", mode, runs, caught, killed)
	}
}

// Signals that arrive while init runs its final sweep (here: 2 s, because
// the app's children ignore TERM) are neither fatal nor a reason to hang:
// tinyinit still exits with the app's code once the sweep is over.
func TestSignalsDuringSweep(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1, syscall.SIGHUP, syscall.SIGPIPE} {
		t.Run(sig.String(), func(t *testing.T) {
			r := start(t, "--", "FIXTURE", "leave-children", "2", "ignore-term", "7")
			r.expect("started 2", 10*time.Second)
			// The sweep starts once the app and the shim are gone and
			// only the two TERM-ignoring orphans are left.
			sweeping := waitFor(5*time.Second, func() bool {
				ps := tree(r.pid())
				for _, p := range ps {
					if !strings.Contains(cmdline(p.Pid), "ignore-term") {
						return false
					}
				}
				return len(ps) == 2
			})
			if !sweeping {
				select {
				case <-r.done:
					// The sweep (2 s) ended between two of our looks: only
					// a starved test process misses it. Nothing was shown.
					t.Skipf("missed the sweep window (machine too loaded); tinyinit exited %d", r.code)
				default:
				}
				t.Fatalf("the app did not exit leaving its 2 children: %+v", tree(r.pid()))
			}
			hammer(r, sig)
			// Sweep bound 2 s + kill wait 2 s + a second for the rest.
			if code := r.wait(5 * time.Second); code != 7 || initStatus(r).Signaled() {
				t.Fatalf("status %#x, code %d, want the app's 7; stderr: %q", initStatus(r), code, r.stderr)
			}
		})
	}
}

// TERM twice, without a grace period: both reach the app, and tinyinit
// keeps waiting for it (it does not give up on the second).
func TestTermTwice(t *testing.T) {
	for _, mode := range [][]string{nil, {"--no-shim"}} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			r := start(t, append(mode, "--", "FIXTURE", "ignore-all")...)
			r.expect("ready", 5*time.Second)
			r.signal(syscall.SIGTERM)
			r.expect("15", 5*time.Second)
			r.signal(syscall.SIGTERM)
			r.expect("15", 5*time.Second)
			r.signal(syscall.SIGUSR1)
			r.expect("10", 5*time.Second)
		})
	}
}

// INT during the grace period that TERM started is forwarded, and does not
// restart the clock: the app is killed a grace period after the TERM, not
// after the INT.
func TestIntDuringGrace(t *testing.T) {
	for _, mode := range [][]string{nil, {"--no-shim"}} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			const grace = 2 * time.Second
			r := start(t, append(mode, "--grace", "2s", "--", "FIXTURE", "ignore-all")...)
			r.expect("ready", 5*time.Second)
			sent := time.Now()
			r.signal(syscall.SIGTERM)
			r.expect("15", 5*time.Second)
			time.Sleep(1500*time.Millisecond - time.Since(sent))
			r.signal(syscall.SIGINT)
			r.expect("2", 5*time.Second)
			code := r.wait(grace + 5*time.Second)
			took := time.Since(sent)
			if code != 137 {
				t.Fatalf("exit code %d, want 137; stderr: %s", code, r.stderr)
			}
			// A restarted clock would end the app 3.5 s after TERM.
			if took < grace || took > grace+time.Second {
				t.Fatalf("app killed %v after TERM, want a grace period (%v) after TERM, not after INT", took, grace)
			}
		})
	}
}

// The app and the shim SIGKILLed from outside at the same instant, many
// times, in both orders. Whichever the shim saw first, tinyinit exits: 137
// when the shim reported the app's death before its own, 125 (the shim was
// lost, one line) when it did not. Never a hang, never another code.
func TestAppAndShimDieTogether(t *testing.T) {
	runs := 100
	if testing.Short() {
		runs = 10
	}
	counts := map[int]int{}
	for i := 0; i < runs; i++ {
		r := start(t, "--", "FIXTURE", "signals", "15")
		r.expect("ready", 5*time.Second)
		shims := children(r.pid())
		if len(shims) != 1 {
			t.Fatalf("run %d: pid 1's children %+v", i, shims)
		}
		apps := children(shims[0].Pid)
		if len(apps) != 1 {
			t.Fatalf("run %d: the shim's children %+v", i, apps)
		}
		first, second := shims[0].Pid, apps[0].Pid
		if i%2 == 1 {
			first, second = second, first
		}
		_ = syscall.Kill(first, syscall.SIGKILL)
		_ = syscall.Kill(second, syscall.SIGKILL)
		code := r.wait(5 * time.Second)
		counts[code]++
		switch {
		case initStatus(r).Signaled():
			t.Fatalf("run %d: tinyinit killed: %#x", i, initStatus(r))
		case code == 125:
			if !strings.Contains(r.stderr.String(), "tinyinit: shim") {
				t.Fatalf("run %d: 125 without the shim-lost line; stderr %q", i, r.stderr)
			}
		case code != 137:
			t.Fatalf("run %d: exit code %d, want 137 or 125; stderr %q", i, code, r.stderr)
		}
	}
	t.Logf("%d runs: exit 137 (app's status reported) %d times, 125 (shim lost) %d times", runs, counts[137], counts[125])
}

// An app that exits at once, 10,000 times in a row, tinyinit as pid 1
// each time: not one run may hang. Two runs go at a time (the machine has two
// cores); each is bounded by 10 s, far above what a run takes, so only a
// hang trips it. The test reports how many runs took over a second, the
// reaper's kick period (a missed SIGCHLD would cost that), without failing
// on it: wall time on a shared machine proves nothing.
func TestFastExitsNeverHang(t *testing.T) {
	// 10,000, as the issue asks: about 52 ms of CPU a run measured on a
	// loaded machine (three Go processes start per run), a few minutes on
	// two cores. TINYINIT_FAST_RUNS sets another count for trying things.
	runs := 10000
	if n, err := strconv.Atoi(os.Getenv("TINYINIT_FAST_RUNS")); err == nil && n > 0 {
		runs = n
	}
	if testing.Short() {
		runs = 500
	}
	workers := min(2, runtime.NumCPU())
	var mu sync.Mutex
	var slowest time.Duration
	slow := 0
	var failure error
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				took, err := fastRun()
				mu.Lock()
				slowest = max(slowest, took)
				if took > time.Second {
					slow++
				}
				if err != nil && failure == nil {
					failure = fmt.Errorf("run %d: %w", i, err)
				}
				mu.Unlock()
			}
		}()
	}
	var before syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &before)
	began := time.Now()
	for i := 0; i < runs; i++ {
		mu.Lock()
		failed := failure != nil
		mu.Unlock()
		if failed {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if failure != nil {
		t.Fatal(failure)
	}
	// Wall time depends on the machine's load; the CPU time the runs took
	// (all of tinyinit's processes, reaped into our children's usage) does
	// not, and divided by two cores it is the test's time on a quiet
	// machine. Runs over a second are reported, not failed: on a loaded
	// machine a run can take that long without anything being wrong.
	var after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	t.Logf("%d runs in %v (%v CPU, %v a run), slowest %v, %d over 1 s",
		runs, time.Since(began).Round(time.Millisecond), cpu.Round(time.Millisecond), (cpu / time.Duration(runs)).Round(time.Microsecond), slowest.Round(time.Microsecond), slow)
}

// fastRun runs "tinyinit -- fixture exit 0" as pid 1 once, without the
// harness's output plumbing, and kills it if it is not done in 10 s.
func fastRun() (time.Duration, error) {
	cmd := exec.Command(bins.tinyinit, "--", bins.fixture, "exit", "0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	timer := time.AfterFunc(10*time.Second, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	took := time.Since(began)
	if !timer.Stop() {
		return took, fmt.Errorf("hung: killed after 10 s; stderr %q", stderr.String())
	}
	if err != nil {
		return took, fmt.Errorf("%v; stderr %q", err, stderr.String())
	}
	return took, nil
}

// Fork failing with EAGAIN: tinyinit runs as a user (not root, which the
// kernel exempts) whose RLIMIT_NPROC is lowered step by step, so that in
// turn init cannot fork the shim and the shim cannot fork the app. Threads
// count against the limit and init is a Go program, so the limits that hit
// each case depend on its runtime: the test walks them all and requires
// each case to be seen. Every run ends within 10 s with a documented code:
// 125 with one "tinyinit:" line naming the process limit, or 0 once the
// limit is high enough. Below about 8 tasks the Go runtime of init itself
// cannot start its threads and exits 2 with its own report (README
// "Exit codes" says so); that is allowed and counted, nothing else is.
func TestForkFailsEAGAIN(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) not installed")
	}
	seen := map[string]int{}
	// Which limit hits which case moves by a task or two with the Go
	// runtimes' timing, so walk the range up to three times until both
	// fork failures have been seen.
	for sweep := 0; sweep < 3 && (seen["init could not fork the shim"] == 0 || seen["the shim could not fork the app"] == 0); sweep++ {
		forkSweep(t, prlimit, seen)
	}
	for _, want := range []string{"init could not fork the shim", "the shim could not fork the app", "ran"} {
		if seen[want] == 0 {
			t.Errorf("no RLIMIT_NPROC from 1 to 30 gave %q", want)
		}
	}
	t.Logf("outcomes: %v", seen)
}

// forkSweep runs tinyinit under RLIMIT_NPROC 1 to 30 and counts outcomes.
func forkSweep(t *testing.T, prlimit string, seen map[string]int) {
	const uid = 54321 // a user no other process runs as: the count is ours
	for n := 1; n <= 30; n++ {
		cmd := exec.Command(prlimit, fmt.Sprintf("--nproc=%d:%d", n, n), "--", bins.tinyinit, "--", "/bin/true")
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID, Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		timer := time.AfterFunc(10*time.Second, func() { _ = cmd.Process.Kill() })
		err := cmd.Wait()
		if !timer.Stop() {
			t.Fatalf("nproc %d: hung; stderr %q", n, stderr.String())
		}
		code := exitCode(err)
		msg := strings.TrimSpace(stderr.String())
		last := msg[strings.LastIndexByte(msg, '\n')+1:]
		var what string
		switch {
		case code == 0:
			what = "ran"
		case code == 2 && strings.HasPrefix(msg, "runtime: failed to create new OS thread"):
			what = "init's runtime could not start"
		case code == 125 && strings.HasPrefix(last, "tinyinit: start shim: cannot fork"):
			what = "init could not fork the shim"
		case code == 125 && strings.HasPrefix(last, `tinyinit: exec "/bin/true": cannot fork`):
			what = "the shim could not fork the app"
		default:
			t.Fatalf("nproc %d: exit code %d, stderr %q: not a documented outcome", n, code, msg)
		}
		if strings.HasPrefix(what, "init could") || strings.HasPrefix(what, "the shim could") {
			if !strings.Contains(last, "process limit") || strings.Count(msg, "tinyinit:") != 1 {
				t.Fatalf("nproc %d: %s, but stderr %q is not one line that names the process limit", n, what, msg)
			}
		}
		seen[what]++
	}
}

// The app closes its stdout and stderr, or points them at /dev/null: they
// are the app's own copies, tinyinit keeps its own, and -v diagnostics and
// signal forwarding go on.
func TestAppClosesOutput(t *testing.T) {
	for _, how := range []string{"close", "devnull"} {
		for _, mode := range [][]string{{"-v"}, {"-v", "--no-shim"}} {
			t.Run(how+fmt.Sprint(mode), func(t *testing.T) {
				r := start(t, append(mode, "--", "FIXTURE", "close-std", how, "7")...)
				r.expect("ready", 5*time.Second)
				time.Sleep(50 * time.Millisecond) // let it close them
				r.signal(syscall.SIGTERM)
				if code := r.wait(5 * time.Second); code != 7 {
					t.Fatalf("exit code %d, want the app's 7; stderr: %q", code, r.stderr)
				}
				if !strings.Contains(r.stderr.String(), "TERM") {
					t.Fatalf("no -v line for the forwarded TERM; stderr: %q", r.stderr)
				}
			})
		}
	}
}

// tinyinit's own stderr is a pipe nobody reads any more (a log collector
// that died). Writing a diagnostic to it raises SIGPIPE in tinyinit, which
// tinyinit catches (it forwards every signal): that SIGPIPE is its own and
// must not be passed to the app, whose default action for it is death. Nor
// may the failed write stop tinyinit. With -v every forwarded signal is
// written about, so each one would raise another SIGPIPE.
func TestBrokenStderr(t *testing.T) {
	for _, mode := range [][]string{{"-v"}, {"-v", "--no-shim"}} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			r := startBrokenStderr(t, append(mode, "--", "FIXTURE", "signals", "15")...)
			r.expect("ready", 5*time.Second)
			for i := 0; i < 3; i++ {
				r.signal(syscall.SIGUSR1)
				if got := r.next(5 * time.Second); got != "10" {
					t.Fatalf("after SIGUSR1 %d the app saw signal %s, want 10 (13 is SIGPIPE: tinyinit's own)", i, got)
				}
			}
			r.signal(syscall.SIGTERM)
			for {
				got := r.next(5 * time.Second)
				if got == "15" {
					break
				}
				t.Fatalf("the app saw signal %s, want only 15 (13 is SIGPIPE: tinyinit's own)", got)
			}
			if code := r.wait(5 * time.Second); code != 0 {
				t.Fatalf("exit code %d, want 0", code)
			}
		})
	}
}

// startBrokenStderr is start with tinyinit's stderr a pipe whose read end
// is already closed.
func startBrokenStderr(t *testing.T, args ...string) *run {
	t.Helper()
	for i, a := range args {
		if a == "FIXTURE" {
			args[i] = bins.fixture
		}
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pr.Close()
	cmd := exec.Command(bins.tinyinit, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	cmd.Stderr = pw
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r := &run{t: t, cmd: cmd, lines: make(chan string, 1024), stderr: &syncBuffer{}, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
	}()
	go func() {
		r.code = exitCode(cmd.Wait())
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			_ = cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

// A child of the app that leaves the app's process group for a session of
// its own (as a daemon does) is out of reach of -g, which signals the
// app's group as it is when the signal arrives; the final sweep still ends
// it. And the app itself cannot start a session: it leads its own process
// group, so setsid fails with EPERM, and signals reach it as before.
func TestAppLeavesGroup(t *testing.T) {
	for _, mode := range [][]string{{"-g"}, nil} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			r := start(t, append(mode, "--", "FIXTURE", "escape-group")...)
			r.expect("ready", 5*time.Second)
			r.signal(syscall.SIGUSR1)
			r.expect("app 10", 5*time.Second)
			r.signal(syscall.SIGTERM)
			r.expect("app 15", 5*time.Second)
			// The app is gone; its escaped child hears TERM from the sweep
			// only, so its line comes after the app's.
			r.expect("child 15", 5*time.Second)
			if code := r.wait(5 * time.Second); code != 0 {
				t.Fatalf("exit code %d; stderr: %q", code, r.stderr)
			}
		})
	}
	r := start(t, "--", "FIXTURE", "setsid-self", "15")
	r.expect("setsid: operation not permitted", 5*time.Second)
	r.expect("ready", 5*time.Second)
	r.signal(syscall.SIGTERM)
	r.expect("15", 5*time.Second)
	if code := r.wait(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d; stderr: %q", code, r.stderr)
	}
}

// The app is stopped (SIGSTOP from outside, or Ctrl-Z) when docker stop's
// TERM arrives: a stopped process cannot act on TERM, so tinyinit follows a
// stop signal with SIGCONT (README "Signals"), and the app ends as asked.
func TestStoppedAppGetsStopSignal(t *testing.T) {
	for _, mode := range [][]string{nil, {"-g"}, {"--no-shim"}, {"--map", "TERM:QUIT"}} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			want := "15"
			if len(mode) == 2 {
				want = "3"
			}
			r := start(t, append(mode, "--", "FIXTURE", "signals", want)...)
			r.expect("ready", 5*time.Second)
			app := appPid(t, r)
			if err := syscall.Kill(app, syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			// Stopped means every thread: the kernel reports the stop to
			// the parent only once the last of the app's threads stops.
			if !waitFor(5*time.Second, func() bool { return allStopped(app) }) {
				t.Fatal("the app did not stop")
			}
			r.signal(syscall.SIGTERM)
			// The app sees the SIGCONT (18) that resumed it, before or
			// after the stop signal.
			for got := r.next(5 * time.Second); got != want; got = r.next(5 * time.Second) {
				if got != "18" {
					t.Fatalf("the app saw signal %s, want %s and SIGCONT", got, want)
				}
			}
			if code := r.wait(5 * time.Second); code != 0 {
				t.Fatalf("exit code %d; stderr: %q", code, r.stderr)
			}
		})
	}
}

// allStopped reports whether every thread of pid is stopped.
func allStopped(pid int) bool {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", pid, task.Name()))
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 || i+2 >= len(b) || b[i+2] != 'T' {
			return false
		}
	}
	return true
}

// appPid finds the app: pid 1's child with --no-shim, else the shim's.
func appPid(t *testing.T, r *run) int {
	t.Helper()
	kids := children(r.pid())
	if len(kids) != 1 {
		t.Fatalf("pid 1's children: %+v", kids)
	}
	if kids[0].Comm != "tinyinit-shim" {
		return kids[0].Pid
	}
	apps := children(kids[0].Pid)
	if len(apps) != 1 {
		t.Fatalf("the shim's children: %+v", apps)
	}
	return apps[0].Pid
}

// SIGSEGV and the other signals the kernel raises for faults are, when
// they come from kill(2), signals like any other: pid 1 stays up and passes
// them on. (A real fault in tinyinit would be a Go panic, not these.)
func TestFaultSignalsFromKill(t *testing.T) {
	faults := []syscall.Signal{syscall.SIGSEGV, syscall.SIGBUS, syscall.SIGFPE, syscall.SIGILL, syscall.SIGABRT, syscall.SIGSYS, syscall.SIGTRAP}
	for _, mode := range [][]string{nil, {"--no-shim"}} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			r := start(t, append(mode, "--", "FIXTURE", "signals", "15")...)
			r.expect("ready", 5*time.Second)
			for _, sig := range faults {
				r.signal(sig)
				r.expect(fmt.Sprint(int(sig)), 5*time.Second)
			}
			r.signal(syscall.SIGTERM)
			r.expect("15", 5*time.Second)
			if code := r.wait(5 * time.Second); code != 0 || initStatus(r).Signaled() {
				t.Fatalf("status %#x, code %d; stderr: %q", initStatus(r), code, r.stderr)
			}
		})
	}
}

// Arguments and environment close to the kernel's limit for one exec
// (ARG_MAX: a quarter of the stack limit, 2 MiB by default), with bytes
// that are not UTF-8, reach the app byte for byte, through init and the
// shim or without the shim: tinyinit passes them on, it never decodes them.
func TestHugeAndNonUTF8ArgsAndEnv(t *testing.T) {
	var stack syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_STACK, &stack); err != nil {
		t.Fatal(err)
	}
	limit := min(stack.Cur/4, 6<<20) // the kernel's rule (fs/exec.c)
	// What the test's own environment and the paths take, plus headroom
	// for tinyinit's own additions (the shim's pipe variable).
	used := len(bins.tinyinit) + len(bins.fixture) + 64<<10
	for _, kv := range os.Environ() {
		used += len(kv) + 1 + 8
	}
	budget := int(limit) - used
	if budget < 1<<20 {
		t.Skipf("ARG_MAX is only %d bytes", limit)
	}
	// Strings of up to 128 KiB (MAX_ARG_STRLEN), every byte value but NUL,
	// so most are not valid UTF-8.
	chunk := make([]byte, 100<<10)
	for i := range chunk {
		chunk[i] = byte(1 + i%255)
	}
	args := []string{"", "caf\xe9", "\xff\xfe\x80", "é", "--", "-v"}
	var env []string
	env = append(env, "HARD_BAD=\xff\x80value", "HARD_EMPTY=", "HARD_EQ==\xc3\x28")
	for n := 0; budget > len(chunk)+16; n++ {
		if n%2 == 0 {
			args = append(args, string(chunk))
		} else {
			env = append(env, fmt.Sprintf("HARD_%d=%s", n, chunk))
		}
		budget -= len(chunk) + 16
	}
	total := 0
	for _, s := range append(append([]string{}, args...), env...) {
		total += len(s) + 1
	}
	wantEnv := append([]string{}, env...)
	sort.Strings(wantEnv)
	want := []string{
		fmt.Sprintf("args %d %x", len(args), digestOf(args)),
		fmt.Sprintf("env %d %x", len(env), digestOf(wantEnv)),
	}
	t.Logf("%d arguments and %d variables, %d bytes of %d (ARG_MAX)", len(args), len(env), total, limit)
	for _, mode := range [][]string{nil, {"--no-shim"}} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			r := startEnv(t, env, append(append(mode, "--", "FIXTURE", "args"), args...)...)
			r.expect(want[0], 10*time.Second)
			r.expect(want[1], 10*time.Second)
			if code := r.wait(10 * time.Second); code != 0 {
				t.Fatalf("exit code %d; stderr: %.300q", code, r.stderr)
			}
		})
	}
}

// digestOf is the fixture's digest: each string's bytes, then a NUL.
func digestOf(list []string) []byte {
	h := sha256.New()
	for _, s := range list {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// A config file of 100 MB is refused like one of 2 MB (TestBadInput): one
// line, exit 2, nothing started, and no more memory than a small config
// takes, since the reader stops after 1 MiB. The figure is VmHWM, the
// kernel's high-water mark of tinyinit's resident memory, read while
// tinyinit is held at its exit by ptrace (ru_maxrss would not do: Go starts
// children with vfork, so it also counts the test binary's own pages).
func TestHugeConfigBoundedMemory(t *testing.T) {
	big := filepath.Join(t.TempDir(), "huge.toml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: reads return zeros, costing the disk nothing.
	if err := f.Truncate(100 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	small := writeConfig(t, "grace = \"1s\"\n")
	hugeHWM, code := peakAtExit(t, bins.tinyinit, "-c", big, "--check", "--", "x")
	if code != 2 {
		t.Fatalf("100 MB config: exit code %d, want 2", code)
	}
	smallHWM, code := peakAtExit(t, bins.tinyinit, "-c", small, "--check", "--", "x")
	if code != 0 {
		t.Fatalf("small config: exit code %d, want 0", code)
	}
	t.Logf("VmHWM: %d KiB with a 100 MB config, %d KiB with a small one", hugeHWM, smallHWM)
	if hugeHWM > 20<<10 {
		t.Fatalf("VmHWM %d KiB with a 100 MB config, want under 20 MiB", hugeHWM)
	}
}

// peakAtExit runs argv under ptrace, stops it as it exits (while its memory
// is still there), and returns its VmHWM in KiB and its exit code.
func peakAtExit(t *testing.T, argv ...string) (int, int) {
	t.Helper()
	// ptrace requests must come from the thread that is the tracer.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{0, null.Fd(), 2},
		Sys:   &syscall.SysProcAttr{Ptrace: true, Cloneflags: syscall.CLONE_NEWPID},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ws syscall.WaitStatus
	wait := func() {
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
			t.Fatal(err)
		}
	}
	wait() // stopped after exec
	if err := syscall.PtraceSetOptions(pid, syscall.PTRACE_O_TRACEEXIT); err != nil {
		t.Fatal(err)
	}
	hwm, pass := -1, 0
	for {
		if err := syscall.PtraceCont(pid, pass); err != nil {
			t.Fatal(err)
		}
		wait()
		pass = 0
		if ws.Stopped() && ws.StopSignal() != syscall.SIGTRAP {
			pass = int(ws.StopSignal()) // a signal for it: deliver it
		}
		if ws.Exited() || ws.Signaled() {
			break
		}
		if ws.Stopped() && ws.TrapCause() == syscall.PTRACE_EVENT_EXIT {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					fmt.Sscanf(strings.TrimSpace(v), "%d", &hwm)
				}
			}
		}
	}
	if hwm < 0 {
		t.Fatal("no exit stop: VmHWM not read")
	}
	return hwm, ws.ExitStatus()
}
