package workerpool

import "context"

// Job is a self-contained unit of work: its results and errors are stored in
// the job itself, typically a pointer to a struct.
type Job interface {
	Run()
}

// ContextJob is a [Job] that can be interrupted. The pool runs it through
// RunContext instead of Run; ctx is cancelled by [Pool.Stop] and by the end
// of the [WithContext] context, and carries the WithContext context's values.
//
// A mistyped method silently makes a job a plain Job; assert the interface at
// compile time to catch that:
//
//	var _ workerpool.ContextJob = (*fetchJob)(nil)
type ContextJob interface {
	Job
	RunContext(ctx context.Context)
}

// JobFunc is a func used as a [Job], as [net/http.HandlerFunc] is a func used
// as a handler. Its Run calls the func. A nil JobFunc is refused with [ErrNilJob].
type JobFunc func()

// Run calls f().
func (f JobFunc) Run() { f() }

// ContextJobFunc is a func used as a [ContextJob]: the pool calls it with the
// job's context. A nil ContextJobFunc is refused with [ErrNilJob].
type ContextJobFunc func(ctx context.Context)

// Run calls f with [context.Background], for callers outside a pool.
func (f ContextJobFunc) Run() { f(context.Background()) }

// RunContext calls f(ctx).
func (f ContextJobFunc) RunContext(ctx context.Context) { f(ctx) }

// Task is a func used as a job that can fail: the pool calls it with the
// job's context (its group's, or the pool's, as a [ContextJob] gets) and a
// non-nil error counts the job Failed and reaches [Group.Wait], as an
// [ErrorJob]'s Err() does. A nil Task is refused with [ErrNilJob]. Use a
// Pool[Task] with [Map] to run a function over a slice, or queue Tasks on
// a group and Wait for the first error.
type Task func(ctx context.Context) error

// Run calls t with [context.Background], for callers outside a pool; the
// error is dropped.
func (t Task) Run() { _ = t(context.Background()) }

// RunContext calls t(ctx); the error is dropped (the pool calls t itself
// and keeps it).
func (t Task) RunContext(ctx context.Context) { _ = t(ctx) }
