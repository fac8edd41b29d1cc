// Package workerpoolprom exports a workerpool's [workerpool.Stats] to
// Prometheus. Its collector reads one Stats snapshot per scrape, so every
// scrape's series add up exactly as the snapshot does:
//
//	workerpool_jobs_queued_total == waiting + running + completed + skipped
//	workerpool_jobs_completed_total == finished + retrieved + dropped
//	workerpool_job_wait_seconds_count == running + completed  (with WithTimings)
//	workerpool_job_run_seconds_count == completed              (with WithTimings)
//
// Register it like any collector:
//
//	prometheus.MustRegister(workerpoolprom.NewCollector("resize", pool))
package workerpoolprom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed761c1f22/workerpool"
)

// A StatsReader is what the collector reads: a [workerpool.Pool] of any job type.
type StatsReader interface {
	Stats() workerpool.Stats
}

// metric is one exported series: its description, type and value in a snapshot.
type metric struct {
	name, help string
	kind       prometheus.ValueType
	value      func(s workerpool.Stats) float64
}

// metrics are the series NewCollector exports.
var metrics = []metric{
	{"workerpool_workers", "Workers: the size set by New or Resize, plus retiring workers until their job returns.",
		prometheus.GaugeValue, func(s workerpool.Stats) float64 { return float64(s.Workers) }},
	{"workerpool_jobs_queued_total", "Jobs accepted since the pool was created.",
		prometheus.CounterValue, func(s workerpool.Stats) float64 { return float64(s.Queued) }},
	{"workerpool_jobs_waiting", "Jobs accepted and not yet started.",
		prometheus.GaugeValue, func(s workerpool.Stats) float64 { return float64(s.Waiting) }},
	{"workerpool_jobs_running", "Jobs started whose Run has not returned.",
		prometheus.GaugeValue, func(s workerpool.Stats) float64 { return float64(s.Running) }},
	{"workerpool_jobs_finished", "Jobs whose Run returned, held for retrieval.",
		prometheus.GaugeValue, func(s workerpool.Stats) float64 { return float64(s.Finished) }},
	{"workerpool_jobs_retrieved_total", "Finished jobs handed out to callers.",
		prometheus.CounterValue, func(s workerpool.Stats) float64 { return float64(s.Retrieved) }},
	{"workerpool_jobs_completed_total", "Jobs whose Run returned, panicked ones included.",
		prometheus.CounterValue, func(s workerpool.Stats) float64 { return float64(s.Completed) }},
	{"workerpool_jobs_skipped_total", "Accepted jobs dropped unstarted by a stop.",
		prometheus.CounterValue, func(s workerpool.Stats) float64 { return float64(s.Skipped) }},
	{"workerpool_jobs_panicked_total", "Completed jobs whose Run panicked.",
		prometheus.CounterValue, func(s workerpool.Stats) float64 { return float64(s.Panicked) }},
	{"workerpool_blocked_calls", "Queuing calls waiting for room in the intake queue.",
		prometheus.GaugeValue, func(s workerpool.Stats) float64 { return float64(s.Blocked) }},
	{"workerpool_held_workers", "Workers holding a finished job because the finished queue is full.",
		prometheus.GaugeValue, func(s workerpool.Stats) float64 { return float64(s.Held) }},
	{"workerpool_workers_live", "Worker goroutines started and not yet exited: running, holding or idle.",
		prometheus.GaugeValue, func(s workerpool.Stats) float64 { return float64(s.Live) }},
	{"workerpool_jobs_rejected_total", "Jobs turned away: queue full, pool or group closed, or the caller's context ended (a client that left).",
		prometheus.CounterValue, func(s workerpool.Stats) float64 { return float64(s.Rejected) }},
	{"workerpool_jobs_failed_total", "Completed jobs that failed: panicked, called runtime.Goexit, or returned an error.",
		prometheus.CounterValue, func(s workerpool.Stats) float64 { return float64(s.Failed) }},
	{"workerpool_jobs_dropped_total", "Completed jobs not kept for retrieval: the normal fate of a job nobody collects.",
		prometheus.CounterValue, func(s workerpool.Stats) float64 { return float64(s.Dropped) }},
	{"workerpool_groups", "Groups not yet done: made, and not closed with nothing waiting or running.",
		prometheus.GaugeValue, func(s workerpool.Stats) float64 { return float64(s.Groups) }},
	{"workerpool_paused", "1 while Pause is in effect, else 0.",
		prometheus.GaugeValue, func(s workerpool.Stats) float64 {
			if s.Paused {
				return 1
			}
			return 0
		}},
}

// histograms are the timing histograms NewCollector exports for a pool made
// with workerpool.WithTimings, built from the same snapshot as the metrics.
var histograms = []struct {
	name, help string
	value      func(s workerpool.Stats) workerpool.Timings
}{
	{"workerpool_job_wait_seconds", "How long jobs waited, from accepted to started (pools with WithTimings).",
		func(s workerpool.Stats) workerpool.Timings { return s.Wait }},
	{"workerpool_job_run_seconds", "How long jobs ran, from started to returned (pools with WithTimings).",
		func(s workerpool.Stats) workerpool.Timings { return s.Run }},
}

// collector is the prometheus.Collector of one pool.
type collector struct {
	pool  StatsReader
	descs []*prometheus.Desc // descs[i] describes metrics[i]
	hists []*prometheus.Desc // hists[i] describes histograms[i]
}

// NewCollector returns a collector of pool's counters, each labelled
// pool=name. Every Collect reads one [workerpool.Stats] snapshot, so the
// series of one scrape describe the pool at one instant.
func NewCollector(name string, pool StatsReader) prometheus.Collector {
	c := &collector{pool: pool, descs: make([]*prometheus.Desc, len(metrics)), hists: make([]*prometheus.Desc, len(histograms))}
	labels := prometheus.Labels{"pool": name}
	for i, m := range metrics {
		c.descs[i] = prometheus.NewDesc(m.name, m.help, nil, labels)
	}
	for i, h := range histograms {
		c.hists[i] = prometheus.NewDesc(h.name, h.help, nil, labels)
	}
	return c
}

// Describe sends the descriptions of every series.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range append(c.descs, c.hists...) {
		ch <- d
	}
}

// Collect reads one snapshot and sends every series from it. The timing
// histograms are sent once the pool has measured a job (a pool made without
// WithTimings never has), as constant histograms whose buckets are
// TimingBounds in seconds, cumulative as Prometheus wants them; the
// overflow bucket is +Inf.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stats()
	for i, m := range metrics {
		ch <- prometheus.MustNewConstMetric(c.descs[i], m.kind, m.value(s))
	}
	if s.Wait.Count == 0 { // Run.Count <= Wait.Count
		return
	}
	for i, h := range histograms {
		t := h.value(s)
		buckets := make(map[float64]uint64, workerpool.NumTimingBuckets-1)
		var cumulative uint64
		for b, n := range t.Buckets[:workerpool.NumTimingBuckets-1] {
			cumulative += n
			buckets[workerpool.TimingBounds[b].Seconds()] = cumulative
		}
		ch <- prometheus.MustNewConstHistogram(c.hists[i], t.Count, t.Sum.Seconds(), buckets)
	}
}
