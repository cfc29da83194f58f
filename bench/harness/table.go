package harness

import (
	"math"
	"strconv"
	"strings"
)

// Table is a Markdown table: the first column names a row and is
// left-aligned, every other column holds a number and is right-aligned so
// digits line up in the rendered page.
type Table struct {
	Header []string
	Rows   [][]string
}

// Markdown renders t in GitHub-flavoured Markdown. A '|' inside a cell
// would end the cell early, so it is escaped.
func (t Table) Markdown() string {
	var b strings.Builder
	row := func(cells []string) {
		b.WriteString("|")
		for i := range t.Header {
			c := ""
			if i < len(cells) {
				c = strings.ReplaceAll(cells[i], "|", `\|`)
			}
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n")
	}
	row(t.Header)
	b.WriteString("|")
	for i := range t.Header {
		if i == 0 {
			b.WriteString(" --- |")
		} else {
			b.WriteString(" ---: |")
		}
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		row(r)
	}
	return b.String()
}

// fixed formats x with prec decimals, or "n/a" for a missing value.
func fixed(x float64, prec int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'f', prec, 64)
}

// ratio formats a ratio to the baseline init as "1.23×".
func ratio(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'f', 2, 64) + "×"
}

// mib formats a size in bytes as MiB with two decimals.
func mib(bytes float64) string {
	return fixed(bytes/(1<<20), 2)
}
