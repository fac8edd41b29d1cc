package workerpool

import (
	"log"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// A worker is the state of one worker goroutine. The fields from job to
// mayLeave are guarded by the pool's mu while others can reach the worker:
// while it is parked in the crew's idle list (a job can be handed to it, a
// shrink or the idle timeout can retire it, Close can unpark it) or held by
// the finished queue (a retrieval releases it). Whoever takes it off that
// list wakes it where it waits (wake, handOff, release), after which its own
// goroutine owns them again.
//
// What a job touches comes first, in the first three cache lines of the
// 320 bytes the allocator gives a worker whose job is a pointer, a func or
// an interface (a multiple of 64, so such a worker starts on a line; see
// TestWorker_FitsItsSizeClass): a worker of a pool for I/O often wakes
// after its job slept, with these lines gone from the processor's caches. Measured on 2
// cores, 200,000 workers, 1,000,000 tasks sleeping 10 ms, against the
// fields in the order of their meaning (336 bytes, 5 to 6 lines touched
// per job): 0.92-0.95× the time with 1, 100 and 1,000,000 submitting
// goroutines, every one of 6 interleaved rounds faster.
type worker[J Job] struct {
	job       J             // the job in hand: handed over, running, or returned and not yet completed
	lane      *lane[J]      // job's lane: its group, or the pool's own
	nextLeft  *worker[J]    // the next worker on the pool's left list, while w is on it (see lockOrLeave)
	idleSince uint64        // while parked: the idle timer's tick count when it parked
	started   time.Duration // with timings: when job was counted Running, since the pool's epoch
	onParker  bool          // while parked: it waits on park, not on hold (see parkLocked)
	parked    bool          // in the crew's idle list
	assigned  bool          // job was handed over (counted Running) while it was parked, or before it started; it has not picked it up yet
	retired   bool          // no longer counted started, the goroutine exits: taken off idle by a shrink or the idle timeout, or told to exit by the holder that completed its job (completeLeftLocked)
	holding   bool          // held by the finished queue: job is counted Finished, waiting for room there
	fresh     bool          // counted started, its goroutine not started yet (see handOff)
	counted   bool          // assigned, and counted in the crew's handed (see handWorkerLocked); cleared by pickUp
	mayLeave  bool          // w may leave job's completion to the lock's holder (see mayLeaveLocked)

	// From here on, owned by the worker goroutine (and the replacement it
	// starts after a runtime.Goexit) and never touched by others, but for
	// park and hold, which are how others wake it.
	running  bool       // job's Run was called and has not returned
	returned bool       // job's Run returned (or panicked, or called Goexit): completeLocked is due
	panicked bool       // job panicked; the panic handler has run
	park     parker     // where the goroutine waits while parked in idle, in a pool for I/O (onParker)
	err      error      // job's failure: its Err(), or a *PanicError
	slice    sliceClock // how long it has run jobs since it last parked or yielded
	hold     sync.Cond  // L is the pool's mu; where it waits while held, or parked in a small pool (it goes on under the lock)

	recovered any    // the panic value, between the recovery and the panic handler
	stack     []byte // the panicking goroutine's stack, likewise
}

// work is the body of a worker goroutine. runJobs runs the jobs; work stays
// outside it to deal with the two ways a job can leave runJobs without
// returning.
//
// Panic policy: a job's panic is recovered and given to the panic handler
// (or logged), and the job counts as Completed and Panicked and is delivered
// like any other. A pool runs many independent jobs, so one job's failure
// must neither kill a worker, which would silently shrink the pool, nor
// crash the program, nor leave the counters short of a job. Jobs that want
// the panic to crash the program can re-panic in a goroutine of their own.
//
// A job that calls runtime.Goexit ends this goroutine once the deferred calls
// have run: the job is completed and a replacement goroutine takes over w,
// so the pool keeps its size. A panic and a Goexit are told apart by whether
// control comes back from runJobs (as golang.org/x/sync/singleflight does),
// never by recover() != nil, which is also nil for panic(nil) under
// GODEBUG=panicnil=1.
func (p *Pool[J]) work(w *worker[J]) {
	exited := false
	defer func() {
		if !exited { // runtime.Goexit: runJobs never came back
			p.failGoexit(w)
			go p.work(w) // the replacement completes w.job first
		}
	}()
	for p.runJobs(w) { // a job panicked and runJobs recovered it
		p.failPanic(w)
	}
	exited = true
}

// failPanic records the failure of w's job, whose panic runJobs
// recovered into w, and gives the panic to the handler.
func (p *Pool[J]) failPanic(w *worker[J]) {
	w.err = &PanicError{Value: w.recovered, Stack: w.stack}
	p.failEarly(w) // before the handler, which may take long
	p.handlePanic(w.job, w.recovered, w.stack)
	w.returned, w.panicked, w.recovered, w.stack = true, true, nil, nil
}

// failGoexit records the failure of w's job, which called runtime.Goexit:
// ErrGoexit, or, if one of the job's deferred calls panicked while the
// Goexit unwound (runJobs recovered a non-nil value, and the Goexit went
// on), that panic, reported and counted as any other. (A panic(nil) there
// under GODEBUG=panicnil=1 recovers nil, and counts as the Goexit.)
func (p *Pool[J]) failGoexit(w *worker[J]) {
	if w.recovered != nil {
		p.failPanic(w)
		return
	}
	w.err = ErrGoexit
	p.failEarly(w)
	w.returned, w.stack = true, nil
}

// failEarly records w.err, the failure of w's job known before the job can
// be completed (a panic, a Goexit), in its group at once, so that
// [StopOnError] stops the group before the panic handler runs.
func (p *Pool[J]) failEarly(w *worker[J]) {
	if w.lane.group == nil {
		return
	}
	p.lock()
	defer p.unlock()
	w.lane.group.failLocked(w.err)
}

// runJobs is the worker loop: it runs jobs until the pool has no more for w,
// and reports false; or until a job panics, and then reports true with the
// panic recovered into w. It completes a job and takes the next one in one
// critical section, and it is where a worker parks, in three places: while
// no job is there for it (in idle), while its finished job waits for room
// in the finished queue (held there), and, in a pool for I/O, after it
// left its job's completion to the lock's holder (see lockOrLeave), until
// the holder hands it the next job or it is parked in idle and one comes.
func (p *Pool[J]) runJobs(w *worker[J]) (panicked bool) {
	defer func() {
		if w.running { // the job panicked or called runtime.Goexit
			w.running = false
			w.recovered, w.stack = recover(), debug.Stack()
			panicked = true
		}
	}()
	p.lock()
	for {
		if w.returned {
			p.completeLocked(w)
			for w.holding {
				p.waitLocked(&w.hold) // held by the finished queue: a retrieval, Close or Stop releases w
			}
		}
		switch p.nextLocked(w) {
		case stepPark:
			if !w.onParker {
				for w.parked {
					p.waitLocked(&w.hold) // parked in idle: a job handed over, a retirement, Close or Stop wakes w
				}
				w.slice.parked()
				continue // nextLocked takes it from here
			}
			p.unlock()
			if !p.waitHanded(w) {
				p.lock() // retired, or unparked by Close or Stop: decide under the lock
				continue
			}
		case stepExit:
			p.unlock()
			return false
		default:
			starved := p.starvedLocked()
			p.completeLeftBefore() // unlock, spelled out (see lock)
			p.mu.Unlock()
			p.completeLeftAfter()
			switch { // let others run: outside the lock, between jobs
			case starved: // the slice goes on: this yield is for the producers
				runtime.Gosched()
			case w.slice.used(p.cfg.timeSlice):
				w.slice.yield()
			}
		}
		for { // until w holds the lock
			w.running = true
			w.err = p.runJob(w) // a panic in Err counts as the job's
			w.running, w.returned = false, true
			if !w.mayLeave {
				if p.plainLock() { // lock, spelled out (see lock)
					p.mu.Lock()
				} else {
					p.lockSlow()
				}
				break
			}
			if p.lockOrLeave(w) {
				break
			}
			if !p.waitHanded(w) { // its completion left to the lock's holder
				p.lock() // retired, or unparked by Close or Stop: decide under the lock
				break
			}
		}
	}
}

// waitHanded is where worker w of a pool for I/O waits on its parker while
// it is parked in idle (or its job's completion is left to the lock's
// holder, see lockOrLeave): until a job is handed to it (it reports true,
// the job counted Running, to run without retaking the lock), or it is
// retired, or Close or Stop unparks it (it reports false). Its slice
// starts again only if it blocked: a wake that came first (the holder
// handed it the next job before it waited) left it on its processor, so
// the slice goes on, counting the job, and it yields here if the slice is
// used up, as between any two jobs.
func (p *Pool[J]) waitHanded(w *worker[J]) bool {
	if w.park.wait() { // parked in idle: a job handed over, a retirement, Close or Stop wakes w
		w.slice.parked()
	}
	if !w.assigned {
		return false
	}
	p.pickUp(w)
	if w.slice.used(p.cfg.timeSlice) {
		w.slice.yield()
	}
	return true
}

// A step is what a worker does next.
type step int

const (
	stepRun  step = iota // run w.job
	stepPark             // parked in idle: wait on w.park or w.hold (see parkLocked)
	stepExit             // end the goroutine
)

// nextLocked decides worker w's next step. A worker that is not parked
// retires if a shrink left the pool above its size, takes the front
// waiting job (counted Running), exits once the pool is closed with
// nothing left, or else parks in idle. A parked worker stays parked until a
// job is handed to it, it is retired (a shrink, the idle timeout), or Close
// or Stop unparks it. A worker that exits leaves the started count in the
// same critical section.
func (p *Pool[J]) nextLocked(w *worker[J]) step {
	switch {
	case w.assigned:
		p.pickUp(w)
		return stepRun
	case w.retired:
		return stepExit
	case p.crew.started > p.crew.size: // retire: a shrink is waiting for a busy worker to come free
		p.exitLocked()
		return stepExit
	case p.plainStartableLocked() || p.startableLocked():
		p.takeLocked(w)
		return stepRun
	case p.state.closed:
		p.exitLocked()
		return stepExit
	}
	p.parkLocked(w)
	return stepPark
}

// starvedLocked reports whether a worker about to run a job should yield
// its processor first: a producer whose job a worker accepted has not run
// since, and intake (of at least 4 slots) is down to a quarter. Woken
// producers wait in the waker's run queue while every processor runs a
// worker, so without the yield the queue drains and the workers go idle
// before the producers come back with more jobs.
func (p *Pool[J]) starvedLocked() bool {
	return p.in.woken > 0 && p.cfg.bufferSize >= 4 && p.in.waiting <= p.cfg.bufferSize/4
}

// assignLocked gives job of lane l, just accepted and counted Running, to
// an idle worker, or else to a new one counted started. It returns the
// worker for the caller to let run with handOff, best once it has released
// mu; or nil if it woke the worker itself: an idle worker of a pool sized
// to the machine waits under mu (see parkLocked) and is woken here. The
// caller has checked that a worker is idle or may be started. With timings
// the job waited 0.
func (p *Pool[J]) assignLocked(job J, l *lane[J]) *worker[J] {
	w := p.handWorkerLocked()
	w.job, w.lane = job, l
	w.mayLeave = p.mayLeaveLocked(w)
	if p.cfg.timings {
		w.started = p.clock.now
		p.clock.wait.record(0)
	}
	if !w.fresh && !w.onParker {
		w.hold.Signal()
		return nil
	}
	return w
}

// handOff lets w run the job it was given under mu: it wakes w, parked on
// its parker until now, or starts the goroutine of a new worker (which
// needs no wake-up). Called after mu is released, it keeps the wake-up out
// of the critical section; it may be called with mu held too. w belongs to
// its goroutine from then on.
func (p *Pool[J]) handOff(w *worker[J]) {
	if w.fresh {
		w.fresh = false
		go p.work(w)
		return
	}
	w.park.wake()
}

// wake lets w, just taken off idle, go on, where it waits (see parkLocked).
// The caller holds the pool's mu.
func (w *worker[J]) wake() {
	if w.onParker {
		w.park.wake()
	} else {
		w.hold.Signal()
	}
}

// runJob runs w's job and returns its failure: a [Task] is called with its
// group's context or else the pool's, and returns it; a [ContextJob]'s
// RunContext is called with that context, and a plain job's Run; then an
// [ErrorJob]'s Err() tells.
func (p *Pool[J]) runJob(w *worker[J]) error {
	ctx := &p.ctx
	if g := w.lane.group; g != nil {
		ctx = &g.ctx
	}
	switch job := any(w.job).(type) {
	case Task:
		return job(ctx)
	case ContextJob:
		job.RunContext(ctx)
	default:
		w.job.Run()
	}
	return jobErr(w.job)
}

// completeLocked counts w's job, whose Run returned, as Completed (and
// Failed, Panicked), and delivers it: a group's job to its group, the pool's
// own to the finished queue with queueFinished, else it is dropped. If the
// finished queue is then over bufferSize while the pool is open, the queue
// holds w: the caller parks it until a retrieval, Close or Stop releases it.
func (p *Pool[J]) completeLocked(w *worker[J]) {
	p.c.running--
	p.c.completed++
	if p.cfg.timings {
		p.clock.run.record(p.clock.now - w.started)
	}
	if w.err != nil {
		p.c.failed++
		if w.panicked {
			p.c.panicked++
		}
	}
	switch {
	case w.lane.group != nil:
		w.lane.group.completeLocked(w.job, w.err, w.panicked)
	case p.cfg.queueFinished:
		p.finished.push(w, !p.state.closed)
	default:
		p.c.dropped++
	}
	p.settleLocked()
	var zero J
	w.job, w.lane, w.err, w.returned, w.panicked = zero, nil, nil, false, false
}

// handlePanic gives a job's panic to the panic handler, or logs it. A panic
// in the handler is recovered and logged, so it cannot take the worker down.
func (p *Pool[J]) handlePanic(job J, recovered any, stack []byte) {
	if p.cfg.panicHandler == nil {
		log.Printf("workerpool: job %T panicked: %v\n%s", job, recovered, stack)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			log.Printf("workerpool: panic handler panicked: %v\n%s", r, debug.Stack())
		}
	}()
	p.cfg.panicHandler(job, recovered, stack)
}

// A parker is where a worker goroutine of a pool for I/O waits while it is
// parked in idle: a Cond over a mutex of its own, not the pool's, so that a worker handed a job wakes without contending for the
// pool's mutex with the goroutine that woke it (usually still holding it),
// and runs the job at once. The pool's mu may be held when wake is called,
// never while wait is: the pool's mu is always taken first.
type parker struct {
	mu    sync.Mutex
	ready sync.Cond // L is mu
	woken bool      // guarded by mu: wake was called and wait has not returned since
}

// wait blocks until wake is called, or returns at once if it was called
// since the last wait. It reports whether it blocked.
func (k *parker) wait() (blocked bool) {
	k.mu.Lock()
	for !k.woken {
		k.ready.Wait()
		blocked = true
	}
	k.woken = false
	k.mu.Unlock()
	return blocked
}

// wake lets the goroutine waiting in wait go on.
func (k *parker) wake() {
	k.mu.Lock()
	k.woken = true
	k.mu.Unlock()
	k.ready.Signal()
}

// waitLocked waits on c, whose L is the pool's mu, until it is signalled.
// With timings it then reads the clock, as lock does, so that what the
// worker records next is measured from now.
func (p *Pool[J]) waitLocked(c *sync.Cond) {
	c.Wait()
	if p.cfg.timings {
		p.clock.now = max(p.clock.now, time.Since(p.cfg.epoch))
	}
}
