package workerpool_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// --- Resize -----------------------------------------------------------------

func TestResize_GrowTakesWaitingAndBlockedJobsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 2, false)
		jobs := []*blockJob{newBlockJob(0), newBlockJob(1), newBlockJob(2), newBlockJob(3)}
		for _, j := range jobs[:3] {
			require.NoError(t, p.QueueJob(j))
		}
		blocked := goDo(func() { assert.NoError(t, p.QueueJob(jobs[3])) })
		synctest.Wait()
		require.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 3, Waiting: 2, Running: 1, Blocked: 1}, p.Stats())

		require.NoError(t, p.Resize(4))
		synctest.Wait()
		assert.True(t, blocked.Load(), "the blocked caller's job was taken")
		assert.Equal(t, workerpool.Stats{Workers: 4, Live: 4, Queued: 4, Running: 4}, p.Stats())
		for i, j := range jobs {
			assert.EqualValues(t, 1, j.runs.Load(), "job %d runs on a new worker", i)
		}
		releaseAll(jobs...)
		require.NoError(t, p.Close())
		p.GetFinishedWait()
		assert.Equal(t, workerpool.Stats{Workers: 4, Queued: 4, Completed: 4, Dropped: 4}, exitedStats(p))
	})
}

func TestResize_ShrinkRetiresIdleWorkersAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 4, 4, false)
		require.NoError(t, p.Resize(1))
		assert.Equal(t, 1, p.Stats().Workers)
		a, b := newBlockJob(0), newBlockJob(1)
		require.NoError(t, p.QueueJob(a))
		require.NoError(t, p.QueueJob(b))
		synctest.Wait()
		assert.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 2, Waiting: 1, Running: 1}, p.Stats(),
			"one worker is left to take jobs")
		releaseAll(a, b)
		require.NoError(t, p.Close())
		p.GetFinishedWait() // the bubble fails the test if a retired goroutine is left
	})
}

func TestResize_ShrinkRetiresBusyWorkersWhenTheirJobReturns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 3, 3, false)
		jobs := make([]*blockJob, 6)
		for i := range jobs {
			jobs[i] = newBlockJob(i)
			require.NoError(t, p.QueueJob(jobs[i]))
		}
		synctest.Wait()
		require.NoError(t, p.Resize(1))
		assert.Equal(t, workerpool.Stats{Workers: 3, Live: 3, Queued: 6, Waiting: 3, Running: 3}, p.Stats(),
			"no running job is interrupted; retiring workers still count")

		releaseAll(jobs[0])
		synctest.Wait()
		assert.Equal(t, workerpool.Stats{Workers: 2, Live: 2, Queued: 6, Waiting: 3, Running: 2, Completed: 1, Dropped: 1}, p.Stats(),
			"the worker whose job returned retired instead of taking the next")
		releaseAll(jobs[1])
		synctest.Wait()
		assert.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 6, Waiting: 3, Running: 1, Completed: 2, Dropped: 2}, p.Stats())
		releaseAll(jobs[2])
		synctest.Wait()
		assert.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 6, Waiting: 2, Running: 1, Completed: 3, Dropped: 3}, p.Stats(),
			"the one worker left takes the next job")
		releaseAll(jobs[3:]...)
		require.NoError(t, p.Close())
		p.GetFinishedWait()
		for i, j := range jobs {
			assert.EqualValues(t, 1, j.runs.Load(), "job %d ran once", i)
		}
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 6, Completed: 6, Dropped: 6}, exitedStats(p))
	})
}

func TestResize_RetiringWorkerHoldsItsFinishedJobLikeAnyOther(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 2, 0, true)
		a, b := newBlockJob(0), newBlockJob(1)
		require.NoError(t, p.QueueJob(a))
		require.NoError(t, p.QueueJob(b))
		require.NoError(t, p.Resize(1))
		releaseAll(a)
		synctest.Wait()
		releaseAll(b)
		synctest.Wait()
		assert.Equal(t, workerpool.Stats{Workers: 2, Live: 2, Queued: 2, Completed: 2, Finished: 2, Held: 2}, p.Stats(),
			"bufferSize 0: each worker holds its finished job for a consumer")
		got, _ := p.GetFinished()
		require.Same(t, a, got)
		synctest.Wait()
		assert.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 2, Completed: 2, Finished: 1, Retrieved: 1, Held: 1}, p.Stats(),
			"released, the retiring worker retires")
		require.NoError(t, p.Close())
		assert.Equal(t, []*blockJob{b}, drain(p))
	})
}

func TestResize_CapacityBoundFollowsTheSize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const buf = 1
		p := newPool[*countJob](t, 1, buf, true)
		require.NoError(t, p.Resize(3))
		for i := range 2*buf + 3 {
			require.NoError(t, p.QueueJob(&countJob{id: i}), "job %d fits", i)
			synctest.Wait()
		}
		returned := goDo(func() { assert.NoError(t, p.QueueJob(&countJob{id: 99})) })
		synctest.Wait()
		require.False(t, returned.Load(), "the next QueueJob blocks")
		assert.Equal(t, workerpool.Stats{Workers: 3, Live: 3, Queued: 5, Waiting: 1, Finished: 4, Completed: 4, Blocked: 1, Held: 3}, p.Stats())
		_, done := p.GetFinished() // a held job moves up, its worker takes the next, the blocked job moves in
		require.False(t, done)
		synctest.Wait()
		assert.True(t, returned.Load())
		require.NoError(t, p.Close())
		assert.Len(t, drain(p), 5)
	})
}

func TestResize_BadValueAndClosedPool(t *testing.T) {
	p := newPool[*countJob](t, 2, 1, false)
	for _, n := range []int{0, -3} {
		err := p.Resize(n)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "got "+map[int]string{0: "0", -3: "-3"}[n], "the error names the value")
		assert.Equal(t, 2, p.Stats().Workers, "nothing changes")
	}
	require.NoError(t, p.Close())
	assert.ErrorContains(t, p.Resize(-1), "got -1", "a bad value is reported before ErrClosed")
	assert.ErrorIs(t, p.Resize(4), workerpool.ErrClosed)
	assert.Equal(t, 2, p.Stats().Workers)
}

// --- Pause and Resume ---------------------------------------------------------

func TestPause_NoJobStartsAndQueuingGoesOnUntilFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 2, 2, false)
		p.Pause()
		p.Pause() // repeated: nothing more
		a, b, c := &countJob{id: 1}, &countJob{id: 2}, &countJob{id: 3}
		require.NoError(t, p.TryQueueJob(a))
		require.NoError(t, p.QueueJob(b))
		assert.ErrorIs(t, p.TryQueueJob(c), workerpool.ErrQueueFull, "idle workers take nothing while paused")
		blocked := goDo(func() { assert.NoError(t, p.QueueJob(c)) })
		synctest.Wait()
		assert.False(t, blocked.Load())
		assert.Equal(t, workerpool.Stats{Workers: 2, Queued: 2, Waiting: 2, Blocked: 1, Rejected: 1, Paused: true}, p.Stats())
		assert.Zero(t, a.runs.Load()+b.runs.Load())

		p.Resume()
		synctest.Wait()
		assert.True(t, blocked.Load())
		assert.Equal(t, workerpool.Stats{Workers: 2, Live: 2, Queued: 3, Completed: 3, Rejected: 1, Dropped: 3}, p.Stats())
		require.NoError(t, p.Close())
	})
}

func TestPause_UnbufferedRefusesTryQueueJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 2, 0, false)
		p.Pause()
		assert.ErrorIs(t, p.TryQueueJob(&countJob{}), workerpool.ErrQueueFull)
		p.Resume()
		assert.NoError(t, p.TryQueueJob(&countJob{}))
		require.NoError(t, p.Close())
	})
}

func TestPause_RunningJobsFinishAndFinishedJobsCanBeRetrieved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 2, true)
		running, waiting := newBlockJob(0), newBlockJob(1)
		require.NoError(t, p.QueueJob(running))
		require.NoError(t, p.QueueJob(waiting))
		p.Pause()
		releaseAll(running, waiting)
		synctest.Wait()
		got, done := p.GetFinished()
		assert.Same(t, running, got)
		assert.False(t, done)
		assert.Zero(t, waiting.runs.Load(), "no new job starts while paused")

		ctx, cancel := context.WithCancel(context.Background())
		idle := goDo(func() { assert.NoError(t, p.WaitIdle(ctx)) })
		synctest.Wait()
		assert.False(t, idle.Load(), "WaitIdle waits for the resume while jobs wait")
		p.Resume()
		synctest.Wait()
		assert.True(t, idle.Load())
		cancel()
		require.NoError(t, p.Close())
		assert.Equal(t, []*blockJob{waiting}, drain(p))
	})
}

func TestPause_EndedByCloseAndStop(t *testing.T) {
	tests := []struct {
		name             string
		shutdown         func(p *workerpool.Pool[*countJob]) error
		ran, skipped     uint64
		pauseAfterIgnore bool
	}{
		{"Close runs the waiting jobs", (*workerpool.Pool[*countJob]).Close, 2, 0, true},
		{"Stop skips them", (*workerpool.Pool[*countJob]).Stop, 0, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[*countJob](t, 1, 2, false)
				p.Pause()
				_, err := p.QueueJobs(&countJob{}, &countJob{})
				require.NoError(t, err)
				require.NoError(t, tt.shutdown(p))
				assert.False(t, p.Stats().Paused)
				p.Pause()
				assert.False(t, p.Stats().Paused, "Pause after Close or Stop does nothing")
				p.Resume()
				requireDone(t, p)
				assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 2, Completed: tt.ran, Skipped: tt.skipped, Dropped: tt.ran}, exitedStats(p))
			})
		})
	}
}

// --- StopAndCollect -----------------------------------------------------------

func TestStopAndCollect_ReturnsTheSkippedJobsOldestFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 3, false)
		jobs := []*blockJob{newBlockJob(0), newBlockJob(1), newBlockJob(2), newBlockJob(3), newBlockJob(4)}
		for _, j := range jobs[:4] {
			require.NoError(t, p.QueueJob(j))
		}
		var blockedErr error
		blocked := goDo(func() { blockedErr = p.QueueJob(jobs[4]) })
		synctest.Wait()

		assert.Equal(t, jobs[1:4], p.StopAndCollect(), "the waiting jobs, oldest first")
		synctest.Wait()
		require.True(t, blocked.Load())
		assert.ErrorIs(t, blockedErr, workerpool.ErrClosed, "a blocked caller keeps its job")
		assert.Nil(t, p.StopAndCollect(), "nothing is left to collect")
		releaseAll(jobs...)
		p.GetFinishedWait()
		for i, j := range jobs[1:] {
			assert.Zero(t, j.runs.Load(), "job %d never ran", i+1)
		}
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 4, Completed: 1, Skipped: 3, Rejected: 1, Dropped: 1}, exitedStats(p))
	})
}

func TestStopAndCollect_AfterCloseCollectsWhatIsStillWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 2, false)
		running, waiting := newBlockJob(0), newBlockJob(1)
		require.NoError(t, p.QueueJob(running))
		require.NoError(t, p.QueueJob(waiting))
		require.NoError(t, p.Close())
		assert.Equal(t, []*blockJob{waiting}, p.StopAndCollect())
		releaseAll(running, waiting)
		p.GetFinishedWait()
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 2, Completed: 1, Skipped: 1, Dropped: 1}, exitedStats(p))
	})
}

// --- Counters ---------------------------------------------------------------

func TestRejected_OnePerJobTurnedAway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 1, false)
		running, waiting := newBlockJob(0), newBlockJob(1)
		require.NoError(t, p.QueueJob(running))
		require.NoError(t, p.QueueJob(waiting))
		assert.ErrorIs(t, p.TryQueueJob(newBlockJob(2)), workerpool.ErrQueueFull) // 1
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		assert.ErrorIs(t, p.QueueJobContext(ctx, newBlockJob(3)), context.Canceled) // 2
		assert.ErrorIs(t, p.QueueJobContext(ctx, nil), context.Canceled)            // nil: not counted
		assert.ErrorIs(t, p.TryQueueJob(nil), workerpool.ErrNilJob)                 // not counted
		n, err := p.QueueJobs(nil, newBlockJob(4))
		assert.ErrorIs(t, err, workerpool.ErrNilJob, "ErrNilJob counts nothing")
		assert.Zero(t, n)
		assert.EqualValues(t, 2, p.Stats().Rejected)

		require.NoError(t, p.Close())
		n, err = p.QueueJobs(newBlockJob(5), nil, newBlockJob(6)) // 4: each non-nil job
		assert.ErrorIs(t, err, workerpool.ErrClosed)
		assert.Zero(t, n)
		assert.ErrorIs(t, p.QueueJob(nil), workerpool.ErrClosed, "nil on a closed pool: ErrClosed, not counted")
		assert.EqualValues(t, 4, p.Stats().Rejected)
		releaseAll(running, waiting)
		p.GetFinishedWait()
	})
}
