package workerpool_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// Tests of retrieving finished jobs: GetFinished, GetFinishedWait,
// GetFinishedWaitContext, Finished, and the finished queue's bound.

func TestUnbuffered_FinishedJobHandedOverOnlyToAConsumer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 1, 0, true)
		a, b := &countJob{id: 1}, &countJob{id: 2}
		require.NoError(t, p.QueueJob(a))
		synctest.Wait() // the worker ran a and now holds it for a consumer
		assert.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 1, Completed: 1, Finished: 1, Held: 1}, p.Stats())

		returned := goDo(func() { assert.NoError(t, p.QueueJob(b)) })
		synctest.Wait()
		assert.False(t, returned.Load(), "the worker is busy handing a over")

		got, done := p.GetFinished()
		require.False(t, done)
		require.Same(t, a, got)
		synctest.Wait()
		assert.True(t, returned.Load())
		require.NoError(t, p.Close())
		assert.Equal(t, []*countJob{b}, drain(p))
	})
}

func TestFinishedJobsQueuedOrDropped(t *testing.T) {
	for _, queueFinished := range []bool{true, false} {
		t.Run(map[bool]string{true: "queued", false: "dropped"}[queueFinished], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[*countJob](t, 4, 8, queueFinished)
				jobs := make([]*countJob, 50)
				for i := range jobs {
					jobs[i] = &countJob{id: i}
				}
				returned := goDo(func() {
					n, err := p.QueueJobs(jobs...)
					assert.NoError(t, err)
					assert.Equal(t, len(jobs), n)
					assert.NoError(t, p.Close())
				})
				got := drain(p)
				synctest.Wait()
				require.True(t, returned.Load())
				for _, j := range jobs {
					assert.EqualValues(t, 1, j.runs.Load(), "job %d ran exactly once", j.id)
				}
				s := p.Stats()
				if queueFinished {
					assert.ElementsMatch(t, jobs, got, "every job retrieved exactly once")
					assert.Equal(t, workerpool.Stats{Workers: 4, Queued: 50, Completed: 50, Retrieved: 50}, s)
				} else {
					assert.Empty(t, got)
					assert.Equal(t, workerpool.Stats{Workers: 4, Queued: 50, Completed: 50, Dropped: 50}, s)
				}
			})
		})
	}
}

func TestGetFinished_DoneSignal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 2, true)
		job := newBlockJob(0)

		got, done := p.GetFinished()
		assert.Nil(t, got)
		assert.False(t, done, "an open pool can still produce finished jobs")

		require.NoError(t, p.QueueJob(job))
		synctest.Wait()
		require.NoError(t, p.Close())
		got, done = p.GetFinished()
		assert.Nil(t, got)
		assert.False(t, done, "closed, but a job is still running")

		close(job.release)
		synctest.Wait()
		got, done = p.GetFinished()
		assert.Same(t, job, got)
		assert.False(t, done, "a finished job comes with done == false")

		got, done = p.GetFinished()
		assert.Nil(t, got)
		assert.True(t, done, "closed, nothing running, finished queue empty")
	})
}

func TestGetFinishedWait_BlocksUntilJobOrDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 2, true)
		job := newBlockJob(0)
		require.NoError(t, p.QueueJob(job))

		var got *blockJob
		var done bool
		returned := goDo(func() { got, done = p.GetFinishedWait() })
		synctest.Wait()
		require.False(t, returned.Load(), "blocks while the job runs")
		close(job.release)
		synctest.Wait()
		require.True(t, returned.Load())
		assert.Same(t, job, got)
		assert.False(t, done)

		returned = goDo(func() { got, done = p.GetFinishedWait() })
		synctest.Wait()
		require.False(t, returned.Load(), "blocks while the pool is open")
		require.NoError(t, p.Close())
		synctest.Wait()
		require.True(t, returned.Load())
		assert.Nil(t, got)
		assert.True(t, done)
	})
}

func TestGetFinishedWait_WithoutQueueFinishedWaitsForTheEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 2, 2, false)
		jobs := []*blockJob{newBlockJob(0), newBlockJob(1), newBlockJob(2)}
		for _, j := range jobs {
			require.NoError(t, p.QueueJob(j))
		}
		require.NoError(t, p.Close())
		returned := goDo(func() {
			got, done := p.GetFinishedWait()
			assert.Nil(t, got)
			assert.True(t, done)
		})
		for _, j := range jobs {
			synctest.Wait()
			assert.False(t, returned.Load(), "returns only when all work is over")
			close(j.release)
		}
		synctest.Wait()
		assert.True(t, returned.Load())
	})
}

func TestGetFinishedWaitContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 1, 1, true)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		got, done, err := p.GetFinishedWaitContext(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Nil(t, got)
		assert.False(t, done)

		job := &countJob{}
		require.NoError(t, p.QueueJob(job))
		synctest.Wait()
		_, _, err = p.GetFinishedWaitContext(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded, "an ended context returns at once")
		assert.Equal(t, 1, p.Stats().Finished, "and leaves the finished queue unchanged")

		got, done, err = p.GetFinishedWaitContext(context.Background())
		require.NoError(t, err)
		assert.Same(t, job, got)
		assert.False(t, done)
		require.NoError(t, p.Close())
		got, done, err = p.GetFinishedWaitContext(context.Background())
		require.NoError(t, err)
		assert.Nil(t, got)
		assert.True(t, done)
	})
}

func TestFinishedIterator(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 1, 10, true)
		jobs := []*countJob{{id: 0}, {id: 1}, {id: 2}, {id: 3}}
		_, err := p.QueueJobs(jobs...)
		require.NoError(t, err)
		synctest.Wait()

		var first []*countJob
		for j := range p.Finished() {
			first = append(first, j)
			if len(first) == 2 {
				break // breaking early leaves the rest queued
			}
		}
		assert.Equal(t, jobs[:2], first)
		assert.Equal(t, 2, p.Stats().Finished)

		require.NoError(t, p.Close())
		assert.Equal(t, jobs[2:], drain(p), "the range ends when the pool is done")
	})
}

func TestFinishedQueueStaysReadableAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 2, 4, true)
		jobs := []*countJob{{id: 0}, {id: 1}, {id: 2}}
		_, err := p.QueueJobs(jobs...)
		require.NoError(t, err)
		require.NoError(t, p.Close())
		synctest.Wait()
		assert.ElementsMatch(t, jobs, drain(p))
	})
}

func TestOpenPoolHoldsAtMostTwiceBufferPlusWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers, buf = 3, 2
		p := newPool[*countJob](t, workers, buf, true)
		for i := range 2*buf + workers {
			require.NoError(t, p.QueueJob(&countJob{id: i}), "job %d fits", i)
			synctest.Wait()
		}
		returned := goDo(func() { assert.NoError(t, p.QueueJob(&countJob{id: 99})) })
		synctest.Wait()
		require.False(t, returned.Load(), "the next QueueJob blocks")
		s := p.Stats()
		assert.Equal(t, workerpool.Stats{Workers: 3, Live: 3, Queued: 7, Waiting: 2, Finished: 5, Completed: 5, Blocked: 1, Held: 3}, s)

		_, done := p.GetFinished() // frees a finished slot: a held job moves up, its worker takes the next
		require.False(t, done)
		synctest.Wait()
		assert.True(t, returned.Load())
		require.NoError(t, p.Close())
		assert.Len(t, drain(p), 7)
	})
}
