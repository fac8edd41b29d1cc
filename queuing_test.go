package workerpool_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// Tests of the queuing calls: QueueJob, TryQueueJob, QueueJobs,
// QueueJobContext, and the unbuffered handoff.

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

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
		requireDone(t, p)
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
				requireDone(t, p)
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
		requireDone(t, p)
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
		requireDone(t, p)
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
		requireDone(t, p)
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
		requireDone(t, p)
		assert.Zero(t, late.runs.Load())
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 2, Completed: 2, Rejected: 2, Dropped: 2}, exitedStats(p))
	})
}

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
		assert.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 1, Running: 1, Blocked: 1}, p.Stats(),
			"a job offered to a busy pool is not accepted yet: its call is Blocked")

		close(first.release)
		synctest.Wait()
		assert.True(t, returned.Load())
		assert.EqualValues(t, 1, second.runs.Load())
		close(second.release)
		require.NoError(t, p.Close())
		requireDone(t, p)
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
		assert.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 1, Running: 1, Rejected: 1}, s, "withdrawn, counted Rejected")

		close(running.release)
		require.NoError(t, p.Close())
		requireDone(t, p)
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
				requireDone(t, p)
				assert.Zero(t, offered.runs.Load())
				assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 1, Completed: 1, Rejected: 1, Dropped: 1}, exitedStats(p))
			})
		})
	}
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

// Regression tests for the bugs found by running other pools' test suites
// against this one and by first use.

func TestRegression_TryQueueJobNilOnClosedPoolIsErrClosed(t *testing.T) {
	p := newPool[*countJob](t, 1, 1, false)
	require.NoError(t, p.Close())
	assert.ErrorIs(t, p.TryQueueJob(nil), workerpool.ErrClosed, "ErrClosed comes before ErrNilJob")
}

// A fresh pool's workers count as idle from the moment New returns, so the
// pool accepts workers + bufferSize jobs without blocking.
func TestRegression_FreshPoolIsReadyAtOnce(t *testing.T) {
	tests := []struct{ workers, buf int }{{1, 0}, {2, 0}, {1, 1}, {3, 2}, {8, 0}}
	for _, tt := range tests {
		for range 200 { // the race was lost nearly every time; repeat to be sure
			p := newPool[*blockJob](t, tt.workers, tt.buf, false)
			jobs := make([]*blockJob, tt.workers+tt.buf)
			for i := range jobs {
				jobs[i] = newBlockJob(i)
				require.NoError(t, p.TryQueueJob(jobs[i]), "workers=%d buf=%d job %d", tt.workers, tt.buf, i)
			}
			require.ErrorIs(t, p.TryQueueJob(newBlockJob(-1)), workerpool.ErrQueueFull)
			s := p.Stats()
			assert.Equal(t, tt.workers, s.Running, "%+v", s)
			assert.Equal(t, tt.buf, s.Waiting, "%+v", s)
			for _, j := range jobs {
				close(j.release)
			}
			require.NoError(t, p.Close())
			p.GetFinishedWait()
		}
	}
}

// Regression: the spare list kept one producer entry per blocked caller of
// the worst burst for the pool's life (100,000 callers: about 10 MB).
func TestRegression_BlockedCallersEntriesGivenBackAfterABurst(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const callers = 20_000
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range callers { // the runtime keeps exited goroutines' descriptors for reuse
		wg.Go(func() { <-start })
	}
	close(start)
	wg.Wait()
	p := newPool[workerpool.JobFunc](t, 1, 1, false)
	defer p.Close()
	job := workerpool.JobFunc(func() {})
	before := heap()
	p.Pause()
	for range callers {
		wg.Go(func() { assert.NoError(t, p.QueueJob(job)) })
	}
	for p.Stats().Blocked < callers-1 {
		runtime.Gosched()
	}
	p.Resume()
	wg.Wait()
	require.NoError(t, p.WaitIdle(context.Background()))
	after := heap()
	assert.Less(t, int64(after)-int64(before), int64(512<<10), "heap before %d, after %d", before, after)
}

// A burst grew the intake's ring for good: 2 M jobs left +32 MiB held after
// they drained, even after Close.
func TestRegression_IntakeGivesBackABurstsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("queues 2 M jobs")
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	p := newPool[workerpool.JobFunc](t, 2, 1<<30, false)
	job := workerpool.JobFunc(func() {})
	before := heap()
	p.Pause()
	for range 2_000_000 {
		require.NoError(t, p.TryQueueJob(job))
	}
	during := heap()
	p.Resume()
	require.NoError(t, p.WaitIdle(context.Background()))
	for range 10 { // steady cycling afterwards, within the base capacity
		_, err := p.QueueJobs(job, job, job, job)
		require.NoError(t, err)
		require.NoError(t, p.WaitIdle(context.Background()))
	}
	after := heap()
	t.Logf("heap: before %d KiB, with 2 M jobs waiting %d KiB, drained %d KiB", before>>10, during>>10, after>>10)
	require.Greater(t, during, before+8<<20, "the burst itself takes memory")
	assert.Less(t, after, before+4<<20, "drained, the intake gives it back")
	require.NoError(t, p.Close())
}
