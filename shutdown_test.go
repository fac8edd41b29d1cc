package workerpool_test

import (
	"context"
	"fmt"
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
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 6, Completed: 6, Dropped: 6}, exitedStats(p))
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
		assert.Equal(t, workerpool.Stats{Workers: 2, Queued: 7, Completed: 2, Retrieved: 2, Skipped: 5}, exitedStats(p))
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
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 2, Completed: 1, Skipped: 1, Rejected: 1, Dropped: 1}, exitedStats(p))
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

func TestRegression_NoWaitingJobStartsAfterWithContextEnded(t *testing.T) {
	for range 50 {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := newPool[workerpool.Job](t, 1, 4, false, workerpool.WithContext(ctx))
			first := &cancelJob{release: make(chan struct{}), cancel: cancel}
			behind := []*countJob{{}, {}, {}}
			require.NoError(t, p.QueueJob(first)) // handed to the idle worker
			for _, j := range behind {
				require.NoError(t, p.TryQueueJob(j))
			}
			close(first.release)
			requireDone(t, p)
			assert.EqualValues(t, 1, first.runs.Load())
			for i, j := range behind {
				assert.Zero(t, j.runs.Load(), "job %d behind the cancelling job started", i)
			}
			assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 4, Completed: 1, Skipped: 3, Dropped: 1}, exitedStats(p))
		})
	}
}

// The standard graceful shutdown lost work: with WithContext(ctx), one long
// job running and 40 waiting, cancel() then StopAndCollect() collected 0
// jobs, because the context's watcher had already called Stop, which threw
// the 40 away. The jobs the context's stop skips are now kept for a later
// StopAndCollect, whatever the timing, and with groups their jobs too.
func TestRegression_SignalShutdownCollectsEveryUnstartedJob(t *testing.T) {
	for _, pause := range []bool{false, true} {
		for _, groups := range []bool{false, true} {
			t.Run(fmt.Sprintf("pause=%v/groups=%v", pause, groups), func(t *testing.T) {
				for range 200 {
					synctest.Test(t, func(t *testing.T) {
						signalled, cancel := context.WithCancel(context.Background())
						p := newPool[*blockJob](t, 1, 64, false, workerpool.WithContext(signalled))
						long := newBlockJob(-1)
						require.NoError(t, p.QueueJob(long))
						var queued []*blockJob
						gs := []*workerpool.Group[*blockJob]{
							p.NewGroup(signalled), // a request made from the signal's context
							p.NewGroup(context.Background()),
						}
						for i := range 40 {
							j := newBlockJob(i)
							switch {
							case groups && i%3 == 1:
								require.NoError(t, gs[0].QueueJob(j))
							case groups && i%3 == 2:
								require.NoError(t, gs[1].QueueJob(j))
							default:
								require.NoError(t, p.QueueJob(j))
							}
							queued = append(queued, j)
						}
						cancel()
						if pause {
							synctest.Wait() // the context's watchers have run
						}
						left := p.StopAndCollect()
						require.Equal(t, queued, left, "every unstarted job, oldest first")
						s := p.Stats()
						assert.EqualValues(t, 40, s.Skipped)
						assert.Nil(t, p.StopAndCollect(), "handed back once")
						close(long.release)
						for _, j := range queued {
							assert.Zero(t, j.runs.Load())
						}
					})
				}
			})
		}
	}
}

// A plain Stop after the context's stop releases the kept jobs.
func TestWithContext_StopReleasesTheKeptJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p := newPool[*blockJob](t, 1, 4, false, workerpool.WithContext(ctx))
		long := newBlockJob(-1)
		require.NoError(t, p.QueueJob(long))
		require.NoError(t, p.QueueJob(newBlockJob(0)))
		cancel()
		synctest.Wait()
		require.NoError(t, p.Stop())
		assert.Nil(t, p.StopAndCollect(), "Stop released them")
		assert.EqualValues(t, 1, p.Stats().Skipped)
		close(long.release)
	})
}

// Regression: Stop must never start a job that was waiting when it was called,
// even though workers are woken by it.
func TestRegression_StopNeverStartsAWaitingJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 4, 100, false)
		gate := newBlockJob(-1)
		// Occupy every worker, then fill the queue; Stop while all are busy.
		for range 4 {
			require.NoError(t, p.QueueJob(gate))
		}
		synctest.Wait()
		waiting := make([]*blockJob, 100)
		for i := range waiting {
			waiting[i] = newBlockJob(i)
			require.NoError(t, p.QueueJob(waiting[i]))
		}
		require.NoError(t, p.Stop())
		close(gate.release)
		requireDone(t, p)
		for _, j := range waiting {
			require.Zero(t, j.runs.Load(), "job %d", j.id)
		}
		assert.Equal(t, workerpool.Stats{Workers: 4, Queued: 104, Completed: 4, Skipped: 100, Dropped: 4}, exitedStats(p))
	})
}

// Regression: the original returned errors from repeated Close/Stop calls.
func TestRegression_RepeatedCloseAndStopReturnNil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 2, 2, true)
		require.NoError(t, p.QueueJob(&countJob{}))
		synctest.Wait()
		for range 3 {
			require.NoError(t, p.Close())
		}
		for range 3 {
			require.NoError(t, p.Stop())
		}
		require.NoError(t, p.Close(), "Close after Stop does nothing")
		synctest.Wait() // the idle worker the Close woke has exited
		assert.Equal(t, workerpool.Stats{Workers: 2, Queued: 1, Completed: 1, Finished: 1}, p.Stats())
	})
}

// Regression: in the original, Stop after Close did nothing, so the waiting
// jobs still ran.
func TestRegression_StopAfterCloseSkipsWhatIsStillWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 3, false)
		jobs := []*blockJob{newBlockJob(0), newBlockJob(1), newBlockJob(2), newBlockJob(3)}
		for _, j := range jobs {
			require.NoError(t, p.QueueJob(j))
			synctest.Wait()
		}
		require.NoError(t, p.Close())
		close(jobs[0].release)
		synctest.Wait() // jobs[1] is now running, jobs[2] and jobs[3] wait
		require.NoError(t, p.Stop())
		close(jobs[1].release)
		requireDone(t, p)
		assert.EqualValues(t, 1, jobs[1].runs.Load())
		assert.Zero(t, jobs[2].runs.Load())
		assert.Zero(t, jobs[3].runs.Load())
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 4, Completed: 2, Skipped: 2, Dropped: 2}, exitedStats(p))
	})
}

// Regression: the original's Stop could deadlock when the finished queue was
// full and nobody read it. The bubble fails the test on deadlock and on any
// goroutine left behind.
func TestRegression_StopNeverDeadlocksOnAFullFinishedQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers, buf = 3, 2
		p := newPool[*countJob](t, workers, buf, true)
		for i := range 2*buf + workers {
			require.NoError(t, p.QueueJob(&countJob{id: i}))
			synctest.Wait()
		}
		s := p.Stats()
		require.Equal(t, buf+workers, s.Finished, "finished queue full plus one job held per worker")
		require.Equal(t, buf, s.Waiting)
		require.NoError(t, p.Stop())
		synctest.Wait() // every worker has exited: no deadlock, no leak
		s = p.Stats()
		assert.Equal(t, workerpool.Stats{Workers: workers, Queued: 7, Finished: 5, Completed: 5, Skipped: 2}, s)
		assert.Len(t, drain(p), 5, "the finished queue stays readable after Stop")
	})
}

// Regression: no goroutine may outlive a closed pool's work, even when nobody
// drains the finished queue. synctest.Test fails if any goroutine is left.
func TestRegression_NoGoroutineOutlivesAClosedPoolsWork(t *testing.T) {
	for _, bufferSize := range []int{0, 1, 4} {
		synctest.Test(t, func(t *testing.T) {
			p := newPool[*countJob](t, 4, bufferSize, true)
			returned := goDo(func() {
				for i := range 20 {
					assert.NoError(t, p.QueueJob(&countJob{id: i}))
				}
				assert.NoError(t, p.Close())
			})
			// Take a few so that the producer can finish, then abandon the rest.
			for !returned.Load() {
				p.GetFinished()
				synctest.Wait()
			}
			synctest.Wait()
			s := p.Stats()
			assert.EqualValues(t, 20, s.Completed)
			assert.Zero(t, s.Running)
			assert.Zero(t, s.Waiting)
		})
	}
}
