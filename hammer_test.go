package workerpool_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// hammerJob records what happened to it; some of them panic.
type hammerJob struct {
	panics    bool
	accepted  atomic.Int32 // set by the test when a queuing call accepted it
	runs      atomic.Int32
	retrieved atomic.Int32
}

func (j *hammerJob) Run() {
	j.runs.Add(1)
	if j.panics {
		panic("hammer")
	}
}

func hammer(t *testing.T, workers, buf int, queueFinished, timed bool) {
	t.Run(fmt.Sprintf("workers=%d/buf=%d/finished=%v/timed=%v", workers, buf, queueFinished, timed), func(t *testing.T) {
		ignorePanics := workerpool.WithPanicHandler(func(workerpool.Job, any, []byte) {})
		// Idle workers exit after 1 ms, so workers start and exit throughout.
		opts := []workerpool.Option{ignorePanics, workerpool.WithIdleTimeout(time.Millisecond)}
		if timed {
			opts = append(opts, workerpool.WithTimings())
		}
		p := newPool[*hammerJob](t, workers, buf, queueFinished, opts...)
		goroutines := runtime.GOMAXPROCS(0) * 4
		const perProducer = 400
		jobs := make([][]*hammerJob, goroutines)
		for g := range jobs {
			jobs[g] = make([]*hammerJob, perProducer)
			for i := range jobs[g] {
				jobs[g][i] = &hammerJob{panics: rand.IntN(20) == 0}
			}
		}

		var wg sync.WaitGroup
		var producersLeft atomic.Int32
		var rejected atomic.Uint64
		for g := range goroutines {
			switch g % 4 {
			case 0, 1:
				producersLeft.Add(1)
				wg.Go(func() {
					defer producersLeft.Add(-1)
					rejected.Add(produce(t, p, jobs[g]))
				})
			case 2:
				wg.Go(func() { consume(p) })
			case 3:
				wg.Go(func() { sample(t, p, buf, queueFinished, &producersLeft) })
			}
		}
		wg.Wait()
		require.NoError(t, p.Close())
		for job := range p.Finished() {
			job.retrieved.Add(1)
		}

		verifyExactlyOnce(t, jobs, p.Stats(), rejected.Load(), buf, queueFinished)
	})
}

// verifyExactlyOnce checks, once a pool is done and drained, that every
// accepted job ran exactly once or was skipped, that refused jobs never ran,
// that each finished job was retrieved exactly once, and that the final
// Stats count exactly that, with rejected refusals.
func verifyExactlyOnce(t testing.TB, jobs [][]*hammerJob, s workerpool.Stats, rejected uint64, buf int, queueFinished bool) {
	t.Helper()
	checkInvariants(t, s, buf, queueFinished)
	var accepted, ran, skipped, panicked uint64
	for _, group := range jobs {
		for _, j := range group {
			runs, retrieved := j.runs.Load(), j.retrieved.Load()
			require.LessOrEqual(t, runs, int32(1), "a job ran twice")
			switch {
			case j.accepted.Load() == 0:
				require.Zero(t, runs, "a refused job ran")
			case runs == 1:
				accepted++
				ran++
				if j.panics {
					panicked++
				}
			default:
				accepted++
				skipped++
			}
			if queueFinished {
				require.Equal(t, runs, retrieved, "each finished job is retrieved exactly once")
			} else {
				require.Zero(t, retrieved)
			}
		}
	}
	assert.Equal(t, accepted, s.Queued, "Queued counts exactly the accepted jobs")
	assert.Equal(t, ran, s.Completed, "Completed counts exactly the jobs that ran")
	assert.Equal(t, skipped, s.Skipped, "Skipped counts exactly the accepted jobs that never ran")
	assert.Equal(t, panicked, s.Panicked, "Panicked counts exactly the jobs that panicked")
	assert.Equal(t, rejected, s.Rejected, "Rejected counts exactly the refusals")
	assert.Zero(t, s.Blocked+s.Held, "no call blocked and no worker held at the end")
	assert.False(t, s.Paused, "Close ends a pause")
	assert.Zero(t, s.Waiting+s.Running+s.Finished)
}

// queuer is what produce queues through: a Pool or a Group.
type queuer interface {
	QueueJob(*hammerJob) error
	TryQueueJob(*hammerJob) error
	QueueJobs(...*hammerJob) (int, error)
	QueueJobContext(context.Context, *hammerJob) error
}

// produce queues jobs through every queuing call until they are all
// accepted or the pool (or group) refuses with ErrClosed, and returns how
// many times a job was refused with an error that counts it Rejected.
func produce(t testing.TB, p queuer, jobs []*hammerJob) (rejected uint64) {
	for len(jobs) > 0 {
		var n int
		var err error
		offered := 1
		switch rand.IntN(4) {
		case 0:
			if err = p.QueueJob(jobs[0]); err == nil {
				n = 1
			}
		case 1:
			if err = p.TryQueueJob(jobs[0]); err == nil {
				n = 1
			}
		case 2:
			offered = min(len(jobs), 1+rand.IntN(16))
			n, err = p.QueueJobs(jobs[:offered]...)
		case 3:
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(50))*time.Microsecond)
			if err = p.QueueJobContext(ctx, jobs[0]); err == nil {
				n = 1
			}
			cancel()
		}
		for _, j := range jobs[:n] {
			j.accepted.Store(1)
		}
		jobs = jobs[n:]
		if err != nil {
			rejected += uint64(offered - n)
		}
		switch {
		case err == nil, errors.Is(err, workerpool.ErrQueueFull), errors.Is(err, context.DeadlineExceeded):
		case errors.Is(err, workerpool.ErrClosed), errors.Is(err, workerpool.ErrGroupClosed):
			return rejected
		default:
			t.Errorf("unexpected error %v", err)
			return rejected
		}
	}
	return rejected
}

// consume retrieves finished jobs, blocking or not, until the pool is done.
func consume(p *workerpool.Pool[*hammerJob]) {
	for {
		var job *hammerJob
		var done bool
		if rand.IntN(2) == 0 {
			job, done = p.GetFinished()
		} else {
			job, done = p.GetFinishedWait()
		}
		if done {
			return
		}
		if job != nil {
			job.retrieved.Add(1)
		}
	}
}

// sample checks the invariants on Stats snapshots and that the totals never
// go back, and sometimes resizes, pauses and resumes the pool or shuts it
// down early. Once every producer has returned it closes the pool, so
// consumers see done.
func sample(t *testing.T, p *workerpool.Pool[*hammerJob], buf int, queueFinished bool, producersLeft *atomic.Int32) {
	var prev workerpool.Stats
	for producersLeft.Load() > 0 {
		s := p.Stats()
		checkInvariants(t, s, buf, queueFinished)
		assert.GreaterOrEqual(t, s.Completed, prev.Completed)
		assert.GreaterOrEqual(t, s.Retrieved, prev.Retrieved)
		assert.GreaterOrEqual(t, s.Skipped, prev.Skipped)
		assert.GreaterOrEqual(t, s.Panicked, prev.Panicked)
		prev = s
		switch rand.IntN(3000) {
		case 0:
			assert.NoError(t, p.Close())
		case 1:
			assert.NoError(t, p.Stop())
		case 2, 3, 4, 5, 6, 7, 8, 9:
			if err := p.Resize(1 + rand.IntN(2*s.Workers+1)); err != nil {
				assert.ErrorIs(t, err, workerpool.ErrClosed)
			}
		case 10, 11, 12:
			p.Pause()
		}
		if s.Paused && rand.IntN(30) == 0 {
			p.Resume()
		}
		runtime.Gosched()
	}
	assert.NoError(t, p.Close())
}

// TestHammer drives pools from GOMAXPROCS*4 goroutines that queue, retrieve,
// sample Stats and Close or Stop at random moments, checking every invariant
// on every sample and, at the end, that each accepted job ran exactly once or
// was skipped, and each finished job was retrieved once.
//
// The pools sized to the machine are timed (WithTimings); the pool for I/O
// (more than 4 workers per processor) is not, so that its workers leave
// their jobs' completions to the lock's holder, which a timed pool never
// lets them do (see lockOrLeave), when it keeps no finished jobs.
func TestHammer(t *testing.T) {
	forIO := forIOWorkers() + 4
	configs := []struct {
		workers, buf int
		timed        bool
	}{{1, 0, true}, {2, 1, true}, {4, 0, true}, {3, 8, true}, {8, 64, true}, {forIO, 0, false}, {forIO, 8, false}}
	for _, cfg := range configs {
		for _, queueFinished := range []bool{true, false} {
			hammer(t, cfg.workers, cfg.buf, queueFinished, cfg.timed)
		}
	}
}
