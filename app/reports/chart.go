package reports

import (
	"fmt"
	"strings"
)

// The chart's drawing area in SVG user units; the SVG scales to the page width.
const (
	chartW, chartH      = 640.0, 250.0
	plotLeft, plotRight = 48.0, 606.0
	plotTop, plotBottom = 16.0, 206.0
	chartLabelY         = 228.0
	chartTickLabelX     = 40.0
	chartNoDataY        = (plotTop + plotBottom) / 2
	chartLineColor      = "#1f3a5f"
	chartGridColor      = "#d0d4da"
	chartTextColor      = "#4a4f57"
)

// chartMonth is one month of the completion chart.
type chartMonth struct {
	Label       string
	Done, Total int
	Rate        int // percent; meaningful when Total > 0
	X, Y        float64
}

// chartTick is a horizontal grid line with its label.
type chartTick struct {
	Y     float64
	Label string
}

// chart is completion over time, drawn on the server as inline SVG: the page works without
// JavaScript, and the numbers are in a table beside it for screen readers and for print.
type chart struct {
	W, H, Left, Right, LabelY, TickX float64
	Months                           []chartMonth
	Ticks                            []chartTick
	Points                           string // the polyline through the months that have data
	HasData                          bool
	First, Last                      *chartMonth // the first and last months with data, for the description
	Line, Grid, Text                 string
	NoDataY, MidX                    float64
}

func newChart(labels []string, done, total []int) chart {
	c := chart{W: chartW, H: chartH, Left: plotLeft, Right: plotRight, LabelY: chartLabelY, TickX: chartTickLabelX,
		Line: chartLineColor, Grid: chartGridColor, Text: chartTextColor, NoDataY: chartNoDataY, MidX: chartW / 2}
	for _, pct := range []int{0, 25, 50, 75, 100} {
		c.Ticks = append(c.Ticks, chartTick{Y: y(pct), Label: fmt.Sprintf("%d%%", pct)})
	}
	step := (plotRight - plotLeft) / float64(max(len(labels)-1, 1))
	var pts []string
	for i, label := range labels {
		m := chartMonth{Label: label, Done: done[i], Total: total[i], X: plotLeft + float64(i)*step}
		if m.Total > 0 {
			m.Rate = m.Done * 100 / m.Total
			m.Y = y(m.Rate)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", m.X, m.Y))
		}
		c.Months = append(c.Months, m)
	}
	c.Points = strings.Join(pts, " ")
	for i := range c.Months {
		if c.Months[i].Total > 0 {
			if c.First == nil {
				c.First = &c.Months[i]
			}
			c.Last = &c.Months[i]
			c.HasData = true
		}
	}
	return c
}

// y is the height of a percentage in the plot.
func y(pct int) float64 { return plotBottom - float64(pct)/100*(plotBottom-plotTop) }
