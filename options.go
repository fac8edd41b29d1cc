package workerpool

import (
	"context"
	"time"
)

// An Option configures a pool created by [New] or [NewWorkerPool].
type Option interface {
	apply(*config)
}

// config holds what the options set.
type config struct {
	panicHandler func(Job, any, []byte) // nil: log to the standard logger
	ctx          context.Context        // nil: no WithContext
	ctxSet       bool                   // WithContext was given (so a nil ctx is reported)
	timings      bool                   // WithTimings: measure waits and runs
	timeSlice    time.Duration          // WithTimeSlice; DefaultTimeSlice unless given
	idleTimeout  time.Duration          // WithIdleTimeout; DefaultIdleTimeout unless given
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithPanicHandler sets the function called, on the worker goroutine, after a
// job panics. It returns before the job is counted Completed and Panicked and
// delivered to the finished queue. A handler that panics itself is recovered
// and logged; the worker survives. A nil handler restores the default, which
// writes the panic value and stack to the standard logger ([log.Printf]).
// The handler runs on the worker, so a handler that blocks keeps that worker
// (and the job's completion) waiting; it must not call [runtime.Goexit].
func WithPanicHandler(handler func(job Job, recovered any, stack []byte)) Option {
	return optionFunc(func(c *config) { c.panicHandler = handler })
}

// WithContext ties the pool to ctx: when ctx ends, the pool stops as if
// [Pool.Stop] had been called, promptly but not necessarily before the next
// queuing call returns. No job starts once ctx.Err() is non-nil: a worker
// that would take a waiting job stops the pool itself instead, so the
// waiting jobs are counted Skipped, and a queuing call that finds ctx ended
// gets [ErrClosed]. The context passed to [ContextJob]s carries ctx's values
// (not its deadline) and is cancelled by that stop. A nil ctx makes [New]
// return an error.
//
// The jobs this stop skips, the groups' included, are kept, not lost: a
// later [Pool.StopAndCollect] returns them, oldest first, so the common
// shutdown (ctx from [os/signal.NotifyContext], then <-ctx.Done() and
// StopAndCollect) hands back every unstarted job whatever the timing. A
// plain [Pool.Stop] releases them; until one of the two is called the pool
// holds them.
//
// That is the shutdown of a pipeline, whose jobs can be persisted and run
// later. A server should not stop its pool with the signal: the requests in
// flight would get errors, and the jobs handed back are closures it cannot
// persist. It shuts down the other way round: [net/http.Server.Shutdown]
// first, which stops accepting and waits for the requests in flight (each
// waiting for its own group's jobs), then [Pool.Close].
func WithContext(ctx context.Context) Option {
	return optionFunc(func(c *config) { c.ctx, c.ctxSet = ctx, true })
}

// WithTimings makes the pool measure, for every job, how long it waited
// (accepted → started) and ran (started → returned), in the histograms
// [Stats].Wait and [Stats].Run ([Timings]). They are recorded under the same
// lock as the counters, so every snapshot has Wait.Count == Running +
// Completed and Run.Count == Completed. A job handed straight to an idle
// worker waited 0. Without WithTimings no clock is read on the job path and
// both histograms stay zero.
func WithTimings() Option {
	return optionFunc(func(c *config) { c.timings = true })
}
