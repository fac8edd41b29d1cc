package benchwork

import (
	"sync"

	"github.com/gammazero/deque"
)

// The two minimal references that workerpool.Pool is measured against: what
// people write by hand with channels (chanmin), and the simplest pool of this
// design, one mutex and two Conds (condmin). Neither counts anything, handles
// panics or can be stopped: they are floors, not products.

// chanMin is the channel pool most Go programs write: a buffered job
// channel the workers range over, a WaitGroup, and with results a buffered
// results channel a consumer ranges over.
type chanMin struct {
	jobs     chan Job
	results  chan Job // nil without results
	workers  sync.WaitGroup
	consumer sync.WaitGroup
}

// NewChanMin returns a chanMin runner with workers goroutines and channels of capacity buf.
func NewChanMin(workers, buf int, results bool) Runner {
	r := &chanMin{jobs: make(chan Job, buf)}
	if results {
		r.results = make(chan Job, buf)
		r.consumer.Go(func() {
			for range r.results {
			}
		})
	}
	for range workers {
		r.workers.Go(func() {
			for j := range r.jobs {
				j.Run()
				if r.results != nil {
					r.results <- j
				}
			}
		})
	}
	return r
}

func (r *chanMin) Queue(job Job) { r.jobs <- job }

func (r *chanMin) Finish() {
	close(r.jobs)
	r.workers.Wait()
	if r.results != nil {
		close(r.results)
	}
	r.consumer.Wait()
}

// condMin is the naive pool of this design: one mutex, a job deque with a
// not-empty and a not-full Cond, one job per lock acquisition, and a Signal
// only when someone waits. With results, finished jobs go to a second
// deque under the same mutex with Conds of its own. buf 0 is taken as 1: a
// Cond pool has no handoff without more machinery.
type condMin struct {
	mu       sync.Mutex // guards the fields below
	notEmpty sync.Cond  // workers wait for a job or the close
	notFull  sync.Cond  // producers wait for room
	jobs     deque.Deque[Job]
	capacity int  // of jobs and of done
	closed   bool // Finish was called
	idle     int  // workers waiting on notEmpty
	blocked  int  // producers waiting on notFull

	results  bool             // finished jobs go to done
	done     deque.Deque[Job] // finished jobs, not yet consumed
	hasDone  sync.Cond        // the consumer waits for a finished job or the end
	doneRoom sync.Cond        // workers wait for room in done
	live     int              // workers that have not exited
	waiting  bool             // the consumer waits on hasDone
	held     int              // workers waiting on doneRoom

	workers  sync.WaitGroup
	consumer sync.WaitGroup
}

// NewCondMin returns a condMin runner.
func NewCondMin(workers, buf int, results bool) Runner {
	r := &condMin{capacity: max(buf, 1), results: results, live: workers}
	// Without a base capacity the deques shrink as they empty and grow
	// again, allocating all the time: a cost of the container, not of the
	// design this reference stands for.
	r.jobs.SetBaseCap(min(r.capacity, 4096))
	r.done.SetBaseCap(min(r.capacity, 4096))
	for _, c := range []*sync.Cond{&r.notEmpty, &r.notFull, &r.hasDone, &r.doneRoom} {
		c.L = &r.mu
	}
	for range workers {
		r.workers.Go(r.work)
	}
	if results {
		r.consumer.Go(r.consume)
	}
	return r
}

func (r *condMin) Queue(job Job) {
	r.mu.Lock()
	for r.jobs.Len() >= r.capacity {
		r.blocked++
		r.notFull.Wait()
		r.blocked--
	}
	r.jobs.PushBack(job)
	if r.idle > 0 {
		r.notEmpty.Signal()
	}
	r.mu.Unlock()
}

func (r *condMin) work() {
	r.mu.Lock()
	for {
		for r.jobs.Len() == 0 && !r.closed {
			r.idle++
			r.notEmpty.Wait()
			r.idle--
		}
		if r.jobs.Len() == 0 {
			break
		}
		j := r.jobs.PopFront()
		if r.blocked > 0 {
			r.notFull.Signal()
		}
		r.mu.Unlock()
		j.Run()
		r.mu.Lock()
		if r.results {
			for r.done.Len() >= r.capacity {
				r.held++
				r.doneRoom.Wait()
				r.held--
			}
			r.done.PushBack(j)
			if r.waiting {
				r.hasDone.Signal()
			}
		}
	}
	r.live--
	if r.live == 0 {
		r.hasDone.Broadcast()
	}
	r.mu.Unlock()
}

func (r *condMin) consume() {
	r.mu.Lock()
	for {
		for r.done.Len() == 0 && r.live > 0 {
			r.waiting = true
			r.hasDone.Wait()
			r.waiting = false
		}
		if r.done.Len() == 0 {
			break
		}
		r.done.PopFront()
		if r.held > 0 {
			r.doneRoom.Signal()
		}
	}
	r.mu.Unlock()
}

func (r *condMin) Finish() {
	r.mu.Lock()
	r.closed = true
	r.notEmpty.Broadcast()
	r.mu.Unlock()
	r.workers.Wait()
	r.consumer.Wait()
}
