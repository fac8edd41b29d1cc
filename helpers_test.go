package workerpool_test

import (
	"bytes"
	"context"
	"errors"
	"log"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// countJob records how often it ran.
type countJob struct {
	id   int
	runs atomic.Int32
}

func (j *countJob) Run() { j.runs.Add(1) }

// releaseAll lets blocking jobs (blockJob, gJob) return.
func releaseAll[J interface{ unblock() }](jobs ...J) {
	for _, j := range jobs {
		j.unblock()
	}
}

// blockJob runs until its release channel is closed.
type blockJob struct {
	countJob
	release chan struct{}
}

func newBlockJob(id int) *blockJob {
	return &blockJob{countJob: countJob{id: id}, release: make(chan struct{})}
}

func (j *blockJob) Run() {
	j.runs.Add(1)
	<-j.release
}

func (j *blockJob) unblock() { close(j.release) }

// ctxJob is interrupted through RunContext: it runs until its context ends.
type ctxJob struct {
	runs   atomic.Int32
	err    error // ctx.Err() seen when interrupted
	marker any   // ctx.Value(markerKey{}) seen by the job
}

type markerKey struct{}

func (j *ctxJob) Run() { panic("Run must not be called on a RunContext job") }

func (j *ctxJob) RunContext(ctx context.Context) {
	j.runs.Add(1)
	j.marker = ctx.Value(markerKey{})
	<-ctx.Done()
	j.err = ctx.Err()
}

// panicJob panics with value when run.
type panicJob struct {
	countJob
	value any
}

func (j *panicJob) Run() {
	j.runs.Add(1)
	panic(j.value)
}

// forIOWorkers is how many workers a pool may have before it is a pool
// for I/O (more than 4 per processor): its lock yields, its idle workers
// park on parkers of their own, and an untimed one's workers may leave
// their jobs' completions to the lock's holder.
func forIOWorkers() int { return 4 * runtime.GOMAXPROCS(0) }

// newPool is New that fails the test on error.
func newPool[J workerpool.Job](t testing.TB, workers, bufferSize int, queueFinished bool, opts ...workerpool.Option) *workerpool.Pool[J] {
	t.Helper()
	p, err := workerpool.New[J](workers, bufferSize, queueFinished, opts...)
	require.NoError(t, err)
	return p
}

// checkInvariants asserts every equation of the Stats contract on one
// snapshot. Pass queueFinished true also when a group may keep finished jobs.
func checkInvariants(t testing.TB, s workerpool.Stats, bufferSize int, queueFinished bool) {
	t.Helper()
	assert.Equal(t, s.Queued, uint64(s.Waiting)+uint64(s.Running)+s.Completed+s.Skipped,
		"Queued == Waiting + Running + Completed + Skipped: %+v", s)
	assert.Equal(t, s.Completed, uint64(s.Finished)+s.Retrieved+s.Dropped,
		"Completed == Finished + Retrieved + Dropped: %+v", s)
	if !queueFinished { // and no group keeps finished jobs

		assert.Zero(t, s.Finished, "Finished without queueFinished: %+v", s)
		assert.Zero(t, s.Retrieved, "Retrieved without queueFinished: %+v", s)
	}
	assert.GreaterOrEqual(t, s.Running, 0, "%+v", s)
	assert.LessOrEqual(t, s.Running, s.Workers, "%+v", s)
	assert.GreaterOrEqual(t, s.Waiting, 0, "%+v", s)
	assert.LessOrEqual(t, s.Waiting, bufferSize, "Waiting <= bufferSize: %+v", s)
	assert.LessOrEqual(t, s.Panicked, s.Failed, "Panicked <= Failed: %+v", s)
	assert.LessOrEqual(t, s.Failed, s.Completed, "Failed <= Completed: %+v", s)
	assert.LessOrEqual(t, s.Held, s.Workers, "Held <= Workers: %+v", s)
	assert.LessOrEqual(t, s.Running+s.Held, s.Live, "Running + Held <= Live: %+v", s)
	assert.LessOrEqual(t, s.Live, s.Workers, "Live <= Workers: %+v", s)
	assert.LessOrEqual(t, s.Held, s.Finished, "Held <= Finished: %+v", s)
	assert.GreaterOrEqual(t, s.Blocked, 0, "%+v", s)
	checkTimings(t, s)
}

// checkTimings asserts the Timings equations, for a pool made with
// WithTimings (a pool without has both histograms zero, which passes too).
func checkTimings(t testing.TB, s workerpool.Stats) {
	t.Helper()
	for _, h := range []workerpool.Timings{s.Wait, s.Run} {
		var sum uint64
		for _, n := range h.Buckets {
			sum += n
		}
		assert.Equal(t, h.Count, sum, "the buckets add up to Count: %+v", h)
	}
	if s.Wait.Count+s.Run.Count == 0 {
		return // no timings, or nothing started yet
	}
	assert.Equal(t, s.Wait.Count, uint64(s.Running)+s.Completed, "Wait.Count == Running + Completed: %v", s)
	assert.Equal(t, s.Run.Count, s.Completed, "Run.Count == Completed: %v", s)
}

// goDo runs f in a goroutine and returns a flag set when f has returned.
func goDo(f func()) *atomic.Bool {
	var returned atomic.Bool
	go func() {
		f()
		returned.Store(true)
	}()
	return &returned
}

// exitedStats returns the Stats of p, a done pool, once its worker
// goroutines have exited: a worker parked when Close came, or released by
// it, exits a moment after the pool is done, and Live is 0 only then (see
// GetFinished). Call it in a synctest bubble: it waits until every other
// goroutine of the bubble is blocked or gone.
func exitedStats[J workerpool.Job](p *workerpool.Pool[J]) workerpool.Stats {
	synctest.Wait()
	return p.Stats()
}

// requireDone waits until p is done (GetFinishedWait reports it) and fails
// the test if a finished job comes instead.
func requireDone[J workerpool.Job](t testing.TB, p *workerpool.Pool[J]) {
	t.Helper()
	_, done := p.GetFinishedWait()
	require.True(t, done, "the pool is done")
}

// drain retrieves finished jobs until the pool is done and returns them.
func drain[J workerpool.Job](p *workerpool.Pool[J]) []J {
	var jobs []J
	for job := range p.Finished() {
		jobs = append(jobs, job)
	}
	return jobs
}

// captureLog sends the standard logger's output to the returned buffer until
// the test ends. Read it only once the pool's goroutines are done.
func captureLog(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	prev := log.Writer()
	log.SetOutput(&buf)
	t.Cleanup(func() { log.SetOutput(prev) })
	return &buf
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

var errRequestGone = errors.New("request gone")

// sleepJob sleeps for d in Run (in a synctest bubble: fake time).
type sleepJob struct{ d time.Duration }

func (j *sleepJob) Run() { time.Sleep(j.d) }

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
