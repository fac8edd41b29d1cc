package workerpool

import "context"

// This file is the context the pool's jobs run with.

// A jobContext is the context a pool gives its jobs: a [Task]'s argument
// and a [ContextJob]'s RunContext argument, the group's ([Group.Context])
// or the pool's. It is a cancellable context that also says which pool it
// belongs to, so that a [Map] called with it (from a job, one level down)
// knows it runs on one of that pool's workers. It lives inside its Group or
// Pool: making it allocates nothing more.
type jobContext struct {
	context.Context                 // the cancellable context: values, deadline and end
	pool            any             // the *Pool[J] that gives it to its jobs
	values          context.Context // looked up for values the Context lacks: the pool's (WithContext) for a group's; nil for the pool's own
}

// onPoolKey is the key under which a jobContext holds its pool.
type onPoolKey struct{}

// Value returns the pool for onPoolKey, else the Context's value for key,
// else the pool's: a group's jobs see the values of the ctx given to
// [Pool.NewGroup] and, where it has none, those of the [WithContext]
// context, as the pool's own jobs do.
func (c *jobContext) Value(key any) any {
	if key == (onPoolKey{}) {
		return c.pool
	}
	v := c.Context.Value(key)
	if v == nil && c.values != nil {
		return c.values.Value(key)
	}
	return v
}

// givenToJobsBy reports whether ctx is, or is derived from, a context that
// pool gives its jobs: the caller runs on one of its workers (or passes on
// such a context).
func givenToJobsBy(ctx context.Context, pool any) bool {
	return ctx.Value(onPoolKey{}) == pool
}
