package workerpool

import (
	"context"
	"fmt"
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

// A GroupOption configures a group made by [Pool.NewGroup].
type GroupOption interface {
	applyGroup(*groupConfig)
}

// groupConfig holds what the group options set.
type groupConfig struct {
	stopOnError bool
	keep        bool
	limit       int // 0: no limit
	weight      int // 0: the default, 1
}

type groupOptionFunc func(*groupConfig)

func (f groupOptionFunc) applyGroup(c *groupConfig) { f(c) }

// StopOnError makes the group's first failure stop the group, as
// [Group.Stop] does, with that failure as its context's cause. The stop
// takes effect as soon as the failure is known: when the failing job's
// Err() has returned, or its panic (or [runtime.Goexit]) was recovered,
// before the panic handler runs. No job of the group starts after that;
// jobs that other workers started before it run to their end.
func StopOnError() GroupOption {
	return groupOptionFunc(func(c *groupConfig) { c.stopOnError = true })
}

// KeepFinished makes the group keep its finished jobs for [Group.Finished];
// without it they are dropped (counted Dropped). Kept jobs are not bounded
// by the pool's bufferSize, only by how many jobs the group queued.
// [Group.Stop] releases the jobs still kept (they count Dropped), and so
// does the garbage collector once the group is done and unreachable, so a
// caller that stops reading Finished early leaves nothing counted behind.
func KeepFinished() GroupOption {
	return groupOptionFunc(func(c *groupConfig) { c.keep = true })
}

// Limit makes at most n of the group's jobs run at once. A group at its
// limit leaves the turns, so the other groups take them, and its blocked
// queuing calls wait too; when one of its jobs returns it rejoins the turns
// at the back, as a group whose jobs just arrived. So a limited group never
// starts more jobs per round than an unlimited one of the same weight, and
// a worker freed by its job goes to the group whose turn is next. Limit
// panics if n < 1, naming n.
func Limit(n int) GroupOption {
	if n < 1 {
		panic(fmt.Sprintf("workerpool: Limit: n must be at least 1, got %d", n))
	}
	return groupOptionFunc(func(c *groupConfig) { c.limit = n })
}

// Weight makes the group start up to w jobs in a row, while other groups
// have jobs waiting, where a group without Weight starts 1: a weighted
// round-robin, so that two busy groups of weights 3 and 1 start jobs 3:1.
// When callers block for room, the group's blocked calls are admitted the
// same way, up to w in a row (a call admitted for one job keeps the group's
// turn while its caller comes back with the next), so weights hold at every
// buffer size. Weight panics if w < 1, naming w.
func Weight(w int) GroupOption {
	if w < 1 {
		panic(fmt.Sprintf("workerpool: Weight: w must be at least 1, got %d", w))
	}
	return groupOptionFunc(func(c *groupConfig) { c.weight = w })
}
