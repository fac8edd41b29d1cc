package workerpool

import (
	"context"
	"fmt"
	"iter"
	"sync"
)

// Group is one caller's share of a pool, such as one request of a server
// sharing the pool with the others: its own jobs, wait, cancellation,
// failures and counters, taking fair turns for the pool's workers with the
// other groups (see [Pool.NewGroup]). Its jobs count in the pool's [Stats]
// as well as in its own [GroupStats].
//
// A Group is safe for concurrent use by multiple goroutines.
type Group[J Job] struct {
	p           *Pool[J]
	parent      context.Context         // the ctx given to NewGroup
	ctx         jobContext              // Context(): ends with parent, at a stop, and once the group is done
	cancel      context.CancelCauseFunc // ends ctx
	stopOnError bool                    // the first failure stops the group
	kept        *keptJobs[J]            // with KeepFinished: its finished jobs; nil without

	// The fields below are guarded by p.mu.

	lane     lane[J]     // its waiting jobs and blocked calls; lane.closed: it accepts no more jobs
	c        counters    // its totals, with the same invariants as the pool's
	index    int         // its place in p.groups (see groupSet); -1 once done: closed, none of its jobs waits or runs
	unwatch  func() bool // stops parent's watcher; nil if parent cannot end
	err      error       // the first failure, in the order failures became known
	stopErr  error       // what Wait reports if jobs were skipped; set by the first stop
	closeErr error       // what a queuing call gets once the group is closed (the pool being open)
	released bool        // Stop released the kept jobs: later finished jobs are dropped too
	changed  sync.Cond   // L is p.mu; broadcast when a kept job arrives or the last running job returns, a call withdraws or runs after its admission, a stop, or the end
}

// NewGroup returns a group of jobs sharing p with its other callers.
//
// The group's context, [Group.Context], is derived from ctx: it ends when ctx
// ends, when the group or the pool is stopped, and once the group is done.
// When ctx ends the group stops as [Group.Stop] does; other groups are not
// touched. The group is done once it is closed ([Group.Close], [Group.Wait],
// [Group.Stop], the end of ctx, or the pool's Close or Stop) and none of its
// jobs waits or runs: it then releases its context, so a group per request
// leaks nothing.
//
// A group made on a closed pool starts closed. NewGroup panics if ctx is nil,
// as [context.WithCancel] does. It allocates the group and its context
// (with [KeepFinished], the kept jobs' list too); queuing through a
// long-lived group allocates nothing per job.
func (p *Pool[J]) NewGroup(ctx context.Context, opts ...GroupOption) *Group[J] {
	p.mustBeMade("NewGroup")
	if ctx == nil {
		panic("workerpool: NewGroup: nil context")
	}
	cfg := groupConfig{weight: 1}
	for i, opt := range opts {
		if opt == nil {
			panic(fmt.Sprintf("workerpool: NewGroup: nil GroupOption at index %d", i))
		}
		opt.applyGroup(&cfg)
	}
	g := &Group[J]{p: p, parent: ctx, stopOnError: cfg.stopOnError}
	g.lane.group, g.lane.limit, g.lane.weight = g, cfg.limit, cfg.weight
	g.lane.init(0, p.cfg.bufferSize) // a group per request allocates for the jobs it has
	g.ctx.Context, g.cancel = context.WithCancelCause(ctx)
	g.ctx.pool, g.ctx.values = p, &p.ctx
	g.changed.L = p.locker()
	if cfg.keep {
		g.kept = newKeptJobs(g)
	}

	p.lock()
	defer p.unlock()
	p.groups.add(g)
	switch {
	case p.state.closed:
		g.closeLocked(ErrGroupClosed)
	case ctx.Err() != nil:
		g.stopByParentLocked()
	case ctx.Done() != nil:
		g.unwatch = context.AfterFunc(ctx, func() {
			p.lock()
			defer p.unlock()
			g.stopByParentLocked()
		})
	}
	return g
}

// QueueJob queues job in the group, as [Pool.QueueJob] does on the pool:
// the same blocking, the same bound of bufferSize waiting jobs shared with
// the whole pool, the same errors in the same order. A closed group refuses
// it with [ErrGroupClosed] (see [Group.Close]); a group of a closed pool with
// [ErrClosed], as the pool does.
func (g *Group[J]) QueueJob(job J) error {
	g.mustBeMade("QueueJob")
	return g.p.queue(context.Background(), &g.lane, job)
}

// QueueJobContext is like [Group.QueueJob], but returns ctx.Err() if ctx ends
// before the job is accepted, as [Pool.QueueJobContext] does.
func (g *Group[J]) QueueJobContext(ctx context.Context, job J) error {
	g.mustBeMade("QueueJobContext")
	return g.p.queueContext(ctx, &g.lane, job)
}

// TryQueueJob is like [Group.QueueJob] but never blocks: it returns
// [ErrQueueFull] when the pool has no room, as [Pool.TryQueueJob] does.
func (g *Group[J]) TryQueueJob(job J) error {
	g.mustBeMade("TryQueueJob")
	return g.p.tryQueue(&g.lane, job)
}

// QueueJobs queues jobs in the group in order, as [Pool.QueueJobs] does.
func (g *Group[J]) QueueJobs(jobs ...J) (int, error) {
	g.mustBeMade("QueueJobs")
	return g.p.queueJobs(context.Background(), &g.lane, jobs, "QueueJobs")
}

// QueueJobsContext queues jobs in the group in order, as
// [Pool.QueueJobsContext] does.
func (g *Group[J]) QueueJobsContext(ctx context.Context, jobs ...J) (int, error) {
	g.mustBeMade("QueueJobsContext")
	return g.p.queueJobs(ctx, &g.lane, jobs, "QueueJobsContext")
}

// Close makes the group accept no more jobs: later queuing calls, and calls
// of the group blocked for room now, get [ErrGroupClosed]. The jobs it
// accepted still run. It returns at once; repeated calls do nothing.
func (g *Group[J]) Close() {
	g.mustBeMade("Close")
	g.p.lock()
	defer g.p.unlock()
	g.closeLocked(ErrGroupClosed)
}

// Wait blocks until none of the group's jobs waits or runs and none of its
// queuing calls is blocked (a producer's blocked call is admitted and its
// job run, not cut off; a call admitted for one job is given the chance to
// offer its next), then closes the group in the same critical section
// and returns: the group's first failure (an [ErrorJob]'s or [Task]'s
// error, a [*PanicError], or an error matching [ErrGoexit]); else, if a stop
// skipped some of its jobs, an error matching [ErrStopped] that also wraps
// the context's cause when the stop came from the group's context (or the
// pool's [WithContext] context); else nil. Calling it again returns the
// same.
//
// While the pool is paused, waiting jobs do not start, so Wait waits for the
// resume too. A job of the group must not call Wait: it would wait for
// itself for ever.
func (g *Group[J]) Wait() error {
	g.mustBeMade("Wait")
	g.p.lock()
	defer g.p.unlock()
	for g.lane.jobs.len() > 0 || g.c.running > 0 || g.lane.blocked.n > 0 || g.lane.woken > 0 {
		g.changed.Wait() // a job of the group completes, a call is admitted and runs or withdraws, or a stop
	}
	g.closeLocked(ErrGroupClosed)
	switch {
	case g.err != nil:
		return g.err
	case g.c.skipped > 0:
		return g.stopErr
	}
	return nil
}

// Stop stops the group: it skips its waiting jobs (counted Skipped in the
// group and the pool), refuses its blocked and later queuing calls with
// [ErrGroupClosed], cancels its context with [ErrStopped] as the cause, and
// releases the finished jobs it keeps ([KeepFinished]; they count Dropped,
// as do the jobs that finish later), so that defer g.Stop() leaves nothing
// counted behind whatever [Group.Wait] returned. Its running jobs finish.
// It returns at once; repeated calls do nothing more.
func (g *Group[J]) Stop() {
	g.mustBeMade("Stop")
	g.p.lock() // the stop may admit blocked calls of other groups
	defer g.p.unlock()
	g.stopLocked(ErrStopped, ErrStopped, false)
	g.released = true
	if g.kept != nil {
		n := g.kept.releaseLocked()
		g.c.dropped += uint64(n)
	}
}

// Context returns the group's context, which the group's [ContextJob]s run
// with: it carries the values of the ctx given to [Pool.NewGroup] and ends
// when that ctx ends, at [Group.Stop], when the pool stops, and once the
// group is done.
func (g *Group[J]) Context() context.Context {
	g.mustBeMade("Context")
	return &g.ctx
}

// Finished returns an iterator over the group's finished jobs, with
// [KeepFinished], in completion order, as they come. It ends once the group
// is done: closed, and none of its jobs waits or runs. Without KeepFinished
// it yields nothing and just waits for that. Breaking out early is allowed
// and leaves the rest kept.
func (g *Group[J]) Finished() iter.Seq[J] {
	return func(yield func(J) bool) {
		for {
			job, ok := g.nextFinished()
			if !ok || !yield(job) {
				return
			}
		}
	}
}

// Stats returns a snapshot of the group's counters, taken in the pool's
// critical section, so it adds up as [GroupStats] says and agrees with a
// pool snapshot taken at the same instant.
func (g *Group[J]) Stats() GroupStats {
	g.mustBeMade("Stats")
	g.p.lock()
	defer g.p.unlock()
	finished := 0
	if g.kept != nil {
		finished = g.kept.len()
	}
	return GroupStats{
		Queued:    g.c.queued,
		Waiting:   g.lane.jobs.len(),
		Running:   g.c.running,
		Completed: g.c.completed,
		Skipped:   g.c.skipped,
		Failed:    g.c.failed,
		Panicked:  g.c.panicked,
		Finished:  finished,
		Retrieved: g.c.retrieved,
		Dropped:   g.c.dropped,
		Blocked:   g.lane.blocked.n,
		Rejected:  g.c.rejected,
		Closed:    g.lane.closed,
	}
}

// nextFinished waits, releasing the pool's mu, for a kept job and takes it,
// or reports false once the group is done (or stopped) and none is left.
func (g *Group[J]) nextFinished() (job J, ok bool) {
	g.mustBeMade("Finished")
	p := g.p
	p.lock()
	defer p.unlock()
	for g.kept == nil || g.kept.len() == 0 {
		if g.index < 0 || g.released {
			return job, false
		}
		g.changed.Wait() // a job of the group completes, or the group is done
	}
	g.c.retrieved++
	return g.kept.popLocked(), true
}

// completeLocked counts a job of the group whose Run returned, with its
// failure err (nil if none), keeps or drops it, and records the failure
// (see failLocked). A job's return may take the group back from the bench.
func (g *Group[J]) completeLocked(job J, err error, panicked bool) {
	g.c.running--
	g.c.completed++
	if g.kept != nil && !g.released {
		g.kept.pushLocked(job)
	} else {
		g.c.dropped++
		g.p.c.dropped++
	}
	if err != nil {
		g.c.failed++
		if panicked {
			g.c.panicked++
		}
		g.failLocked(err)
	}
	if g.lane.benched && g.c.running < g.lane.limit {
		g.p.unbenchLocked(&g.lane)
	}
	if g.kept != nil || g.c.running == 0 && g.lane.jobs.len() == 0 {
		g.changed.Broadcast() // Finished has a job, or Wait may be done: no wake-up per job otherwise
	}
	g.endIfDoneLocked()
}

// failLocked records err, the failure of a job of the group, as soon as it
// is known (a panic's before the panic handler runs), and stops the group
// with StopOnError. Only the first failure is kept; a later call for the
// same job changes nothing.
func (g *Group[J]) failLocked(err error) {
	if g.err == nil {
		g.err = err
	}
	if g.stopOnError {
		g.stopLocked(ErrStopped, g.err, false)
	}
}

// endedLocked reports whether the ctx given to NewGroup has ended, and if
// so stops the group now (as its watcher would, a moment later), so that
// no job of the group starts and no queuing call succeeds once ctx.Err() is
// non-nil.
func (g *Group[J]) endedLocked() bool {
	if g.unwatch == nil || g.parent.Err() == nil { // unwatch: parent can end and has not yet
		return false
	}
	g.stopByParentLocked()
	return true
}

// closeLocked makes the group accept no more jobs, refusing them with err
// from now on (unless it was closed before), and refuses its blocked calls.
func (g *Group[J]) closeLocked(err error) {
	if !g.lane.closed {
		g.lane.closed, g.closeErr = true, err
		g.p.rejectBlockedLocked(&g.lane)
	}
	g.endIfDoneLocked()
}

// stopLocked closes the group, skips its waiting jobs (collected for
// StopAndCollect with collect) and cancels its context with cause. stopErr is
// what Wait reports for the skipped jobs, if this is the first stop; later
// queuing calls get [ErrGroupClosed], wrapping cause unless it is
// ErrStopped. Slots the skipped jobs free are refilled from other groups'
// blocked calls.
func (g *Group[J]) stopLocked(stopErr, cause error, collect bool) {
	p := g.p
	if g.stopErr == nil {
		g.stopErr = stopErr
	}
	p.skipLocked(&g.lane, collect)
	g.cancel(cause)
	closeErr := ErrGroupClosed
	if cause != ErrStopped {
		closeErr = fmt.Errorf("%w: %w", ErrGroupClosed, cause)
	}
	g.closeLocked(closeErr)
	p.refillLocked()
	p.settleLocked()
	g.changed.Broadcast()
}

// stopByParentLocked stops the group because the ctx given to NewGroup
// ended. If the pool's WithContext context has ended too, the whole pool
// stops instead, keeping every skipped job for StopAndCollect.
func (g *Group[J]) stopByParentLocked() {
	if g.p.stoppedByParentLocked() {
		return
	}
	cause := context.Cause(g.parent)
	g.stopLocked(stoppedError(cause), cause, false)
}

// endIfDoneLocked ends the group once it is done: closed, and none of its
// jobs waits or runs. It leaves the pool's list, releases its context and
// wakes Wait and Finished.
func (g *Group[J]) endIfDoneLocked() {
	if g.index < 0 || !g.lane.closed || g.lane.jobs.len() > 0 || g.c.running > 0 {
		return
	}
	p := g.p
	p.in.turns.leave(&g.lane) // a lane that kept its place (see rotation)
	p.in.admits.leave(&g.lane)
	p.groups.remove(g)
	g.cancel(nil)
	if g.unwatch != nil {
		g.unwatch()
	}
	g.changed.Broadcast()
}

// mustBeMade panics, naming call, if g is not a group made by [Pool.NewGroup].
func (g *Group[J]) mustBeMade(call string) {
	if g == nil || g.p == nil {
		panicNotMade("Group."+call, "Pool.NewGroup")
	}
}

// groupSet is the pool's groups not yet done, guarded by the pool's mu,
// each at its index in list, so that a group leaves in O(1) (the last one
// takes its place), as database/sql's connRequestSet does.
type groupSet[J Job] struct {
	list []*Group[J] // list[g.index] == g
}

// len returns how many groups are not yet done.
func (s *groupSet[J]) len() int { return len(s.list) }

// add puts g in the set.
func (s *groupSet[J]) add(g *Group[J]) {
	g.index = len(s.list)
	s.list = append(s.list, g)
}

// remove takes g, which is in the set, out of it, and sets its index to -1.
func (s *groupSet[J]) remove(g *Group[J]) {
	last := s.list[len(s.list)-1]
	s.list[g.index], last.index = last, g.index
	s.list[len(s.list)-1] = nil
	s.list = s.list[:len(s.list)-1]
	g.index = -1
}
