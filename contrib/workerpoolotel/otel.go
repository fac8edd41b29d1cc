// Package workerpoolotel exports a workerpool's [workerpool.Stats] through
// OpenTelemetry metrics. [Register] installs one callback that reads one
// Stats snapshot per collection, so every collection's points add up
// exactly as the snapshot does:
//
//	workerpool.jobs.queued == waiting + running + completed + skipped
//	workerpool.jobs.completed == finished + retrieved + dropped
package workerpoolotel

import (
	"context"

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
		{"workerpool.jobs.rejected", "Jobs turned away with ErrQueueFull, ErrClosed or a context error.", func(s workerpool.Stats) int64 { return int64(s.Rejected) }},
		{"workerpool.jobs.failed", "Completed jobs that panicked, or whose Err() was non-nil.", func(s workerpool.Stats) int64 { return int64(s.Failed) }},
		{"workerpool.jobs.dropped", "Completed jobs not kept for retrieval.", func(s workerpool.Stats) int64 { return int64(s.Dropped) }},
	}
	gauges = []instrument{
		{"workerpool.jobs.waiting", "Jobs accepted and not yet started.", func(s workerpool.Stats) int64 { return int64(s.Waiting) }},
		{"workerpool.jobs.running", "Jobs started whose Run has not returned.", func(s workerpool.Stats) int64 { return int64(s.Running) }},
		{"workerpool.jobs.finished", "Jobs whose Run returned, held for retrieval.", func(s workerpool.Stats) int64 { return int64(s.Finished) }},
		{"workerpool.workers", "The size set by New or Resize, plus retiring workers until their job returns.", func(s workerpool.Stats) int64 { return int64(s.Workers) }},
		{"workerpool.calls.blocked", "Queuing calls waiting for room in the intake queue.", func(s workerpool.Stats) int64 { return int64(s.Blocked) }},
		{"workerpool.workers.held", "Workers holding a finished job because the finished queue is full.", func(s workerpool.Stats) int64 { return int64(s.Held) }},
		{"workerpool.groups", "Groups with jobs waiting, taking turns for the workers.", func(s workerpool.Stats) int64 { return int64(s.Groups) }},
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
	attrs := metric.WithAttributeSet(attribute.NewSet(attribute.String("pool", name)))
	return meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := pool.Stats()
		for i, in := range counters {
			o.ObserveInt64(all[i], in.value(s), attrs)
		}
		for i, in := range gauges {
			o.ObserveInt64(all[len(counters)+i], in.value(s), attrs)
		}
		return nil
	}, observables...)
}
