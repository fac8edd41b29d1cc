package workerpool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gammazero/deque"

	"github.com/seed761c1f22/workerpool"

	"github.com/seed761c1f22/workerpool/internal/benchwork"
)

// One benchmark iteration pushes a batch of pre-allocated jobs
// (benchwork.BatchSizes) through a fresh pool, closes it and waits until it
// is done; ns/job is the time per job. impl=cond is this package,
// impl=chanmin the channel pool people write by hand, impl=chan the channel
// reference with safe shutdown in internal/chanpool, impl=condmin the naive
// one-mutex, two-Cond pool, impl=serial a loop calling Run: the floor. The
// peers (ants, pond, ...) are measured on the same harness in
// internal/peerbench.

func BenchmarkSubmit(b *testing.B) {
	benchwork.Run(b, benchwork.Core, benchwork.Submit, benchwork.QueueOneByOne)
}

func BenchmarkResults(b *testing.B) {
	benchwork.Run(b, benchwork.Core, benchwork.Results, benchwork.QueueOneByOne)
}

func BenchmarkProducers(b *testing.B) {
	benchwork.Run(b, benchwork.Core, benchwork.Producers, benchwork.QueueFromProducers)
}

func BenchmarkBatch(b *testing.B) {
	benchwork.Run(b, benchwork.Core, benchwork.Batch, benchwork.QueueBatch)
}

// BenchmarkQueueUncontended is the cost of one QueueJob from one goroutine
// while the workers are busy and the intake queue has room (the pool is
// paused, so nothing competes for the lock), on the pool (impl=cond) and
// through a group (impl=group), next to the floor: a bare Lock, PushBack,
// Unlock on a deque.
func BenchmarkQueueUncontended(b *testing.B) {
	const chunk = 4096 // jobs queued into one pool before a fresh one is made
	job := &benchwork.Tiny{}
	b.Run("impl=cond", func(b *testing.B) {
		b.ReportAllocs()
		p, _ := workerpool.New[*benchwork.Tiny](2, chunk, false)
		defer p.Stop()
		for i := 0; b.Loop(); i++ {
			if i%chunk == 0 { // empty the intake queue, untimed
				b.StopTimer()
				p.Resume()
				_ = p.WaitIdle(context.Background())
				p.Pause()
				b.StartTimer()
			}
			if err := p.QueueJob(job); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=group", func(b *testing.B) { // the same, through a group of the pool
		b.ReportAllocs()
		p, _ := workerpool.New[*benchwork.Tiny](2, chunk, false)
		defer p.Stop()
		g := p.NewGroup(context.Background())
		for i := 0; b.Loop(); i++ {
			if i%chunk == 0 {
				b.StopTimer()
				p.Resume()
				_ = p.WaitIdle(context.Background())
				p.Pause()
				b.StartTimer()
			}
			if err := g.QueueJob(job); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=lockpush", func(b *testing.B) {
		b.ReportAllocs()
		var mu sync.Mutex
		var q deque.Deque[*benchwork.Tiny]
		q.SetBaseCap(chunk)
		for i := 0; b.Loop(); i++ {
			if i%chunk == 0 {
				b.StopTimer()
				q.Clear()
				b.StartTimer()
			}
			mu.Lock()
			q.PushBack(job)
			mu.Unlock()
		}
	})
}

// BenchmarkFairness is the small callers' wait (p50-ms, p99-ms) while a big
// caller's 10,000 jobs of 50µs run on one worker: impl=groups with a group
// per caller, impl=fifo with every job on the pool's own FIFO queue. pond's
// groups are measured on the same workload in internal/peerbench.
func BenchmarkFairness(b *testing.B) {
	benchwork.RunFairness(b, benchwork.Fair)
}

// BenchmarkTimings is the cost of WithTimings per job: impl=cond without it,
// impl=timings with it, on the Submit workload.
func BenchmarkTimings(b *testing.B) {
	benchwork.Run(b, benchwork.Timed, benchwork.Timings, benchwork.QueueOneByOne)
}

// BenchmarkTimeSlice is the cost of the default time slice per job:
// impl=cond with it, impl=noslice with WithTimeSlice(0), on the Submit and
// Results families.
func BenchmarkTimeSlice(b *testing.B) {
	b.Run("family=submit", func(b *testing.B) {
		benchwork.Run(b, benchwork.Sliced, benchwork.Submit, benchwork.QueueOneByOne)
	})
	b.Run("family=results", func(b *testing.B) {
		benchwork.Run(b, benchwork.Sliced, benchwork.Results, benchwork.QueueOneByOne)
	})
}

// BenchmarkGroupScale makes n groups on one paused pool, each with a
// cancellable context and 2 waiting jobs (create+queue), then cancels them,
// newest first or oldest first, waiting for each (cancel+wait). Every group
// operation is O(1), so the cost per group stays flat from 1,000 to 100,000
// groups.
func BenchmarkGroupScale(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		for _, order := range []string{"newest", "oldest"} {
			b.Run(fmt.Sprintf("groups=%d/cancel=%s-first", n, order), func(b *testing.B) {
				var create, cancel time.Duration
				for b.Loop() {
					p, err := workerpool.New[workerpool.JobFunc](1, 2*n, false)
					if err != nil {
						b.Fatal(err)
					}
					p.Pause()
					groups := make([]*workerpool.Group[workerpool.JobFunc], n)
					cancels := make([]context.CancelFunc, n)
					job := workerpool.JobFunc(func() {})
					start := time.Now()
					for i := range groups {
						ctx, c := context.WithCancel(context.Background())
						groups[i], cancels[i] = p.NewGroup(ctx), c
						if _, err := groups[i].QueueJobs(job, job); err != nil {
							b.Fatal(err)
						}
					}
					create += time.Since(start)
					start = time.Now()
					for k := range groups {
						i := k
						if order == "newest" {
							i = n - 1 - k
						}
						cancels[i]()
						if err := groups[i].Wait(); !errors.Is(err, workerpool.ErrStopped) {
							b.Fatal(err)
						}
					}
					cancel += time.Since(start)
					_ = p.Close()
				}
				runs := float64(b.N) * float64(n)
				b.ReportMetric(float64(create.Nanoseconds())/runs, "create+queue-ns/group")
				b.ReportMetric(float64(cancel.Nanoseconds())/runs, "cancel+wait-ns/group")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
