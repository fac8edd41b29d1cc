// Package workerpoolotel exports a workerpool's [workerpool.Stats] through
// OpenTelemetry metrics. [Register] installs one callback that reads one
// Stats snapshot per collection, so every collection's points add up
// exactly as the snapshot does:
//
//	workerpool.jobs.queued == waiting + running + completed + skipped
//	workerpool.jobs.completed == finished + retrieved + dropped
//
// For a pool made with [workerpool.WithTimings] it also exports the wait and
// run histograms. The OpenTelemetry API has no asynchronous histogram, and a
// synchronous one would record each job apart from the snapshot, so they are
// exported from the same snapshot as observable counters:
// workerpool.job.wait.count and .sum, and workerpool.job.wait.bucket with
// one point per bucket, attribute le (the bound in seconds, "+Inf" for the
// overflow), cumulative as in Prometheus; likewise workerpool.job.run.*. In
// every collection workerpool.job.wait.count == running + completed and
// workerpool.job.run.count == completed.
package workerpoolotel

import (
	"context"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/seed761c1f22/workerpool"
)

// A StatsReader is what Register reads: a [workerpool.Pool] of any job type.
type StatsReader interface {
	Stats() workerpool.Stats
}

// counters are the observable counters (totals), gauges the observable gauges (levels).
var (
	counters = []instrument{
		{"workerpool.jobs.queued", "Jobs accepted since the pool was created.", func(s workerpool.Stats) int64 { return int64(s.Queued) }},
		{"workerpool.jobs.completed", "Jobs whose Run returned, panicked ones included.", func(s workerpool.Stats) int64 { return int64(s.Completed) }},
		{"workerpool.jobs.retrieved", "Finished jobs handed out to callers.", func(s workerpool.Stats) int64 { return int64(s.Retrieved) }},
		{"workerpool.jobs.skipped", "Accepted jobs dropped unstarted by a stop.", func(s workerpool.Stats) int64 { return int64(s.Skipped) }},
		{"workerpool.jobs.panicked", "Completed jobs whose Run panicked.", func(s workerpool.Stats) int64 { return int64(s.Panicked) }},
		{"workerpool.jobs.rejected", "Jobs turned away: queue full, pool or group closed, or the caller's context ended (a client that left).", func(s workerpool.Stats) int64 { return int64(s.Rejected) }},
		{"workerpool.jobs.failed", "Completed jobs that failed: panicked, called runtime.Goexit, or returned an error.", func(s workerpool.Stats) int64 { return int64(s.Failed) }},
		{"workerpool.jobs.dropped", "Completed jobs not kept for retrieval: the normal fate of a job nobody collects.", func(s workerpool.Stats) int64 { return int64(s.Dropped) }},
	}
	gauges = []instrument{
		{"workerpool.jobs.waiting", "Jobs accepted and not yet started.", func(s workerpool.Stats) int64 { return int64(s.Waiting) }},
		{"workerpool.jobs.running", "Jobs started whose Run has not returned.", func(s workerpool.Stats) int64 { return int64(s.Running) }},
		{"workerpool.jobs.finished", "Jobs whose Run returned, held for retrieval.", func(s workerpool.Stats) int64 { return int64(s.Finished) }},
		{"workerpool.workers", "The size set by New or Resize, plus retiring workers until their job returns.", func(s workerpool.Stats) int64 { return int64(s.Workers) }},
		{"workerpool.calls.blocked", "Queuing calls waiting for room in the intake queue.", func(s workerpool.Stats) int64 { return int64(s.Blocked) }},
		{"workerpool.workers.held", "Workers holding a finished job because the finished queue is full.", func(s workerpool.Stats) int64 { return int64(s.Held) }},
		{"workerpool.workers.live", "Worker goroutines started and not yet exited: running, holding or idle.", func(s workerpool.Stats) int64 { return int64(s.Live) }},
		{"workerpool.groups", "Groups not yet done: made, and not closed with nothing waiting or running.", func(s workerpool.Stats) int64 { return int64(s.Groups) }},
		{"workerpool.paused", "1 while Pause is in effect, else 0.", func(s workerpool.Stats) int64 {
			if s.Paused {
				return 1
			}
			return 0
		}},
	}
)

// instrument is one exported series and its value in a snapshot.
type instrument struct {
	name, description string
	value             func(s workerpool.Stats) int64
}

// Register creates pool's instruments on meter, every point carrying the
// attribute pool=name, and registers one callback that reads one
// [workerpool.Stats] snapshot per collection and observes every instrument
// from it. Unregister the returned registration when the pool is gone.
func Register(meter metric.Meter, name string, pool StatsReader) (metric.Registration, error) {
	observables := make([]metric.Observable, 0, len(counters)+len(gauges))
	all := make([]metric.Int64Observable, 0, len(counters)+len(gauges))
	for _, in := range counters {
		c, err := meter.Int64ObservableCounter(in.name, metric.WithDescription(in.description), metric.WithUnit("{job}"))
		if err != nil {
			return nil, err
		}
		observables, all = append(observables, c), append(all, c)
	}
	for _, in := range gauges {
		g, err := meter.Int64ObservableGauge(in.name, metric.WithDescription(in.description))
		if err != nil {
			return nil, err
		}
		observables, all = append(observables, g), append(all, g)
	}
	hists := make([]histogram, len(timings))
	for i, tm := range timings {
		h, err := newHistogram(meter, tm.name, tm.description)
		if err != nil {
			return nil, err
		}
		hists[i] = h
		observables = append(observables, h.count, h.sum, h.bucket)
	}
	set := attribute.NewSet(attribute.String("pool", name))
	attrs := metric.WithAttributeSet(set)
	bucketAttrs := bucketAttributes(name)
	return meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := pool.Stats()
		for i, in := range counters {
			o.ObserveInt64(all[i], in.value(s), attrs)
		}
		for i, in := range gauges {
			o.ObserveInt64(all[len(counters)+i], in.value(s), attrs)
		}
		if s.Wait.Count > 0 { // a pool with WithTimings that has measured a job
			for i, tm := range timings {
				hists[i].observe(o, tm.value(s), attrs, bucketAttrs)
			}
		}
		return nil
	}, observables...)
}

// timings are the histograms of a pool made with WithTimings.
var timings = []struct {
	name, description string
	value             func(s workerpool.Stats) workerpool.Timings
}{
	{"workerpool.job.wait", "How long jobs waited, from accepted to started.", func(s workerpool.Stats) workerpool.Timings { return s.Wait }},
	{"workerpool.job.run", "How long jobs ran, from started to returned.", func(s workerpool.Stats) workerpool.Timings { return s.Run }},
}

// histogram is one Timings histogram as three observable counters.
type histogram struct {
	count  metric.Int64ObservableCounter   // <name>.count: jobs measured
	sum    metric.Float64ObservableCounter // <name>.sum: their total, in seconds
	bucket metric.Int64ObservableCounter   // <name>.bucket: jobs at most le seconds, one point per bound
}

func newHistogram(meter metric.Meter, name, description string) (h histogram, err error) {
	if h.count, err = meter.Int64ObservableCounter(name+".count", metric.WithDescription(description+" Jobs measured."), metric.WithUnit("{job}")); err != nil {
		return h, err
	}
	if h.sum, err = meter.Float64ObservableCounter(name+".sum", metric.WithDescription(description+" Their total."), metric.WithUnit("s")); err != nil {
		return h, err
	}
	h.bucket, err = meter.Int64ObservableCounter(name+".bucket",
		metric.WithDescription(description+" Jobs that took at most le seconds (cumulative)."), metric.WithUnit("{job}"))
	return h, err
}

// observe observes t, one snapshot's histogram.
func (h histogram) observe(o metric.Observer, t workerpool.Timings, attrs metric.ObserveOption, buckets []metric.ObserveOption) {
	o.ObserveInt64(h.count, int64(t.Count), attrs)
	o.ObserveFloat64(h.sum, t.Sum.Seconds(), attrs)
	var cumulative uint64
	for i, n := range t.Buckets {
		cumulative += n
		o.ObserveInt64(h.bucket, int64(cumulative), buckets[i])
	}
}

// bucketAttributes returns the attributes of each bucket's point: pool and le.
func bucketAttributes(name string) []metric.ObserveOption {
	opts := make([]metric.ObserveOption, workerpool.NumTimingBuckets)
	for i, b := range workerpool.TimingBounds {
		le := "+Inf"
		if i < workerpool.NumTimingBuckets-1 {
			le = strconv.FormatFloat(b.Seconds(), 'g', -1, 64)
		}
		opts[i] = metric.WithAttributeSet(attribute.NewSet(attribute.String("pool", name), attribute.String("le", le)))
	}
	return opts
}
