package workerpool

import (
	"context"
	"reflect"
	"sync"
)

// This file is the queuing side: how a job is refused, accepted, or waits
// for room as a blocked producer.

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
	wake     sync.Cond // L is the pool's mu; signalled when accepted becomes true, or the pool closes
	job      J         // the job offered; zeroed once accepted
	accepted bool      // a worker accepted job: it is counted Queued
}

// queue is QueueJob and QueueJobContext: it accepts job or blocks, releasing
// mu, until a worker accepts it, the pool closes or ctx ends.
func (p *Pool[J]) queue(ctx context.Context, job J) error {
	nilJob := isNil(job)
	p.mu.Lock()
	// The common case first, inline: open, no idle worker to hand the job
	// to, room in intake. The rest is acceptLocked's order, unchanged.
	if !nilJob && !p.closed && p.parent == nil && (len(p.idle) == 0 || p.paused) && p.intake.Room() > 0 {
		p.intake.Push(job)
		p.c.queued++
		p.mu.Unlock()
		return nil
	}
	err := p.refuseLocked(nilJob)
	if err == nil && !p.acceptLocked(job) {
		var cw ctxWaker
		pr := p.producerLocked()
		err = p.waitAcceptedLocked(ctx, &cw, pr, job)
		p.recycleLocked(pr)
		cw.stop()
	}
	p.mu.Unlock()
	return err
}

// refuseLocked returns the error a queuing call gets before room is looked
// at, in the documented order: [ErrClosed] (also once the [WithContext]
// context has ended, which stops the pool now), then [ErrNilJob]. A non-nil
// job refused with ErrClosed counts as Rejected.
func (p *Pool[J]) refuseLocked(nilJob bool) error {
	if p.closed || p.parent != nil && p.stoppedByParentLocked() {
		if !nilJob {
			p.c.rejected++
		}
		return ErrClosed
	}
	if nilJob {
		return ErrNilJob
	}
	return nil
}

// acceptLocked accepts job, counting it Queued, if a worker is idle and the
// pool is not paused (the job is handed to the worker and counts as Running
// at once) or intake has room. It reports false, changing nothing, if neither.
func (p *Pool[J]) acceptLocked(job J) bool {
	if len(p.idle) > 0 && !p.paused {
		p.c.queued++
		p.c.running++
		p.assignLocked(job)
		return true
	}
	if p.intake.Room() > 0 {
		p.intake.Push(job)
		p.c.queued++
		return true
	}
	return false
}

// waitAcceptedLocked offers job as blocked producer pr and waits, releasing
// mu, until a worker accepts it (nil), the pool closes ([ErrClosed]) or ctx
// ends (ctx.Err(), with the offer withdrawn). A job not accepted counts as
// Rejected.
func (p *Pool[J]) waitAcceptedLocked(ctx context.Context, cw *ctxWaker, pr *producer[J], job J) error {
	pr.job, pr.accepted = job, false
	p.blocked.PushBack(pr)
	for !pr.accepted {
		if p.closed { // Close took pr off blocked
			p.c.rejected++
			return ErrClosed
		}
		if err := cw.wait(ctx, &pr.wake); err != nil {
			p.withdrawLocked(pr)
			p.c.rejected++
			return err
		}
	}
	p.woken--
	return nil
}

// acceptFrontLocked accepts the job of the longest-blocked producer, counts it
// Queued and wakes that producer. The caller puts the job in intake or runs it.
func (p *Pool[J]) acceptFrontLocked() J {
	pr := p.blocked.PopFront()
	job := pr.job
	var zero J
	pr.job, pr.accepted = zero, true
	p.woken++
	p.c.queued++
	pr.wake.Signal()
	return job
}

// producerLocked returns a producer entry from the spare list, or a new one.
func (p *Pool[J]) producerLocked() *producer[J] {
	if n := len(p.spare); n > 0 {
		pr := p.spare[n-1]
		p.spare = p.spare[:n-1]
		return pr
	}
	pr := &producer[J]{}
	pr.wake.L = &p.mu
	return pr
}

// recycleLocked returns a producer entry to the spare list.
func (p *Pool[J]) recycleLocked(pr *producer[J]) {
	var zero J
	pr.job = zero
	p.spare = append(p.spare, pr)
}

// withdrawLocked takes a producer that gave up out of the blocked list, if it is still there.
func (p *Pool[J]) withdrawLocked(pr *producer[J]) {
	if i := p.blocked.Index(func(q *producer[J]) bool { return q == pr }); i >= 0 {
		p.blocked.Remove(i)
	}
}

// rejectBlockedLocked wakes every blocked producer at Close or Stop: their
// jobs were never accepted, and they return ErrClosed.
func (p *Pool[J]) rejectBlockedLocked() {
	for p.blocked.Len() > 0 {
		p.blocked.PopFront().wake.Signal()
	}
}

// rejectRestLocked counts the non-nil jobs of a QueueJobs call that it
// will not queue after an error other than ErrNilJob.
func (p *Pool[J]) rejectRestLocked(jobs []J) {
	for _, job := range jobs {
		if !isNil(job) {
			p.c.rejected++
		}
	}
}

// isNil reports whether job is a nil interface, or a nil pointer or func,
// which could only panic when run.
func isNil[J Job](job J) bool {
	v := any(job)
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Func, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}
