package workerpool

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

// This file is the crew: the pool's worker goroutines, started on demand up
// to the pool's size, parked while idle, and retired after the idle
// timeout.

// DefaultIdleTimeout is the idle timeout of a pool made without
// [WithIdleTimeout]: a started worker that has waited this long for a job
// exits. Measured on 2 cores, starting a worker again costs about 1 µs (a
// burst of 20,000 jobs of 1 ms on a fresh pool of 20,000 workers against
// the same burst on its idle workers: 0.7-1.5 µs more per worker), while an
// idle worker holds its goroutine and stack (2 KiB at least, more where its
// jobs grew it) for as long as it waits. 10 s keeps the workers of a pool
// that is busy every few seconds (a server between bursts, a batch on a
// timer), where restarting them would cost a little on every burst, and
// gives a burst's workers back soon after it (ants takes 1 s,
// gammazero/workerpool 2 s, tokio's blocking pool 10 s).
const DefaultIdleTimeout = 10 * time.Second

// WithIdleTimeout sets how long a started worker waits for a job before
// its goroutine exits, the longest-idle worker first; the next job that
// needs it starts a new one. d == 0 keeps idle workers until a shrink,
// Close or Stop. Without the option the timeout is [DefaultIdleTimeout]. A
// negative d makes [New] return an error naming it.
//
// Timing idle workers costs no goroutine per worker and no clock reading
// per job: one timer per pool, armed while some worker is idle, ticks
// every d/4, and a worker exits at the tick that finds it idle for d or
// more (so after d to 1.25 d).
func WithIdleTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.idleTimeout = d })
}

// idleTicks is how many ticks of the idle timer make an idle timeout.
const idleTicks = 4

// crew is the pool's set of worker goroutines, guarded by the pool's mu:
//
//	started == Stats.Live, workers() == Stats.Workers
//	Running + Held <= started <= workers() == max(size, started)
//	idle.len() <= started
//
// started exceeds size only after a shrink, while the extra workers run a
// job: they retire when it returns. Unless the pool is paused, idle is
// non-empty only while no job waits and no call is blocked, and a worker is
// started only while none is idle: a job that arrives then is handed to an
// idle worker or to a new one.
type crew[J Job] struct {
	size    int                   // the most workers that may be started: set by New or the last Resize
	started int                   // worker goroutines started and not yet retired or exited
	idle    ringQueue[*worker[J]] // parked workers: the longest idle at the front, the most recently parked at the back
	timeout time.Duration         // WithIdleTimeout: an idle worker exits after it; 0: never
	ticks   uint64                // ticks of the idle timer so far
	timer   *time.Timer           // the idle timer; nil until first armed
	armed   bool                  // the idle timer will tick

	// handed counts, in a pool for I/O (one whose lock spins, see acquire),
	// one in handSample of the workers handed a job or started for one
	// that have not yet begun to run it: runnable goroutines waiting for a
	// processor, how far the producers are ahead of the Go scheduler (see
	// yieldIfAhead). It goes up under mu (handWorkerLocked) and down in the
	// worker's own goroutine as it picks its job up (pickUp), without mu.
	handed atomic.Int64
}

// workers returns Stats.Workers: the size, plus the workers retiring once
// their job returns.
func (c *crew[J]) workers() int { return max(c.size, c.started) }

// canStart reports whether a worker may be started now: fewer than size are.
func (c *crew[J]) canStart() bool { return c.started < c.size }

// validIdleTimeout returns New's error for a negative timeout.
func validIdleTimeout(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("workerpool: WithIdleTimeout: the timeout must not be negative, got %v", d)
	}
	return nil
}

// handWorkerLocked returns the worker a job about to start goes to: an
// idle worker (popIdleLocked), or else a new worker counted started, whose
// goroutine handOff starts (it runs its first job at once: a new worker
// needs no wake-up). The worker is marked handed its job, and in a pool for
// I/O counted in handed until it picks the job up (pickUp). The caller has
// checked that a worker is idle or may be started.
func (p *Pool[J]) handWorkerLocked() *worker[J] {
	var w *worker[J]
	if p.crew.idle.len() > 0 {
		w = p.popIdleLocked()
	} else {
		w = &worker[J]{fresh: true}
		w.park.ready.L = &w.park.mu
		w.hold.L = p.locker()
		p.crew.started++
	}
	w.assigned = true
	if p.spin.Load() && p.c.queued%handSample == 0 { // see handSample
		w.counted = true
		p.crew.handed.Add(1)
	}
	return w
}

// pickUp is w's goroutine taking up the job it was handed.
func (p *Pool[J]) pickUp(w *worker[J]) {
	w.assigned = false
	if w.counted {
		w.counted = false
		p.crew.handed.Add(-1)
	}
}

// yieldIfAhead is called by a queuing call that has just handed its job to
// a worker: when more than yieldAbove handed workers are still waiting for
// a processor, it yields the caller's, so that they run before the caller
// hands over more. Without it a goroutine queuing in a loop keeps its
// processor, every handed worker waits in a run queue, and the pool starts
// more workers for the next jobs while those wait (measured on 2 cores,
// 200,000 workers, one goroutine queuing 1,000,000 tiny jobs: 0.27-0.32× the
// time of ants, against 1.2-1.34× without it; with 100 to 1,000,000
// queuing goroutines no change beyond the noise, nor with a threshold of
// 64 to 4,096, of which 256 measured best).
func (p *Pool[J]) yieldIfAhead() {
	if p.crew.handed.Load() > yieldAbove/handSample {
		runtime.Gosched()
	}
}

// handSample is how many handoffs there are to one counted in handed: a
// job handed over as it is accepted (assignLocked) is counted if its
// number, Stats.Queued once it is accepted, divides by handSample. (A
// dispatchLocked, which starts waiting jobs after a Resume or a grow,
// counts all or none of them: the yield comes a little early or late.)
// handed is a count that the workers change without the lock: counting
// every handoff, the cache line it is on went back and forth between the
// producers and the workers twice a job, 9 % of the CPU time with 1,000
// goroutines queuing tiny jobs on 200,000 workers. One in 8 is as good a
// measure of how far ahead the producers are, for an eighth of that
// (measured on 2 cores against counting every handoff, 4 interleaved
// rounds: 100 and 1,000 queuing goroutines 1.21-1.25× and 1.17-1.20×
// ants' time before, 1.11-1.12× and 1.06-1.07× after; one goroutine and
// 10,000 level; 1 in 32 no better).
const handSample = 8

// yieldAbove is how many handed workers may wait for a processor before a
// queuing call yields its own (see yieldIfAhead).
const yieldAbove = 256

// exitLocked counts a worker's goroutine gone: it returns without touching
// the pool again once the pool's mu is released.
func (p *Pool[J]) exitLocked() { p.crew.started-- }

// parkLocked puts w in idle, the most recently parked, and arms the idle
// timer if it is not armed. The caller then waits: in a pool for I/O (one
// whose lock spins, see acquire) on w.park, a parker of its own, so that
// a worker handed a job does not fight a crowd for the pool's mutex; in a
// pool sized to the machine on w.hold, under the pool's mutex, which costs
// less there (measured on 2 cores: the unbuffered handoff 15-20 % faster).
func (p *Pool[J]) parkLocked(w *worker[J]) {
	c := &p.crew
	w.parked, w.idleSince, w.onParker = true, c.ticks, p.spin.Load()
	c.idle.push(w)
	if c.timeout > 0 && !c.armed {
		c.armed = true
		if c.timer == nil {
			c.timer = time.AfterFunc(c.timeout/idleTicks, p.idleTick)
		} else {
			c.timer.Reset(c.timeout / idleTicks)
		}
	}
}

// popIdleLocked takes the most recently parked worker (its caches are
// warmest) off idle. The caller has checked that idle is not empty.
func (p *Pool[J]) popIdleLocked() *worker[J] {
	w := p.crew.idle.popBack()
	w.parked = false
	return w
}

// retireIdleLocked takes the longest-idle worker off idle and lets it go:
// it no longer counts as started, and its goroutine exits when it wakes.
// The caller has checked that idle is not empty.
func (p *Pool[J]) retireIdleLocked() {
	w := p.crew.idle.pop()
	w.parked, w.retired = false, true
	p.exitLocked()
	w.wake()
}

// idleTick is the idle timer's tick: it retires every worker idle for the
// idle timeout or more, longest-idle first, and arms the timer again while
// some worker is idle.
func (p *Pool[J]) idleTick() {
	p.lock()
	defer p.unlock()
	c := &p.crew
	c.ticks++
	for c.idle.len() > 0 && c.ticks-c.idle.front().idleSince > idleTicks {
		p.retireIdleLocked()
	}
	if c.idle.len() == 0 || p.state.closed {
		c.armed = false
		c.idle.release()
		return
	}
	c.timer.Reset(c.timeout / idleTicks)
}

// stopTimerLocked disarms the idle timer: the pool is closing, and its
// workers exit once the work is over.
func (p *Pool[J]) stopTimerLocked() {
	if c := &p.crew; c.armed {
		c.timer.Stop()
		c.armed = false
	}
}

// dispatchLocked starts waiting jobs on idle workers, and on new ones while
// fewer than size are started, as many as there are jobs: after Resume,
// after Resize grew the pool, and when a group at its limit can start jobs
// again.
func (p *Pool[J]) dispatchLocked() {
	for p.crew.idle.len() > 0 || p.crew.canStart() {
		if !p.plainStartableLocked() && !p.startableLocked() {
			return
		}
		w := p.handWorkerLocked()
		p.takeLocked(w)
		if w.fresh {
			p.handOff(w)
		} else {
			w.wake()
		}
	}
}

// resizeLocked sets the crew's size: shrinking retires idle workers at
// once, the longest idle first, and busy ones as their jobs return;
// growing starts workers for the jobs that are waiting and the blocked
// callers' jobs.
func (p *Pool[J]) resizeLocked(size int) {
	p.crew.size = size
	p.spin.Store(spins(size))
	for p.crew.started > size && p.crew.idle.len() > 0 {
		p.retireIdleLocked()
	}
	p.finished.grow(p.crew.workers())
	p.dispatchLocked()
}
