package harness

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []float64
		p      float64
		want   float64
	}{
		{"one sample", []float64{7}, 50, 7},
		{"median of odd", []float64{1, 2, 3}, 50, 2},
		{"median of even interpolates", []float64{1, 2, 3, 4}, 50, 2.5},
		{"p0 is min", []float64{1, 2, 3}, 0, 1},
		{"p100 is max", []float64{1, 2, 3}, 100, 3},
		{"p90 of 11", []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
		{"p99 between top two", []float64{0, 100}, 99, 99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
	if !math.IsNaN(Percentile(nil, 50)) {
		t.Error("Percentile of no samples should be NaN")
	}
}

func TestSummarizeDoesNotReorder(t *testing.T) {
	in := []float64{5, 1, 4, 2, 3}
	s := Summarize(in)
	if s.N != 5 || s.P50 != 3 || s.Max != 5 {
		t.Errorf("Summarize = %+v", s)
	}
	if in[0] != 5 || in[4] != 3 {
		t.Errorf("Summarize reordered its input: %v", in)
	}
}

func TestSummarizeNothingIsNA(t *testing.T) {
	s := Summarize(nil)
	if s.N != 0 || !math.IsNaN(s.P50) || fixed(s.P50, 0) != "n/a" {
		t.Errorf("Summarize(nil) = %+v, want NaN points shown as n/a", s)
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		v, base float64
		want    string
	}{
		{3, 2, "1.50×"},
		{1, 0, "n/a"},
		{math.NaN(), 1, "n/a"},
		{1, math.NaN(), "n/a"},
	}
	for _, tt := range tests {
		if got := ratio(Ratio(tt.v, tt.base)); got != tt.want {
			t.Errorf("ratio(%v/%v) = %q, want %q", tt.v, tt.base, got, tt.want)
		}
	}
}

func TestMedianStormKeepsWorstLeft(t *testing.T) {
	got := MedianStorm([]Storm{{Millis: 30}, {Millis: 10, Left: 2}, {Millis: 20}})
	if got.Millis != 20 || got.Left != 2 || got.Min != 10 || got.Max != 30 || got.Runs != 3 {
		t.Errorf("MedianStorm = %+v, want 20 ms (10-30) over 3 runs and 2 left", got)
	}
}

func TestTableMarkdown(t *testing.T) {
	tests := []struct {
		name string
		t    Table
		want string
	}{
		{"aligns numbers right", Table{Header: []string{"init", "ms"}, Rows: [][]string{{"tini", "1.0"}}},
			"| init | ms |\n| --- | ---: |\n| tini | 1.0 |\n"},
		{"escapes pipes", Table{Header: []string{"a"}, Rows: [][]string{{"x|y"}}},
			"| a |\n| --- |\n| x\\|y |\n"},
		{"pads short rows", Table{Header: []string{"a", "b"}, Rows: [][]string{{"x"}}},
			"| a | b |\n| --- | ---: |\n| x |  |\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.t.Markdown(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func sampleReport() Report {
	row := func(name string, size int64, p50, rss, sig, storm float64, notFound int) Row {
		return Row{Name: name, Size: size,
			Startup: Startup{Wall: Summary{N: 10, P10: p50 - 1, P50: p50, P90: p50 + 1}, CPU: Summary{N: 10, P50: p50 / 2}},
			Mem:     Memory{Procs: 1, Threads: 1, RSS: rss, PSS: rss / 2},
			Storms:  []Storm{{Orphans: 10000, Forked: 10000, Millis: storm}},
			Signal:  Signal{Sent: 100, Micros: Summary{N: 100, P50: sig, P99: 2 * sig, Max: 3 * sig}},
			Codes:   []Code{{Case: "exit 3", Want: 3, Got: 3}, {Case: "not found", Want: 127, Got: notFound}},
		}
	}
	return Report{
		Machine: Machine{CPUs: 2, Kernel: "6.1", CPU: "Test CPU", Date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)},
		Base:    "tini-static",
		Bare:    Startup{Wall: Summary{N: 10, P50: 1}, CPU: Summary{N: 10, P50: 0.5}},
		Rows: []Row{
			row("tinyinit", 2<<20, 3, 2<<20, 100, 50, 127),
			row("tini-static", 1<<20, 2, 1<<20, 50, 100, 127),
			row("catatonit", 1<<20, 2, 1<<20, 50, 100, 1),
		},
	}
}

func TestReportMarkdown(t *testing.T) {
	md := sampleReport().Markdown()
	for _, want := range []string{
		"- date: 2026-01-02 03:04 UTC",
		"- machine: 2 CPUs, Test CPU, Linux 6.1",
		// tinyinit: 2 MiB (2×), 3-1=2 ms over bare against tini's 1 ms
		// (2×), CPU 1.5-0.5=1 ms against tini's 0.5 (2×), signal 100 µs
		// (2×), storm 50 ms (0.5×), codes all right.
		"| tinyinit | 2.00 | 2.00× | 2.00 | 2.00× | 1.00 | 2.00× | 2.00 | 2.00× | 1.00 | 2.00× | 100 | 2.00× | 50.0 | 0.50× | 0 | 0 | 2/2 |",
		"| tini-static | 1.00 | 1.00× |",
		"| catatonit |",
		"| 1 ✗ |",
		"| bare /bin/true |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestReportMissingBaseShowsNA(t *testing.T) {
	r := sampleReport()
	r.Base = "nonexistent"
	if md := r.Markdown(); !strings.Contains(md, "n/a") {
		t.Errorf("ratios to a missing base should be n/a:\n%s", md)
	}
}

func TestSVGIsWellFormed(t *testing.T) {
	svg := sampleReport().SVG()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
	}
	for _, want := range []string{"tinyinit", "catatonit", "signal round trip"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}
