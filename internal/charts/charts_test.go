package main

import (
	"os"
	"path/filepath"
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
