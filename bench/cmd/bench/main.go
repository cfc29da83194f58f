// Command bench measures tinyinit against tini, dumb-init and catatonit,
// each as pid 1 of a fresh pid namespace, in one run on this machine, and
// writes bench/results.md and bench/results.svg. It needs root (a new pid
// namespace needs CAP_SYS_ADMIN). `make bench` builds and runs it;
// BENCH_QUICK=1 takes far fewer samples, for trying changes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/bench/harness"
)

// base is the init every ratio is taken against: the most used one.
const base = "tini-static"

func main() {
	tinyinit := flag.String("tinyinit", "bin/tinyinit", "tinyinit binary under test")
	app := flag.String("app", "bin/benchapp", "the benchmark's app (bench/cmd/benchapp)")
	out := flag.String("out", "bench", "directory for results.md and results.svg")
	quick := flag.Bool("quick", os.Getenv("BENCH_QUICK") == "1", "fewer samples (also BENCH_QUICK=1)")
	only := flag.String("only", "", "comma-separated phases to run (codes,memory,signals,startup,storms); default all")
	var also []initCmd
	flag.Func("also", "`name=PATH [OPTION...][,VAR=VALUE...]`: measure one more tinyinit build, options or environment beside the others, for experiments; repeatable", func(v string) error {
		c, err := parseAlso(v)
		also = append(also, c)
		return err
	})
	flag.Parse()
	phases := map[string]bool{}
	for _, p := range strings.Split(*only, ",") {
		if p != "" {
			phases[p] = true
		}
	}
	want := func(phase string) bool { return len(phases) == 0 || phases[phase] }
	if err := run(*tinyinit, *app, *out, *quick, want, also); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// run measures every phase that want accepts and writes the report; a
// phase left out shows as n/a, which is what experiments on one row need.
func run(tinyinit, app, out string, quick bool, want func(string) bool, also []initCmd) error {
	tinyinit, err := filepath.Abs(tinyinit)
	if err != nil {
		return err
	}
	app, err = filepath.Abs(app)
	if err != nil {
		return err
	}
	devnull, err := openDevNull()
	if err != nil {
		return err
	}
	defer unix.Close(devnull)
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	}
	b := &bench{
		inits: []initCmd{
			{name: "tinyinit", argv: []string{tinyinit, "--"}},
			{name: "tinyinit --no-shim", argv: []string{tinyinit, "--no-shim", "--"}},
			{name: base, argv: []string{"/usr/bin/tini-static", "--"}},
			{name: "dumb-init", argv: []string{"/usr/bin/dumb-init", "--"}},
			{name: "catatonit", argv: []string{"/usr/bin/catatonit", "--"}},
		},
		app:     app,
		devnull: devnull,
		p:       fullParams(),
		log:     logf,
	}
	if quick {
		b.p = quickParams()
	}
	b.inits = append(b.inits, also...)
	rep := harness.Report{Base: base, Machine: machine(quick)}
	cpu0 := cpuUse()
	began := time.Now()

	rows := map[string]*harness.Row{}
	for _, c := range b.inits {
		size, dynamic, err := executable(c.argv[0])
		if err != nil {
			return err
		}
		rows[c.name] = &harness.Row{Name: c.name, Size: size, Dynamic: dynamic}
	}

	if want("codes") {
		logf("exit codes")
		notExec, err := notExecutable()
		if err != nil {
			return err
		}
		defer os.Remove(notExec)
		for _, c := range b.inits {
			if rows[c.name].Codes, err = b.codes(c, codeCases(notExec)); err != nil {
				return err
			}
		}
	}

	if want("memory") {
		logf("memory, %d runs each", b.p.memRuns)
		mem, err := b.memory()
		if err != nil {
			return err
		}
		for name, m := range mem {
			rows[name].Mem = m
		}
	}

	if want("signals") {
		logf("signal round trip, %d signals each", b.p.signals)
		sig, err := b.signals()
		if err != nil {
			return err
		}
		for _, c := range b.inits {
			s := sig[c.name]
			rows[c.name].Signal = s
			logf("signals %-20s p50 %.0f µs, p99 %.0f µs, lost %d", c.name, s.Micros.P50, s.Micros.P99, s.Lost)
		}
	}

	if want("startup") {
		logf("start-up and tear-down, %d interleaved rounds", b.p.startupRounds)
		bare, st, err := b.startup()
		if err != nil {
			return err
		}
		rep.Bare = bare
		for name, s := range st {
			rows[name].Startup = s
			logf("start-up %-20s p50 %.2f ms, CPU %.2f ms (bare %.2f ms, CPU %.2f ms)", name, s.Wall.P50, s.CPU.P50, bare.Wall.P50, bare.CPU.P50)
		}
	}

	if want("storms") {
		largest := 0
		for _, s := range b.p.storms {
			largest = max(largest, s.orphans)
		}
		restore, note, err := ensurePidMax(4 * largest)
		if err != nil {
			return err
		}
		if note != "" {
			rep.Machine.Notes = append(rep.Machine.Notes, note)
		}
		logf("orphan storms")
		storms, err := b.storms()
		restore()
		if err != nil {
			return err
		}
		for name, s := range storms {
			rows[name].Storms = s
		}
	}

	for _, c := range b.inits {
		rep.Rows = append(rep.Rows, *rows[c.name])
	}
	rep.Machine.Notes = append(rep.Machine.Notes, sharedNote(cpu0, cpuUse(), time.Since(began)))

	md := rep.Markdown()
	if err := os.WriteFile(filepath.Join(out, "results.md"), []byte(md), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, "results.svg"), []byte(rep.SVG()), 0o644); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	fmt.Print(md)
	return nil
}

// parseAlso reads -also's "name=PATH [OPTION...][,VAR=VALUE...]".
func parseAlso(v string) (initCmd, error) {
	name, rest, ok := strings.Cut(v, "=")
	parts := strings.Split(rest, ",")
	argv := strings.Fields(parts[0])
	if !ok || name == "" || len(argv) == 0 {
		return initCmd{}, fmt.Errorf("want name=PATH [OPTION...][,VAR=VALUE...], got %q", v)
	}
	path, err := filepath.Abs(argv[0])
	if err != nil {
		return initCmd{}, err
	}
	argv[0] = path
	return initCmd{name: name, argv: append(argv, "--"), env: parts[1:]}, nil
}

// notExecutable makes a file that exists but may not be executed.
func notExecutable() (string, error) {
	f, err := os.CreateTemp("", "bench-not-executable-")
	if err != nil {
		return "", fmt.Errorf("not-executable case: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString("#!/bin/sh\nexit 0\n"); err != nil {
		return "", fmt.Errorf("not-executable case: %w", err)
	}
	return f.Name(), f.Chmod(0o644)
}

// machine describes this machine for the report's header.
func machine(quick bool) harness.Machine {
	m := harness.Machine{CPUs: runtime.NumCPU(), Date: time.Now(), Quick: quick, CPU: "unknown CPU"}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// cpuTimes is CPU time used so far: by the whole machine (from
// /proc/stat) and by the harness with everything it started and reaped.
type cpuTimes struct{ machine, ours time.Duration }

func cpuUse() cpuTimes {
	var t cpuTimes
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
		for i := 1; i < len(f); i++ {
			if i == 4 || i == 5 {
				continue // idle, iowait
			}
			if v, err := strconv.ParseInt(f[i], 10, 64); err == nil {
				t.machine += time.Duration(v) * time.Second / 100 // USER_HZ
			}
		}
	}
	for _, who := range []int{unix.RUSAGE_SELF, unix.RUSAGE_CHILDREN} {
		var ru unix.Rusage
		if unix.Getrusage(who, &ru) == nil {
			t.ours += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return t
}

// sharedNote says how much CPU others used during the run. The load
// average cannot tell: the orphan storms alone put 50,000 runnable
// processes in it. CPU time the machine spent beyond the harness and its
// children (whose orphans' time goes to the inits that reaped them) was
// someone else's.
func sharedNote(before, after cpuTimes, elapsed time.Duration) string {
	others := (after.machine - before.machine) - (after.ours - before.ours)
	share := float64(others) / float64(elapsed*time.Duration(runtime.NumCPU()))
	share = max(share, 0)
	verdict := "the machine was otherwise about idle"
	if share > 0.05 {
		verdict = "the machine was shared with other jobs: compare the ratios, not the absolute times"
	}
	return fmt.Sprintf("run took %s; other processes used %.0f%% of the CPU time meanwhile: %s",
		elapsed.Round(time.Second), 100*share, verdict)
}

// ensurePidMax raises kernel.pid_max to at least need for the orphan
// storms (50,000 orphans alive at once do not fit under the default 32768)
// and returns a function that puts the old value back.
func ensurePidMax(need int) (restore func(), note string, err error) {
	const path = "/proc/sys/kernel/pid_max"
	b, err := os.ReadFile(path)
	if err != nil {
		return func() {}, "", fmt.Errorf("read pid_max: %w", err)
	}
	old, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return func() {}, "", fmt.Errorf("read pid_max: %w", err)
	}
	if old >= need {
		return func() {}, "", nil
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(need)), 0o644); err != nil {
		return func() {}, "", fmt.Errorf("raise pid_max to %d for the orphan storms: %w", need, err)
	}
	restore = func() { _ = os.WriteFile(path, []byte(strconv.Itoa(old)), 0o644) }
	return restore, fmt.Sprintf("kernel.pid_max raised from %d to %d during the orphan storms", old, need), nil
}
