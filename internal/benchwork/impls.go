package benchwork

import (
	"sync"

	"github.com/seed761c1f22/workerpool"
	"github.com/seed761c1f22/workerpool/internal/chanpool"
)

// Core are the implementations the workerpool module's benchmarks compare:
// impl=cond is workerpool.Pool, impl=chanmin the channel pool people write by
// hand, impl=chan the channel reference with safe shutdown in
// internal/chanpool, impl=condmin the naive one-mutex, two-Cond pool.
var Core = []Impl{
	{"cond", func(w, buf int, results bool) Runner {
		p, err := workerpool.New[Job](w, buf, results)
		if err != nil {
			panic(err)
		}
		return newQueueRunner[*workerpool.Pool[Job]](p, results)
	}},
	{"chanmin", NewChanMin},
	{"chan", func(w, buf int, results bool) Runner {
		return newQueueRunner[*chanpool.Pool[Job]](chanpool.New[Job](w, buf, results), results)
	}},
	{"condmin", NewCondMin},
}

// Timed compares this package's pool without and with WithTimings:
// impl=cond and impl=timings.
var Timed = []Impl{
	Core[0],
	{"timings", func(w, buf int, results bool) Runner {
		p, err := workerpool.New[Job](w, buf, results, workerpool.WithTimings())
		if err != nil {
			panic(err)
		}
		return newQueueRunner[*workerpool.Pool[Job]](p, results)
	}},
}

// Sliced compares this package's pool with its default time slice and with
// WithTimeSlice(0), which never yields: impl=cond and impl=noslice.
var Sliced = []Impl{
	Core[0],
	{"noslice", func(w, buf int, results bool) Runner {
		p, err := workerpool.New[Job](w, buf, results, workerpool.WithTimeSlice(0))
		if err != nil {
			panic(err)
		}
		return newQueueRunner[*workerpool.Pool[Job]](p, results)
	}},
}

// finishedQueue is what Pool and chanpool.Pool share.
type finishedQueue interface {
	QueueJob(job Job) error
	GetFinishedWait() (Job, bool)
	Close() error
}

// queueRunner runs a pool with a finished queue; with results a consumer
// goroutine retrieves every finished job.
type queueRunner[P finishedQueue] struct {
	pool     P
	consumer sync.WaitGroup
}

func newQueueRunner[P finishedQueue](p P, results bool) *queueRunner[P] {
	r := &queueRunner[P]{pool: p}
	if results {
		r.consumer.Go(r.waitDone)
	}
	return r
}

func (r *queueRunner[P]) Queue(job Job) {
	if err := r.pool.QueueJob(job); err != nil {
		panic(err)
	}
}

// QueueAll uses QueueJobs where the pool has it.
func (r *queueRunner[P]) QueueAll(jobs []Job) {
	if bp, ok := any(r.pool).(interface{ QueueJobs(...Job) (int, error) }); ok {
		if _, err := bp.QueueJobs(jobs...); err != nil {
			panic(err)
		}
		return
	}
	QueueOneByOne(r, jobs)
}

func (r *queueRunner[P]) Finish() {
	_ = r.pool.Close()
	r.waitDone() // without results: returns when the pool is done
	r.consumer.Wait()
}

// waitDone retrieves finished jobs until the pool is done.
func (r *queueRunner[P]) waitDone() {
	for {
		if _, done := r.pool.GetFinishedWait(); done {
			return
		}
	}
}
