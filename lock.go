package workerpool

import (
	"runtime"
	"sync"
	"time"
)

// This file is the pool's lock: how a goroutine takes the pool's mu, which
// guards everything but the settings, and gives it back.

// lock takes the pool's mu. With timings it first reads the clock, outside
// the critical section so that the lock is not held longer for it, into
// p.clock.now, which the accept, start and completion times of the critical
// section then use. p.clock.now never goes back, so no wait or run is negative;
// a reading taken before a wait for the lock can make a wait shorter than
// that contention read as 0.
//
// The paths every job takes (queue's common case, a worker between jobs)
// spell lock and unlock out, as
//
//	if p.plainLock() { p.mu.Lock() } else { p.lockSlow() }
//	p.completeLeftBefore(); p.mu.Unlock(); p.completeLeftAfter()
//
// because Go does not inline lock or unlock into a generic pool's code
// (with mu's Lock or Unlock inlined they are over the inlining budget),
// and the calls cost: measured on 2 cores, tiny jobs on 1 and 2 workers,
// 5-15 % less time per job spelled out, no cell of make bench slower.
func (p *Pool[J]) lock() {
	if p.plainLock() {
		p.mu.Lock()
		return
	}
	p.lockSlow()
}

// plainLock reports whether lock is a plain mu.Lock: no clock to read and
// no yields (a pool sized to the machine, without timings).
func (p *Pool[J]) plainLock() bool { return !p.cfg.timings && !p.spin.Load() }

// lockSlow is lock with timings or in a pool for I/O.
func (p *Pool[J]) lockSlow() {
	if !p.cfg.timings {
		p.acquire()
		return
	}
	now := time.Since(p.cfg.epoch)
	p.acquire()
	p.clock.now = max(p.clock.now, now)
}

// acquire takes mu. In a pool of many more workers than processors (a
// pool for I/O: more than spinAbove workers per processor), a goroutine that
// finds mu held first yields its processor a few times, retrying, before
// it waits in mu's queue: with many more runnable goroutines than
// processors, the holder is often one that waits for a processor, and
// parking behind it (as [sync.Mutex] does under contention) costs a sleep
// and a wake-up each time. Measured on 2 cores, 200,000 workers fed by 100
// to 1,000 goroutines: 39-43 % less time per run; 64 workers, tiny jobs:
// 38-49 % less time per job. A pool sized to the machine (a few workers
// per processor) takes mu directly: there the yields cost more than they
// save (up to 3× the time of a batch of tiny jobs on 8 workers).
func (p *Pool[J]) acquire() {
	if !p.spin.Load() {
		p.mu.Lock()
		return
	}
	if p.mu.TryLock() {
		return
	}
	for range 3 {
		runtime.Gosched()
		if p.mu.TryLock() {
			return
		}
	}
	p.mu.Lock()
}

// cacheLine is the size of a cache line, or more, on the machines Go runs
// on.
const cacheLine = 128

// spinAbove is how many workers per processor a pool may have before its
// lock yields (see acquire).
const spinAbove = 4

// spins reports whether a pool of workers workers yields before it waits
// for its mutex.
func spins(workers int) bool { return workers > spinAbove*runtime.GOMAXPROCS(0) }

// unlock releases the pool's mu, taken by lock (or by a TryLock). It
// completes the jobs whose workers left their completion to the holder
// (see lockOrLeave) first, and again after the release if one was left
// meanwhile and mu is free: a worker that leaves its completion after the
// first look, and fails its own TryLock before the release, relies on the
// second. Every release of mu goes through here, the Conds' too (see
// locker), so none is left behind.
func (p *Pool[J]) unlock() {
	p.completeLeftBefore()
	p.mu.Unlock()
	p.completeLeftAfter()
}

// completeLeftBefore is unlock's first look: the holder completes what
// was left to it before it releases mu.
func (p *Pool[J]) completeLeftBefore() {
	if p.left.Load() != nil {
		p.completeLeftLocked()
	}
}

// completeLeftAfter is unlock's second look, after the release: while
// completions are left and mu is free, it takes mu and completes them.
func (p *Pool[J]) completeLeftAfter() {
	if p.left.Load() != nil {
		p.completeLeftUnlocked()
	}
}

// completeLeftUnlocked is completeLeftAfter's loop.
func (p *Pool[J]) completeLeftUnlocked() {
	for p.left.Load() != nil && p.mu.TryLock() {
		p.completeLeftLocked()
		p.mu.Unlock()
	}
}

// locker is the pool's mu as the L of a sync.Cond: a waiter releases mu
// with unlock, so that it completes what was left to it, and takes it
// back as a plain mu.Lock (no clock reading, no yields).
type locker[J Job] Pool[J]

func (l *locker[J]) Lock()   { l.mu.Lock() }
func (l *locker[J]) Unlock() { (*Pool[J])(l).unlock() }

// locker returns the L of the Conds whose waiters wait for mu.
func (p *Pool[J]) locker() sync.Locker { return (*locker[J])(p) }

// lockOrLeave is where a worker of a pool for I/O whose job has returned,
// and that may leave its completion (w.mayLeave), goes for mu to complete
// it: it reports true once it holds mu; or, if another goroutine holds mu,
// it leaves the completion to that holder, which completes the job and
// decides w's next step before it releases mu (completeLeftLocked), and
// reports false: w then waits on its parker (waitHanded) without having
// waited for mu. With many goroutines
// queuing tiny jobs on a pool for I/O, half of the pool's critical
// sections are completions, and their workers need not take their turn
// for mu: measured on 2 cores, 200,000 workers, 100 to 10,000 goroutines
// queuing 1,000,000 tiny jobs, 0.86-0.93× ants' time, against 1.06-1.12×
// before.
func (p *Pool[J]) lockOrLeave(w *worker[J]) bool {
	if p.mu.TryLock() {
		return true
	}
	p.leave(w)
	return false
}

// mayLeaveLocked reports whether w, just given its job, may leave the
// job's completion to the lock's holder (see lockOrLeave): in a pool for
// I/O, when no other job or call waited. Such a worker would most likely
// park next, and waits on its parker in any case; one that got its job
// from a queue with more behind it takes mu instead, as it would only wait
// on its parker for the holder to hand it the next job (64 workers, tiny
// jobs, buffer 4,096: 2.8× the time per job when every worker left). A
// completion that may hold its worker (a job of the pool's own lane with a
// finished queue) or that is timed is never left: the holder could not
// park w in the finished queue, and its clock reading may be older than
// the job's end.
func (p *Pool[J]) mayLeaveLocked(w *worker[J]) bool {
	return p.spin.Load() && !p.cfg.timings && (w.lane.group != nil || !p.cfg.queueFinished) &&
		p.in.waiting == 0 && p.in.blockedCalls == 0
}

// leave puts w on left, for mu's holder to complete its job.
func (p *Pool[J]) leave(w *worker[J]) {
	for { // push w on left
		w.nextLeft = p.left.Load()
		if p.left.CompareAndSwap(w.nextLeft, w) {
			break
		}
	}
	// The holder that made the TryLock fail may have released mu, looking
	// at left for the last time, before the push: if mu is free now,
	// complete it here. If it is held, its holder looks at left after the
	// push, as it releases mu (see unlock).
	if p.mu.TryLock() {
		p.unlock()
	}
}

// completeLeftLocked completes the jobs whose workers left the completion
// to mu's holder (see lockOrLeave), and decides each worker's next step as
// it would have: the next job (w is woken to run it, assigned), idle (it
// already waits on its parker, so it parks there), or exit (woken,
// retired, it exits).
func (p *Pool[J]) completeLeftLocked() {
	for w := p.left.Swap(nil); w != nil; {
		next := w.nextLeft
		w.nextLeft = nil
		p.completeLocked(w)
		switch p.nextLocked(w) {
		case stepRun:
			w.assigned = true
			w.park.wake()
		case stepPark:
			w.onParker = true
		case stepExit:
			w.retired = true
			w.park.wake()
		}
		w = next
	}
}
