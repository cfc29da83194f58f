package harness

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Machine says where and when the numbers were taken: ratios from one run
// on one machine are comparable, absolute numbers from different machines
// are not.
type Machine struct {
	CPUs   int
	Kernel string
	CPU    string
	Date   time.Time
	Quick  bool
	Notes  []string // e.g. "the machine was shared", pid_max raised
}

// Row is everything measured for one init.
type Row struct {
	Name    string
	Size    int64   // bytes of the init's executable
	Dynamic bool    // linked against shared libraries (not counted in Size)
	Startup Startup // INIT -- /bin/true
	Mem     Memory
	Storms  []Storm
	Signal  Signal
	Codes   []Code
}

// Startup is INIT -- /bin/true: the wall time from fork to reaped, and
// the CPU time of the init and everything it reaped, both in ms.
type Startup struct{ Wall, CPU Summary }

// Memory is summed over the init's own processes (init, and the shim for
// tinyinit) while the app sleeps; the median of several runs.
type Memory struct {
	Procs, Threads int
	RSS, PSS       float64 // bytes
}

// Storm is one orphan storm: Orphans asked for, Forked made, how long from
// the release of all of them until none was left unreaped, and how many
// zombies were still there when the harness stopped waiting.
type Storm struct {
	Orphans, Forked int
	Millis          float64 // median over Runs
	Min, Max        float64 // the spread of the runs, ms
	Runs            int
	Left            int
	TimedOut        bool
}

// Signal is the round trip of signals sent to pid 1 from outside and
// acknowledged by the app.
type Signal struct {
	Sent, Lost int
	Micros     Summary
}

// Code is one correctness case: the exit code a container would report.
type Code struct {
	Case      string
	Want, Got int
}

// Report is one run of the benchmark.
type Report struct {
	Machine Machine
	Base    string  // the init that ratios are taken against
	Bare    Startup // /bin/true alone as pid 1
	Rows    []Row
}

// base returns the row ratios are taken against, or an empty one.
func (r Report) base() Row {
	for _, row := range r.Rows {
		if row.Name == r.Base {
			return row
		}
	}
	nan := Summary{P50: math.NaN()}
	return Row{Startup: Startup{Wall: nan, CPU: nan}}
}

// Overhead is what an init adds to start-up and tear-down: its median
// wall time minus that of /bin/true alone as pid 1.
func (r Report) Overhead(row Row) float64 {
	if row.Startup.Wall.N == 0 || r.Bare.Wall.N == 0 {
		return math.NaN()
	}
	return row.Startup.Wall.P50 - r.Bare.Wall.P50
}

// CPUOverhead is the same for the CPU time.
func (r Report) CPUOverhead(row Row) float64 {
	if row.Startup.CPU.N == 0 || r.Bare.CPU.N == 0 {
		return math.NaN()
	}
	return row.Startup.CPU.P50 - r.Bare.CPU.P50
}

// stormFor returns the storm of n orphans, with NaN time when missing.
func (row Row) stormFor(n int) Storm {
	for _, s := range row.Storms {
		if s.Orphans == n {
			return s
		}
	}
	return Storm{Orphans: n, Millis: math.NaN(), Left: -1}
}

// stormSizes lists the storm sizes measured, in the order first seen.
func (r Report) stormSizes() []int {
	var sizes []int
	seen := map[int]bool{}
	for _, row := range r.Rows {
		for _, s := range row.Storms {
			if !seen[s.Orphans] {
				seen[s.Orphans] = true
				sizes = append(sizes, s.Orphans)
			}
		}
	}
	return sizes
}

// CodesOK reports whether every correctness case of row gave the wanted code.
func (row Row) CodesOK() (ok, total int) {
	for _, c := range row.Codes {
		if c.Got == c.Want {
			ok++
		}
	}
	return ok, len(row.Codes)
}

// Markdown renders the whole report: machine, summary, and one table per
// measurement with the ratios to the base init in their own columns.
func (r Report) Markdown() string {
	var b strings.Builder
	base := r.base()
	m := r.Machine
	b.WriteString("# tinyinit benchmark results\n\n")
	fmt.Fprintf(&b, "- date: %s\n", m.Date.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "- machine: %d CPUs, %s, Linux %s\n", m.CPUs, m.CPU, m.Kernel)
	mode := "full"
	if m.Quick {
		mode = "quick (BENCH_QUICK=1): fewer samples, indicative only"
	}
	fmt.Fprintf(&b, "- mode: %s\n", mode)
	for _, n := range m.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	fmt.Fprintf(&b, "\nEvery init ran as pid 1 of a fresh pid namespace, in one run, interleaved. "+
		"Ratios (×) are to %s measured in the same run: lower is better. "+
		"Produced by `make bench`; see the README's Benchmarks section for what each row means.\n\n", r.Base)

	b.WriteString("## Summary\n\n")
	sizes := r.stormSizes()
	largest := 0
	for _, n := range sizes {
		largest = max(largest, n)
	}
	summary := Table{Header: []string{"init", "size (MiB)", "×", "start+stop over bare, p50 (ms)", "×", "its CPU over bare (ms)", "×",
		"RSS (MiB)", "×", "PSS (MiB)", "×", "signal p50 (µs)", "×",
		"storm " + count(largest) + " (ms)", "×", "zombies left", "signals lost", "exit codes"}}
	for _, row := range r.Rows {
		st, bst := row.stormFor(largest), base.stormFor(largest)
		left := 0
		for _, s := range row.Storms {
			left += max(s.Left, 0)
		}
		ok, total := row.CodesOK()
		summary.Rows = append(summary.Rows, []string{row.Name,
			mib(float64(row.Size)), ratio(Ratio(float64(row.Size), float64(base.Size))),
			fixed(r.Overhead(row), 2), ratio(Ratio(r.Overhead(row), r.Overhead(base))),
			fixed(r.CPUOverhead(row), 2), ratio(Ratio(r.CPUOverhead(row), r.CPUOverhead(base))),
			mib(row.Mem.RSS), ratio(Ratio(row.Mem.RSS, base.Mem.RSS)),
			mib(row.Mem.PSS), ratio(Ratio(row.Mem.PSS, base.Mem.PSS)),
			fixed(row.Signal.Micros.P50, 0), ratio(Ratio(row.Signal.Micros.P50, base.Signal.Micros.P50)),
			fixed(st.Millis, 1), ratio(Ratio(st.Millis, bst.Millis)),
			strconv.Itoa(left), strconv.Itoa(row.Signal.Lost), fmt.Sprintf("%d/%d", ok, total),
		})
	}
	b.WriteString(summary.Markdown())

	b.WriteString("\n## Start-up and tear-down: `INIT -- /bin/true`\n\n")
	fmt.Fprintf(&b, "Wall time from fork to reaped exit as seen by the harness, and CPU time (user + system) "+
		"of the init and everything it reaped, %d interleaved runs each; \"bare\" is `/bin/true` itself as pid 1. "+
		"\"over bare\" subtracts bare's median, which leaves what the init costs. On a shared machine the wall "+
		"time is mostly waiting for a CPU; the CPU time is the init's cost whatever the load.\n\n", r.Bare.Wall.N)
	st := Table{Header: []string{"init", "wall p10 (ms)", "wall p50 (ms)", "wall p90 (ms)", "wall p50 over bare (ms)", "×",
		"CPU p50 (ms)", "CPU p50 over bare (ms)", "×"}}
	st.Rows = append(st.Rows, []string{"bare /bin/true", fixed(r.Bare.Wall.P10, 2), fixed(r.Bare.Wall.P50, 2), fixed(r.Bare.Wall.P90, 2), "0.00", "",
		fixed(r.Bare.CPU.P50, 2), "0.00", ""})
	for _, row := range r.Rows {
		s := row.Startup
		st.Rows = append(st.Rows, []string{row.Name, fixed(s.Wall.P10, 2), fixed(s.Wall.P50, 2), fixed(s.Wall.P90, 2),
			fixed(r.Overhead(row), 2), ratio(Ratio(r.Overhead(row), r.Overhead(base))),
			fixed(s.CPU.P50, 2), fixed(r.CPUOverhead(row), 2), ratio(Ratio(r.CPUOverhead(row), r.CPUOverhead(base)))})
	}
	b.WriteString(st.Markdown())
	b.WriteString("\n## Memory while the app sleeps\n\n")
	b.WriteString("Summed over the init's own processes (tinyinit: init and shim) from `/proc/PID/smaps_rollup`; median of several runs. " +
		"A dynamically linked init's size leaves out the C library, and its PSS shares the library's pages with every other process using it.\n\n")
	mt := Table{Header: []string{"init", "linking", "processes", "threads", "RSS (KiB)", "×", "PSS (KiB)", "×"}}
	for _, row := range r.Rows {
		linking := "static"
		if row.Dynamic {
			linking = "dynamic"
		}
		mt.Rows = append(mt.Rows, []string{row.Name, linking, strconv.Itoa(row.Mem.Procs), strconv.Itoa(row.Mem.Threads),
			fixed(row.Mem.RSS/1024, 0), ratio(Ratio(row.Mem.RSS, base.Mem.RSS)),
			fixed(row.Mem.PSS/1024, 0), ratio(Ratio(row.Mem.PSS, base.Mem.PSS))})
	}
	b.WriteString(mt.Markdown())

	b.WriteString("\n## Orphan storm\n\n")
	b.WriteString("The app's helpers fork N processes that exit at once and keep them as zombies; " +
		"then the helpers exit, so all N land on pid 1 as orphaned zombies at the same moment. " +
		"Time from that release until nothing but the app (and shim) is left under pid 1, seen from " +
		"the host in /proc/PID/task/*/children; \"zombies left\" is counted in the host's /proc " +
		"when the harness stopped waiting. The orphans exit before the release on purpose: on a " +
		"small VM the kernel's own exit work costs about half a millisecond per process and would " +
		"hide the inits' reaping behind it.\n\n")
	header := []string{"init"}
	for _, n := range sizes {
		header = append(header, count(n)+": forked", "ms to zero zombies, median (min–max)", "×", "zombies left")
	}
	stt := Table{Header: header}
	for _, row := range r.Rows {
		cells := []string{row.Name}
		for _, n := range sizes {
			s, bs := row.stormFor(n), base.stormFor(n)
			ms := fixed(s.Millis, 1)
			if s.Runs > 1 {
				ms += " (" + fixed(s.Min, 0) + "–" + fixed(s.Max, 0) + ")"
			}
			if s.TimedOut {
				ms = "> " + ms + " (timed out)"
			}
			cells = append(cells, strconv.Itoa(s.Forked), ms, ratio(Ratio(s.Millis, bs.Millis)), strconv.Itoa(s.Left))
		}
		stt.Rows = append(stt.Rows, cells)
	}
	b.WriteString(stt.Markdown())

	b.WriteString("\n## Signal round trip\n\n")
	b.WriteString("SIGUSR1 sent to pid 1 from outside the namespace; the app (a Go program, the same " +
		"for every init) acknowledges each on a pipe before the next is sent. A signal not " +
		"acknowledged within a second is lost.\n\n")
	sg := Table{Header: []string{"init", "sent", "p50 (µs)", "×", "p99 (µs)", "×", "max (µs)", "lost"}}
	for _, row := range r.Rows {
		s := row.Signal
		sg.Rows = append(sg.Rows, []string{row.Name, strconv.Itoa(s.Sent),
			fixed(s.Micros.P50, 0), ratio(Ratio(s.Micros.P50, base.Signal.Micros.P50)),
			fixed(s.Micros.P99, 0), ratio(Ratio(s.Micros.P99, base.Signal.Micros.P99)),
			fixed(s.Micros.Max, 0), strconv.Itoa(s.Lost)})
	}
	b.WriteString(sg.Markdown())

	b.WriteString("\n## Exit codes\n\n")
	b.WriteString("The code the container would report; ✗ marks a code other than the one Docker users expect.\n\n")
	var cases []Code
	if len(r.Rows) > 0 {
		cases = r.Rows[0].Codes
	}
	ch := []string{"init"}
	for _, c := range cases {
		ch = append(ch, fmt.Sprintf("%s (want %d)", c.Case, c.Want))
	}
	ct := Table{Header: ch}
	for _, row := range r.Rows {
		cells := []string{row.Name}
		for _, c := range row.Codes {
			mark := "✓"
			if c.Got != c.Want {
				mark = "✗"
			}
			cells = append(cells, fmt.Sprintf("%d %s", c.Got, mark))
		}
		ct.Rows = append(ct.Rows, cells)
	}
	b.WriteString(ct.Markdown())
	return b.String()
}

// count writes 10000 as "10k" for headers.
func count(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}
