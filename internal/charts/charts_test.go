package main

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkSubmit/impl=cond/work=tiny/workers=2/buf=128-2   	  10	  120.0 ns/job	  1 B/op
BenchmarkSubmit/impl=cond/work=tiny/workers=2/buf=128-2   	  10	  100.0 ns/job	  1 B/op
BenchmarkSubmit/impl=cond/work=tiny/workers=2/buf=128-2   	  10	  300.0 ns/job	  1 B/op
BenchmarkFairness/impl=groups/workers=2/buf=128-2 	       3	         3.984 p50-ms	         4.5 p99-ms
BenchmarkServer/impl=groups-2         	       3	     80284 jobs/s	       422.6 p50-us	      1286 p99-us
BenchmarkSuite/task=sleep10ms/shape=1u-1Mt/impl=cond-2 	       1	      2167 ms/run
`

func TestParseTakesMedians(t *testing.T) {
	r, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := r.median("BenchmarkSubmit/impl=cond/work=tiny/workers=2/buf=128", "ns/job"); !ok || m != 120 {
		t.Errorf("median = %v, %v; want 120", m, ok)
	}
	if m, _ := r.median("BenchmarkServer/impl=groups", "p99-us"); m != 1286 {
		t.Errorf("server p99 = %v; want 1286", m)
	}
	if _, ok := r.median("BenchmarkNone", "ns/job"); ok {
		t.Error("a missing benchmark has no median")
	}
}

func TestRunWritesEveryChart(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	for _, f := range []string{"bench.txt", "bench-peers.txt", "fairness.txt", "server.txt", "suite.txt"} {
		if err := os.WriteFile(filepath.Join(in, f), []byte(sample), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(in, out, "svg"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cells.svg", "peers.svg", "fairness.svg", "server-lateness.svg", "server-throughput.svg", "suite.svg"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "<svg") {
			t.Errorf("%s is not an SVG", f)
		}
	}
}

// A sample of the suite with values spanning a bit over one decade.
const suiteSample = `BenchmarkSuite/task=sleep10ms/shape=1u-1Mt/impl=cond-2 	       1	      2494 ms/run
BenchmarkSuite/task=sleep10ms/shape=1u-1Mt/impl=pond-2 	       1	      5043 ms/run
BenchmarkSuite/task=randfloat/shape=1Mu-1t/impl=goroutine-2 	       1	      872 ms/run
BenchmarkSuite/task=randfloat/shape=1Mu-1t/impl=pond-2 	       1	      4623 ms/run
`

// Every bar and every label of a chart lies inside its canvas, and its
// value axis covers the data with at most one decade to spare at either
// end: the charts once cut off their right-most bar and label, and ran an
// axis to 100,000 where the data stopped near 2,000.
func TestCharts_EverythingInsideTheCanvasAndAxesFitTheData(t *testing.T) {
	r, err := parse(strings.NewReader(sample + suiteSample))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for name, draw := range map[string]func(results, string) error{
		"suite": suiteChart, "peers": peersChart, "cells": cellsChart, "fairness": fairnessChart,
	} {
		path := filepath.Join(out, name+".svg")
		if err := draw(r, path); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		checkInside(t, name, string(b))
	}
	b, err := os.ReadFile(filepath.Join(out, "suite.svg"))
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := axisRange(string(b))
	if lo < 872/10.0 || lo > 872 || hi > 5043*10 || hi < 5043 {
		t.Errorf("suite: the value axis runs from %v to %v for data from 872 to 5043", lo, hi)
	}
}

var (
	svgSize = regexp.MustCompile(`<svg width="([\d.]+)pt" height="([\d.]+)pt"`)
	svgBar  = regexp.MustCompile(`<path d="M([^"]+)Z" style="fill:#([0-9A-F]{6})"`)
	svgText = regexp.MustCompile(`(?s)(<g transform="rotate\(([-\d.e]+)\)">\s*)?<text x="([-\d.e]+)" y="([-\d.e]+)"[^>]*font-size:([\d.]+)px">([^<]*)</text>`)
)

// checkInside fails t if a bar or a text of the SVG chart lies outside its
// canvas. A text's extent is estimated at half its font size per letter,
// along its rotation.
func checkInside(t *testing.T, name, svg string) {
	t.Helper()
	m := svgSize.FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("%s: no canvas size", name)
	}
	w, h := atof(m[1]), atof(m[2])
	const margin = 1 // points: a bar or label touching the edge is cut off in some viewers
	in := func(x, y float64) bool { return x >= margin && x <= w-margin && y >= margin && y <= h-margin }
	for _, bar := range svgBar.FindAllStringSubmatch(svg, -1) {
		if bar[2] == "FFFFFF" {
			continue // the background
		}
		for _, pt := range strings.Split(strings.ReplaceAll(bar[1], "L", " "), " ") {
			xy := strings.Split(pt, ",")
			if len(xy) == 2 && !in(atof(xy[0]), atof(xy[1])) {
				t.Errorf("%s: a bar reaches (%s) outside the canvas %vx%v", name, pt, w, h)
			}
		}
	}
	for _, txt := range svgText.FindAllStringSubmatch(svg, -1) {
		angle := 0.0
		if txt[2] != "" {
			angle = atof(txt[2]) * math.Pi / 180
		}
		x, y, size := atof(txt[3]), -atof(txt[4]), atof(txt[5]) // the text flips its y
		ax, ay := x*math.Cos(angle)-y*math.Sin(angle), x*math.Sin(angle)+y*math.Cos(angle)
		length := 0.5 * size * float64(len(txt[6]))
		bx, by := ax+length*math.Cos(angle), ay+length*math.Sin(angle)
		if !in(ax, ay) || !in(bx, by) {
			t.Errorf("%s: the label %q runs from (%.0f,%.0f) to (%.0f,%.0f), outside the canvas %vx%v", name, txt[6], ax, ay, bx, by, w, h)
		}
	}
}

// axisRange returns the smallest and the largest value labelling the
// value axis of a bar chart (its numeric labels).
func axisRange(svg string) (lo, hi float64) {
	lo = math.Inf(1)
	for _, txt := range svgText.FindAllStringSubmatch(svg, -1) {
		if v, err := strconv.ParseFloat(txt[6], 64); err == nil && txt[2] == "" {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return lo, hi
}

func atof(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(err)
	}
	return v
}
