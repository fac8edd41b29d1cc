package workerpool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// gJob is a job of a group test: it records the order jobs start in, can
// block until released, fail with err, or panic with panicValue.
type gJob struct {
	name       string
	runs       atomic.Int32
	release    chan struct{} // nil: returns at once
	err        error
	panicValue any
	log        *startLog
	ctx        context.Context // the context RunContext got
}

// startLog records the names of jobs in the order they start.
type startLog struct {
	mu    sync.Mutex
	names []string
}

func (l *startLog) add(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names = append(l.names, name)
}

func (l *startLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.names...)
}

func (j *gJob) Run() { j.RunContext(context.Background()) }

func (j *gJob) RunContext(ctx context.Context) {
	j.ctx = ctx
	j.runs.Add(1)
	if j.log != nil {
		j.log.add(j.name)
	}
	if j.release != nil {
		<-j.release
	}
	if j.panicValue != nil {
		panic(j.panicValue)
	}
}

func (j *gJob) Err() error { return j.err }

func (j *gJob) unblock() { close(j.release) }

var _ workerpool.ErrorJob = (*gJob)(nil)
var _ workerpool.ContextJob = (*gJob)(nil)

// gJobs returns n jobs named prefix0, prefix1, ... recording into log.
func gJobs(prefix string, n int, log *startLog) []*gJob {
	jobs := make([]*gJob, n)
	for i := range jobs {
		jobs[i] = &gJob{name: fmt.Sprintf("%s%d", prefix, i), log: log}
	}
	return jobs
}

// blocking makes a job that blocks until its release channel is closed.
func blocking(name string) *gJob { return &gJob{name: name, release: make(chan struct{})} }

// checkGroupInvariants asserts the equations of the GroupStats contract.
func checkGroupInvariants(t testing.TB, s workerpool.GroupStats) {
	t.Helper()
	assert.Equal(t, s.Queued, uint64(s.Waiting)+uint64(s.Running)+s.Completed+s.Skipped,
		"Queued == Waiting + Running + Completed + Skipped: %+v", s)
	assert.Equal(t, s.Completed, uint64(s.Finished)+s.Retrieved+s.Dropped,
		"Completed == Finished + Retrieved + Dropped: %+v", s)
	assert.LessOrEqual(t, s.Panicked, s.Failed, "%+v", s)
	assert.LessOrEqual(t, s.Failed, s.Completed, "%+v", s)
	assert.GreaterOrEqual(t, s.Running, 0, "%+v", s)
	assert.GreaterOrEqual(t, s.Waiting, 0, "%+v", s)
	assert.GreaterOrEqual(t, s.Blocked, 0, "%+v", s)
}

func TestGroup_ContextEndSkipsItsJobsOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 4, false)
		running := blocking("running")
		require.NoError(t, p.QueueJob(running))
		ctxA, cancelA := context.WithCancel(context.Background())
		a := p.NewGroup(ctxA)
		b := p.NewGroup(context.Background())
		aJobs, bJobs := gJobs("a", 2, nil), gJobs("b", 2, nil)
		_, err := a.QueueJobs(aJobs...)
		require.NoError(t, err)
		_, err = b.QueueJobs(bJobs...)
		require.NoError(t, err)
		blockedA := &gJob{name: "blockedA"}
		var blockedErr error
		blockedDone := goDo(func() { blockedErr = a.QueueJob(blockedA) })
		synctest.Wait()
		require.Equal(t, 1, a.Stats().Blocked)

		cancelA()
		synctest.Wait()
		assert.True(t, blockedDone.Load())
		assert.ErrorIs(t, blockedErr, workerpool.ErrGroupClosed, "a blocked caller of the group gets ErrGroupClosed")
		assert.ErrorIs(t, blockedErr, context.Canceled, "wrapping the context's cause")
		assert.Equal(t, workerpool.GroupStats{Queued: 2, Skipped: 2, Rejected: 1, Closed: true}, a.Stats())
		assert.Equal(t, workerpool.GroupStats{Queued: 2, Waiting: 2}, b.Stats(), "the other group is untouched")
		assert.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 5, Waiting: 2, Running: 1, Skipped: 2, Rejected: 1, Groups: 1}, p.Stats())
		assert.ErrorIs(t, a.Context().Err(), context.Canceled)
		assert.NoError(t, b.Context().Err())

		close(running.release)
		require.NoError(t, b.Wait())
		for _, j := range append(aJobs, blockedA) {
			assert.Zero(t, j.runs.Load(), "%s never runs", j.name)
		}
		for _, j := range bJobs {
			assert.EqualValues(t, 1, j.runs.Load(), "%s runs once", j.name)
		}
		assert.Equal(t, workerpool.GroupStats{Queued: 2, Completed: 2, Dropped: 2, Closed: true}, b.Stats())
		assert.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 5, Completed: 3, Dropped: 3, Skipped: 2, Rejected: 1}, p.Stats())
		err = a.Wait()
		assert.ErrorIs(t, err, workerpool.ErrStopped)
		assert.ErrorIs(t, err, context.Canceled, "Wait wraps the context's cause")
		require.NoError(t, p.Close())
	})
}

func TestGroup_WaitOutcomes(t *testing.T) {
	boom := errors.New("boom")
	cause := errors.New("client went away")
	tests := []struct {
		name  string
		jobs  func() []*gJob
		stop  func(g *workerpool.Group[*gJob], cancel context.CancelCauseFunc) // before the jobs run; nil: none
		check func(t *testing.T, err error)
	}{
		{"all succeed", func() []*gJob { return gJobs("j", 3, nil) }, nil,
			func(t *testing.T, err error) { assert.NoError(t, err) }},
		{"a job's Err", func() []*gJob { j := gJobs("j", 3, nil); j[1].err = boom; return j }, nil,
			func(t *testing.T, err error) { assert.Same(t, boom, err) }},
		{"the first failure in completion order", func() []*gJob {
			j := gJobs("j", 3, nil)
			j[1].err, j[2].err = boom, errors.New("later")
			return j
		}, nil, func(t *testing.T, err error) { assert.Same(t, boom, err) }},
		{"a panic", func() []*gJob { j := gJobs("j", 2, nil); j[0].panicValue = boom; return j }, nil,
			func(t *testing.T, err error) {
				var pe *workerpool.PanicError
				require.ErrorAs(t, err, &pe)
				assert.Same(t, boom, pe.Value)
				assert.NotEmpty(t, pe.Stack)
				assert.ErrorIs(t, err, boom, "PanicError unwraps an error value")
			}},
		{"stopped by its context", func() []*gJob { return gJobs("j", 2, nil) },
			func(_ *workerpool.Group[*gJob], cancel context.CancelCauseFunc) { cancel(cause) },
			func(t *testing.T, err error) {
				assert.ErrorIs(t, err, workerpool.ErrStopped)
				assert.ErrorIs(t, err, cause, "wraps the context's cause")
			}},
		{"stopped by Stop", func() []*gJob { return gJobs("j", 2, nil) },
			func(g *workerpool.Group[*gJob], _ context.CancelCauseFunc) { g.Stop() },
			func(t *testing.T, err error) { assert.Same(t, workerpool.ErrStopped, err) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[*gJob](t, 1, 8, false, workerpool.WithPanicHandler(func(workerpool.Job, any, []byte) {}))
				ctx, cancel := context.WithCancelCause(context.Background())
				defer cancel(nil)
				g := p.NewGroup(ctx)
				p.Pause()
				_, err := g.QueueJobs(tt.jobs()...)
				require.NoError(t, err)
				if tt.stop != nil {
					tt.stop(g, cancel)
					synctest.Wait()
				}
				p.Resume()
				err = g.Wait()
				tt.check(t, err)
				assert.Equal(t, err, g.Wait(), "Wait again returns the same")
				s := g.Stats()
				checkGroupInvariants(t, s)
				assert.True(t, s.Closed)
				require.NoError(t, p.Close())
			})
		})
	}
}

func TestGroup_StopOnErrorStartsNoJobAfterTheFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		p := newPool[*gJob](t, 2, 16, false)
		log := &startLog{}
		g := p.NewGroup(context.Background(), workerpool.StopOnError())
		other := p.NewGroup(context.Background())
		failing := &gJob{name: "failing", err: boom, log: log, release: make(chan struct{})}
		slow := &gJob{name: "slow", log: log, release: make(chan struct{})}
		rest := gJobs("rest", 5, log)
		require.NoError(t, g.QueueJob(failing))
		require.NoError(t, g.QueueJob(slow))
		_, err := g.QueueJobs(rest...)
		require.NoError(t, err)
		otherJobs := gJobs("other", 3, log)
		_, err = other.QueueJobs(otherJobs...)
		require.NoError(t, err)
		synctest.Wait()
		require.ElementsMatch(t, []string{"failing", "slow"}, log.get())

		close(failing.release)
		synctest.Wait()
		assert.ErrorIs(t, context.Cause(g.Context()), boom, "the failure is the context's cause")
		assert.Equal(t, workerpool.GroupStats{Queued: 7, Running: 1, Completed: 1, Failed: 1, Skipped: 5, Dropped: 1, Closed: true}, g.Stats())
		err = g.QueueJob(&gJob{})
		assert.ErrorIs(t, err, workerpool.ErrGroupClosed)
		assert.ErrorIs(t, err, boom, "the refusal wraps the failure that stopped the group")
		close(slow.release)
		assert.Same(t, boom, g.Wait())
		require.NoError(t, other.Wait())
		for _, j := range rest {
			assert.Zero(t, j.runs.Load(), "%s started after the failure", j.name)
		}
		for _, name := range log.get() {
			assert.NotContains(t, name, "rest")
		}
		assert.Equal(t, workerpool.GroupStats{Queued: 7, Completed: 2, Failed: 1, Skipped: 5, Dropped: 2, Rejected: 1, Closed: true}, g.Stats())
		require.NoError(t, p.Close())
	})
}

func TestGroup_KeepFinishedInCompletionOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 3, 8, false)
		g := p.NewGroup(context.Background(), workerpool.KeepFinished())
		jobs := []*gJob{blocking("a"), blocking("b"), blocking("c")}
		_, err := g.QueueJobs(jobs...)
		require.NoError(t, err)
		synctest.Wait()
		var got []string
		ended := goDo(func() {
			for j := range g.Finished() {
				got = append(got, j.name)
			}
		})
		for _, i := range []int{2, 0, 1} {
			close(jobs[i].release)
			synctest.Wait()
		}
		assert.False(t, ended.Load(), "Finished waits while the group is open")
		require.NoError(t, g.Wait())
		synctest.Wait()
		assert.True(t, ended.Load(), "Finished ends once the group is done")
		assert.Equal(t, []string{"c", "a", "b"}, got)
		assert.Equal(t, workerpool.GroupStats{Queued: 3, Completed: 3, Retrieved: 3, Closed: true}, g.Stats())
		assert.Equal(t, workerpool.Stats{Workers: 3, Live: 3, Queued: 3, Completed: 3, Retrieved: 3}, p.Stats(),
			"a group's jobs never reach the pool's finished queue")
		job, done := p.GetFinished()
		assert.Nil(t, job)
		assert.False(t, done)
		require.NoError(t, p.Close())
	})
}

func TestGroup_ClosedRefusesAndLetsAcceptedJobsRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 4, false)
		g := p.NewGroup(context.Background())
		p.Pause()
		jobs := gJobs("j", 2, nil)
		_, err := g.QueueJobs(jobs...)
		require.NoError(t, err)
		g.Close()
		g.Close()
		refused := &gJob{}
		assert.ErrorIs(t, g.QueueJob(refused), workerpool.ErrGroupClosed)
		assert.ErrorIs(t, g.TryQueueJob(refused), workerpool.ErrGroupClosed)
		assert.ErrorIs(t, g.QueueJobContext(context.Background(), refused), workerpool.ErrGroupClosed)
		n, err := g.QueueJobs(refused, refused)
		assert.Zero(t, n)
		assert.ErrorIs(t, err, workerpool.ErrGroupClosed)
		assert.ErrorIs(t, g.QueueJob(nil), workerpool.ErrGroupClosed, "ErrGroupClosed comes before ErrNilJob")
		assert.Equal(t, workerpool.GroupStats{Queued: 2, Waiting: 2, Rejected: 5, Closed: true}, g.Stats())
		assert.NoError(t, g.Context().Err(), "a closed group's context lives while its jobs wait")
		p.Resume()
		require.NoError(t, g.Wait())
		for _, j := range jobs {
			assert.EqualValues(t, 1, j.runs.Load())
		}
		assert.Zero(t, refused.runs.Load())
		assert.ErrorIs(t, g.Context().Err(), context.Canceled, "a done group releases its context")
		require.NoError(t, p.Close())
	})
}

func TestGroup_FairTurns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 64, false)
		log := &startLog{}
		big, small := p.NewGroup(context.Background()), p.NewGroup(context.Background())
		p.Pause()
		_, err := big.QueueJobs(gJobs("B", 40, log)...)
		require.NoError(t, err)
		require.NoError(t, p.QueueJob(&gJob{name: "P0", log: log}))
		_, err = small.QueueJobs(gJobs("S", 3, log)...)
		require.NoError(t, err)
		require.NoError(t, p.QueueJob(&gJob{name: "P1", log: log}))
		assert.Equal(t, 2, p.Stats().Groups, "the pool's own jobs are not counted as a group")
		p.Resume()
		require.NoError(t, small.Wait())
		require.NoError(t, big.Wait())
		require.NoError(t, p.Close())
		p.GetFinishedWait()
		assert.Equal(t, []string{"B0", "P0", "S0", "B1", "P1", "S1", "B2", "S2", "B3", "B4"}, log.get()[:10],
			"FIFO within a group, round-robin across the groups with jobs waiting (the pool's own jobs are one more)")
	})
}

func TestGroup_BlockedCallsAdmittedInTurns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 1, false)
		log := &startLog{}
		a, b := p.NewGroup(context.Background()), p.NewGroup(context.Background())
		first := blocking("first")
		require.NoError(t, p.QueueJob(first))
		require.NoError(t, a.QueueJob(&gJob{name: "a0", log: log})) // fills the intake
		// Blocked calls, oldest first: a1, a2, a3 of a, then b0, b1 of b.
		blockInOrder(t, log, []*workerpool.Group[*gJob]{a, a, a, b, b}, "a1", "a2", "a3", "b0", "b1")
		assert.Equal(t, 5, p.Stats().Blocked)
		close(first.release)
		require.NoError(t, a.Wait())
		require.NoError(t, b.Wait())
		assert.Equal(t, []string{"a0", "a1", "b0", "a2", "b1", "a3"}, log.get(),
			"room is given round-robin across the groups' blocked calls, oldest first within one")
		require.NoError(t, p.Close())
	})
}

func TestGroup_QueueJobsContextCountsExactly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 2, false)
		g := p.NewGroup(context.Background())
		running := blocking("running")
		require.NoError(t, g.QueueJob(running))
		synctest.Wait()
		ctx, cancel := context.WithCancel(context.Background())
		jobs := append(gJobs("j", 5, nil), nil)
		var n int
		var err error
		returned := goDo(func() { n, err = g.QueueJobsContext(ctx, jobs...) })
		synctest.Wait()
		assert.False(t, returned.Load(), "blocked for room after 2 jobs")
		cancel()
		synctest.Wait()
		require.True(t, returned.Load())
		assert.Equal(t, 2, n)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, workerpool.GroupStats{Queued: 3, Waiting: 2, Running: 1, Rejected: 3}, g.Stats(),
			"the 3 non-nil jobs not accepted count Rejected; the nil one nothing")
		assert.Equal(t, workerpool.Stats{Workers: 1, Live: 1, Queued: 3, Waiting: 2, Running: 1, Rejected: 3, Groups: 1}, p.Stats())

		n, err = g.QueueJobsContext(ctx, gJobs("late", 2, nil)...)
		assert.Zero(t, n)
		assert.ErrorIs(t, err, context.Canceled, "an ended context refuses at once")
		n, err = p.QueueJobsContext(ctx, gJobs("late", 2, nil)...)
		assert.Zero(t, n)
		assert.ErrorIs(t, err, context.Canceled)
		assert.EqualValues(t, 5, g.Stats().Rejected)
		assert.EqualValues(t, 7, p.Stats().Rejected)
		close(running.release)
		require.NoError(t, g.Wait())
		require.NoError(t, p.Close())
	})
}

func TestGroup_PoolOperationsCoverGroups(t *testing.T) {
	t.Run("Close closes every group and runs their waiting jobs", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := newPool[*gJob](t, 1, 4, false)
			g := p.NewGroup(context.Background())
			p.Pause()
			jobs := gJobs("j", 3, nil)
			_, err := g.QueueJobs(jobs...)
			require.NoError(t, err)
			require.NoError(t, p.Close())
			assert.ErrorIs(t, g.QueueJob(&gJob{}), workerpool.ErrClosed)
			require.NoError(t, g.Wait())
			for _, j := range jobs {
				assert.EqualValues(t, 1, j.runs.Load())
			}
			assert.True(t, p.NewGroup(context.Background()).Stats().Closed, "a group of a closed pool starts closed")
		})
	})
	t.Run("Stop stops every group", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := newPool[*gJob](t, 1, 4, false)
			g := p.NewGroup(context.Background())
			running := blocking("running")
			require.NoError(t, g.QueueJob(running))
			_, err := g.QueueJobs(gJobs("j", 2, nil)...)
			require.NoError(t, err)
			synctest.Wait()
			require.NoError(t, p.Stop())
			assert.ErrorIs(t, g.Context().Err(), context.Canceled)
			assert.Equal(t, workerpool.GroupStats{Queued: 3, Running: 1, Skipped: 2, Closed: true}, g.Stats())
			close(running.release)
			assert.Same(t, workerpool.ErrStopped, g.Wait())
		})
	})
	t.Run("StopAndCollect returns group jobs oldest first", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := newPool[*gJob](t, 1, 8, false)
			a, b := p.NewGroup(context.Background()), p.NewGroup(context.Background())
			p.Pause()
			var queued []*gJob
			for i := range 6 {
				j := &gJob{name: fmt.Sprint(i)}
				switch i % 3 {
				case 0:
					require.NoError(t, a.QueueJob(j))
				case 1:
					require.NoError(t, p.QueueJob(j))
				case 2:
					require.NoError(t, b.QueueJob(j))
				}
				queued = append(queued, j)
			}
			assert.Equal(t, queued, p.StopAndCollect())
			assert.Equal(t, workerpool.GroupStats{Queued: 2, Skipped: 2, Closed: true}, a.Stats())
			assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 6, Skipped: 6}, exitedStats(p))
		})
	})
	t.Run("Pause holds group jobs and WaitIdle waits for them", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := newPool[*gJob](t, 2, 4, false)
			g := p.NewGroup(context.Background())
			p.Pause()
			jobs := []*gJob{blocking("a"), blocking("b")}
			_, err := g.QueueJobs(jobs...)
			require.NoError(t, err)
			idle := goDo(func() { assert.NoError(t, p.WaitIdle(context.Background())) })
			synctest.Wait()
			assert.Equal(t, workerpool.GroupStats{Queued: 2, Waiting: 2}, g.Stats(), "paused: nothing starts")
			p.Resume()
			synctest.Wait()
			assert.Equal(t, workerpool.GroupStats{Queued: 2, Running: 2}, g.Stats())
			assert.False(t, idle.Load(), "WaitIdle waits for group jobs")
			releaseAll(jobs...)
			synctest.Wait()
			assert.True(t, idle.Load())
			require.NoError(t, p.Close())
		})
	})
	t.Run("Resize: new workers take group jobs", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := newPool[*gJob](t, 1, 4, false)
			g := p.NewGroup(context.Background())
			jobs := []*gJob{blocking("a"), blocking("b"), blocking("c")}
			_, err := g.QueueJobs(jobs...)
			require.NoError(t, err)
			synctest.Wait()
			require.NoError(t, p.Resize(3))
			synctest.Wait()
			assert.Equal(t, workerpool.GroupStats{Queued: 3, Running: 3}, g.Stats())
			releaseAll(jobs...)
			require.NoError(t, g.Wait())
			require.NoError(t, p.Close())
		})
	})
}

func TestGroup_ContextJobsGetTheGroupContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 1, false)
		ctx := context.WithValue(context.Background(), markerKey{}, "request-7")
		g := p.NewGroup(ctx)
		j := &gJob{}
		require.NoError(t, g.QueueJob(j))
		require.NoError(t, g.Wait())
		assert.Equal(t, "request-7", j.ctx.Value(markerKey{}), "the group's context carries the values of NewGroup's ctx")
		assert.Same(t, g.Context(), j.ctx)
		require.NoError(t, p.Close())
	})
}

type poolMarkerKey struct{}

// Regression: a group's ContextJob did not see the values of the pool's
// WithContext context, where the pool's own jobs do.
func TestGroup_ContextJobsSeeThePoolsContextValues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		poolCtx := context.WithValue(context.Background(), poolMarkerKey{}, "pool")
		poolCtx = context.WithValue(poolCtx, markerKey{}, "pool's marker")
		p := newPool[*gJob](t, 1, 1, false, workerpool.WithContext(poolCtx))
		g := p.NewGroup(context.WithValue(context.Background(), markerKey{}, "request-7"))
		inGroup, own := &gJob{}, &gJob{}
		require.NoError(t, g.QueueJob(inGroup))
		require.NoError(t, g.Wait())
		require.NoError(t, p.QueueJob(own))
		require.NoError(t, p.WaitIdle(context.Background()))
		assert.Equal(t, "pool", inGroup.ctx.Value(poolMarkerKey{}), "the pool's values")
		assert.Equal(t, "request-7", inGroup.ctx.Value(markerKey{}), "NewGroup's ctx first")
		assert.Equal(t, "pool", own.ctx.Value(poolMarkerKey{}))
		assert.Equal(t, "pool's marker", own.ctx.Value(markerKey{}))
		require.NoError(t, p.Close())
	})
}

func TestGroup_EndedContextStartsStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 1, false)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		g := p.NewGroup(ctx)
		assert.ErrorIs(t, g.QueueJob(&gJob{}), workerpool.ErrGroupClosed)
		assert.Equal(t, workerpool.GroupStats{Rejected: 1, Closed: true}, g.Stats())
		assert.NoError(t, g.Wait(), "nothing was skipped")
		require.NoError(t, p.Close())
	})
}

func TestGroup_NilContextPanics(t *testing.T) {
	p := newPool[*gJob](t, 1, 1, false)
	defer p.Close()
	//lint:ignore SA1012 the nil context is the point of the test
	assert.PanicsWithValue(t, "workerpool: NewGroup: nil context", func() { p.NewGroup(nil) })
}

func TestGroup_CallsOnAStoppedGroupReturnAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 0, false)
		g := p.NewGroup(context.Background())
		g.Stop()
		g.Stop()
		assert.ErrorIs(t, g.QueueJob(&gJob{}), workerpool.ErrGroupClosed, "a stopped group does not block on a full pool")
		n, err := g.QueueJobs(&gJob{})
		assert.Zero(t, n)
		assert.ErrorIs(t, err, workerpool.ErrGroupClosed)
		assert.NoError(t, g.Wait())
		for range g.Finished() {
			t.Error("nothing to yield")
		}
		require.NoError(t, p.Close())
	})
}

func TestGroup_WaitAdmitsBlockedProducers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 1, false)
		g := p.NewGroup(context.Background())
		jobs := gJobs("j", 6, nil)
		var n int
		produced := goDo(func() { n, _ = g.QueueJobs(jobs...) })
		synctest.Wait() // the producer is blocked for room
		require.NoError(t, g.Wait())
		assert.True(t, produced.Load())
		assert.Equal(t, 6, n, "Wait lets a blocked producer finish, it does not cut it off")
		for _, j := range jobs {
			assert.EqualValues(t, 1, j.runs.Load())
		}
		require.NoError(t, p.Close())
	})
}

func TestGroup_UnbufferedHandoffTakesTurns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 0, false)
		log := &startLog{}
		a, b := p.NewGroup(context.Background()), p.NewGroup(context.Background())
		first := blocking("first")
		require.NoError(t, a.QueueJob(first))
		blockInOrder(t, log, []*workerpool.Group[*gJob]{a, a, b, b}, "a0", "a1", "b0", "b1")
		close(first.release)
		require.NoError(t, a.Wait())
		require.NoError(t, b.Wait())
		assert.Equal(t, []string{"a0", "b0", "a1", "b1"}, log.get())
		require.NoError(t, p.Close())
	})
}

// blockInOrder starts one queuing call per name, into the group beside it,
// each blocked before the next starts, so they wait oldest first.
func blockInOrder(t *testing.T, log *startLog, groups []*workerpool.Group[*gJob], names ...string) {
	for i, name := range names {
		goDo(func() { assert.NoError(t, groups[i].QueueJob(&gJob{name: name, log: log})) })
		synctest.Wait()
	}
}

// A lane served while alone keeps its place in the turns when it empties
// (no ring operation per job for a lone lane); it must neither count as a
// group taking turns nor go before a group that joined after it.
func TestGroup_LoneLaneThatEmptiedGoesAfterNewcomers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 8, false)
		log := &startLog{}
		a, b := p.NewGroup(context.Background()), p.NewGroup(context.Background())
		first := blocking("first")
		require.NoError(t, a.QueueJob(first))
		require.NoError(t, a.QueueJob(&gJob{name: "a0", log: log})) // waits: a is alone in the turns
		close(first.release)
		synctest.Wait() // a0 ran: a is empty
		assert.Equal(t, 2, p.Stats().Groups, "groups not yet done count, waiting or not")
		p.Pause()
		require.NoError(t, b.QueueJob(&gJob{name: "b0", log: log}))
		require.NoError(t, b.QueueJob(&gJob{name: "b1", log: log}))
		require.NoError(t, a.QueueJob(&gJob{name: "a1", log: log}))
		p.Resume()
		require.NoError(t, a.Wait())
		require.NoError(t, b.Wait())
		assert.Equal(t, []string{"a0", "b0", "a1", "b1"}, log.get(), "a was served last, so b goes first")
		require.NoError(t, p.Close())
	})
}

// StopAndCollect orders jobs across lanes by acceptance even when groups
// come and go while the pool's own jobs wait: the pool's own lane keeps
// numbering its jobs while it holds numbered ones.
func TestGroup_StopAndCollectOrderWhileGroupsComeAndGo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 16, false)
		p.Pause()
		a, b, c, d, e := &gJob{name: "a"}, &gJob{name: "b"}, &gJob{name: "c"}, &gJob{name: "d"}, &gJob{name: "e"}
		require.NoError(t, p.QueueJob(a)) // no group yet
		g1 := p.NewGroup(context.Background())
		require.NoError(t, p.QueueJob(b)) // numbered: a group exists
		g1.Close()                        // g1 is done: no group exists
		require.NoError(t, p.QueueJob(c))
		g2 := p.NewGroup(context.Background())
		require.NoError(t, g2.QueueJob(d))
		require.NoError(t, p.QueueJob(e))
		assert.Equal(t, []*gJob{a, b, c, d, e}, p.StopAndCollect())
	})
}

// A group's job that panics counts Failed and Panicked in the group and the
// pool, and the pool's panic handler still runs for it.
func TestGroup_PanicCountsInBothAndReachesTheHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var handled []any
		var mu sync.Mutex
		p := newPool[*gJob](t, 1, 4, false, workerpool.WithPanicHandler(func(_ workerpool.Job, v any, _ []byte) {
			mu.Lock()
			defer mu.Unlock()
			handled = append(handled, v)
		}))
		g := p.NewGroup(context.Background())
		_, err := g.QueueJobs(&gJob{panicValue: "boom"}, &gJob{err: errors.New("failed")}, &gJob{})
		require.NoError(t, err)
		var pe *workerpool.PanicError
		require.ErrorAs(t, g.Wait(), &pe)
		assert.Equal(t, []any{"boom"}, handled)
		assert.Equal(t, workerpool.GroupStats{Queued: 3, Completed: 3, Failed: 2, Panicked: 1, Dropped: 3, Closed: true}, g.Stats())
		s := p.Stats()
		assert.EqualValues(t, 2, s.Failed)
		assert.EqualValues(t, 1, s.Panicked)
		require.NoError(t, p.Close())
	})
}
