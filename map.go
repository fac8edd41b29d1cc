package workerpool

import (
	"context"
	"fmt"
)

// This file is fan-out in one call: Map.

// Map runs f over in as one group of p, made with [StopOnError] and ctx as
// its context: it queues one [Task] per input (blocking for room as
// [Group.QueueJob] does), waits for them, and returns the outputs in input
// order, with the error [Group.Wait] reports. Where f did not return
// successfully (it failed, or never ran because an earlier failure or the
// end of ctx stopped the group) the output is the zero Out. If a job could
// not be queued (the pool is closed, or the group was stopped while Map
// was queuing) and Wait reports nothing, that queuing error is returned:
// for a ctx that had already ended, [ErrGroupClosed] wrapping its cause.
// Each call counts as one group in [Stats]. An empty in returns an empty
// slice and nil at once.
//
// f runs on the pool's workers, concurrently for different inputs, with the
// group's context: it ends at the first failure, when ctx ends, and once
// Map returns.
//
// A Map called from a job of p with the context p gave it (a [Task]
// passing on its ctx, or f of an outer Map passing on its own) never waits
// for p's workers: the calling job already holds one, and waiting could
// deadlock a pool whose workers all run such jobs. It runs f itself, input
// by input on the calling goroutine, with the same outputs, order and
// first-error rule (the first failure ends the call; an ended ctx ends it
// as it stops a group), and counts no group. A panic in f then is the
// calling job's. The same holds for any context derived from one p gives
// its jobs, [Group.Context] included. [Group.Wait] has no such way out: a
// job must not wait on a group of its own pool whose jobs still need
// workers.
//
// Map panics if ctx is nil or p was not made by [New].
func Map[In, Out any](ctx context.Context, p *Pool[Task], in []In,
	f func(ctx context.Context, v In) (Out, error)) ([]Out, error) {
	mustHaveContext(ctx, "Map")
	if p == nil || !p.made() {
		panic("workerpool: Map on a Pool not made by New")
	}
	out := make([]Out, len(in))
	if len(in) == 0 {
		return out, nil
	}
	if givenToJobsBy(ctx, p) {
		return out, mapHere(ctx, in, out, f)
	}
	g := p.NewGroup(ctx, StopOnError())
	var queueErr error
	for i := range in {
		queueErr = g.QueueJob(func(ctx context.Context) error {
			v, err := f(ctx, in[i])
			if err != nil {
				return err
			}
			out[i] = v // read by the caller after Wait, which orders it
			return nil
		})
		if queueErr != nil {
			break
		}
	}
	if err := g.Wait(); err != nil {
		return out, err
	}
	return out, queueErr
}

// mapHere is a nested Map: it runs f over in on the calling goroutine,
// storing the outputs in out, and returns what Map's group would: the first
// failure, or for an ended ctx [ErrGroupClosed] (nothing ran yet) or
// [ErrStopped] (some inputs were skipped), wrapping its cause.
func mapHere[In, Out any](ctx context.Context, in []In, out []Out,
	f func(ctx context.Context, v In) (Out, error)) error {
	for i := range in {
		if ctx.Err() != nil {
			cause := context.Cause(ctx)
			if i == 0 {
				return fmt.Errorf("%w: %w", ErrGroupClosed, cause)
			}
			return stoppedError(cause)
		}
		v, err := f(ctx, in[i])
		if err != nil {
			return err
		}
		out[i] = v
	}
	return nil
}
