// Package harness holds the benchmark's pure parts: statistics over
// samples, the results model, and its rendering as Markdown and SVG. The
// measuring itself lives in bench/cmd/bench; keeping the arithmetic and the
// formatting here lets them be tested without root or a pid namespace.
package harness

import (
	"math"
	"sort"
)

// Summary describes a set of samples by the points the report shows.
// Percentiles rather than mean and deviation: start-up times and signal
// latencies have long right tails (a scheduler hiccup on a shared machine),
// and a mean would move with them.
type Summary struct {
	N                       int
	P10, P50, P90, P99, Max float64
}

// Summarize computes the summary of samples without changing them. With
// no samples every point is NaN, which the report shows as "n/a" rather
// than as a time of zero.
func Summarize(samples []float64) Summary {
	if len(samples) == 0 {
		nan := math.NaN()
		return Summary{P10: nan, P50: nan, P90: nan, P99: nan, Max: nan}
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	return Summary{
		N:   len(s),
		P10: Percentile(s, 10),
		P50: Percentile(s, 50),
		P90: Percentile(s, 90),
		P99: Percentile(s, 99),
		Max: s[len(s)-1],
	}
}

// Percentile returns the p-th percentile (0..100) of sorted, interpolating
// linearly between the two nearest ranks so that small sample sets (quick
// mode) still give a value between their neighbours rather than a jump.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return math.NaN()
	case n == 1 || p <= 0:
		return sorted[0]
	case p >= 100:
		return sorted[n-1]
	}
	rank := p / 100 * float64(n-1)
	lo := int(math.Floor(rank))
	frac := rank - float64(lo)
	if lo+1 >= n {
		return sorted[n-1]
	}
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}

// Ratio is value/base, or NaN when either is missing or base is zero, so a
// failed measurement shows as "n/a" rather than as a misleading number.
func Ratio(value, base float64) float64 {
	if base == 0 || math.IsNaN(base) || math.IsNaN(value) {
		return math.NaN()
	}
	return value / base
}

// MedianMemory returns the run with the median PSS, so that the RSS, PSS
// and thread count shown together come from one real run.
func MedianMemory(runs []Memory) Memory {
	if len(runs) == 0 {
		return Memory{}
	}
	s := append([]Memory(nil), runs...)
	sort.Slice(s, func(i, j int) bool { return s[i].PSS < s[j].PSS })
	return s[(len(s)-1)/2]
}

// MedianStorm returns the run with the median time, with the largest
// number of zombies any run left: one run that leaks is worth reporting.
func MedianStorm(runs []Storm) Storm {
	if len(runs) == 0 {
		return Storm{}
	}
	s := append([]Storm(nil), runs...)
	sort.Slice(s, func(i, j int) bool { return s[i].Millis < s[j].Millis })
	m := s[(len(s)-1)/2]
	m.Runs, m.Min, m.Max = len(s), s[0].Millis, s[len(s)-1].Millis
	for _, r := range runs {
		m.Left = max(m.Left, r.Left)
		m.TimedOut = m.TimedOut || r.TimedOut
	}
	return m
}
