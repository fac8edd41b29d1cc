package workerpool

import (
	"cmp"
	"context"
	"slices"
)

// This file is how a pool ends: Close, Stop and StopAndCollect, the stop
// that the end of the WithContext context makes, and the end itself.

// Close stops the pool accepting jobs, closes every group, wakes blocked
// queuing callers with [ErrClosed], ends a pause, and lets the workers run
// every job still waiting. It returns nil at once and never blocks. After Close the finished
// queue stays readable but no longer blocks workers, so every worker
// goroutine exits once the last job has run, even if nobody retrieves the
// finished jobs. Repeated calls, and Close after Stop, do nothing and return nil.
func (p *Pool[J]) Close() error {
	p.mustBeMade("Close")
	p.lock()
	defer p.unlock()
	p.closeLocked()
	p.dispatchLocked() // the jobs a pause kept waiting start on new workers too
	return nil
}

// Stop stops the pool accepting jobs, wakes blocked queuing callers with
// [ErrClosed], ends a pause, drops every waiting job unstarted (counted
// Skipped), stops every group, cancels the context of running [ContextJob]s
// and lets running jobs finish. It also releases the jobs a [WithContext]
// stop kept for StopAndCollect. It returns nil at once and never blocks. Stop after Close
// skips what is still waiting; repeated calls do nothing. The finished queue
// stays readable.
//
// A job handed to an idle worker just before Stop already counts as Running:
// it still runs, with its context cancelled, possibly after Stop has
// returned. A running job that neither returns nor watches its RunContext
// context cannot be stopped: the pool is done only when it returns.
func (p *Pool[J]) Stop() error {
	p.mustBeMade("Stop")
	p.lock()
	defer p.unlock()
	p.stopLocked(false)
	return nil
}

// StopAndCollect is [Pool.Stop], and returns the waiting jobs it skipped,
// the groups' included, oldest first (nil if none), so the caller can
// persist or retry them, as Java's ExecutorService.shutdownNow does. They
// count as Skipped. If the [WithContext] context already stopped the pool,
// it returns the jobs that stop skipped (see WithContext). Jobs of queuing
// calls that were blocked were never accepted: those calls get [ErrClosed]
// and keep their jobs.
func (p *Pool[J]) StopAndCollect() []J {
	p.mustBeMade("StopAndCollect")
	p.lock()
	defer p.unlock()
	p.stopLocked(true)
	es := p.state.unstarted
	p.state.unstarted = nil
	if len(es) == 0 {
		return nil
	}
	slices.SortStableFunc(es, func(a, b entry[J]) int { return cmp.Compare(a.seq, b.seq) })
	jobs := make([]J, len(es))
	for i, e := range es {
		jobs[i] = e.job
	}
	return jobs
}

// stopLocked closes the pool, stops every group, skips every waiting job
// and cancels the jobs' context. With collect the skipped jobs are added
// to p.state.unstarted for StopAndCollect; without it p.state.unstarted is
// released.
func (p *Pool[J]) stopLocked(collect bool) {
	stopErr, cause := ErrStopped, ErrStopped
	if p.cfg.parent != nil && p.cfg.parent.Err() != nil {
		cause = context.Cause(p.cfg.parent)
		stopErr = stoppedError(cause)
	}
	p.closeLocked()
	for i := p.groups.len() - 1; i >= 0; i-- { // a group that ends leaves the set, swapped with the last
		p.groups.list[i].stopLocked(stopErr, cause, collect)
	}
	p.skipLocked(&p.in.own, collect)
	if !collect {
		p.state.unstarted = nil
	}
	p.cancel()
	p.settleLocked()
}

// stoppedByParentLocked reports whether the WithContext context has ended,
// and if so stops the pool at once, keeping the skipped jobs for
// StopAndCollect, so no waiting job starts between the end and the
// watcher's stop. Without WithContext it costs one nil check.
func (p *Pool[J]) stoppedByParentLocked() bool {
	if p.cfg.parent == nil || p.cfg.parent.Err() == nil {
		return false
	}
	p.stopLocked(true)
	return true
}

// closeLocked refuses new jobs from now on, in the pool and in every group,
// and wakes everyone who waits for something that closing changes.
func (p *Pool[J]) closeLocked() {
	if !p.state.closed {
		p.state.closed, p.state.paused = true, false
		for p.crew.idle.len() > 0 {
			p.popIdleLocked().wake() // it runs what is waiting, or exits
		}
		p.stopTimerLocked()
		p.rejectBlockedLocked(&p.in.own)
		p.finished.releaseAll()
		for i := p.groups.len() - 1; i >= 0; i-- { // a group that ends leaves the set, swapped with the last
			p.groups.list[i].closeLocked(ErrGroupClosed) // its blocked calls see p.state.closed: ErrClosed
		}
	}
	p.settleLocked()
}

// settleLocked wakes WaitIdle callers once no job waits or runs, and ends
// the pool if it is also closed.
func (p *Pool[J]) settleLocked() {
	if p.in.waiting == 0 && p.c.running == 0 { // idleLocked, spelled out so that this inlines: most completions leave a job waiting or running
		p.settledLocked()
	}
}

// settledLocked is settleLocked once no job waits or runs.
func (p *Pool[J]) settledLocked() {
	p.state.isIdle.Broadcast()
	if p.state.closed {
		p.endLocked()
	}
}

// endLocked runs once no job will ever run again (closed, idle): consumers
// waiting for the end are woken and the pool's context is released.
func (p *Pool[J]) endLocked() {
	p.in.own.release() // nothing will wait there again
	p.finished.ready.Broadcast()
	p.cancel()
	if p.state.unwatch != nil {
		p.state.unwatch()
	}
}
