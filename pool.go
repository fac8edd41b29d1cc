package workerpool

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log"
	"math"
	"reflect"
	"runtime/debug"
	"sync"

	"github.com/gammazero/deque"
)

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

// Job is a self-contained unit of work: its results and errors are stored in
// the job itself, typically a pointer to a struct.
//
// A job that also has a method RunContext(ctx context.Context) is run through
// that method instead of Run. Its ctx is cancelled by [Pool.Stop] and by the
// end of the [WithContext] context: that is how running jobs are interrupted.
type Job interface {
	Run()
}

// contextJob is a Job that can be interrupted; see [Job].
type contextJob interface {
	RunContext(ctx context.Context)
}

// WorkerPool is the untyped pool of the original API.
type WorkerPool = Pool[Job]

// Pool runs jobs of type J on a fixed set of worker goroutines, taking them
// from a bounded intake queue and, if asked to, putting finished jobs on a
// bounded finished queue. See the package documentation for the model.
//
// A Pool is safe for concurrent use by multiple goroutines.
// A Pool must not be copied after first use.
type Pool[J Job] struct {
	workers       int                    // worker goroutines started by New
	bufferSize    int                    // capacity of the intake and finished queues
	queueFinished bool                   // finished jobs go to the finished queue (else dropped)
	panicHandler  func(Job, any, []byte) // nil: log to the standard logger
	ctx           context.Context        // passed to RunContext; ends at Stop or when the work is over
	cancel        context.CancelFunc     // ends ctx

	mu sync.Mutex // guards the fields below

	unwatch func() bool // stops the WithContext watcher; nil without WithContext

	// intake holds accepted jobs not yet started: Waiting == intake.Len().
	// It is non-empty only while no worker is idle.
	intake *ringQueue[J]
	// blocked holds, oldest first, the queuing calls waiting for room, each
	// with a job not yet accepted (not counted). It is non-empty only while
	// intake holds bufferSize jobs: a worker that frees a slot fills it from
	// blocked in the same critical section (with bufferSize 0, it runs the
	// job directly). See producer.
	blocked deque.Deque[*producer[J]]
	spare   []*producer[J] // producer entries for reuse
	// finished holds jobs whose Run returned, not yet retrieved:
	// Finished == finished.Len(). The first bufferSize of them are queued;
	// for each one beyond, a worker is held in holders, so an open pool has
	// finished.Len() <= bufferSize+workers.
	finished *ringQueue[J]
	// holders are the workers that pushed a finished job while the finished
	// queue was full, oldest first: while the pool is open,
	// holders.Len() == max(0, finished.Len()-bufferSize). Each retrieval
	// releases the oldest; Close and Stop release them all.
	holders deque.Deque[*worker[J]]

	hasFinished sync.Cond // consumers: finished non-empty, or done
	isIdle      sync.Cond // WaitIdle: intake empty and nothing running

	// idle holds the parked workers, most recently parked last. It is
	// non-empty only while intake and blocked are empty: a job that arrives
	// then is handed straight to an idle worker.
	idle   []*worker[J]
	closed bool     // Close or Stop was called: no job is accepted any more
	c      counters // totals; see counters for the invariants
}

// New returns a pool of workers goroutines, started at once, with intake and
// finished queues of capacity bufferSize each. With queueFinished, finished
// jobs are kept for [Pool.GetFinished] and friends; otherwise they are dropped.
//
// bufferSize 0 behaves like an unbuffered channel: [Pool.QueueJob] returns
// once a worker has taken the job, and a worker hands a finished job over
// only when a consumer takes it.
//
// New returns an error naming the bad value if workers < 1, bufferSize < 0, or
// [WithContext] was given a nil context.
func New[J Job](workers, bufferSize int, queueFinished bool, opts ...Option) (*Pool[J], error) {
	if workers < 1 {
		return nil, fmt.Errorf("workerpool: workers must be at least 1, got %d", workers)
	}
	if bufferSize < 0 {
		return nil, fmt.Errorf("workerpool: bufferSize must not be negative, got %d", bufferSize)
	}
	var cfg config
	for _, opt := range opts {
		opt.apply(&cfg)
	}
	parent := context.Background()
	if cfg.ctxSet {
		if cfg.ctx == nil {
			return nil, errors.New("workerpool: WithContext: nil context")
		}
		parent = cfg.ctx
	}

	p := &Pool[J]{
		workers:       workers,
		bufferSize:    bufferSize,
		queueFinished: queueFinished,
		panicHandler:  cfg.panicHandler,
		intake:        newRingQueue[J](bufferSize),
		finished:      newRingQueue[J](finishedLimit(workers, bufferSize)),
	}
	// Jobs see parent's values, but their context ends only through cancel,
	// which Stop calls after skipping the waiting jobs: so when parent ends,
	// no job can start between the interruption and the Stop it triggers.
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(parent))
	for _, c := range []*sync.Cond{&p.hasFinished, &p.isIdle} {
		c.L = &p.mu
	}
	if cfg.ctxSet {
		p.mu.Lock() // the watcher may run at once, and endLocked reads unwatch
		p.unwatch = context.AfterFunc(cfg.ctx, func() { _ = p.Stop() })
		p.mu.Unlock()
	}
	for range workers {
		go p.work(p.newWorker())
	}
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
// It returns [ErrNilJob] for a nil job and [ErrClosed] if the pool is closed
// or stopped, also when that happens while it is blocked; the job is then
// not queued and not counted.
//
// A job may queue into its own pool, but if the intake queue is full every
// worker can end up blocked that way: use [Pool.TryQueueJob] from jobs.
func (p *Pool[J]) QueueJob(job J) error {
	_, err := p.enqueue(context.Background(), job)
	return err
}

// QueueJobContext is like [Pool.QueueJob], but returns ctx.Err() if ctx ends
// before the job is accepted (with bufferSize 0: before a worker takes it);
// the job is then not queued and not counted. If ctx has already ended
// it returns ctx.Err() at once, even when there is room.
func (p *Pool[J]) QueueJobContext(ctx context.Context, job J) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := p.enqueue(ctx, job)
	return err
}

// QueueJobs queues jobs in order, moving as many as fit into the intake queue
// under one lock acquisition and blocking for room as [Pool.QueueJob] does.
// It returns how many jobs were accepted before an error: [ErrClosed], or
// [ErrNilJob] for the first nil job, in which case the jobs before it stay
// queued and the jobs after it are not queued.
func (p *Pool[J]) QueueJobs(jobs ...J) (int, error) {
	return p.enqueue(context.Background(), jobs...)
}

// TryQueueJob is like [Pool.QueueJob] but never blocks: it returns
// [ErrQueueFull] when no worker is idle and the intake queue has no room.
// With bufferSize 0 there is room only while a worker is idle.
func (p *Pool[J]) TryQueueJob(job J) error {
	if isNil(job) {
		return ErrNilJob
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return ErrClosed
	case !p.acceptLocked(job):
		return ErrQueueFull
	}
	return nil
}

// GetFinished returns a finished job and false if one is queued, without
// blocking. Otherwise it returns the zero J and whether the pool is done:
// closed or stopped, no job waiting or running, and the finished queue empty,
// so that it can never produce another finished job.
func (p *Pool[J]) GetFinished() (job J, done bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished.Len() > 0 {
		return p.popFinishedLocked(), false
	}
	return job, p.doneLocked()
}

// GetFinishedWait blocks until a finished job is queued and returns it and
// false, or until the pool is done (see [Pool.GetFinished]) and returns the
// zero J and true. Without queueFinished it just blocks until the pool is
// done: that is how to wait for the end of a closed pool's work.
func (p *Pool[J]) GetFinishedWait() (job J, done bool) {
	job, done, _ = p.waitFinished(context.Background())
	return job, done
}

// GetFinishedWaitContext is like [Pool.GetFinishedWait], but returns ctx.Err()
// if ctx ends first, leaving the finished queue unchanged. If ctx has already
// ended it returns ctx.Err() at once.
func (p *Pool[J]) GetFinishedWaitContext(ctx context.Context) (job J, done bool, err error) {
	if err := ctx.Err(); err != nil {
		return job, false, err
	}
	return p.waitFinished(ctx)
}

// Finished returns an iterator over finished jobs as they come, as
// [Pool.GetFinishedWait] returns them; it ends when the pool is done.
// Breaking out of the loop early is allowed and leaves the rest queued.
func (p *Pool[J]) Finished() iter.Seq[J] {
	return func(yield func(J) bool) {
		for {
			job, done := p.GetFinishedWait()
			if done || !yield(job) {
				return
			}
		}
	}
}

// Close stops the pool accepting jobs, wakes blocked queuing callers with
// [ErrClosed], and lets the workers run every job still waiting. It returns
// nil at once and never blocks. After Close the finished queue stays
// readable but no longer blocks workers, so every worker goroutine exits once
// the last job has run, even if nobody retrieves the finished jobs.
// Repeated calls, and Close after Stop, do nothing and return nil.
func (p *Pool[J]) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked()
	return nil
}

// Stop stops the pool accepting jobs, wakes blocked queuing callers with
// [ErrClosed], drops every waiting job unstarted (counted Skipped), cancels
// the context of running RunContext jobs and lets running jobs finish. It
// returns nil at once and never blocks. Stop after Close skips what is still
// waiting; repeated calls do nothing. The finished queue stays readable.
// A running job that neither returns nor watches its RunContext context
// cannot be stopped: the pool is done only when it returns.
func (p *Pool[J]) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.c.skipped += uint64(p.intake.Clear())
	p.cancel()
	p.closeLocked()
	return nil
}

// WaitIdle blocks until no job is waiting or running, and returns nil; the
// pool stays open and usable, so a program can run recurring batches on one
// pool. It returns ctx.Err() if ctx ends first, or at once if ctx has
// already ended. Finished jobs not yet retrieved do not keep the pool busy.
func (p *Pool[J]) WaitIdle(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var w ctxWaker
	defer w.stop()
	for !p.idleLocked() {
		if err := w.wait(ctx, &p.isIdle); err != nil {
			return err
		}
	}
	return nil
}

// Stats returns a snapshot of the pool's queues and counters, taken in one
// critical section, so its numbers always add up (see [Stats]).
func (p *Pool[J]) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{
		Workers:   p.workers,
		Queued:    p.c.queued,
		Waiting:   p.intake.Len(),
		Running:   p.c.running,
		Finished:  p.finished.Len(),
		Retrieved: p.c.retrieved,
		Completed: p.c.completed,
		Skipped:   p.c.skipped,
		Panicked:  p.c.panicked,
	}
}

// work is the loop of one worker goroutine, with state w: it runs jobs until
// the pool is closed and no job is left, taking the next job in the same
// critical section that completes the previous one.
//
// Panic policy: a job's panic is recovered and given to the panic handler
// (or logged), and the job counts as Completed and Panicked and is delivered
// like any other. A pool runs many independent jobs, so one job's failure
// must neither kill a worker, which would silently shrink the pool, nor
// crash the program, nor leave the counters short of a job. Jobs that want
// the panic to crash the program can re-panic in a goroutine of their own.
func (p *Pool[J]) work(w *worker[J]) {
	p.mu.Lock()
	for {
		job, ok := p.nextJobLocked(w)
		if !ok {
			break // closed and drained
		}
		p.mu.Unlock()
		panicked := p.run(w, job)
		p.mu.Lock()
		p.completeLocked(w, job, panicked)
	}
	p.mu.Unlock()
}

// A worker is the state of one worker goroutine that others need to reach:
// while it is parked in idle, a job can be handed to it directly; while it
// is held in holders, a retrieval releases it. Each worker waits on its own
// Cond, so every wake-up reaches the one goroutine that can use it.
type worker[J Job] struct {
	wake     sync.Cond // L is the pool's mu; signalled when assigned or holding changes, or the pool closes
	job      J         // the job handed over, valid while assigned
	assigned bool      // parked in idle, a job was handed over and not yet picked up
	holding  bool      // in holders, waiting for room for its finished job
}

// newWorker returns the state for a new worker goroutine.
func (p *Pool[J]) newWorker() *worker[J] {
	w := &worker[J]{}
	w.wake.L = &p.mu
	return w
}

// nextJobLocked returns the next job for worker w, counted Running: the
// front of intake or, with bufferSize 0, a blocked producer's job. With none,
// w parks in idle until a job is handed to it. It reports false once the pool
// is closed and no job is left.
func (p *Pool[J]) nextJobLocked(w *worker[J]) (job J, ok bool) {
	for {
		if p.intake.Len() > 0 || p.blocked.Len() > 0 {
			return p.takeLocked(), true
		}
		if p.closed {
			return job, false
		}
		p.idle = append(p.idle, w)
		for !w.assigned && !p.closed {
			w.wake.Wait()
		}
		if w.assigned {
			job, w.job, w.assigned = w.job, job, false
			return job, true
		}
		// Closed: closeLocked took w off idle.
	}
}

// run calls the job's RunContext or Run and reports whether it panicked; the
// panic is recovered and handled. If the job calls runtime.Goexit, which ends
// this goroutine once its deferred calls have run, run completes the job and
// starts a replacement worker, so the pool keeps its size.
func (p *Pool[J]) run(w *worker[J], job J) (panicked bool) {
	returned := false
	defer func() {
		if returned {
			return
		}
		// Since Go 1.21 panic(nil) panics with *runtime.PanicNilError, so
		// recover() returns nil only when the job called runtime.Goexit.
		if r := recover(); r != nil {
			panicked = true
			p.handlePanic(job, r, debug.Stack())
			return
		}
		p.mu.Lock()
		p.completeLocked(w, job, false)
		p.mu.Unlock()
		go p.work(w)
	}()
	if cj, ok := any(job).(contextJob); ok {
		cj.RunContext(p.ctx)
	} else {
		job.Run()
	}
	returned = true
	return false
}

// handlePanic gives a job's panic to the panic handler, or logs it. A panic
// in the handler is recovered and logged, so it cannot take the worker down.
func (p *Pool[J]) handlePanic(job J, recovered any, stack []byte) {
	if p.panicHandler == nil {
		log.Printf("workerpool: job %T panicked: %v\n%s", job, recovered, stack)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			log.Printf("workerpool: panic handler panicked: %v\n%s", r, debug.Stack())
		}
	}()
	p.panicHandler(job, recovered, stack)
}

// enqueue queues jobs in order for QueueJob, QueueJobContext and QueueJobs,
// blocking for room, and returns how many were accepted.
func (p *Pool[J]) enqueue(ctx context.Context, jobs ...J) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var pr *producer[J] // this call's entry in blocked, once it had to wait
	var w ctxWaker
	defer func() {
		w.stop()
		if pr != nil {
			p.recycleLocked(pr)
		}
	}()
	n := 0
	for n < len(jobs) {
		if p.closed {
			return n, ErrClosed
		}
		for n < len(jobs) && !isNil(jobs[n]) && p.acceptLocked(jobs[n]) {
			n++
		}
		if n == len(jobs) {
			break
		}
		if isNil(jobs[n]) {
			return n, ErrNilJob
		}
		// No room: wait until a worker accepts jobs[n] on this call's behalf.
		pr = p.offerLocked(pr, jobs[n])
		for !pr.accepted {
			if p.closed {
				return n, ErrClosed // the job was never accepted; Close took pr off blocked
			}
			if err := w.wait(ctx, &pr.wake); err != nil {
				p.withdrawLocked(pr)
				return n, err
			}
		}
		n++
	}
	return n, nil
}

// takeLocked takes the next job for a worker and counts it Running. A slot it
// frees in intake is filled at once from the longest-blocked producer.
func (p *Pool[J]) takeLocked() J {
	var job J
	if p.intake.Len() > 0 {
		job = p.intake.Pop()
		if p.blocked.Len() > 0 && p.intake.Room() > 0 {
			p.intake.Push(p.acceptFrontLocked())
		}
	} else {
		job = p.acceptFrontLocked() // bufferSize 0: straight from the producer
	}
	p.c.running++
	return job
}

// acceptLocked accepts job, counting it Queued, if a worker is idle (the job
// is handed to it and counts as Running at once) or intake has room. It
// reports false, changing nothing, if neither.
func (p *Pool[J]) acceptLocked(job J) bool {
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1] // the most recently parked worker: its caches are warmest
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		w.job, w.assigned = job, true
		p.c.queued++
		p.c.running++
		w.wake.Signal()
		return true
	}
	if p.intake.Room() > 0 {
		p.intake.Push(job)
		p.c.queued++
		return true
	}
	return false
}

// completeLocked counts a job whose Run returned on worker w and, with
// queueFinished, puts it on the finished queue, holding w while the queue is full.
func (p *Pool[J]) completeLocked(w *worker[J], job J, panicked bool) {
	p.c.running--
	p.c.completed++
	if panicked {
		p.c.panicked++
	}
	if p.idleLocked() {
		p.isIdle.Broadcast()
		if p.closed {
			p.endLocked()
		}
	}
	if !p.queueFinished {
		return
	}
	p.finished.Push(job)
	p.hasFinished.Signal()
	if !p.closed && p.finished.Len() > p.bufferSize {
		w.holding = true
		p.holders.PushBack(w)
		for w.holding {
			w.wake.Wait()
		}
	}
}

// popFinishedLocked removes and counts the front finished job, releasing a
// worker that holds a job if one exists.
func (p *Pool[J]) popFinishedLocked() J {
	if p.holders.Len() > 0 {
		p.releaseLocked(p.holders.PopFront())
	}
	p.c.retrieved++
	return p.finished.Pop()
}

// releaseLocked lets a worker held in completeLocked go on.
func (p *Pool[J]) releaseLocked(w *worker[J]) {
	w.holding = false
	w.wake.Signal()
}

// waitFinished is GetFinishedWait with a context.
func (p *Pool[J]) waitFinished(ctx context.Context) (job J, done bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var w ctxWaker
	defer w.stop()
	for p.finished.Len() == 0 {
		if p.doneLocked() {
			return job, true, nil
		}
		if err := w.wait(ctx, &p.hasFinished); err != nil {
			return job, false, err
		}
	}
	return p.popFinishedLocked(), false, nil
}

// closeLocked refuses new jobs from now on and wakes everyone who waits for
// something that closing changes.
func (p *Pool[J]) closeLocked() {
	if !p.closed {
		p.closed = true
		for i, w := range p.idle {
			w.wake.Signal()
			p.idle[i] = nil
		}
		p.idle = p.idle[:0]
		p.rejectBlockedLocked()
		for p.holders.Len() > 0 {
			p.releaseLocked(p.holders.PopFront())
		}
	}
	if p.idleLocked() {
		p.isIdle.Broadcast()
		p.endLocked()
	}
}

// endLocked runs once no job will ever run again (closed, idle): consumers
// waiting for the end are woken and the pool's context is released.
func (p *Pool[J]) endLocked() {
	p.hasFinished.Broadcast()
	p.cancel()
	if p.unwatch != nil {
		p.unwatch()
	}
}

// idleLocked reports whether no job is waiting or running.
func (p *Pool[J]) idleLocked() bool {
	return p.intake.Len() == 0 && p.c.running == 0
}

// doneLocked reports whether the pool can never produce another finished job.
func (p *Pool[J]) doneLocked() bool {
	return p.closed && p.idleLocked() && p.finished.Len() == 0
}

// finishedLimit is the most jobs the finished queue can ever hold: a pool
// holds at most 2*bufferSize + workers jobs (intake, finished queue, and one
// job running or held per worker), and after Close no job is added. It
// saturates at math.MaxInt.
func finishedLimit(workers, bufferSize int) int {
	if bufferSize > (math.MaxInt-workers)/2 {
		return math.MaxInt
	}
	return 2*bufferSize + workers
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

// ctxWaker makes a context's end wake a sync.Cond's waiters, as in the
// context package's ExampleAfterFunc_cond. The zero value is ready to use.
type ctxWaker struct {
	stopWaking func() bool // unregisters the AfterFunc; nil until one is registered
}

// wait waits once on c, whose L is held. It first returns ctx.Err() if ctx has
// ended, and otherwise makes sure ctx's end will Broadcast c, registering the
// wake-up at most once per ctxWaker.
func (w *ctxWaker) wait(ctx context.Context, c *sync.Cond) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.stopWaking == nil && ctx.Done() != nil {
		w.stopWaking = context.AfterFunc(ctx, func() {
			// Taking c.L orders this Broadcast after the waiter's Wait
			// has released it, so the wake-up cannot be missed.
			c.L.Lock()
			defer c.L.Unlock()
			c.Broadcast()
		})
	}
	c.Wait()
	return nil
}

// stop unregisters the wake-up, if any.
func (w *ctxWaker) stop() {
	if w.stopWaking != nil {
		w.stopWaking()
	}
}
