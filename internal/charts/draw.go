package main

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// A cell is one benchmark case, drawn as a group of bars, one per impl:
// name is its benchmark name with %s where the impl goes.
type cell struct {
	label, name string
}

// barChart draws one bar per impl for every cell: the median of unit,
// divided by scale, and writes it to path as SVG. Missing values are
// drawn as 0.
// The Y axis is logarithmic, as the values span decades, and fitted to the
// data: bars start at the decade at or below the smallest value (never
// below floor) and the axis ends one decade above the largest, room for
// the legend. The X axis leaves half a cell on each side, so the outer
// bars and the rotated labels stay on the canvas.
func barChart(r results, title, ylabel, unit string, scale, floor float64, cells []cell, impls []string, path string) error {
	lo, hi := math.Inf(1), 0.0
	for _, impl := range impls {
		for _, cl := range cells {
			if v, ok := r.median(fmt.Sprintf(cl.name, impl), unit); ok && v > 0 {
				lo, hi = min(lo, v/scale), max(hi, v/scale)
			}
		}
	}
	if hi > 0 {
		floor = max(floor, math.Pow(10, math.Floor(math.Log10(lo))))
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.Left = true
	width := vg.Points(9)
	for i, impl := range impls {
		vals := make(plotter.Values, len(cells))
		for c, cl := range cells {
			v, _ := r.median(fmt.Sprintf(cl.name, impl), unit)
			// Bars start at floor on a log axis: a bar's height is
			// log10(v/floor), labelled by decadeTicks (a missing value is 0).
			vals[c] = math.Log10(max(v/scale, floor) / floor)
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return err
		}
		bars.LineStyle.Width = 0
		bars.Color = plotutil.Color(i)
		bars.Offset = width * vg.Length(float64(i)-float64(len(impls)-1)/2)
		p.Add(bars)
		p.Legend.Add(impl, bars)
	}
	labels := make([]string, len(cells))
	for i, c := range cells {
		labels[i] = c.label
	}
	p.NominalX(labels...)
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign = -1
	p.Add(plotter.NewGrid())
	p.X.Min, p.X.Max = -0.5, float64(len(cells))-0.5
	p.Y.Min, p.Y.Max = 0, math.Log10(max(hi, floor)/floor)+1
	p.Y.Tick.Marker = decadeTicks{floor}
	return p.Save(max(vg.Length(len(cells))*(vg.Length(len(impls))*width+vg.Points(24))+vg.Inch, 6*vg.Inch), 4*vg.Inch, path)
}

// cellsChart: ns/job of this pool, chanmin, condmin and chan in the main cells.
func cellsChart(r results, path string) error {
	var cells []cell
	for _, c := range []struct{ family, work, workers, buf string }{
		{"Submit", "tiny", "2", "0"}, {"Submit", "tiny", "2", "1"}, {"Submit", "tiny", "2", "128"},
		{"Submit", "tiny", "8", "128"}, {"Submit", "tiny", "64", "128"},
		{"Submit", "medium", "2", "128"}, {"Submit", "medium", "8", "128"},
		{"Results", "tiny", "2", "128"}, {"Results", "tiny", "8", "128"}, {"Results", "tiny", "64", "128"},
		{"Producers", "tiny", "2", "128"}, {"Producers", "tiny", "8", "128"},
		{"Batch", "tiny", "2", "128"},
	} {
		cells = append(cells, cell{
			label: fmt.Sprintf("%s %s w%s b%s", c.family, c.work, c.workers, c.buf),
			name:  fmt.Sprintf("Benchmark%s/impl=%%s/work=%s/workers=%s/buf=%s", c.family, c.work, c.workers, c.buf),
		})
	}
	return barChart(r, "ns per job (lower is better)", "ns/job", "ns/job", 1, 10, cells,
		[]string{"cond", "chanmin", "condmin", "chan"}, path)
}

// peersChart: ns/job of this pool, chanmin and the peers.
func peersChart(r results, path string) error {
	var cells []cell
	for _, c := range []struct{ family, work, workers, buf string }{
		{"Submit", "tiny", "2", "128"}, {"Submit", "medium", "2", "128"}, {"Submit", "tiny", "8", "128"},
		{"Results", "tiny", "2", "128"}, {"Producers", "tiny", "8", "128"}, {"Batch", "tiny", "2", "128"},
	} {
		cells = append(cells, cell{
			label: fmt.Sprintf("%s %s w%s b%s", c.family, c.work, c.workers, c.buf),
			name:  fmt.Sprintf("Benchmark%s/impl=%%s/work=%s/workers=%s/buf=%s", c.family, c.work, c.workers, c.buf),
		})
	}
	return barChart(r, "ns per job against other pools (lower is better)", "ns/job", "ns/job", 1, 10, cells,
		[]string{"cond", "chanmin", "ants", "pond", "gammazero", "errgroup", "goroutine"}, path)
}

// suiteChart: ms per run of pond's workload shapes on pools of 200,000
// workers, this pool against ants, pond, a channel pool and a goroutine
// per task.
func suiteChart(r results, path string) error {
	var cells []cell
	for _, task := range []string{"sleep10ms", "randfloat"} {
		for _, shape := range []string{"1u-1Mt", "100u-10Kt", "1Ku-1Kt", "10Ku-100t", "1Mu-1t"} {
			cells = append(cells, cell{
				label: task + " " + shape,
				name:  fmt.Sprintf("BenchmarkSuite/task=%s/shape=%s/impl=%%s", task, shape),
			})
		}
	}
	return barChart(r, "1M tasks on pools of 200,000 workers, ms per run (lower is better)", "ms", "ms/run", 1, 100, cells,
		[]string{"cond", "ants", "pond", "chan", "goroutine"}, path)
}

// fairnessChart: the small callers' p99 wait.
func fairnessChart(r results, path string) error {
	var cells []cell
	for _, w := range []string{"1", "2"} {
		for _, buf := range []string{"16384", "128"} {
			cells = append(cells, cell{
				label: fmt.Sprintf("workers=%s buf=%s", w, buf),
				name:  fmt.Sprintf("BenchmarkFairness/impl=%%s/workers=%s/buf=%s", w, buf),
			})
		}
	}
	return barChart(r, "small callers' p99 wait behind a big caller", "ms (lower is better)", "p99-ms", 1, 1, cells,
		[]string{"groups", "groups-noslice", "fifo", "pond"}, path)
}

// serverChart: the bystander's p99 lateness and the throughput, as two
// charts: path with -lateness and -throughput before the extension.
func serverChart(r results, path string) error {
	impls := []string{"groups", "fifo", "groups-noslice", "fifo-noslice", "chanmin", "pond"}
	for _, c := range []struct {
		suffix, title, unit string
		scale               float64
	}{
		{"-lateness", "bystander wake-up lateness p99, ms (lower is better)", "p99-us", 1000},
		{"-throughput", "throughput, thousand jobs/s (higher is better)", "jobs/s", 1000},
	} {
		p := plot.New()
		p.Title.Text = c.title
		vals := make(plotter.Values, len(impls))
		for i, impl := range impls {
			v, _ := r.median("BenchmarkServer/impl="+impl, c.unit)
			vals[i] = v / c.scale
		}
		bars, err := plotter.NewBarChart(vals, vg.Points(24))
		if err != nil {
			return err
		}
		bars.LineStyle.Width = 0
		bars.Color = color.RGBA{R: 60, G: 110, B: 180, A: 255}
		p.Add(bars, plotter.NewGrid())
		p.NominalX(impls...)
		if err := p.Save(6*vg.Inch, 3*vg.Inch, strings.TrimSuffix(path, filepath.Ext(path))+c.suffix+filepath.Ext(path)); err != nil {
			return err
		}
	}
	return nil
}

// decadeTicks labels a linear axis of log10(v/floor) with v, one tick per
// decade and minor ticks at 2× and 5×.
type decadeTicks struct{ floor float64 }

func (d decadeTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for k := math.Floor(min); k <= max; k++ {
		ticks = append(ticks, plot.Tick{Value: k, Label: strconv.FormatFloat(d.floor*math.Pow(10, k), 'g', -1, 64)})
		for _, m := range []float64{2, 5} {
			if v := k + math.Log10(m); v <= max {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}
