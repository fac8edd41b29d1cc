package workerpool_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

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

// cancelJob cancels the pool's WithContext context from inside a job, once released.
type cancelJob struct {
	countJob
	release chan struct{}
	cancel  context.CancelFunc
}

func (j *cancelJob) Run() {
	j.runs.Add(1)
	<-j.release
	j.cancel()
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
			assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 4, Completed: 1, Skipped: 3, Dropped: 1}, p.Stats())
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

// A group made with KeepFinished whose caller returns without draining
// Finished (Wait reported an error) kept its finished jobs counted Finished
// for ever; Stop now releases them, counted Dropped.
func TestRegression_GroupStopReleasesKeptJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 4, false)
		ctx, cancel := context.WithCancel(context.Background())
		g := p.NewGroup(ctx, workerpool.KeepFinished())
		blocker := blocking("blocker")
		_, err := g.QueueJobs(&gJob{name: "quick0"}, blocker, &gJob{name: "quick1"})
		require.NoError(t, err)
		synctest.Wait() // quick0 ran, blocker runs, quick1 waits
		cancel()
		close(blocker.release)
		require.ErrorIs(t, g.Wait(), workerpool.ErrStopped)
		g.Stop() // the deferred Stop of the request pattern
		assert.Equal(t, workerpool.GroupStats{Queued: 3, Completed: 2, Skipped: 1, Dropped: 2, Closed: true}, g.Stats())
		require.NoError(t, p.Close())
		requireDone(t, p)
		synctest.Wait() // the last worker has exited
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 3, Completed: 2, Skipped: 1, Dropped: 2}, p.Stats())
		for range g.Finished() {
			t.Error("a stopped group yields nothing more")
		}
	})
}

// A group that is done and unreachable releases its kept jobs too.
func TestRegression_UnreachableGroupReleasesKeptJobs(t *testing.T) {
	p := newPool[*gJob](t, 1, 4, false)
	defer p.Close()
	func() {
		g := p.NewGroup(context.Background(), workerpool.KeepFinished())
		_, err := g.QueueJobs(&gJob{}, &gJob{})
		require.NoError(t, err)
		require.NoError(t, g.Wait())
	}()
	require.Equal(t, 2, p.Stats().Finished)
	deadline := time.Now().Add(20 * time.Second)
	for p.Stats().Finished > 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	s := p.Stats()
	assert.Equal(t, 0, s.Finished, "the cleanup released the kept jobs")
	assert.EqualValues(t, 2, s.Dropped)
	assert.Zero(t, s.Groups)
}

// The cleanup's argument reached the group through its kept jobs, so a
// group whose jobs point at it (a Task closure capturing it, a job queuing
// follow-ups into it) was never unreachable: its kept jobs counted
// Finished for ever.
func TestRegression_KeptJobsReleasedWhenJobsPointAtTheirGroup(t *testing.T) {
	p := newPool[workerpool.Task](t, 2, 4, false)
	defer p.Close()
	const groups = 100
	for range groups {
		func() {
			g := p.NewGroup(context.Background(), workerpool.KeepFinished())
			require.NoError(t, g.QueueJob(func(context.Context) error {
				return g.TryQueueJob(func(context.Context) error { return nil }) // a follow-up into its own group
			}))
			require.NoError(t, g.Wait())
		}()
	}
	require.Equal(t, 2*groups, p.Stats().Finished)
	deadline := time.Now().Add(20 * time.Second)
	for p.Stats().Finished > 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	s := p.Stats()
	assert.Equal(t, 0, s.Finished, "the cleanups released the kept jobs")
	assert.EqualValues(t, 2*groups, s.Dropped)
	assert.Zero(t, s.Groups)
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

// A group's context end stopped it through context.AfterFunc, a moment
// later: a worker freed in that moment started the group's next job.
func TestRegression_NoGroupJobStartsAfterItsContextEnded(t *testing.T) {
	for range 200 {
		p := newPool[*gJob](t, 1, 4, false)
		ctx, cancel := context.WithCancelCause(context.Background())
		g := p.NewGroup(ctx)
		blocker, next := blocking("blocker"), &gJob{name: "next"}
		_, err := g.QueueJobs(blocker, next)
		require.NoError(t, err)
		for p.Stats().Running == 0 {
			runtime.Gosched()
		}
		cancel(errRequestGone)
		close(blocker.release)
		err = g.Wait()
		require.ErrorIs(t, err, workerpool.ErrStopped)
		require.ErrorIs(t, err, errRequestGone)
		require.Zero(t, next.runs.Load(), "a job started after its group's context ended")
		assert.Equal(t, workerpool.GroupStats{Queued: 2, Completed: 1, Skipped: 1, Dropped: 1, Closed: true}, g.Stats())
		require.NoError(t, p.Close())
	}
}

var errRequestGone = errors.New("request gone")

// Queuing on a closed group returned ErrClosed, as if the pool were closed.
func TestRegression_ClosedGroupRefusesWithErrGroupClosed(t *testing.T) {
	tests := []struct {
		name  string
		close func(g *workerpool.Group[*gJob], cancel context.CancelCauseFunc)
		cause error // also matched, if not nil
	}{
		{"Close", func(g *workerpool.Group[*gJob], _ context.CancelCauseFunc) { g.Close() }, nil},
		{"Wait", func(g *workerpool.Group[*gJob], _ context.CancelCauseFunc) { _ = g.Wait() }, nil},
		{"Stop", func(g *workerpool.Group[*gJob], _ context.CancelCauseFunc) { g.Stop() }, nil},
		{"context end", func(_ *workerpool.Group[*gJob], cancel context.CancelCauseFunc) { cancel(errRequestGone) }, errRequestGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPool[*gJob](t, 1, 1, false)
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			g := p.NewGroup(ctx)
			tt.close(g, cancel)
			calls := map[string]error{
				"QueueJob":        g.QueueJob(&gJob{}),
				"TryQueueJob":     g.TryQueueJob(&gJob{}),
				"QueueJobContext": g.QueueJobContext(context.Background(), &gJob{}),
			}
			_, calls["QueueJobs"] = g.QueueJobs(&gJob{})
			_, calls["QueueJobsContext"] = g.QueueJobsContext(context.Background(), &gJob{})
			for call, err := range calls {
				assert.ErrorIs(t, err, workerpool.ErrGroupClosed, call)
				assert.NotErrorIs(t, err, workerpool.ErrClosed, call)
				if tt.cause != nil {
					assert.ErrorIs(t, err, tt.cause, call)
				}
			}
			assert.EqualValues(t, 5, g.Stats().Rejected)
			require.NoError(t, p.Close())
			assert.ErrorIs(t, g.QueueJob(&gJob{}), workerpool.ErrClosed, "a closed pool still says ErrClosed")
		})
	}
}

// sleepJob sleeps for d in Run (in a synctest bubble: fake time).
type sleepJob struct{ d time.Duration }

func (j *sleepJob) Run() { time.Sleep(j.d) }

// Timings read a clock that only some lock sites refreshed: a job that
// waited 10 s behind a held worker was recorded as waiting 0. Every path a
// job can take is measured here, in fake time, by its durations.
func TestRegression_TimingsOnEveryPath(t *testing.T) {
	tests := []struct {
		name       string
		buf        int
		queueFin   bool
		run        func(t *testing.T, p *workerpool.Pool[*sleepJob])
		wait, runs time.Duration // Wait.Sum, Run.Sum
	}{
		{"handed to an idle worker", 1, false, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			require.NoError(t, p.QueueJob(&sleepJob{time.Second}))
		}, 0, time.Second},
		{"waiting behind a running job", 1, false, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			_, err := p.QueueJobs(&sleepJob{2 * time.Second}, &sleepJob{time.Second})
			require.NoError(t, err)
		}, 2 * time.Second, 3 * time.Second},
		{"blocked caller accepted by the worker", 0, false, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			_, err := p.QueueJobs(&sleepJob{3 * time.Second}, &sleepJob{time.Second})
			require.NoError(t, err)
		}, 0, 4 * time.Second},
		{"waiting behind a held worker", 1, true, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			_, err := p.QueueJobs(&sleepJob{}, &sleepJob{}, &sleepJob{time.Second})
			require.NoError(t, err)
			synctest.Wait() // the worker holds the second job: the finished queue is full
			require.Equal(t, 1, p.Stats().Held)
			time.Sleep(10 * time.Second)
			_, _ = p.GetFinished() // releases the worker
		}, 10 * time.Second, time.Second},
		{"waiting through a pause", 1, false, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			p.Pause()
			require.NoError(t, p.QueueJob(&sleepJob{time.Second}))
			time.Sleep(5 * time.Second)
			p.Resume()
		}, 5 * time.Second, time.Second},
		{"in a group", 1, false, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			g := p.NewGroup(context.Background())
			_, err := g.QueueJobs(&sleepJob{2 * time.Second}, &sleepJob{time.Second})
			require.NoError(t, err)
			require.NoError(t, g.Wait())
		}, 2 * time.Second, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[*sleepJob](t, 1, tt.buf, tt.queueFin, workerpool.WithTimings())
				tt.run(t, p)
				require.NoError(t, p.Close())
				drain(p)
				s := p.Stats()
				assert.Equal(t, tt.wait, s.Wait.Sum, "waited")
				assert.Equal(t, tt.runs, s.Run.Sum, "ran")
				assert.Equal(t, s.Completed, s.Wait.Count)
			})
		})
	}
}

// Stats.Groups counted groups with jobs waiting; it counts groups not yet
// done.
func TestRegression_GroupsCountsGroupsNotYetDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 4, false)
		idle := p.NewGroup(context.Background())
		busy := p.NewGroup(context.Background())
		blocker := blocking("blocker")
		require.NoError(t, busy.QueueJob(blocker))
		synctest.Wait()
		assert.Equal(t, 2, p.Stats().Groups, "a group without waiting jobs is in flight too")
		idle.Close()
		assert.Equal(t, 1, p.Stats().Groups, "a closed group with nothing left is done")
		busy.Close()
		assert.Equal(t, 1, p.Stats().Groups, "a closed group with a job running is not done")
		close(blocker.release)
		require.NoError(t, busy.Wait())
		assert.Equal(t, 0, p.Stats().Groups)
		require.NoError(t, p.Close())
	})
}

// With StopOnError, the group stopped only once the failure was recorded,
// after the panic handler returned: another worker started the group's
// next job meanwhile.
func TestRegression_StopOnErrorStopsBeforeThePanicHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		handlerIn, handlerOut := make(chan struct{}), make(chan struct{})
		p := newPool[*gJob](t, 2, 4, false, workerpool.WithPanicHandler(func(workerpool.Job, any, []byte) {
			close(handlerIn)
			<-handlerOut // a slow handler
		}))
		g := p.NewGroup(context.Background(), workerpool.StopOnError())
		failing := &gJob{name: "failing", release: make(chan struct{}), panicValue: "boom"}
		other := blocking("other")
		after := &gJob{name: "after"}
		_, err := g.QueueJobs(failing, other, after)
		require.NoError(t, err)
		synctest.Wait() // failing and other run, after waits
		close(failing.release)
		<-handlerIn
		close(other.release) // its worker is free while the handler runs
		synctest.Wait()
		assert.Zero(t, after.runs.Load(), "no job of the group starts once the panic is known")
		close(handlerOut)
		var pe *workerpool.PanicError
		require.ErrorAs(t, g.Wait(), &pe)
		assert.Equal(t, "boom", pe.Value)
		assert.Equal(t, workerpool.GroupStats{Queued: 3, Completed: 2, Skipped: 1, Failed: 1, Panicked: 1, Dropped: 2, Closed: true}, g.Stats())
		require.NoError(t, p.Close())
	})
}

// slowErrJob fails with err, taking its time to say so.
type slowErrJob struct {
	errIn, errOut chan struct{}
	runs          atomic.Int32
}

func (j *slowErrJob) Run() { j.runs.Add(1) }

func (j *slowErrJob) Err() error {
	if j.errIn == nil {
		return nil
	}
	close(j.errIn)
	<-j.errOut
	return errRequestGone
}

func TestRegression_StopOnErrorStopsWhenErrReturns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[workerpool.Job](t, 1, 4, false)
		g := p.NewGroup(context.Background(), workerpool.StopOnError())
		failing := &slowErrJob{errIn: make(chan struct{}), errOut: make(chan struct{})}
		after := &slowErrJob{}
		_, err := g.QueueJobs(failing, after)
		require.NoError(t, err)
		<-failing.errIn
		close(failing.errOut)
		require.ErrorIs(t, g.Wait(), errRequestGone)
		assert.Zero(t, after.runs.Load())
		require.NoError(t, p.Close())
	})
}

// A job that called runtime.Goexit counted as a success.
func TestRegression_GoexitIsAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[workerpool.Job](t, 1, 4, false)
		g := p.NewGroup(context.Background(), workerpool.StopOnError())
		after := &countJob{}
		_, err := g.QueueJobs(&goexitJob{}, after)
		require.NoError(t, err)
		require.ErrorIs(t, g.Wait(), workerpool.ErrGoexit)
		assert.Zero(t, after.runs.Load(), "StopOnError stopped the group")
		assert.Equal(t, workerpool.GroupStats{Queued: 2, Completed: 1, Failed: 1, Skipped: 1, Dropped: 1, Closed: true}, g.Stats())
		require.NoError(t, p.Close())
		assert.EqualValues(t, 1, p.Stats().Failed)
	})
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

// Regression: the original hung in its constructor with 0 workers.
func TestRegression_ZeroWorkersIsAnErrorNotAHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, err := workerpool.New[workerpool.Job](0, 10, false)
		require.ErrorContains(t, err, "workers")
		require.ErrorContains(t, err, "0")
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
