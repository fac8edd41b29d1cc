package workerpool_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

func TestJobFunc_RunCallsTheFunc(t *testing.T) {
	ran := false
	workerpool.JobFunc(func() { ran = true }).Run()
	assert.True(t, ran)
}

func TestContextJobFunc_RunUsesBackgroundAndThePoolUsesRunContext(t *testing.T) {
	var got context.Context
	f := workerpool.ContextJobFunc(func(ctx context.Context) { got = ctx })
	f.Run()
	assert.Equal(t, context.Background(), got, "Run outside a pool: context.Background")

	synctest.Test(t, func(t *testing.T) {
		p := newPool[workerpool.Job](t, 1, 1, false)
		var err error
		started := make(chan struct{})
		require.NoError(t, p.QueueJob(workerpool.ContextJobFunc(func(ctx context.Context) {
			close(started)
			<-ctx.Done()
			err = ctx.Err()
		})))
		<-started
		require.NoError(t, p.Stop())
		p.GetFinishedWait()
		assert.ErrorIs(t, err, context.Canceled, "the pool runs it through RunContext, which Stop cancels")
	})
}

func TestNilFuncJobsAreRefused(t *testing.T) {
	p := newPool[workerpool.Job](t, 1, 1, false)
	defer p.Close()
	assert.ErrorIs(t, p.QueueJob(workerpool.JobFunc(nil)), workerpool.ErrNilJob)
	assert.ErrorIs(t, p.TryQueueJob(workerpool.ContextJobFunc(nil)), workerpool.ErrNilJob)
	assert.Equal(t, workerpool.Stats{Workers: 1}, p.Stats(), "a nil job is never counted")
}

func TestWithContext_QueuingAfterTheEndIsRefusedAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p := newPool[*countJob](t, 2, 2, false, workerpool.WithContext(ctx))
		cancel()
		// No synctest.Wait: the watcher's Stop may not have run yet, but
		// the pool sees the ended context itself.
		j := &countJob{}
		assert.ErrorIs(t, p.TryQueueJob(j), workerpool.ErrClosed)
		assert.ErrorIs(t, p.QueueJob(j), workerpool.ErrClosed)
		requireDone(t, p)
		assert.Zero(t, j.runs.Load())
		assert.Equal(t, workerpool.Stats{Workers: 2, Rejected: 2}, p.Stats())
	})
}
