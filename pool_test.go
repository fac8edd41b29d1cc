package workerpool_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// --- Constructors -----------------------------------------------------------

func TestNew_BadArguments(t *testing.T) {
	tests := []struct {
		name       string
		workers    int
		bufferSize int
		wantMsg    string
	}{
		{"zero workers", 0, 1, "workerpool: workers must be at least 1, got 0"},
		{"negative workers", -3, 1, "workerpool: workers must be at least 1, got -3"},
		{"negative buffer", 1, -1, "workerpool: bufferSize must not be negative, got -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := workerpool.New[*countJob](tt.workers, tt.bufferSize, true)
			require.EqualError(t, err, tt.wantMsg)
			assert.Nil(t, p)
			assert.PanicsWithError(t, tt.wantMsg, func() {
				workerpool.NewWorkerPool(tt.workers, tt.bufferSize, true)
			})
		})
	}
}

// Regression: the original hung in its constructor with 0 workers.
func TestRegression_ZeroWorkersIsAnErrorNotAHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, err := workerpool.New[workerpool.Job](0, 10, false)
		require.ErrorContains(t, err, "workers")
		require.ErrorContains(t, err, "0")
	})
}

func TestNew_NilContextIsAnError(t *testing.T) {
	//lint:ignore SA1012 a nil context is the bad input under test
	_, err := workerpool.New[*countJob](1, 1, false, workerpool.WithContext(nil))
	require.EqualError(t, err, "workerpool: WithContext: nil context")
}

func TestNew_StatsOfNewPool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 3, 5, true)
		assert.Equal(t, workerpool.Stats{Workers: 3}, p.Stats())
		require.NoError(t, p.Close())
	})
}

func TestNewWorkerPool_UntypedJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := workerpool.NewWorkerPool(2, 4, true)
		a, b := &countJob{id: 1}, &blockJob{countJob: countJob{id: 2}, release: closedChan()}
		require.NoError(t, p.QueueJob(a))
		require.NoError(t, p.QueueJob(b))
		require.NoError(t, p.Close())
		got := drain(p)
		assert.ElementsMatch(t, []workerpool.Job{a, b}, got)
	})
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// --- Queuing ----------------------------------------------------------------

// shutdowns are the two ways to shut a pool down, for tests where both must
// behave alike.
var shutdowns = []struct {
	name     string
	shutdown func(p *workerpool.Pool[*blockJob]) error
}{
	{"Close", (*workerpool.Pool[*blockJob]).Close},
	{"Stop", (*workerpool.Pool[*blockJob]).Stop},
}

func TestQueueJob_ReturnsAtOnceUntilFullThenBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const buf = 3
		p := newPool[*blockJob](t, 1, buf, false)
		jobs := make([]*blockJob, buf+2)
		for i := range jobs {
			jobs[i] = newBlockJob(i)
		}
		require.NoError(t, p.QueueJob(jobs[0]))
		synctest.Wait() // the worker is now blocked in jobs[0]
		for i := 1; i <= buf; i++ {
			require.NoError(t, p.QueueJob(jobs[i])) // would deadlock the bubble if it blocked
		}
		assert.Equal(t, buf, p.Stats().Waiting)

		returned := goDo(func() { assert.NoError(t, p.QueueJob(jobs[buf+1])) })
		synctest.Wait()
		assert.False(t, returned.Load(), "QueueJob must block while the intake queue is full")

		close(jobs[0].release) // the worker takes jobs[1], freeing a slot
		synctest.Wait()
		assert.True(t, returned.Load(), "QueueJob must return once there is room")

		for _, j := range jobs[1:] {
			close(j.release)
		}
		require.NoError(t, p.Close())
		_, done := p.GetFinishedWait()
		require.True(t, done)
		for _, j := range jobs {
			assert.EqualValues(t, 1, j.runs.Load(), "job %d", j.id)
		}
	})
}

func TestQueueJob_BlockedCallerWokenWithErrClosed(t *testing.T) {
	for _, tt := range shutdowns {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[*blockJob](t, 1, 1, false)
				running, waiting, blocked := newBlockJob(0), newBlockJob(1), newBlockJob(2)
				require.NoError(t, p.QueueJob(running))
				synctest.Wait()
				require.NoError(t, p.QueueJob(waiting))

				var err error
				returned := goDo(func() { err = p.QueueJob(blocked) })
				synctest.Wait()
				require.False(t, returned.Load())

				require.NoError(t, tt.shutdown(p))
				synctest.Wait()
				require.True(t, returned.Load())
				require.ErrorIs(t, err, workerpool.ErrClosed)

				close(running.release)
				close(waiting.release)
				_, done := p.GetFinishedWait()
				require.True(t, done)
				assert.Zero(t, blocked.runs.Load(), "a refused job never runs")
				assert.EqualValues(t, 2, p.Stats().Queued, "a refused job is not counted")
			})
		})
	}
}

func TestQueueJob_AfterShutdownErrClosed(t *testing.T) {
	for _, tt := range shutdowns {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[*blockJob](t, 2, 2, false)
				require.NoError(t, tt.shutdown(p))
				j := newBlockJob(0)
				require.ErrorIs(t, p.QueueJob(j), workerpool.ErrClosed)
				require.ErrorIs(t, p.TryQueueJob(j), workerpool.ErrClosed)
				require.ErrorIs(t, p.QueueJobContext(context.Background(), j), workerpool.ErrClosed)
				n, err := p.QueueJobs(j, j)
				require.ErrorIs(t, err, workerpool.ErrClosed)
				require.Zero(t, n)
				synctest.Wait()
				assert.Zero(t, j.runs.Load())
				assert.Equal(t, workerpool.Stats{Workers: 2, Rejected: 5}, p.Stats(), "each refused job counts as Rejected")
			})
		})
	}
}

func TestQueueJob_NilJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 1, 4, true)
		var nilPtr *countJob
		require.ErrorIs(t, p.QueueJob(nilPtr), workerpool.ErrNilJob)
		require.ErrorIs(t, p.TryQueueJob(nilPtr), workerpool.ErrNilJob)
		require.ErrorIs(t, p.QueueJobContext(context.Background(), nilPtr), workerpool.ErrNilJob)

		a, b := &countJob{id: 1}, &countJob{id: 2}
		n, err := p.QueueJobs(a, nilPtr, b)
		require.ErrorIs(t, err, workerpool.ErrNilJob)
		require.Equal(t, 1, n, "the jobs before the nil one stay queued")

		untyped := workerpool.NewWorkerPool(1, 1, false)
		require.ErrorIs(t, untyped.QueueJob(nil), workerpool.ErrNilJob)
		require.ErrorIs(t, untyped.QueueJob(nilPtr), workerpool.ErrNilJob)
		var nilFunc jobFunc
		require.ErrorIs(t, untyped.QueueJob(nilFunc), workerpool.ErrNilJob)
		require.NoError(t, untyped.Close())

		require.NoError(t, p.Close())
		assert.Equal(t, []*countJob{a}, drain(p))
		assert.Zero(t, b.runs.Load())
		assert.EqualValues(t, 1, p.Stats().Queued, "nil jobs are never counted")
		assert.Equal(t, workerpool.Stats{Workers: 1}, untyped.Stats())
	})
}

// jobFunc is a func type that implements Job.
type jobFunc func()

func (f jobFunc) Run() { f() }

func TestTryQueueJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 1, false)
		running, waiting, extra := newBlockJob(0), newBlockJob(1), newBlockJob(2)
		require.NoError(t, p.TryQueueJob(running))
		synctest.Wait()
		require.NoError(t, p.TryQueueJob(waiting))
		require.ErrorIs(t, p.TryQueueJob(extra), workerpool.ErrQueueFull)
		assert.EqualValues(t, 2, p.Stats().Queued, "a refused job is not counted")

		close(running.release)
		close(waiting.release)
		require.NoError(t, p.Close())
		_, done := p.GetFinishedWait()
		require.True(t, done)
		assert.Zero(t, extra.runs.Load())
	})
}

func TestTryQueueJob_Unbuffered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 0, false)
		first, second := newBlockJob(0), newBlockJob(1)
		synctest.Wait() // the worker is idle, waiting for a job
		require.NoError(t, p.TryQueueJob(first), "an idle worker can take the job")
		synctest.Wait()
		require.ErrorIs(t, p.TryQueueJob(second), workerpool.ErrQueueFull, "no idle worker")
		close(first.release)
		synctest.Wait()
		close(second.release)
		require.NoError(t, p.TryQueueJob(second))
		require.NoError(t, p.Close())
		_, done := p.GetFinishedWait()
		require.True(t, done)
		assert.EqualValues(t, 1, first.runs.Load())
		assert.EqualValues(t, 1, second.runs.Load())
	})
}

func TestQueueJobs_InOrderAndBlocking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var order []int
		p := newPool[*orderJob](t, 1, 2, true)
		jobs := make([]*orderJob, 10)
		for i := range jobs {
			jobs[i] = &orderJob{id: i, order: &order}
		}
		var got []*orderJob
		drained := goDo(func() { got = drain(p) })
		// 10 jobs through queues of 2: QueueJobs must block for room and keep order.
		n, err := p.QueueJobs(jobs...)
		require.NoError(t, err)
		require.Equal(t, len(jobs), n)
		require.NoError(t, p.Close())
		synctest.Wait()
		require.True(t, drained.Load())
		assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, order)
		assert.Equal(t, jobs, got, "finished jobs come out in order from one worker")
	})
}

// orderJob appends its id to a shared slice; run it on one worker only.
type orderJob struct {
	id    int
	order *[]int
}

func (j *orderJob) Run() { *j.order = append(*j.order, j.id) }

func TestQueueJobs_ClosedWhileBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 1, false)
		jobs := []*blockJob{newBlockJob(0), newBlockJob(1), newBlockJob(2), newBlockJob(3)}
		var n int
		var err error
		returned := goDo(func() { n, err = p.QueueJobs(jobs...) })
		synctest.Wait() // jobs[0] running, jobs[1] waiting, QueueJobs blocked on jobs[2]
		require.False(t, returned.Load())
		require.NoError(t, p.Close())
		synctest.Wait()
		require.True(t, returned.Load())
		require.ErrorIs(t, err, workerpool.ErrClosed)
		require.Equal(t, 2, n)
		for _, j := range jobs {
			close(j.release)
		}
		_, done := p.GetFinishedWait()
		require.True(t, done)
		assert.EqualValues(t, []int32{1, 1, 0, 0},
			[]int32{jobs[0].runs.Load(), jobs[1].runs.Load(), jobs[2].runs.Load(), jobs[3].runs.Load()})
	})
}

func TestQueueJobContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 1, false)
		running, waiting, late := newBlockJob(0), newBlockJob(1), newBlockJob(2)
		require.NoError(t, p.QueueJob(running))
		synctest.Wait()
		require.NoError(t, p.QueueJobContext(context.Background(), waiting))

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := p.QueueJobContext(ctx, late) // blocks: the bubble's clock jumps to the deadline
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.EqualValues(t, 2, p.Stats().Queued, "a job whose context ended is not counted")
		assert.EqualValues(t, 1, p.Stats().Rejected, "it is counted Rejected")

		cancelled, cancelNow := context.WithCancel(context.Background())
		cancelNow()
		close(running.release)
		synctest.Wait() // now there is room, but the context has already ended
		require.ErrorIs(t, p.QueueJobContext(cancelled, late), context.Canceled)

		close(waiting.release)
		require.NoError(t, p.Close())
		_, done := p.GetFinishedWait()
		require.True(t, done)
		assert.Zero(t, late.runs.Load())
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 2, Completed: 2, Rejected: 2, Dropped: 2}, p.Stats())
	})
}

// --- bufferSize 0 -----------------------------------------------------------

func TestUnbuffered_QueueJobReturnsOnceAWorkerTookTheJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 0, false)
		first, second := newBlockJob(0), newBlockJob(1)
		require.NoError(t, p.QueueJob(first))
		synctest.Wait()
		assert.EqualValues(t, 1, first.runs.Load(), "QueueJob returned, so a worker has taken the job")

		returned := goDo(func() { assert.NoError(t, p.QueueJob(second)) })
		synctest.Wait()
		assert.False(t, returned.Load(), "no worker is free to take the job")
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 1, Running: 1, Blocked: 1}, p.Stats(),
			"a job offered to a busy pool is not accepted yet: its call is Blocked")

		close(first.release)
		synctest.Wait()
		assert.True(t, returned.Load())
		assert.EqualValues(t, 1, second.runs.Load())
		close(second.release)
		require.NoError(t, p.Close())
		_, done := p.GetFinishedWait()
		require.True(t, done)
	})
}

func TestUnbuffered_HandoffWithdrawnWhenContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 0, false)
		running, offered := newBlockJob(0), newBlockJob(1)
		require.NoError(t, p.QueueJob(running))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		require.ErrorIs(t, p.QueueJobContext(ctx, offered), context.DeadlineExceeded)
		s := p.Stats()
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 1, Running: 1, Rejected: 1}, s, "withdrawn, counted Rejected")

		close(running.release)
		require.NoError(t, p.Close())
		_, done := p.GetFinishedWait()
		require.True(t, done)
		assert.Zero(t, offered.runs.Load())
	})
}

func TestUnbuffered_HandoffInterruptedByCloseOrStop(t *testing.T) {
	for _, tt := range shutdowns {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[*blockJob](t, 1, 0, false)
				running, offered := newBlockJob(0), newBlockJob(1)
				require.NoError(t, p.QueueJob(running))
				var err error
				returned := goDo(func() { err = p.QueueJob(offered) })
				synctest.Wait()
				require.NoError(t, tt.shutdown(p))
				synctest.Wait()
				require.True(t, returned.Load())
				require.ErrorIs(t, err, workerpool.ErrClosed, "no worker took the job: it was never accepted")
				close(running.release)
				_, done := p.GetFinishedWait()
				require.True(t, done)
				assert.Zero(t, offered.runs.Load())
				assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 1, Completed: 1, Rejected: 1, Dropped: 1}, p.Stats())
			})
		})
	}
}

func TestUnbuffered_FinishedJobHandedOverOnlyToAConsumer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 1, 0, true)
		a, b := &countJob{id: 1}, &countJob{id: 2}
		require.NoError(t, p.QueueJob(a))
		synctest.Wait() // the worker ran a and now holds it for a consumer
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 1, Completed: 1, Finished: 1, Held: 1}, p.Stats())

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

// --- Retrieving finished jobs -------------------------------------------------

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

// --- Close and Stop -----------------------------------------------------------

func TestClose_RunsEveryWaitingJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 5, false)
		jobs := make([]*blockJob, 6)
		for i := range jobs {
			jobs[i] = newBlockJob(i)
			require.NoError(t, p.QueueJob(jobs[i]))
			synctest.Wait()
		}
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 6, Waiting: 5, Running: 1}, p.Stats())
		require.NoError(t, p.Close())
		for _, j := range jobs {
			close(j.release)
		}
		_, done := p.GetFinishedWait()
		require.True(t, done)
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
		assert.Equal(t, workerpool.Stats{Workers: 2, Queued: 7, Running: 2, Skipped: 5}, p.Stats())
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
		_, done := p.GetFinishedWait()
		require.True(t, done)
		for _, j := range waiting {
			require.Zero(t, j.runs.Load(), "job %d", j.id)
		}
		assert.Equal(t, workerpool.Stats{Workers: 4, Queued: 104, Completed: 4, Skipped: 100, Dropped: 4}, p.Stats())
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
		_, done := p.GetFinishedWait()
		require.True(t, done)
		assert.EqualValues(t, 1, jobs[1].runs.Load())
		assert.Zero(t, jobs[2].runs.Load())
		assert.Zero(t, jobs[3].runs.Load())
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 4, Completed: 2, Skipped: 2, Dropped: 2}, p.Stats())
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
		assert.Equal(t, workerpool.Stats{Workers: 3, Queued: 7, Waiting: 2, Finished: 5, Completed: 5, Blocked: 1, Held: 3}, s)

		_, done := p.GetFinished() // frees a finished slot: a held job moves up, its worker takes the next
		require.False(t, done)
		synctest.Wait()
		assert.True(t, returned.Load())
		require.NoError(t, p.Close())
		assert.Len(t, drain(p), 7)
	})
}

// --- Contexts ---------------------------------------------------------------

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
		_, done := p.GetFinishedWait()
		require.True(t, done)
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
		_, done := p.GetFinishedWait()
		require.True(t, done)
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

// --- Panics -----------------------------------------------------------------

func TestPanic_CountedDeliveredAndHandled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type call struct {
			job       workerpool.Job
			recovered any
			stack     bool
			completed uint64 // Stats().Completed seen inside the handler
		}
		var calls []call
		var p *workerpool.Pool[workerpool.Job]
		handler := func(job workerpool.Job, recovered any, stack []byte) {
			calls = append(calls, call{job, recovered, bytes.Contains(stack, []byte("panicJob")), p.Stats().Completed})
		}
		p = newPool[workerpool.Job](t, 1, 4, true, workerpool.WithPanicHandler(handler))
		bad, good := &panicJob{value: "boom"}, &countJob{}
		require.NoError(t, p.QueueJob(bad))
		require.NoError(t, p.QueueJob(good))
		require.NoError(t, p.Close())
		got := drain(p)

		assert.Equal(t, []workerpool.Job{bad, good}, got, "the panicked job is delivered like any other; the worker lives on")
		require.Len(t, calls, 1)
		assert.Same(t, bad, calls[0].job)
		assert.Equal(t, "boom", calls[0].recovered)
		assert.True(t, calls[0].stack, "the stack shows the panicking job")
		assert.Zero(t, calls[0].completed, "the handler returns before the job is counted Completed")
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 2, Completed: 2, Retrieved: 2, Panicked: 1, Failed: 1}, p.Stats())
	})
}

func TestPanic_DefaultLogsToStandardLogger(t *testing.T) {
	buf := captureLog(t)
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*panicJob](t, 1, 1, false)
		require.NoError(t, p.QueueJob(&panicJob{value: errors.New("kaput")}))
		require.NoError(t, p.Close())
		_, done := p.GetFinishedWait()
		require.True(t, done)
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 1, Completed: 1, Panicked: 1, Failed: 1, Dropped: 1}, p.Stats())
	})
	assert.Contains(t, buf.String(), "kaput")
	assert.Contains(t, buf.String(), "goroutine", "the stack is logged")
}

// --- WaitIdle ---------------------------------------------------------------

func TestWaitIdle_RecurringBatchesOnOnePool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 3, 4, false)
		for batch := range 3 {
			jobs := make([]*countJob, 10)
			for i := range jobs {
				jobs[i] = &countJob{id: i}
			}
			_, err := p.QueueJobs(jobs...)
			require.NoError(t, err)
			require.NoError(t, p.WaitIdle(context.Background()))
			for _, j := range jobs {
				require.EqualValues(t, 1, j.runs.Load(), "batch %d job %d done when WaitIdle returns", batch, j.id)
			}
		}
		s := p.Stats()
		assert.Equal(t, workerpool.Stats{Workers: 3, Queued: 30, Completed: 30, Dropped: 30}, s)
		require.NoError(t, p.QueueJob(&countJob{}), "the pool stays open")
		require.NoError(t, p.Close())
	})
}

func TestWaitIdle_Blocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 1, false)
		require.NoError(t, p.WaitIdle(context.Background()), "an unused pool is idle")
		job := newBlockJob(0)
		require.NoError(t, p.QueueJob(job))
		returned := goDo(func() { assert.NoError(t, p.WaitIdle(context.Background())) })
		synctest.Wait()
		require.False(t, returned.Load())
		close(job.release)
		synctest.Wait()
		require.True(t, returned.Load())

		blocker := newBlockJob(1)
		require.NoError(t, p.QueueJob(blocker))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		require.ErrorIs(t, p.WaitIdle(ctx), context.DeadlineExceeded)
		require.ErrorIs(t, p.WaitIdle(ctx), context.DeadlineExceeded, "an ended context returns at once")
		close(blocker.release)
		require.NoError(t, p.Close())
	})
}

// --- Stats ------------------------------------------------------------------

func TestStats_TypedPoolSnapshot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 2, 3, true)
		jobs := make([]*blockJob, 5)
		for i := range jobs {
			jobs[i] = newBlockJob(i)
			require.NoError(t, p.QueueJob(jobs[i]))
			synctest.Wait()
		}
		assert.Equal(t, workerpool.Stats{Workers: 2, Queued: 5, Waiting: 3, Running: 2}, p.Stats())
		close(jobs[0].release)
		synctest.Wait()
		assert.Equal(t, workerpool.Stats{Workers: 2, Queued: 5, Waiting: 2, Running: 2, Finished: 1, Completed: 1}, p.Stats())
		got, _ := p.GetFinished()
		assert.Same(t, jobs[0], got, "a typed pool returns the job's own type")
		assert.Equal(t, workerpool.Stats{Workers: 2, Queued: 5, Waiting: 2, Running: 2, Completed: 1, Retrieved: 1}, p.Stats())
		require.NoError(t, p.Stop())
		assert.Equal(t, workerpool.Stats{Workers: 2, Queued: 5, Running: 2, Completed: 1, Retrieved: 1, Skipped: 2}, p.Stats())
		for _, j := range jobs[1:] {
			close(j.release)
		}
		drain(p)
		assert.Equal(t, workerpool.Stats{Workers: 2, Queued: 5, Completed: 3, Retrieved: 3, Skipped: 2}, p.Stats())
	})
}

// TestHammer drives pools from GOMAXPROCS*4 goroutines that queue, retrieve,
// sample Stats and Close or Stop at random moments, checking every invariant
// on every sample and, at the end, that each accepted job ran exactly once or
// was skipped, and each finished job was retrieved once.
func TestHammer(t *testing.T) {
	configs := []struct{ workers, buf int }{{1, 0}, {2, 1}, {4, 0}, {3, 8}, {8, 64}}
	for _, cfg := range configs {
		for _, queueFinished := range []bool{true, false} {
			hammer(t, cfg.workers, cfg.buf, queueFinished)
		}
	}
}

func TestPanic_HandlerThatPanicsIsRecovered(t *testing.T) {
	buf := captureLog(t)
	synctest.Test(t, func(t *testing.T) {
		handler := func(workerpool.Job, any, []byte) { panic("handler broke") }
		p := newPool[workerpool.Job](t, 1, 2, true, workerpool.WithPanicHandler(handler))
		bad, good := &panicJob{value: "boom"}, &countJob{}
		_, err := p.QueueJobs(bad, good)
		require.NoError(t, err)
		require.NoError(t, p.Close())
		assert.Equal(t, []workerpool.Job{bad, good}, drain(p), "the worker survives its handler")
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 2, Completed: 2, Retrieved: 2, Panicked: 1, Failed: 1}, p.Stats())
	})
	assert.Contains(t, buf.String(), "handler broke")
}

func TestPanic_NilValueCountsAsPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got any
		handler := func(_ workerpool.Job, recovered any, _ []byte) { got = recovered }
		p := newPool[*panicJob](t, 1, 1, false, workerpool.WithPanicHandler(handler))
		require.NoError(t, p.QueueJob(&panicJob{value: nil}))
		require.NoError(t, p.Close())
		p.GetFinishedWait()
		var nilErr *runtime.PanicNilError
		assert.ErrorAs(t, got.(error), &nilErr)
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 1, Completed: 1, Panicked: 1, Failed: 1, Dropped: 1}, p.Stats())
	})
}

// goexitJob calls runtime.Goexit, which would end a worker goroutine.
type goexitJob struct{ countJob }

func (j *goexitJob) Run() {
	j.runs.Add(1)
	runtime.Goexit()
}

func TestGoexitJob_WorkerIsReplaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[workerpool.Job](t, 1, 4, true)
		exits, after := &goexitJob{}, &countJob{}
		_, err := p.QueueJobs(exits, &goexitJob{}, after)
		require.NoError(t, err)
		require.NoError(t, p.Close())
		got := drain(p)
		require.Len(t, got, 3, "the jobs after a Goexit still run on a replacement worker")
		assert.Same(t, after, got[2])
		assert.EqualValues(t, 1, exits.runs.Load())
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 3, Completed: 3, Retrieved: 3, Failed: 2}, p.Stats(),
			"a Goexit counts Failed")
	})
}

// valueJob is a job passed by value: it is never nil.
type valueJob struct{ n int }

func (valueJob) Run() {}

func TestQueueJob_ValueJobsAreNotNil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[valueJob](t, 1, 1, true)
		require.NoError(t, p.QueueJob(valueJob{n: 7}))
		require.NoError(t, p.Close())
		assert.Equal(t, []valueJob{{n: 7}}, drain(p))
	})
}
