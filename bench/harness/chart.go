package harness

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// panel is one small bar chart of the SVG: one bar per init.
type panel struct {
	title  string
	unit   string
	prec   int
	values []float64
}

// Chart layout, in SVG user units.
const (
	panelW   = 420
	panelH   = 170
	labelW   = 150 // left margin for init names
	barH     = 18
	barGap   = 6
	titleH   = 30
	columns  = 2
	chartPad = 20
)

// SVG renders the report's key numbers as small multiples: one panel per
// measurement, one bar per init, absolute values with the unit, so a reader
// sees both the scale and how the inits compare. Lower is better in every
// panel. It is hand-written SVG so the README needs no plotting tool.
func (r Report) SVG() string {
	sizes := r.stormSizes()
	largest := 0
	for _, n := range sizes {
		largest = max(largest, n)
	}
	var names []string
	p := []panel{
		{title: "start-up + tear-down: CPU over bare, p50", unit: "ms", prec: 2},
		{title: "signal round trip, p50", unit: "µs", prec: 0},
		{title: "RSS of init (+ shim) while app sleeps", unit: "MiB", prec: 2},
		{title: "PSS of init (+ shim) while app sleeps", unit: "MiB", prec: 2},
		{title: "orphan storm " + count(largest) + ": release to zero zombies", unit: "ms", prec: 0},
		{title: "binary size", unit: "MiB", prec: 2},
	}
	for _, row := range r.Rows {
		names = append(names, row.Name)
		p[0].values = append(p[0].values, r.CPUOverhead(row))
		p[1].values = append(p[1].values, row.Signal.Micros.P50)
		p[2].values = append(p[2].values, row.Mem.RSS/(1<<20))
		p[3].values = append(p[3].values, row.Mem.PSS/(1<<20))
		p[4].values = append(p[4].values, row.stormFor(largest).Millis)
		p[5].values = append(p[5].values, float64(row.Size)/(1<<20))
	}
	rows := (len(p) + columns - 1) / columns
	w := columns*panelW + 2*chartPad
	h := rows*panelH + 2*chartPad + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="15" font-weight="bold">tinyinit vs tini, dumb-init, catatonit (lower is better; %s)</text>`+"\n",
		chartPad, chartPad+8, html.EscapeString(r.Machine.Date.UTC().Format("2006-01-02")))
	for i, pn := range p {
		x := chartPad + (i%columns)*panelW
		y := chartPad + 30 + (i/columns)*panelH
		pn.render(&b, x, y, names)
	}
	foot := []string{fmt.Sprintf("%d CPUs, %s, Linux %s. Each init as pid 1 of a new pid namespace, one interleaved run; all numbers in bench/results.md.",
		r.Machine.CPUs, r.Machine.CPU, r.Machine.Kernel)}
	for _, row := range r.Rows {
		if row.Dynamic {
			foot = append(foot, row.Name+" is dynamically linked: its size and PSS leave out the C library.")
		}
	}
	for i, line := range foot {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" fill="#555">%s</text>`+"\n", chartPad, h-26+i*13, html.EscapeString(line))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func (pn panel) render(b *strings.Builder, x, y int, names []string) {
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s (%s)</text>`+"\n", x, y+14, html.EscapeString(pn.title), html.EscapeString(pn.unit))
	top := 0.0
	for _, v := range pn.values {
		if !math.IsNaN(v) {
			top = math.Max(top, v)
		}
	}
	barMax := float64(panelW - labelW - 70) // room for the value label
	for j, v := range pn.values {
		by := y + titleH + j*(barH+barGap)
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", x+labelW-6, by+barH-5, html.EscapeString(names[j]))
		if math.IsNaN(v) {
			fmt.Fprintf(b, `<text x="%d" y="%d" fill="#888">n/a</text>`+"\n", x+labelW, by+barH-5)
			continue
		}
		bw := 0.0
		if top > 0 {
			bw = math.Max(v/top*barMax, 1)
		}
		fill := "#9aa5b1" // peers in grey, tinyinit in blue
		if strings.HasPrefix(names[j], "tinyinit") {
			fill = "#2b6cb0"
		}
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", x+labelW, by, bw, barH, fill)
		fmt.Fprintf(b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(x+labelW)+bw+4, by+barH-5, fixed(v, pn.prec))
	}
}
