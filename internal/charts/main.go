// Command charts draws the charts of BENCHMARKS.md from the output of the
// benchmarks (go test -bench, any number of runs each): medians per
// benchmark and metric, as benchstat reports them.
//
//	go run . -in ../../charts/data -out ../../charts
//
// It reads bench.txt (make bench), bench-peers.txt (make bench-peers),
// fairness.txt (make fairness), server.txt (make server) and, if it is
// there, suite.txt (make suite) from -in and writes cells.svg, peers.svg,
// fairness.svg, server-lateness.svg, server-throughput.svg and suite.svg to
// -out.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
)

func main() {
	in := flag.String("in", "charts/data", "directory of the benchmark outputs")
	out := flag.String("out", "charts", "directory the charts are written to")
	ext := flag.String("ext", "svg", "the charts' format: svg or png")
	flag.Parse()
	if err := run(*in, *out, *ext); err != nil {
		log.Fatal(err)
	}
}

// run reads the outputs in dir in and writes every chart to dir out, in
// the format ext names.
func run(in, out, ext string) error {
	read := func(name string) (results, error) {
		f, err := os.Open(filepath.Join(in, name))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return parse(f)
	}
	bench, err := read("bench.txt")
	if err != nil {
		return err
	}
	peers, err := read("bench-peers.txt")
	if err != nil {
		return err
	}
	fair, err := read("fairness.txt")
	if err != nil {
		return err
	}
	server, err := read("server.txt")
	if err != nil {
		return err
	}
	suite, err := read("suite.txt")
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	charts := []struct {
		file string
		draw func() error
	}{
		{"cells", func() error { return cellsChart(bench, filepath.Join(out, "cells."+ext)) }},
		{"peers", func() error { return peersChart(peers, filepath.Join(out, "peers."+ext)) }},
		{"fairness", func() error { return fairnessChart(fair, filepath.Join(out, "fairness."+ext)) }},
		{"server", func() error { return serverChart(server, filepath.Join(out, "server."+ext)) }},
	}
	if suite != nil {
		charts = append(charts, struct {
			file string
			draw func() error
		}{"suite", func() error { return suiteChart(suite, filepath.Join(out, "suite."+ext)) }})
	}
	for _, c := range charts {
		if err := c.draw(); err != nil {
			return fmt.Errorf("%s: %w", c.file, err)
		}
	}
	return nil
}
