package benchwork

import (
	"fmt"
	"sync"
	"testing"
)

// A Runner is one pool under benchmark, fresh for each batch.
type Runner interface {
	// Queue queues one job, blocking as the pool does when it is full.
	Queue(job Job)
	// Finish says no more jobs will come and waits until every queued job has
	// run and, for a runner made with results, its result was consumed.
	Finish()
}

// A Batcher is a Runner that can queue many jobs in one call.
type Batcher interface {
	QueueAll(jobs []Job)
}

// An Impl makes Runners of one pool implementation. With results, the runner
// delivers every finished job to a consumer goroutine of its own, which
// Finish waits for.
type Impl struct {
	Name string
	New  func(workers, buf int, results bool) Runner
}

// Matrix is the set of sub-benchmarks of one family.
type Matrix struct {
	Workers, Bufs []int
	Results       bool // finished jobs go to a consumer goroutine
}

// The families every implementation is measured on.
var (
	// Submit: one producer queues, finished jobs are dropped.
	Submit = Matrix{Workers: []int{1, 2, 8, 64}, Bufs: []int{0, 1, 128, 4096}}
	// Results: finished jobs are retrieved by a consumer while the producer queues.
	Results = Matrix{Workers: []int{2, 8, 64}, Bufs: []int{1, 128}, Results: true}
	// Producers: four producers queue at once.
	Producers = Matrix{Workers: []int{2, 8}, Bufs: []int{1, 128}}
	// Batch: the whole batch in one call where the pool has one.
	Batch = Matrix{Workers: []int{2, 8}, Bufs: []int{128, 4096}}
	// Timings: the cost of WithTimings, one producer, finished jobs dropped.
	Timings = Matrix{Workers: []int{2, 8}, Bufs: []int{0, 128}}
)

// producers is how many goroutines queue at once in the Producers family.
const producers = 4

// Run benchmarks one family for every impl, workload, workers and buf, and
// the serial floor. queue pushes one batch of jobs into a runner.
func Run(b *testing.B, impls []Impl, m Matrix, queue func(Runner, []Job)) {
	for _, work := range Works {
		jobs := NewJobs(work, BatchSizes[work])
		b.Run("impl=serial/work="+work, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, j := range jobs {
					j.Run()
				}
			}
			reportPerJob(b, len(jobs))
		})
		for _, impl := range impls {
			for _, w := range m.Workers {
				for _, buf := range m.Bufs {
					name := fmt.Sprintf("impl=%s/work=%s/workers=%d/buf=%d", impl.Name, work, w, buf)
					b.Run(name, func(b *testing.B) {
						b.ReportAllocs()
						for b.Loop() {
							r := impl.New(w, buf, m.Results)
							queue(r, jobs)
							r.Finish()
						}
						reportPerJob(b, len(jobs))
					})
				}
			}
		}
	}
}

// QueueOneByOne is the queue function of Submit and Results.
func QueueOneByOne(r Runner, jobs []Job) {
	for _, j := range jobs {
		r.Queue(j)
	}
}

// QueueFromProducers is the queue function of Producers.
func QueueFromProducers(r Runner, jobs []Job) {
	var wg sync.WaitGroup
	per := len(jobs) / producers
	for i := range producers {
		wg.Go(func() { QueueOneByOne(r, jobs[i*per:(i+1)*per]) })
	}
	wg.Wait()
}

// QueueBatch is the queue function of Batch: one call where the runner can.
func QueueBatch(r Runner, jobs []Job) {
	if bt, ok := r.(Batcher); ok {
		bt.QueueAll(jobs)
		return
	}
	QueueOneByOne(r, jobs)
}

// reportPerJob reports the time per job of a finished benchmark of batches of n jobs.
func reportPerJob(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/job")
}
