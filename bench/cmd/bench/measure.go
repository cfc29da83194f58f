package main

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tinyinit/tinyinit/bench/harness"
)

// initCmd is one init under test: how to put an app under it.
type initCmd struct {
	name string
	argv []string // the init and its options, up to and including "--"
	env  []string // added to initEnv, for experiments (-also)
}

func (c initCmd) with(app ...string) []string {
	return append(slices.Clone(c.argv), app...)
}

// bench holds what every measurement needs; one per run.
type bench struct {
	inits   []initCmd
	app     string // benchapp
	devnull int
	p       params
	log     func(format string, args ...any)
}

// params are the sample counts; quick mode shrinks them all.
type params struct {
	startupRounds, warmupRounds int
	memRuns                     int
	storms                      []stormSize
	signals                     int
}

type stormSize struct{ orphans, runs int }

func fullParams() params {
	return params{startupRounds: 400, warmupRounds: 5, memRuns: 5,
		storms: []stormSize{{10000, 7}, {50000, 3}}, signals: 10000}
}

func quickParams() params {
	return params{startupRounds: 40, warmupRounds: 2, memRuns: 2,
		storms: []stormSize{{1000, 1}, {5000, 1}}, signals: 1000}
}

// rotated returns the inits in the order for round i: each round starts
// one further along, so slow drift of the machine (another job starting,
// caches warming) is spread over every init rather than landing on one.
func rotated[T any](items []T, i int) []T {
	k := i % len(items)
	return append(slices.Clone(items[k:]), items[:k]...)
}

// startup measures INIT -- /bin/true, and /bin/true alone, as pid 1: the
// time from fork to reaped, and the CPU time it all used, in
// milliseconds. On a shared machine the wall time is mostly waiting for a
// CPU; the CPU time is what the init costs whatever the load.
func (b *bench) startup() (bare harness.Startup, rows map[string]harness.Startup, err error) {
	type cfg struct {
		name      string
		argv, env []string
	}
	cfgs := []cfg{{name: "", argv: []string{"/bin/true"}}}
	for _, c := range b.inits {
		cfgs = append(cfgs, cfg{name: c.name, argv: c.with("/bin/true"), env: c.env})
	}
	wall, cpu := map[string][]float64{}, map[string][]float64{}
	for round := 0; round < b.p.warmupRounds+b.p.startupRounds; round++ {
		for _, c := range rotated(cfgs, round) {
			t0 := time.Now()
			p, err := start(c.argv, c.env, b.devnull, b.devnull)
			if err != nil {
				return bare, nil, err
			}
			code, err := p.wait(10 * time.Second)
			d := time.Since(t0)
			if err != nil || code != 0 {
				return bare, nil, fmt.Errorf("start-up run of %q: code %d, %v", c.argv, code, err)
			}
			if round >= b.p.warmupRounds {
				wall[c.name] = append(wall[c.name], float64(d)/float64(time.Millisecond))
				cpu[c.name] = append(cpu[c.name], float64(p.cpu)/float64(time.Millisecond))
			}
		}
	}
	rows = map[string]harness.Startup{}
	for _, c := range b.inits {
		rows[c.name] = harness.Startup{Wall: harness.Summarize(wall[c.name]), CPU: harness.Summarize(cpu[c.name])}
	}
	return harness.Startup{Wall: harness.Summarize(wall[""]), CPU: harness.Summarize(cpu[""])}, rows, nil
}

// memoryOf runs INIT -- benchapp sleep and sums RSS and PSS over the
// init's own processes: pid 1 and every descendant that is not the app.
func (b *bench) memoryOf(c initCmd) (harness.Memory, error) {
	var m harness.Memory
	p, err := start(c.with(b.app, "sleep"), c.env, b.devnull, 2)
	if err != nil {
		return m, err
	}
	defer p.finish(10 * time.Second)
	if err := p.expect('R', 10*time.Second); err != nil {
		return m, fmt.Errorf("%s: %w", c.name, err)
	}
	// Let the init finish what it does after starting the app (a Go
	// program's first GC cycle, its background threads) so the reading is
	// of the steady state a long-running container pays for.
	time.Sleep(300 * time.Millisecond)
	own := []int{p.pid}
	for _, d := range descendants(p.pid) {
		if _, comm, err := procStat(d); err == nil && comm != "benchapp" {
			own = append(own, d)
		}
	}
	for _, pid := range own {
		rss, pss, err := memory(pid)
		if err != nil {
			return m, fmt.Errorf("%s: memory of pid %d: %w", c.name, pid, err)
		}
		th, err := statusField(pid, "Threads")
		if err != nil {
			return m, fmt.Errorf("%s: %w", c.name, err)
		}
		m.RSS += rss
		m.PSS += pss
		m.Threads += th
	}
	m.Procs = len(own)
	if _, err := p.finish(10 * time.Second); err != nil {
		return m, fmt.Errorf("%s: %w", c.name, err)
	}
	return m, nil
}

// memory takes the median of several runs per init, interleaved.
func (b *bench) memory() (map[string]harness.Memory, error) {
	runs := map[string][]harness.Memory{}
	for i := 0; i < b.p.memRuns; i++ {
		for _, c := range rotated(b.inits, i) {
			m, err := b.memoryOf(c)
			if err != nil {
				return nil, err
			}
			runs[c.name] = append(runs[c.name], m)
		}
	}
	out := map[string]harness.Memory{}
	for name, ms := range runs {
		out[name] = harness.MedianMemory(ms)
	}
	return out, nil
}

// storm runs one orphan storm of n under c. See benchapp's storm.go for
// the app's side.
func (b *bench) storm(c initCmd, n int) (harness.Storm, error) {
	s := harness.Storm{Orphans: n}
	p, err := start(c.with(b.app, "storm", strconv.Itoa(n)), c.env, b.devnull, 2)
	if err != nil {
		return s, err
	}
	defer p.finish(time.Minute)
	var msg [5]byte
	if err := readFull(p.report, msg[:], 5*time.Minute); err != nil || msg[0] != 'F' {
		return s, fmt.Errorf("%s: storm of %d: waiting for the orphans to be made: %q, %v", c.name, n, msg[0], err)
	}
	s.Forked = int(binary.LittleEndian.Uint32(msg[1:]))
	before, err := children(p.pid)
	if err != nil {
		return s, fmt.Errorf("%s: %w", c.name, err)
	}
	// Under pid 1 now are only the app (or the shim). Once the app says
	// its holders are reaped, all the zombies are pid 1's too, and when
	// the count is back where it was, pid 1 has reaped every one.
	settled := len(before)
	timeout := 30 * time.Second
	t0 := time.Now()
	if _, err := unix.Write(p.orders, []byte{'G'}); err != nil {
		return s, fmt.Errorf("%s: release the orphans: %w", c.name, err)
	}
	if err := p.expect('E', time.Minute); err != nil {
		return s, fmt.Errorf("%s: storm of %d: %w", c.name, n, err)
	}
	for {
		kids, err := children(p.pid)
		if err != nil {
			return s, fmt.Errorf("%s: %w", c.name, err)
		}
		if len(kids) <= settled {
			break
		}
		if time.Since(t0) > timeout {
			s.TimedOut = true
			break
		}
		// Each read of the children list walks all of them in the
		// kernel, competing with the init for its locks and the two
		// CPUs; so poll less often the more there are: about 1% of
		// the expected time (10 µs an orphan), at least every 0.5 ms.
		time.Sleep(max(500*time.Microsecond, time.Duration(n)*100*time.Nanosecond))
	}
	s.Millis = float64(time.Since(t0)) / float64(time.Millisecond)
	s.Left = zombies(p.pid)
	if _, err := p.finish(time.Minute); err != nil {
		return s, fmt.Errorf("%s: storm of %d: %w", c.name, n, err)
	}
	return s, nil
}

// storms runs every storm size on every init, interleaved, and keeps the
// median time of each size's runs, and the largest number of zombies left.
func (b *bench) storms() (map[string][]harness.Storm, error) {
	out := map[string][]harness.Storm{}
	for _, sz := range b.p.storms {
		runs := map[string][]harness.Storm{}
		for i := 0; i < sz.runs; i++ {
			for _, c := range rotated(b.inits, i) {
				s, err := b.storm(c, sz.orphans)
				if err != nil {
					return nil, err
				}
				b.log("storm %d %-20s forked %d in %.1f ms to zero zombies, %d left", sz.orphans, c.name, s.Forked, s.Millis, s.Left)
				runs[c.name] = append(runs[c.name], s)
			}
		}
		for name, ss := range runs {
			out[name] = append(out[name], harness.MedianStorm(ss))
		}
	}
	return out, nil
}

// sigRun is one init's signal measurement in progress.
type sigRun struct {
	c        initCmd
	p        *proc
	s        harness.Signal
	us       []float64
	streak   int
	gaveUp   bool
	toWarmUp int
}

// signals measures the round trip of SIGUSR1 sent to pid 1 from the host
// until the app's acknowledgement arrives, one signal at a time. Every
// init runs at once, idle but for the signals it is sent, and they take
// turns in chunks, rotated each round, so that the machine's drift over
// the phase lands on all of them alike.
func (b *bench) signals() (map[string]harness.Signal, error) {
	const chunks, warmup = 20, 50
	var runs []*sigRun
	defer func() {
		for _, r := range runs {
			_, _ = r.p.finish(10 * time.Second)
		}
	}()
	for _, c := range b.inits {
		p, err := start(c.with(b.app, "ack"), c.env, b.devnull, 2)
		if err != nil {
			return nil, err
		}
		runs = append(runs, &sigRun{c: c, p: p, s: harness.Signal{Sent: b.p.signals}, toWarmUp: warmup})
		if err := p.expect('R', 10*time.Second); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
	}
	per := (b.p.signals + chunks - 1) / chunks
	for round := 0; round < chunks; round++ {
		n := min(per, b.p.signals-round*per)
		for _, r := range rotated(runs, round) {
			if err := b.signalChunk(r, n); err != nil {
				return nil, err
			}
		}
	}
	out := map[string]harness.Signal{}
	time.Sleep(100 * time.Millisecond)
	for _, r := range runs {
		var ack [1]byte
		for readFull(r.p.report, ack[:], 0) == nil {
			r.s.Lost--
		}
		r.s.Lost = max(r.s.Lost, 0)
		r.s.Micros = harness.Summarize(r.us)
		out[r.c.name] = r.s
	}
	return out, nil
}

// signalChunk sends r's init n measured signals (after its warm-up).
func (b *bench) signalChunk(r *sigRun, n int) error {
	const giveUpAfter = 10
	var ack [1]byte
	for i := 0; i < n; {
		if r.gaveUp {
			r.s.Lost += n - i
			return nil
		}
		// An acknowledgement that came after its second was up is a
		// late signal, not a lost one: take it back.
		for readFull(r.p.report, ack[:], 0) == nil {
			r.s.Lost--
		}
		t0 := time.Now()
		if err := unix.Kill(r.p.pid, unix.SIGUSR1); err != nil {
			return fmt.Errorf("%s: signal pid 1: %w", r.c.name, err)
		}
		err := readFull(r.p.report, ack[:], time.Second)
		d := time.Since(t0)
		if err != nil && err != errTimeout {
			return fmt.Errorf("%s: acknowledgement: %w", r.c.name, err)
		}
		if r.toWarmUp > 0 {
			r.toWarmUp--
			continue
		}
		i++
		if err == nil {
			r.us = append(r.us, float64(d)/float64(time.Microsecond))
			r.streak = 0
			continue
		}
		r.s.Lost++
		// An init that drops signals would otherwise cost a second per
		// signal: after a run of losses, count the rest as lost.
		if r.streak++; r.streak == giveUpAfter {
			r.gaveUp = true
			b.log("signals %s: %d lost in a row, counting the rest as lost", r.c.name, giveUpAfter)
		}
	}
	return nil
}

// codeCase is one correctness case: an app and the code Docker users
// expect from the container.
type codeCase struct {
	name string
	app  []string
	want int
}

func codeCases(notExecutable string) []codeCase {
	return []codeCase{
		{"exit 3", []string{"/bin/sh", "-c", "exit 3"}, 3},
		{"killed by TERM", []string{"/bin/sh", "-c", "kill -TERM $$"}, 128 + int(unix.SIGTERM)},
		{"killed by KILL", []string{"/bin/sh", "-c", "kill -KILL $$"}, 128 + int(unix.SIGKILL)},
		{"not found", []string{"/nonexistent/app"}, 127},
		{"not executable", []string{notExecutable}, 126},
	}
}

// codes runs every correctness case under c.
func (b *bench) codes(c initCmd, cases []codeCase) ([]harness.Code, error) {
	var out []harness.Code
	for _, k := range cases {
		p, err := start(c.with(k.app...), c.env, b.devnull, b.devnull)
		if err != nil {
			return nil, err
		}
		got, err := p.wait(10 * time.Second)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", c.name, k.name, err)
		}
		out = append(out, harness.Code{Case: k.name, Want: k.want, Got: got})
	}
	return out, nil
}

// executable returns the size of an executable, following symlinks, and
// whether it is dynamically linked (has an interpreter), since then its
// size leaves out the libraries it needs.
func executable(path string) (size int64, dynamic bool, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false, fmt.Errorf("size of %s: %w", path, err)
	}
	f, err := elf.Open(path)
	if err != nil {
		return 0, false, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			dynamic = true
		}
	}
	return fi.Size(), dynamic, nil
}
