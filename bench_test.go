package workerpool_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/seed761c1f22/workerpool"
	"github.com/seed761c1f22/workerpool/internal/benchwork"
	"github.com/seed761c1f22/workerpool/internal/chanpool"
)

// One benchmark iteration pushes benchwork.Batch pre-allocated jobs through a
// fresh pool, closes it and waits until it is done; ns/job is the time per
// job. impl=cond is this package, impl=chan the channel reference in
// internal/chanpool, impl=serial a loop calling Run: the floor.

// benchPool is what the benchmarks use of a pool.
type benchPool interface {
	QueueJob(job benchwork.Job) error
	GetFinishedWait() (benchwork.Job, bool)
	Close() error
}

var benchImpls = []struct {
	name string
	new  func(workers, buf int, queueFinished bool) benchPool
}{
	{"cond", func(w, b int, q bool) benchPool {
		p, err := workerpool.New[benchwork.Job](w, b, q)
		if err != nil {
			panic(err)
		}
		return p
	}},
	{"chan", func(w, b int, q bool) benchPool { return chanpool.New[benchwork.Job](w, b, q) }},
}

// BenchmarkSubmit: one producer queues, finished jobs are dropped.
func BenchmarkSubmit(b *testing.B) {
	for _, work := range benchwork.Works {
		benchSerial(b, work)
		benchMatrix(b, work, false, []int{1, 2, 8, 64}, []int{0, 1, 128, 4096}, func(b *testing.B, p benchPool, jobs []benchwork.Job) {
			queueAll(p, jobs)
			_ = p.Close()
			p.GetFinishedWait()
		})
	}
}

// BenchmarkResults: finished jobs are queued, and a consumer goroutine drains
// them while the producer queues.
func BenchmarkResults(b *testing.B) {
	for _, work := range benchwork.Works {
		benchSerial(b, work)
		benchMatrix(b, work, true, []int{2, 8, 64}, []int{1, 128}, func(b *testing.B, p benchPool, jobs []benchwork.Job) {
			var wg sync.WaitGroup
			wg.Go(func() {
				for {
					if _, done := p.GetFinishedWait(); done {
						return
					}
				}
			})
			queueAll(p, jobs)
			_ = p.Close()
			wg.Wait()
		})
	}
}

// BenchmarkProducers: 4 producers queue at once.
func BenchmarkProducers(b *testing.B) {
	const producers = 4
	for _, work := range benchwork.Works {
		benchSerial(b, work)
		benchMatrix(b, work, false, []int{2, 8}, []int{1, 128}, func(b *testing.B, p benchPool, jobs []benchwork.Job) {
			var wg sync.WaitGroup
			per := len(jobs) / producers
			for i := range producers {
				wg.Go(func() { queueAll(p, jobs[i*per:(i+1)*per]) })
			}
			wg.Wait()
			_ = p.Close()
			p.GetFinishedWait()
		})
	}
}

// BenchmarkBatch: the whole batch in one QueueJobs call (the channel
// reference, which has none, queues one by one).
func BenchmarkBatch(b *testing.B) {
	for _, work := range benchwork.Works {
		benchSerial(b, work)
		benchMatrix(b, work, false, []int{2, 8}, []int{128, 4096}, func(b *testing.B, p benchPool, jobs []benchwork.Job) {
			if bp, ok := p.(interface {
				QueueJobs(...benchwork.Job) (int, error)
			}); ok {
				if _, err := bp.QueueJobs(jobs...); err != nil {
					b.Fatal(err)
				}
			} else {
				queueAll(p, jobs)
			}
			_ = p.Close()
			p.GetFinishedWait()
		})
	}
}

// benchMatrix runs one family for every impl, workers and buf.
func benchMatrix(b *testing.B, work string, queueFinished bool, workers, bufs []int,
	batch func(*testing.B, benchPool, []benchwork.Job)) {
	jobs := benchwork.NewJobs(work, benchwork.Batch)
	for _, impl := range benchImpls {
		for _, w := range workers {
			for _, buf := range bufs {
				b.Run(fmt.Sprintf("impl=%s/work=%s/workers=%d/buf=%d", impl.name, work, w, buf), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						batch(b, impl.new(w, buf, queueFinished), jobs)
					}
					reportPerJob(b)
				})
			}
		}
	}
}

// benchSerial runs the batch with a plain loop: the floor for any pool.
func benchSerial(b *testing.B, work string) {
	jobs := benchwork.NewJobs(work, benchwork.Batch)
	b.Run(fmt.Sprintf("impl=serial/work=%s", work), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, j := range jobs {
				j.Run()
			}
		}
		reportPerJob(b)
	})
}

func queueAll(p benchPool, jobs []benchwork.Job) {
	for _, j := range jobs {
		if err := p.QueueJob(j); err != nil {
			panic(err)
		}
	}
}

func reportPerJob(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchwork.Batch), "ns/job")
}
