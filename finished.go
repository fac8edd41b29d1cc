package workerpool

import (
	"math"
	"sync"
)

// This file is the finished queue: the pool's own jobs whose Run returned,
// waiting to be retrieved, and the workers it holds while it is full. Every
// move in and out of it goes through the methods below, under the pool's mu.

// finishedQueue holds the pool's own finished jobs, oldest first, and counts
// the finished jobs the groups keep, so that
//
//	Stats.Finished == jobs.Len() + kept
//
// The first bufferSize jobs are queued; for each one beyond, the worker that
// pushed it is held in holders until a retrieval releases it, so while the
// pool is open
//
//	holders.Len() == max(0, jobs.Len() - bufferSize)    (Stats.Held)
//	jobs.Len() <= bufferSize + live
//
// and each retrieval releases the oldest holder. Close and Stop release them
// all; after that no worker is held.
type finishedQueue[J Job] struct {
	jobs       ringQueue[J]          // given back once drained after a burst (see ringQueue)
	limit      int                   // jobs.Len() never exceeds it: every job the pool can hold (see finishedLimit)
	bufferSize int                   // the jobs queued before workers are held
	holders    ringQueue[*worker[J]] // held workers, oldest first; each has holding set
	kept       int                   // finished jobs kept by groups (in their own lists), not yet retrieved
	ready      sync.Cond             // L is the pool's mu; consumers wait for a job, or the pool's end
}

// init readies q for a pool with the given sizes whose mutex is mu.
func (q *finishedQueue[J]) init(mu sync.Locker, workers, bufferSize int) {
	q.limit, q.bufferSize = finishedLimit(workers, bufferSize), bufferSize
	q.jobs.init(q.limit, q.limit)
	q.ready.L = mu
}

// push queues w's finished job and wakes one consumer. If the queue is then
// over bufferSize while the pool is open, w is held: the caller parks it
// until pop or releaseAll lets it go.
func (q *finishedQueue[J]) push(w *worker[J], open bool) {
	if q.jobs.len() >= q.limit {
		panic("workerpool: finished queue overflow") // a broken invariant, never user input
	}
	q.jobs.push(w.job)
	q.ready.Signal()
	if open && q.jobs.len() > q.bufferSize {
		w.holding = true
		q.holders.push(w)
	}
}

// len returns how many of the pool's own finished jobs are queued.
func (q *finishedQueue[J]) len() int { return q.jobs.len() }

// held returns how many workers are held.
func (q *finishedQueue[J]) held() int { return q.holders.len() }

// pop removes and returns the oldest job, releasing the oldest holder, whose
// job now fits. The caller has checked len() > 0.
func (q *finishedQueue[J]) pop() J {
	if q.holders.len() > 0 {
		release(q.holders.pop())
	}
	job := q.jobs.pop()
	q.jobs.release()
	return job
}

// releaseAll lets every held worker go on: the pool is closing.
func (q *finishedQueue[J]) releaseAll() {
	for q.holders.len() > 0 {
		release(q.holders.pop())
	}
}

// grow raises the limit for a pool that now has workers live workers.
func (q *finishedQueue[J]) grow(workers int) {
	q.limit = max(q.limit, finishedLimit(workers, q.bufferSize))
}

// release lets w, a worker held by the finished queue, go on.
func release[J Job](w *worker[J]) {
	w.holding = false
	w.hold.Signal()
}

// finishedLimit is the most jobs the finished queue can ever hold with
// workers live workers: a pool holds at most 2*bufferSize + workers jobs
// (intake, finished queue, and one job running or held per worker), and
// after Close no job is added. It saturates at math.MaxInt.
func finishedLimit(workers, bufferSize int) int {
	if bufferSize > (math.MaxInt-workers)/2 {
		return math.MaxInt
	}
	return 2*bufferSize + workers
}
