package workerpool

import (
	"context"
	"reflect"
	"slices"
	"sync"
)

// This file is the queuing side: how a job is refused, accepted, or waits
// for room as a blocked call. Every queuing call, on the pool or on a
// group, comes through here with the lane its jobs go to.

// A blockedCall is a queuing call blocked because the intake has no room
// (Stats.Blocked counts them; a blocked call is admitted when a worker
// accepts its job). It waits on its own Cond, so that the worker that
// frees a slot can accept the call's job on its behalf and wake exactly
// that call: the job moves into the intake without the calling goroutine
// having to run first, as a channel send moves a blocked sender's value.
// With bufferSize 0 the worker takes the job straight from the blocked
// call, which is the unbuffered handoff.
//
// A queuing call uses one entry for all its jobs, taken from the pool's spare
// list and put back when the call returns, so blocking does not allocate once
// the pool has warmed up.
type blockedCall[J Job] struct {
	wake     sync.Cond // L is the pool's mu; signalled when accepted becomes true, or its lane closes
	job      J         // the job offered; zeroed once accepted
	accepted bool      // a worker accepted job: it is counted Queued

	prev, next *blockedCall[J] // its neighbours in its lane's blocked calls while it waits there
}

// queue is QueueJob and QueueJobContext: it accepts job into l or blocks,
// releasing mu, until a worker accepts it, l or the pool closes, or ctx ends.
func (p *Pool[J]) queue(ctx context.Context, l *lane[J], job J) error {
	nilJob := isNil(job)
	if p.plainLock() { // lock, spelled out (see lock)
		p.mu.Lock()
	} else {
		p.lockSlow()
	}
	// The common case first: nothing to refuse the job for (refuseLocked's
	// own predicate), and a worker or room in the intake to take it.
	if !nilJob && p.plainlyOpenLocked(l) {
		if ok, w := p.acceptLocked(l, job); ok {
			p.completeLeftBefore() // unlock, spelled out
			p.mu.Unlock()
			p.completeLeftAfter()
			if w != nil {
				p.letRun(w)
			}
			return nil
		}
	}
	if !p.made() {
		p.unlock()
		p.mustBeMade("QueueJob")
	}
	err := p.refuseLocked(l, nilJob)
	var w *worker[J]
	if err == nil {
		var ok bool
		if ok, w = p.acceptLocked(l, job); !ok {
			var cw ctxWaker
			bc := p.blockedCallLocked()
			err = p.waitAcceptedLocked(ctx, &cw, l, bc, job)
			p.recycleLocked(bc)
			cw.stop()
		}
	}
	p.unlock()
	if w != nil {
		p.letRun(w)
	}
	return err
}

// letRun lets w run the job acceptLocked handed it: it is called after
// the unlock, so that the wake-up stays out of the critical section, and
// the caller yields if it is far ahead of the workers.
func (p *Pool[J]) letRun(w *worker[J]) {
	p.handOff(w)
	p.yieldIfAhead()
}

// queueContext is QueueJobContext: an already-ended ctx refuses at once.
func (p *Pool[J]) queueContext(ctx context.Context, l *lane[J], job J) error {
	mustHaveContext(ctx, "QueueJobContext")
	p.mustBeMade("QueueJobContext")
	if err := ctx.Err(); err != nil {
		if !isNil(job) {
			p.lock()
			p.countRejectedLocked(l, 1)
			p.unlock()
		}
		return err
	}
	return p.queue(ctx, l, job)
}

// tryQueue is TryQueueJob: it accepts job into l, or refuses it without blocking.
func (p *Pool[J]) tryQueue(l *lane[J], job J) error {
	p.mustBeMade("TryQueueJob")
	nilJob := isNil(job)
	p.lock()
	err := p.refuseLocked(l, nilJob)
	var w *worker[J]
	if err == nil {
		var ok bool
		if ok, w = p.acceptLocked(l, job); !ok {
			p.countRejectedLocked(l, 1)
			err = ErrQueueFull
		}
	}
	p.unlock()
	if w != nil {
		p.letRun(w)
	}
	return err
}

// queueJobs is QueueJobs and QueueJobsContext (call names which): it
// accepts jobs into l in order, as many as fit under one lock acquisition,
// blocking for room as queue does, and returns how many were accepted before an error. Every
// non-nil job not accepted after an error other than ErrNilJob counts as
// Rejected.
func (p *Pool[J]) queueJobs(ctx context.Context, l *lane[J], jobs []J, call string) (int, error) {
	mustHaveContext(ctx, "QueueJobsContext")
	p.mustBeMade(call)
	p.lock()
	defer p.unlock()
	var bc *blockedCall[J] // this call's blocked entry, once it had to wait
	var cw ctxWaker
	defer cw.stop()
	n := 0
	err := ctx.Err()
	for ; n < len(jobs) && err == nil; n++ {
		job := jobs[n]
		if err = p.refuseLocked(l, isNil(job)); err != nil {
			continue // the loop ends with jobs[n] counted
		}
		if ok, w := p.acceptLocked(l, job); ok {
			if w != nil {
				p.handOff(w) // under the lock: the call goes on with its next job
			}
		} else {
			if bc == nil {
				bc = p.blockedCallLocked()
			}
			err = p.waitAcceptedLocked(ctx, &cw, l, bc, job)
		}
	}
	if bc != nil {
		p.recycleLocked(bc)
	}
	switch {
	case err == nil:
		return n, nil
	case n == 0: // the context had ended before the first job was looked at
		p.countRejectedLocked(l, countNonNil(jobs))
		return 0, err
	}
	n-- // jobs[n] was refused, and counted Rejected where it was refused
	if err != ErrNilJob {
		p.countRejectedLocked(l, countNonNil(jobs[n+1:]))
	}
	return n, err
}

// refuseLocked returns the error a queuing call into l gets before room is
// looked at, in the documented order: [ErrClosed] if the pool is closed
// (also once the [WithContext] context has ended, which stops the pool
// now), the group's closing error ([ErrGroupClosed], see closeLocked) if
// l's group is closed (also once its context has ended, which stops it
// now), then [ErrNilJob]. A non-nil job refused for being closed counts as
// Rejected.
func (p *Pool[J]) refuseLocked(l *lane[J], nilJob bool) error {
	var err error
	switch {
	case p.plainlyOpenLocked(l) && !nilJob:
		return nil
	case p.state.closed || p.cfg.parent != nil && p.stoppedByParentLocked():
		err = ErrClosed
	case l.closed || l.group != nil && l.group.endedLocked():
		err = l.group.closeErr
	case nilJob:
		return ErrNilJob
	default:
		return nil
	}
	if !nilJob {
		p.countRejectedLocked(l, 1)
	}
	return err
}

// acceptLocked accepts job into l, counting it Queued, if a worker is idle
// or may be started and the pool is not paused (the job is given to the
// worker and counts as Running at once) or the intake has room. It reports
// false, changing nothing, if neither. A worker given the job is returned:
// the caller lets it run with handOff. An idle worker means no job is
// waiting but benched ones, so the handoff jumps no turn; a benched lane's
// job waits.
func (p *Pool[J]) acceptLocked(l *lane[J], job J) (bool, *worker[J]) {
	if p.workerForLocked(l) {
		p.countQueuedLocked(l)
		p.countRunningLocked(l)
		return true, p.assignLocked(job, l)
	}
	if p.in.waiting < p.cfg.bufferSize {
		p.pushLocked(job, l)
		return true, nil
	}
	return false, nil
}

// plainlyOpenLocked reports whether a job of l is refused for nothing
// without a closer look: the pool and l are open, and no context (the
// WithContext context, l's group's) can have ended. Cheap enough to inline.
func (p *Pool[J]) plainlyOpenLocked(l *lane[J]) bool {
	return !p.state.closed && !l.closed && p.cfg.parent == nil && (l.group == nil || l.group.unwatch == nil)
}

// workerForLocked reports whether a job of l accepted now goes to a worker
// at once: one is idle or may be started, the pool is not paused and l is
// not benched.
func (p *Pool[J]) workerForLocked(l *lane[J]) bool {
	return (p.crew.idle.len() > 0 || p.crew.canStart()) && !p.state.paused && !l.benched
}

// waitAcceptedLocked offers job as blocked call bc of lane l and waits,
// releasing mu, until a worker accepts it (nil), the pool closes
// ([ErrClosed]) or l's group does (its closing error) or ctx ends (ctx.Err(), with the offer withdrawn). A job not
// accepted counts as Rejected.
func (p *Pool[J]) waitAcceptedLocked(ctx context.Context, cw *ctxWaker, l *lane[J], bc *blockedCall[J], job J) error {
	bc.job, bc.accepted = job, false
	p.blockLocked(l, bc)
	for !bc.accepted {
		if p.state.closed || l.closed { // the closer took bc off l.blocked
			p.countRejectedLocked(l, 1)
			if p.state.closed {
				return ErrClosed
			}
			return l.group.closeErr
		}
		if err := cw.wait(ctx, &bc.wake); err != nil {
			p.withdrawLocked(l, bc)
			p.countRejectedLocked(l, 1)
			if g := l.group; g != nil {
				g.changed.Broadcast() // Wait may be waiting for this call
			}
			return err
		}
	}
	p.in.woken--
	l.woken--
	if g := l.group; g != nil && l.woken == 0 {
		g.changed.Broadcast() // Wait may be waiting for this call to run
	}
	return nil
}

// blockedCallLocked returns a blockedCall entry from the spare list, or a new one.
func (p *Pool[J]) blockedCallLocked() *blockedCall[J] {
	if n := len(p.in.spare); n > 0 {
		bc := p.in.spare[n-1]
		p.in.spare = p.in.spare[:n-1]
		return bc
	}
	bc := &blockedCall[J]{}
	bc.wake.L = p.locker()
	return bc
}

// recycleLocked returns a blockedCall entry to the spare list. Once no call
// is blocked, a list grown beyond maxSpare by a burst of blocked calls is
// cut back to maxSpare entries, so a long-lived pool does not keep one
// entry per caller of its worst burst, as the lanes give back theirs.
func (p *Pool[J]) recycleLocked(bc *blockedCall[J]) {
	var zero J
	bc.job = zero
	p.in.spare = append(p.in.spare, bc)
	if len(p.in.spare) > maxSpare && p.in.blockedCalls == 0 {
		p.in.spare = slices.Clone(p.in.spare[:maxSpare])
	}
}

// maxSpare is how many blockedCall entries the spare list keeps once a burst
// of blocked calls is over.
const maxSpare = 64

// countNonNil returns how many of jobs are not nil.
func countNonNil[J Job](jobs []J) uint64 {
	var n uint64
	for _, job := range jobs {
		if !isNil(job) {
			n++
		}
	}
	return n
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

// mustHaveContext panics, naming call, if ctx is nil, as
// [context.WithCancel] does.
func mustHaveContext(ctx context.Context, call string) {
	if ctx == nil {
		panic("workerpool: " + call + ": nil context")
	}
}
