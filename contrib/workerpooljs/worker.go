// Package workerpooljs runs a workerpool as the executor of a NATS JetStream
// pull consumer, so that many processes on many machines share one durable
// stream of jobs, each with the pool's bounded intake, exact counters and
// clean shutdown.
//
// A [Worker] fetches only as many messages as its pool has room for (idle
// workers plus free intake slots), so back-pressure reaches the stream and
// the consumer's MaxAckPending bounds the whole cluster. A message is acked
// only after its job returned without failure; a failed job (it panicked, or
// it is a [workerpool.ErrorJob] whose Err() is non-nil) is NakWithDelay'ed
// and redelivered up to the consumer's MaxDeliver; a job running longer than
// half the consumer's AckWait is kept alive with InProgress; a message that
// cannot be decoded is Term'ed. When [Worker.Run]'s context ends, the worker
// stops fetching, Naks every fetched job that has not started, so that
// another process takes it at once, and waits for the running ones to
// finish and ack. A process that dies without shutting down loses nothing
// either: its unacked messages come back after AckWait. A job runs twice
// only after a crash or a failure.
package workerpooljs

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/seed761c1f22/workerpool"
)

// fetchWait bounds one pull request: how long a worker with room waits for
// messages before it asks again, and so how long a shutdown can wait for the
// pull in flight to end (its messages are then Nak'ed, not dropped).
const fetchWait = 250 * time.Millisecond

// An Option configures a [Worker].
type Option func(*config)

type config struct {
	workers    int                 // pool size
	buffer     int                 // intake buffer; -1: 2*workers
	retryDelay time.Duration       // NakWithDelay of a failed job
	poolOpts   []workerpool.Option // passed to workerpool.New
}

// Workers sets the pool size: how many jobs run at once (default
// runtime.NumCPU()).
func Workers(n int) Option { return func(c *config) { c.workers = n } }

// Buffer sets the pool's intake buffer: how many fetched jobs may wait for a
// worker (default 2*workers). With Buffer(0) a worker fetches only for its
// idle workers.
func Buffer(n int) Option { return func(c *config) { c.buffer = n } }

// RetryDelay sets how long the server waits before it redelivers a failed
// job (default 1s).
func RetryDelay(d time.Duration) Option { return func(c *config) { c.retryDelay = d } }

// PoolOptions passes opts to the worker's pool, as [workerpool.New] takes
// them: [workerpool.WithTimings] for wait and run histograms in
// [Worker.Stats], [workerpool.WithPanicHandler], [workerpool.WithTimeSlice].
// [workerpool.WithContext] is not needed: [Worker.Run]'s context ends the
// worker, and a pool stopped under it could not Nak its unstarted jobs.
// A bad option makes New return workerpool.New's error.
func PoolOptions(opts ...workerpool.Option) Option {
	return func(c *config) { c.poolOpts = append(c.poolOpts, opts...) }
}

// Worker runs the jobs of a JetStream pull consumer on a workerpool. It is
// safe for concurrent use by multiple goroutines; Run may be called once.
type Worker[J workerpool.Job] struct {
	cons    jetstream.Consumer
	decode  func(jetstream.Msg) (J, error)
	cfg     config
	ackWait time.Duration
	pool    *workerpool.Pool[*task[J]]
	jobCtx  context.Context // what ContextJobs run with: Run's ctx, without its cancellation
	freed   chan struct{}   // a job returned: there may be room to fetch; capacity 1
	termed  atomic.Uint64   // messages that could not be decoded
	started atomic.Bool     // Run was called
}

// New returns a worker that runs the jobs of cons, decoding each message
// into a job with decode. cons must use [jetstream.AckExplicitPolicy]. New
// returns an error that names the bad value for a nil consumer or decode, a
// pool size below 1, a negative buffer or retry delay.
func New[J workerpool.Job](cons jetstream.Consumer, decode func(jetstream.Msg) (J, error), opts ...Option) (*Worker[J], error) {
	cfg := config{workers: runtime.NumCPU(), buffer: -1, retryDelay: time.Second}
	for _, opt := range opts {
		opt(&cfg)
	}
	switch {
	case cons == nil:
		return nil, errors.New("workerpooljs: nil consumer")
	case decode == nil:
		return nil, errors.New("workerpooljs: nil decode func")
	case cfg.workers < 1:
		return nil, fmt.Errorf("workerpooljs: Workers must be at least 1, got %d", cfg.workers)
	case cfg.buffer < -1:
		return nil, fmt.Errorf("workerpooljs: Buffer must not be negative, got %d", cfg.buffer)
	case cfg.retryDelay < 0:
		return nil, fmt.Errorf("workerpooljs: RetryDelay must not be negative, got %v", cfg.retryDelay)
	}
	if cfg.buffer == -1 {
		cfg.buffer = 2 * cfg.workers
	}
	info := cons.CachedInfo()
	if info == nil {
		return nil, errors.New("workerpooljs: the consumer has no info: make it with jetstream's Consumer or CreateOrUpdateConsumer")
	}
	if p := info.Config.AckPolicy; p != jetstream.AckExplicitPolicy {
		return nil, fmt.Errorf("workerpooljs: consumer %q must use AckExplicitPolicy, has %v", info.Name, p)
	}
	ackWait := info.Config.AckWait
	if ackWait <= 0 {
		ackWait = 30 * time.Second // the server's default
	}
	pool, err := workerpool.New[*task[J]](cfg.workers, cfg.buffer, false, cfg.poolOpts...)
	if err != nil {
		return nil, err
	}
	return &Worker[J]{cons: cons, decode: decode, cfg: cfg, ackWait: ackWait, pool: pool,
		jobCtx: context.Background(), freed: make(chan struct{}, 1)}, nil
}

// Run fetches messages and runs their jobs until ctx ends, then shuts down:
// it stops fetching, Naks every fetched job that has not started (they
// count Skipped in [Worker.Stats], or Rejected for the few of a fetch in
// flight that found the intake full), and waits for the running jobs to
// return and be acked. Running jobs are not interrupted: a [workerpool.ContextJob]
// runs with ctx's values but not its cancellation. Run returns nil after a
// shutdown caused by ctx, or the error that stopped it otherwise (the
// consumer was deleted, the connection closed), after the same shutdown.
// Transient fetch errors are retried.
func (w *Worker[J]) Run(ctx context.Context) error {
	if w.started.Swap(true) {
		return errors.New("workerpooljs: Run called twice")
	}
	w.jobCtx = context.WithoutCancel(ctx)
	err := w.fetchLoop(ctx)
	for _, t := range w.pool.StopAndCollect() {
		_ = t.msg.Nak() // another process takes it at once
	}
	w.pool.GetFinishedWait() // the running jobs have returned, acked or nak'ed
	// A request and its reply on the same connection: every ack and nak sent
	// before it has reached the server when the reply comes back.
	flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = w.cons.Info(flush)
	return err
}

// Stats returns the pool's snapshot: every fetched job counts Queued, a job
// Nak'ed at shutdown counts Skipped, a failed job Failed. A Worker is a
// Stats source, so the exporters take it as they take a pool:
// workerpoolprom.NewCollector("jobs", w).
func (w *Worker[J]) Stats() workerpool.Stats { return w.pool.Stats() }

// Termed returns how many messages could not be decoded and were Term'ed.
func (w *Worker[J]) Termed() uint64 { return w.termed.Load() }

// fetchLoop fetches as many messages as the pool has room for and queues
// their jobs, until ctx ends (nil) or a fatal error.
func (w *Worker[J]) fetchLoop(ctx context.Context) error {
	backoff := 10 * time.Millisecond
	capacity := w.cfg.workers + w.cfg.buffer
	for ctx.Err() == nil {
		// Fetch once half the capacity is free, or as soon as there is room
		// and nothing waits (a worker is about to idle): each fetch is a
		// round trip, so fetching a few messages at a time would cost more
		// than the jobs.
		room, waiting := w.room()
		if room == 0 || room < capacity/2 && waiting > 0 {
			select { // a job returns, or shutdown
			case <-w.freed:
			case <-ctx.Done():
			}
			continue
		}
		batch, err := w.cons.Fetch(room, jetstream.FetchMaxWait(fetchWait))
		if err == nil {
			for msg := range batch.Messages() {
				w.queue(ctx, msg)
			}
			err = batch.Error()
		}
		switch {
		case err == nil, errors.Is(err, jetstream.ErrNoMessages), errors.Is(err, context.DeadlineExceeded):
			backoff = 10 * time.Millisecond
		case fatal(err):
			return err
		default: // transient: try again, a little later each time
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
			}
			backoff = min(2*backoff, time.Second)
		}
	}
	return nil
}

// room is how many more jobs the pool takes without blocking, idle workers
// plus free intake slots, and how many jobs wait. Only the fetch loop
// queues, so room can only grow until the loop queues again.
func (w *Worker[J]) room() (room, waiting int) {
	s := w.pool.Stats()
	return max(0, s.Workers-s.Running) + max(0, w.cfg.buffer-s.Waiting), s.Waiting
}

// queue decodes msg and queues its job; a message that does not decode is
// Term'ed. Once ctx has ended (a fetch was in flight) the pool is paused, so
// the job only waits to be handed back by Run's StopAndCollect (counted
// Skipped); if the intake is full it is handed back at once (counted
// Rejected). Either way every fetched message shows in Stats.
func (w *Worker[J]) queue(ctx context.Context, msg jetstream.Msg) {
	job, err := w.decode(msg)
	if err != nil {
		w.termed.Add(1)
		_ = msg.TermWithReason("workerpooljs: decode: " + err.Error())
		return
	}
	t := &task[J]{job: job, msg: msg, w: w}
	if ctx.Err() != nil {
		w.pool.Pause()
		err = w.pool.TryQueueJob(t)
	} else {
		err = w.pool.QueueJob(t)
	}
	if err != nil {
		_ = msg.Nak()
	}
}

// fatal reports whether a fetch error ends Run.
func fatal(err error) bool {
	return errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) ||
		errors.Is(err, jetstream.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionClosed) ||
		errors.Is(err, jetstream.ErrStreamNotFound)
}

// A task is a job with its message: the pool runs it, and it acks or naks
// the message when the job returns.
type task[J workerpool.Job] struct {
	job J
	msg jetstream.Msg
	w   *Worker[J]
}

// Run runs the job, keeping its message alive with InProgress while it runs
// longer than half the AckWait, then acks the message, or naks it with the
// retry delay if the job failed or panicked (the panic goes on to the pool,
// which counts it).
func (t *task[J]) Run() {
	w := t.w
	stop := keepAlive(t.msg, w.ackWait/2)
	returned := false
	defer func() {
		stop()
		if returned && t.Err() == nil {
			_ = t.msg.Ack()
		} else {
			_ = t.msg.NakWithDelay(w.cfg.retryDelay)
		}
		select {
		case w.freed <- struct{}{}:
		default:
		}
	}()
	if cj, ok := any(t.job).(workerpool.ContextJob); ok {
		cj.RunContext(w.jobCtx)
	} else {
		t.job.Run()
	}
	returned = true
}

// Err is the job's failure, if it is a [workerpool.ErrorJob], so that the
// pool counts it Failed.
func (t *task[J]) Err() error {
	if ej, ok := any(t.job).(workerpool.ErrorJob); ok {
		return ej.Err()
	}
	return nil
}

// keepAlive sends InProgress for msg every period until the returned stop is
// called; stop returns once no InProgress can be sent any more.
func keepAlive(msg jetstream.Msg, period time.Duration) (stop func()) {
	var mu sync.Mutex
	stopped := false
	var timer *time.Timer
	mu.Lock() // the first tick waits until timer is set
	defer mu.Unlock()
	timer = time.AfterFunc(period, func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			_ = msg.InProgress()
			timer.Reset(period)
		}
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		timer.Stop()
	}
}
