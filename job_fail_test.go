package workerpool_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// failing is an ErrorJob held in a value type, to check failures are seen
// for every kind of J: a concrete ErrorJob type, an interface type, and a
// value stored in the untyped pool.
type failing struct{ err error }

func (f failing) Run()       {}
func (f failing) Err() error { return f.err }

func TestFailed_CountedForEveryKindOfJobType(t *testing.T) {
	boom := errors.New("boom")
	t.Run("concrete ErrorJob type", func(t *testing.T) {
		p := newPool[failing](t, 1, 4, false)
		_, err := p.QueueJobs(failing{boom}, failing{}, failing{boom})
		require.NoError(t, err)
		require.NoError(t, p.Close())
		p.GetFinishedWait()
		assert.EqualValues(t, 2, p.Stats().Failed)
	})
	t.Run("interface type", func(t *testing.T) {
		p := newPool[workerpool.Job](t, 1, 4, false)
		_, err := p.QueueJobs(failing{boom}, &countJob{}, failing{})
		require.NoError(t, err)
		require.NoError(t, p.Close())
		p.GetFinishedWait()
		assert.EqualValues(t, 1, p.Stats().Failed)
	})
	t.Run("type that cannot fail", func(t *testing.T) {
		p := newPool[*countJob](t, 1, 4, false)
		require.NoError(t, p.QueueJob(&countJob{}))
		require.NoError(t, p.WaitIdle(context.Background()))
		assert.Zero(t, p.Stats().Failed)
		require.NoError(t, p.Close())
	})
}

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
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 2, Completed: 2, Retrieved: 2, Panicked: 1, Failed: 1}, exitedStats(p))
	})
}

func TestPanic_DefaultLogsToStandardLogger(t *testing.T) {
	buf := captureLog(t)
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*panicJob](t, 1, 1, false)
		require.NoError(t, p.QueueJob(&panicJob{value: errors.New("kaput")}))
		require.NoError(t, p.Close())
		requireDone(t, p)
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 1, Completed: 1, Panicked: 1, Failed: 1, Dropped: 1}, exitedStats(p))
	})
	assert.Contains(t, buf.String(), "kaput")
	assert.Contains(t, buf.String(), "goroutine", "the stack is logged")
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
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 2, Completed: 2, Retrieved: 2, Panicked: 1, Failed: 1}, exitedStats(p))
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
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 1, Completed: 1, Panicked: 1, Failed: 1, Dropped: 1}, exitedStats(p))
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
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 3, Completed: 3, Retrieved: 3, Failed: 2}, exitedStats(p),
			"a Goexit counts Failed")
	})
}

// goexitPanicJob calls runtime.Goexit, and a deferred call of its panics
// while the Goexit unwinds.
type goexitPanicJob struct{}

func (goexitPanicJob) Run() {
	defer func() { panic("deferred during Goexit") }()
	runtime.Goexit()
}

// Regression: a job that called runtime.Goexit and then panicked in a
// deferred call counted as a Goexit, and its panic was swallowed: the
// handler was not called and Panicked stayed 0.
func TestGoexitJob_PanicDuringTheGoexitIsReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var handled []any
		p := newPool[workerpool.Job](t, 1, 4, false, workerpool.WithPanicHandler(func(_ workerpool.Job, r any, _ []byte) {
			handled = append(handled, r)
		}))
		g := p.NewGroup(context.Background())
		after := &countJob{}
		_, err := g.QueueJobs(goexitPanicJob{}, after)
		require.NoError(t, err)
		err = g.Wait()
		var pe *workerpool.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "deferred during Goexit", pe.Value)
		assert.Equal(t, []any{"deferred during Goexit"}, handled)
		assert.EqualValues(t, 1, after.runs.Load(), "the worker was replaced")
		require.NoError(t, p.Close())
		s := p.Stats()
		assert.EqualValues(t, 2, s.Completed)
		assert.EqualValues(t, 1, s.Failed)
		assert.EqualValues(t, 1, s.Panicked)
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
