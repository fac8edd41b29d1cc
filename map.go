package workerpool

import "context"

// This file is fan-out in one call: Map.

// Map runs f over in as one group of p, made with [StopOnError] and ctx as
// its context: it queues one [Task] per input (blocking for room as
// [Group.QueueJob] does), waits for them, and returns the outputs in input
// order, with the error [Group.Wait] reports. Where f did not return
// successfully (it failed, or never ran because an earlier failure or the
// end of ctx stopped the group) the output is the zero Out. If a job could
// not be queued (the pool is closed, or the group was stopped while Map
// was queuing) and Wait reports nothing, that queuing error is returned.
// Each call counts as one group in [Stats]. An empty in returns an empty
// slice and nil at once.
//
// f runs on the pool's workers, concurrently for different inputs, with the
// group's context: it ends at the first failure, when ctx ends, and once
// Map returns.
func Map[In, Out any](ctx context.Context, p *Pool[Task], in []In,
	f func(ctx context.Context, v In) (Out, error)) ([]Out, error) {
	out := make([]Out, len(in))
	if len(in) == 0 {
		return out, nil
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
