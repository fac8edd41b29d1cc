package workerpool_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// Tests of Close, Stop and the WithContext stop.

func TestClose_RunsEveryWaitingJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 5, false)
		jobs := make([]*blockJob, 6)
		for i := range jobs {
			jobs[i] = newBlockJob(i)
			require.NoError(t, p.QueueJob(jobs[i]))
			synctest.Wait()
		}
		assert.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 6, Waiting: 5, Running: 1}, p.Stats())
		require.NoError(t, p.Close())
		for _, j := range jobs {
			close(j.release)
		}
		requireDone(t, p)
		for _, j := range jobs {
			assert.EqualValues(t, 1, j.runs.Load(), "job %d", j.id)
		}
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 6, Completed: 6, Dropped: 6}, p.Stats())
	})
}

func TestStop_SkipsWaitingJobsAndLetsRunningOnesFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 2, 5, true)
		jobs := make([]*blockJob, 7)
		for i := range jobs {
			jobs[i] = newBlockJob(i)
			require.NoError(t, p.QueueJob(jobs[i]))
			synctest.Wait()
		}
		require.NoError(t, p.Stop())
		assert.Equal(t, workerpool.Stats{Workers: 2, Live: 2, Queued: 7, Running: 2, Skipped: 5}, p.Stats())
		for _, j := range jobs {
			close(j.release)
		}
		got := drain(p)
		assert.ElementsMatch(t, jobs[:2], got, "the running jobs finish and are delivered")
		for _, j := range jobs[2:] {
			assert.Zero(t, j.runs.Load(), "waiting job %d is never started", j.id)
		}
		assert.Equal(t, workerpool.Stats{Workers: 2, Queued: 7, Completed: 2, Retrieved: 2, Skipped: 5}, p.Stats())
	})
}

func TestStop_CancelsRunContextJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*ctxJob](t, 2, 2, true)
		a, b := &ctxJob{}, &ctxJob{}
		require.NoError(t, p.QueueJob(a))
		require.NoError(t, p.QueueJob(b))
		synctest.Wait()
		assert.Equal(t, 2, p.Stats().Running)
		require.NoError(t, p.Stop())
		got := drain(p)
		assert.ElementsMatch(t, []*ctxJob{a, b}, got)
		assert.ErrorIs(t, a.err, context.Canceled)
		assert.ErrorIs(t, b.err, context.Canceled)
	})
}

func TestClose_DoesNotInterruptRunContextJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*ctxJob](t, 1, 1, false)
		a := &ctxJob{}
		require.NoError(t, p.QueueJob(a))
		require.NoError(t, p.Close())
		synctest.Wait()
		assert.Equal(t, 1, p.Stats().Running, "Close lets the job run on")
		require.NoError(t, p.Stop())
		requireDone(t, p)
		assert.ErrorIs(t, a.err, context.Canceled)
	})
}

func TestWithContext_EndStopsThePool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), markerKey{}, "m"))
		p := newPool[*ctxJob](t, 1, 4, false, workerpool.WithContext(ctx))
		running, waiting := &ctxJob{}, &ctxJob{}
		require.NoError(t, p.QueueJob(running))
		synctest.Wait()
		require.NoError(t, p.QueueJob(waiting))
		cancel()
		synctest.Wait()
		require.ErrorIs(t, p.QueueJob(&ctxJob{}), workerpool.ErrClosed)
		requireDone(t, p)
		assert.ErrorIs(t, running.err, context.Canceled)
		assert.Equal(t, "m", running.marker, "the job's context carries the WithContext values")
		assert.Zero(t, waiting.runs.Load())
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 2, Completed: 1, Skipped: 1, Rejected: 1, Dropped: 1}, p.Stats())
	})
}

func TestWithContext_AlreadyDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		p := newPool[*countJob](t, 2, 2, false, workerpool.WithContext(ctx))
		synctest.Wait() // "promptly": the stop runs in its own goroutine
		require.ErrorIs(t, p.QueueJob(&countJob{}), workerpool.ErrClosed)
		_, done := p.GetFinished()
		assert.True(t, done)
	})
}
