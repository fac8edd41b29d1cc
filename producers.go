package workerpool

import "sync"

// A producer is a queuing call blocked because the intake queue has no room.
// It waits on its own Cond, so that the worker that frees a slot can accept
// the producer's job on its behalf and wake exactly that producer: the job
// moves into the queue without the producer having to run first, as a
// channel send moves a blocked sender's value. With bufferSize 0 the worker
// takes the job straight from the producer, which is the unbuffered handoff.
//
// A queuing call uses one entry for all its jobs, taken from the pool's spare
// list and put back when the call returns, so blocking does not allocate once
// the pool has warmed up.
type producer[J Job] struct {
	wake     sync.Cond // L is the pool's mu; signalled when accepted becomes true
	job      J         // the job offered; zeroed once accepted
	accepted bool      // a worker accepted job: it is counted Queued
}

// offerLocked appends job to the blocked producers, in entry pr, or in a
// spare entry if pr is nil, and returns the entry.
func (p *Pool[J]) offerLocked(pr *producer[J], job J) *producer[J] {
	if pr == nil {
		if n := len(p.spare); n > 0 {
			pr, p.spare = p.spare[n-1], p.spare[:n-1]
		} else {
			pr = &producer[J]{}
			pr.wake.L = &p.mu
		}
	}
	pr.job, pr.accepted = job, false
	p.blocked.PushBack(pr)
	return pr
}

// acceptFrontLocked accepts the job of the longest-blocked producer, counts it
// Queued and wakes that producer. The caller puts the job in intake or runs it.
func (p *Pool[J]) acceptFrontLocked() J {
	pr := p.blocked.PopFront()
	job := pr.job
	var zero J
	pr.job, pr.accepted = zero, true
	p.c.queued++
	pr.wake.Signal()
	return job
}

// withdrawLocked takes a producer that gave up out of the blocked list, if it is still there.
func (p *Pool[J]) withdrawLocked(pr *producer[J]) {
	if i := p.blocked.Index(func(q *producer[J]) bool { return q == pr }); i >= 0 {
		p.blocked.Remove(i)
	}
}

// recycleLocked returns a producer entry to the spare list.
func (p *Pool[J]) recycleLocked(pr *producer[J]) {
	var zero J
	pr.job = zero
	p.spare = append(p.spare, pr)
}

// rejectBlockedLocked wakes every blocked producer at Close or Stop: their
// jobs were never accepted, and they return ErrClosed.
func (p *Pool[J]) rejectBlockedLocked() {
	for p.blocked.Len() > 0 {
		p.blocked.PopFront().wake.Signal()
	}
}
