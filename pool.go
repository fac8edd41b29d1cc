package workerpool

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The life of a job, in the order its functions run (every step that moves
// a job or a counter runs under the pool's mu, taken with lock):
//
//  1. Queuing (queuing.go): QueueJob calls queue, which refuses the job
//     (refuseLocked: closed, group closed, nil) or accepts it
//     (acceptLocked): to an idle or new worker (assignLocked, then handOff
//     after the unlock, crew.go and worker.go), into its lane of the intake
//     (pushLocked, intake.go), or else the call blocks, a blockedCall
//     (waitAcceptedLocked) until a worker admits it (acceptBlockedLocked).
//  2. Starting (worker.go, intake.go): a worker's loop, runJobs, asks
//     nextLocked what to do; takeLocked takes the next job by the turn rule
//     (popLocked, rotation.go) and refills the freed slot from the blocked
//     calls (refillLocked); with no job the worker parks (parkLocked) until
//     a job is handed to it, the idle timeout retires it, or Close unparks
//     it.
//  3. Running: runJob, outside the lock; the time slice (timeslice.go) may
//     yield the processor first.
//  4. Completing (worker.go): completeLocked counts the job and delivers it
//     (in a pool for I/O, a worker that finds the lock held may leave this
//     to the holder, which does it before releasing the lock: lock.go):
//     to the finished queue (finished.go, which may hold the worker while it
//     is full), to its group (group.go, keptjobs.go), or dropped; then
//     settleLocked (shutdown.go) wakes WaitIdle and ends a closed pool.
//  5. Retrieving (pool.go): GetFinished and friends pop the finished queue
//     (popFinishedLocked), releasing the oldest held worker.

// Errors returned by the queuing calls. Match them with [errors.Is].
var (
	// ErrClosed is returned when a job is queued on a pool that is closed or
	// stopped, including to callers that were blocked when Close or Stop ran.
	ErrClosed = errors.New("workerpool: pool is closed")
	// ErrQueueFull is returned by [Pool.TryQueueJob] when the intake queue has no room.
	ErrQueueFull = errors.New("workerpool: queue is full")
	// ErrNilJob is returned for a nil job: a nil interface, or a nil pointer or func.
	ErrNilJob = errors.New("workerpool: nil job")
)

// WorkerPool is the untyped pool of the original API.
type WorkerPool = Pool[Job]

// Pool runs jobs of type J on a set of worker goroutines, taking them from a
// bounded intake queue and, if asked to, putting finished jobs on a bounded
// finished queue. See the package documentation for the model.
//
// A Pool is safe for concurrent use by multiple goroutines.
// A Pool must not be copied after first use.
type Pool[J Job] struct {
	// left is on a cache line of its own: every release of mu looks at it,
	// after the release too, when the line of mu has gone to the next holder.
	left atomic.Pointer[worker[J]] // workers whose job's completion was left to mu's holder, linked by nextLeft (see lockOrLeave)
	_    [cacheLine - 8]byte

	cfg    settings           // set by New, never changed: read without the lock
	ctx    jobContext         // what the pool's own jobs run with; ends at Stop or when the work is over
	cancel context.CancelFunc // ends ctx

	spin atomic.Bool // many more workers than processors: lock yields before it waits (see acquire); set by New and Resize
	mu   sync.Mutex  // guards the fields below; taken with lock, released with unlock

	// What every job's critical sections touch comes first, beside mu, in
	// a few cache lines: the counters, the crew, the state and (first in
	// intake) the intake's counts. Measured on 2 cores against the order
	// intake, crew, ..., counters: a batch of tiny jobs on 8 workers with
	// a buffer of 128 0.40× the time, four more cells 3-9 % faster, none
	// slower.
	c        counters         // totals; see counters for the invariants
	crew     crew[J]          // the worker goroutines: started on demand, idle, retired
	state    state[J]         // open, paused, closed; the WithContext watch
	in       intake[J]        // accepted jobs waiting to start, and the queuing calls blocked for room
	finished finishedQueue[J] // the pool's own finished jobs, and the workers held while it is full
	groups   groupSet[J]      // the groups not yet done
	clock    clock            // with timings: the clock and the wait and run histograms
}

// settings are what New sets once and never changes.
type settings struct {
	bufferSize    int                    // capacity of the intake and finished queues
	queueFinished bool                   // finished jobs go to the finished queue (else dropped)
	panicHandler  func(Job, any, []byte) // nil: log to the standard logger
	parent        context.Context        // the WithContext context, nil without: once it has ended no job starts
	timings       bool                   // WithTimings: accept and start times are read, wait and run recorded
	timeSlice     time.Duration          // WithTimeSlice: a worker yields after running jobs this long; 0: never
	epoch         time.Time              // the clock's origin for the accept and start times
}

// state is where the pool is in its life, guarded by the pool's mu.
// paused is never true once closed; once closed, no job is accepted, and
// once closed and idle, no job will run again.
type state[J Job] struct {
	closed    bool        // Close or Stop was called: no job is accepted any more
	paused    bool        // Pause is in effect: no job starts
	unwatch   func() bool // stops the WithContext watcher; nil without WithContext
	unstarted []entry[J]  // jobs skipped by the WithContext stop, kept for StopAndCollect until Stop
	isIdle    sync.Cond   // L is the pool's mu; WaitIdle: no job waiting and nothing running
}

// New returns a pool of up to workers worker goroutines, with intake and
// finished queues of capacity bufferSize each. With queueFinished, finished
// jobs are kept for [Pool.GetFinished] and friends; otherwise they are
// dropped.
//
// New starts no goroutine and allocates nothing per worker, whatever
// workers is: workers start on demand. A job accepted while no started
// worker is idle and fewer than workers are started gets a new worker
// goroutine, which runs it at once, and a started worker that has been idle
// for the idle timeout exits ([WithIdleTimeout]; [Stats].Live counts the
// goroutines). So a pool sized for 100,000 concurrent I/O-bound jobs costs
// nothing until the jobs come, and gives its goroutines back after the
// burst; a pool sized to the machine for CPU-bound jobs keeps its workers
// while it is busy.
//
// The pool is ready when New returns: it accepts workers + bufferSize jobs
// without blocking. Besides the bufferSize finished jobs it queues, each
// worker can hold one more finished job while the finished queue is full,
// so [Stats].Finished can reach bufferSize + workers while nobody
// retrieves.
//
// bufferSize 0 behaves like an unbuffered channel: [Pool.QueueJob] returns
// once a worker has taken the job, and a worker hands a finished job over
// only when a consumer takes it.
//
// New returns an error naming the bad value if workers < 1, bufferSize < 0,
// an option is nil, [WithContext] was given a nil context, or
// [WithTimeSlice] or [WithIdleTimeout] a negative duration. Make every pool
// with New (or [NewWorkerPool]): the zero Pool is not usable, and its
// methods panic saying so.
func New[J Job](workers, bufferSize int, queueFinished bool, opts ...Option) (*Pool[J], error) {
	if workers < 1 {
		return nil, fmt.Errorf("workerpool: workers must be at least 1, got %d", workers)
	}
	if bufferSize < 0 {
		return nil, fmt.Errorf("workerpool: bufferSize must not be negative, got %d", bufferSize)
	}
	cfg := config{timeSlice: DefaultTimeSlice, idleTimeout: DefaultIdleTimeout}
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("workerpool: New: nil Option at index %d", i)
		}
		opt.apply(&cfg)
	}
	if cfg.ctxSet && cfg.ctx == nil {
		return nil, errors.New("workerpool: WithContext: nil context")
	}
	if cfg.timeSlice < 0 {
		return nil, fmt.Errorf("workerpool: WithTimeSlice: the slice must not be negative, got %v", cfg.timeSlice)
	}
	if err := validIdleTimeout(cfg.idleTimeout); err != nil {
		return nil, err
	}

	p := &Pool[J]{cfg: settings{
		bufferSize:    bufferSize,
		queueFinished: queueFinished,
		panicHandler:  cfg.panicHandler,
		parent:        cfg.ctx,
		timings:       cfg.timings,
		timeSlice:     cfg.timeSlice,
		epoch:         time.Now(),
	}}
	p.in.own.init(bufferSize, bufferSize) // a pool that cycles within its buffer allocates once
	p.in.own.weight = 1
	p.in.admits.k, p.in.admits.midTurn = 1, true
	// Jobs see the parent's values, but their context ends only through
	// cancel, which Stop calls after skipping the waiting jobs.
	parent := context.Background()
	if cfg.ctx != nil {
		parent = cfg.ctx
	}
	p.ctx.Context, p.cancel = context.WithCancel(context.WithoutCancel(parent))
	p.ctx.pool = p
	p.finished.init(p.locker(), workers, bufferSize)
	p.state.isIdle.L = p.locker()

	p.lock()
	defer p.unlock()
	if cfg.ctx != nil {
		// When the parent ends, the watcher stops the pool promptly; until it
		// has run, stoppedByParentLocked makes sure no job starts.
		p.state.unwatch = context.AfterFunc(cfg.ctx, func() {
			p.lock()
			defer p.unlock()
			p.stopLocked(true)
		})
	}
	p.crew.size, p.crew.timeout = workers, cfg.idleTimeout
	p.spin.Store(spins(workers))
	return p, nil
}

// NewWorkerPool is like [New] for the untyped [WorkerPool], but panics with
// New's error if the arguments are invalid, as [regexp.MustCompile] does.
func NewWorkerPool(noOfWorkers, bufferSize int, queueFinished bool, opts ...Option) *WorkerPool {
	p, err := New[Job](noOfWorkers, bufferSize, queueFinished, opts...)
	if err != nil {
		panic(err)
	}
	return p
}

// QueueJob queues job. If a worker is idle, the job is handed straight to it
// (and counts as Running); otherwise, if the intake queue has room, the job
// is added to it. Either way QueueJob returns nil at once. If the queue is
// full it blocks until a worker frees a slot and accepts the job. With
// bufferSize 0 it returns once a worker has taken the job.
//
// It returns [ErrClosed] if the pool is closed or stopped, also when that
// happens while it is blocked, and [ErrNilJob] for a nil job (on a closed
// pool, ErrClosed); the job is then not queued and not counted Queued.
//
// In a pool for I/O (many more workers than processors), a call that hands
// its job over yields its processor while hundreds of handed workers wait
// for one, as [Pool.TryQueueJob] does: a loop of calls cannot outrun them.
//
// A job may queue into its own pool, but if the intake queue is full every
// worker can end up blocked that way: use [Pool.TryQueueJob] from jobs.
func (p *Pool[J]) QueueJob(job J) error {
	return p.queue(context.Background(), p.ownLane("QueueJob"), job)
}

// QueueJobContext is like [Pool.QueueJob], but returns ctx.Err() if ctx ends
// before the job is accepted (with bufferSize 0: before a worker takes it);
// the job is then not queued and counts as Rejected. If ctx has already
// ended it returns ctx.Err() at once, even when there is room or the pool is
// closed.
func (p *Pool[J]) QueueJobContext(ctx context.Context, job J) error {
	return p.queueContext(ctx, p.ownLane("QueueJobContext"), job)
}

// QueueJobs queues jobs in order, moving as many as fit under one lock
// acquisition and blocking for room as [Pool.QueueJob] does. It returns how
// many jobs were accepted before an error: [ErrClosed], or [ErrNilJob] for
// the first nil job, in which case the jobs before it stay queued and the
// jobs after it are not queued. After ErrClosed every non-nil job not
// accepted counts as Rejected; after ErrNilJob nothing does.
func (p *Pool[J]) QueueJobs(jobs ...J) (int, error) {
	return p.queueJobs(context.Background(), p.ownLane("QueueJobs"), jobs, "QueueJobs")
}

// QueueJobsContext is like [Pool.QueueJobs], but stops with ctx.Err() when
// ctx ends while it waits for room: the jobs accepted so far stay queued,
// and every non-nil job not accepted counts as Rejected. If ctx has already
// ended it returns 0 and ctx.Err() at once.
func (p *Pool[J]) QueueJobsContext(ctx context.Context, jobs ...J) (int, error) {
	return p.queueJobs(ctx, p.ownLane("QueueJobsContext"), jobs, "QueueJobsContext")
}

// TryQueueJob is like [Pool.QueueJob] but never blocks: it returns
// [ErrQueueFull] when no worker is idle and the intake queue has no room
// (the job then counts as Rejected). With bufferSize 0 there is room only
// while a worker is idle.
func (p *Pool[J]) TryQueueJob(job J) error {
	return p.tryQueue(p.ownLane("TryQueueJob"), job)
}

// GetFinished returns a finished job and false if one is queued, without
// blocking. Otherwise it returns the zero J and whether the pool is done:
// closed or stopped, no job waiting or running, and the finished queue empty,
// so that it can never produce another finished job. (Its worker
// goroutines exit then: [Stats].Live drops to 0 a moment later.)
func (p *Pool[J]) GetFinished() (job J, done bool) {
	p.mustBeMade("GetFinished")
	p.lock()
	defer p.unlock()
	if p.finished.len() > 0 {
		return p.popFinishedLocked(), false
	}
	return job, p.doneLocked()
}

// GetFinishedWait blocks until a finished job is queued and returns it and
// false, or until the pool is done (see [Pool.GetFinished]) and returns the
// zero J and true. Without queueFinished it just blocks until the pool is
// done: that is how to wait for the end of a closed pool's work.
func (p *Pool[J]) GetFinishedWait() (job J, done bool) {
	p.mustBeMade("GetFinishedWait")
	job, done, _ = p.waitFinished(context.Background())
	return job, done
}

// GetFinishedWaitContext is like [Pool.GetFinishedWait], but returns ctx.Err()
// if ctx ends first, leaving the finished queue unchanged. If ctx has already
// ended it returns ctx.Err() at once.
func (p *Pool[J]) GetFinishedWaitContext(ctx context.Context) (job J, done bool, err error) {
	p.mustBeMade("GetFinishedWaitContext")
	mustHaveContext(ctx, "GetFinishedWaitContext")
	if err := ctx.Err(); err != nil {
		return job, false, err
	}
	return p.waitFinished(ctx)
}

// Finished returns an iterator over finished jobs as they come, as
// [Pool.GetFinishedWait] returns them; it ends when the pool is done.
// Breaking out of the loop early is allowed and leaves the rest queued.
func (p *Pool[J]) Finished() iter.Seq[J] {
	return func(yield func(J) bool) { // GetFinishedWait checks that p was made by New
		for {
			job, done := p.GetFinishedWait()
			if done || !yield(job) {
				return
			}
		}
	}
}

// WaitIdle blocks until no job is waiting or running, and returns nil; the
// pool stays open and usable, so a program can run recurring batches on one
// pool. It returns ctx.Err() if ctx ends first, or at once if ctx has
// already ended.
//
// Finished jobs are not work: a pool whose jobs have all run is idle even if
// its finished queue is full. But with queueFinished and nobody retrieving,
// workers held by a full finished queue cannot start the waiting jobs, so
// the pool does not become idle until the finished queue is drained. While
// the pool is paused, waiting jobs do not start, so WaitIdle waits for
// [Pool.Resume] (or Close) too.
func (p *Pool[J]) WaitIdle(ctx context.Context) error {
	p.mustBeMade("WaitIdle")
	mustHaveContext(ctx, "WaitIdle")
	if err := ctx.Err(); err != nil {
		return err
	}
	p.lock()
	defer p.unlock()
	var cw ctxWaker
	defer cw.stop()
	for !p.idleLocked() {
		if err := cw.wait(ctx, &p.state.isIdle); err != nil {
			return err
		}
	}
	return nil
}

// mustBeMade panics, naming call, if p was not made by [New]: the zero Pool
// has no workers, so its calls would block for ever or fail deep inside.
func (p *Pool[J]) mustBeMade(call string) {
	if p == nil || !p.made() {
		panicNotMade("Pool."+call, "New")
	}
}

// panicNotMade panics saying that call was made on a value not made by
// maker. It is out of line, so that the checks calling it stay cheap.
//
//go:noinline
func panicNotMade(call, maker string) {
	typ := call[:strings.IndexByte(call, '.')]
	panic("workerpool: " + call + " on a " + typ + " not made by " + maker)
}

// ownLane returns the lane of the jobs queued on p itself, for call, a
// queuing method: a nil p panics naming call, before anything else.
func (p *Pool[J]) ownLane(call string) *lane[J] {
	if p == nil {
		panicNotMade("Pool."+call, "New")
	}
	return &p.in.own
}

// made reports whether p was made by [New], which sets ctx and never changes it.
func (p *Pool[J]) made() bool { return p.ctx.Context != nil }

// popFinishedLocked removes and counts the front finished job, releasing a
// worker that holds a job if one exists.
func (p *Pool[J]) popFinishedLocked() J {
	p.c.retrieved++
	return p.finished.pop()
}

// waitFinished is GetFinishedWait with a context.
func (p *Pool[J]) waitFinished(ctx context.Context) (job J, done bool, err error) {
	p.lock()
	defer p.unlock()
	var cw ctxWaker
	defer cw.stop()
	for p.finished.len() == 0 {
		if p.doneLocked() {
			return job, true, nil
		}
		if err := cw.wait(ctx, &p.finished.ready); err != nil {
			return job, false, err
		}
	}
	return p.popFinishedLocked(), false, nil
}

// idleLocked reports whether no job is waiting or running. settleLocked,
// on every completion's path, spells it out: with the call it is over Go's
// inlining budget.
func (p *Pool[J]) idleLocked() bool {
	return p.in.waiting == 0 && p.c.running == 0
}

// doneLocked reports whether the pool can never produce another finished job.
func (p *Pool[J]) doneLocked() bool {
	return p.state.closed && p.idleLocked() && p.finished.len() == 0
}
