package workerpool

import (
	"context"
	"sync"
)

// ctxWaker makes a context's end wake a sync.Cond's waiters, as in the
// context package's ExampleAfterFunc_cond. The zero value is ready to use.
type ctxWaker struct {
	stopWaking func() bool // unregisters the AfterFunc; nil until one is registered
}

// wait waits once on c, whose L is held, releasing it while it waits. It
// first returns ctx.Err() if ctx has ended, and otherwise makes sure ctx's
// end will Broadcast c, registering the wake-up at most once per ctxWaker.
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
