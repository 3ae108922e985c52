package console

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// bar is one bar of a chart.
type bar struct {
	Label string
	Value int
}

// barChart draws a horizontal bar chart as inline SVG on the server: no
// script, no library, readable on a phone.
func barChart(title string, bars []bar) template.HTML {
	const width, rowH, labelW = 360, 26, 110
	maxV := 1
	for _, b := range bars {
		maxV = max(maxV, b.Value)
	}
	h := len(bars)*rowH + 30
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s"><title>%s</title>`, width, h, html.EscapeString(title), html.EscapeString(title))
	fmt.Fprintf(&sb, `<text x="0" y="16" class="chart-title">%s</text>`, html.EscapeString(title))
	for i, b := range bars {
		y := 28 + i*rowH
		w := (width - labelW - 50) * b.Value / maxV
		fmt.Fprintf(&sb, `<text x="0" y="%d" class="chart-label">%s</text>`, y+15, html.EscapeString(b.Label))
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="18" rx="3" class="chart-bar bar%d"></rect>`, labelW, y+2, max(w, 1), i%5)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="chart-value">%d</text>`, labelW+max(w, 1)+6, y+15, b.Value)
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}
