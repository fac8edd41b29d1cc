package workerpool_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// Tests of pool.go's API: New and NewWorkerPool and their arguments, a
// job's way from QueueJob to GetFinished, WaitIdle, and Stats' String and
// LogValue.

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

func TestStats_TypedPoolSnapshot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 2, 3, true)
		jobs := make([]*blockJob, 5)
		for i := range jobs {
			jobs[i] = newBlockJob(i)
			require.NoError(t, p.QueueJob(jobs[i]))
			synctest.Wait()
		}
		assert.Equal(t, workerpool.Stats{Workers: 2, Live: 2, Queued: 5, Waiting: 3, Running: 2}, p.Stats())
		close(jobs[0].release)
		synctest.Wait()
		assert.Equal(t, workerpool.Stats{Workers: 2, Live: 2, Queued: 5, Waiting: 2, Running: 2, Finished: 1, Completed: 1}, p.Stats())
		got, _ := p.GetFinished()
		assert.Same(t, jobs[0], got, "a typed pool returns the job's own type")
		assert.Equal(t, workerpool.Stats{Workers: 2, Live: 2, Queued: 5, Waiting: 2, Running: 2, Completed: 1, Retrieved: 1}, p.Stats())
		require.NoError(t, p.Stop())
		assert.Equal(t, workerpool.Stats{Workers: 2, Live: 2, Queued: 5, Running: 2, Completed: 1, Retrieved: 1, Skipped: 2}, p.Stats())
		for _, j := range jobs[1:] {
			close(j.release)
		}
		drain(p)
		assert.Equal(t, workerpool.Stats{Workers: 2, Queued: 5, Completed: 3, Retrieved: 3, Skipped: 2}, exitedStats(p))
	})
}

func TestStats_StringAndLogValue(t *testing.T) {
	s := workerpool.Stats{Workers: 4, Live: 3, Queued: 10, Waiting: 1, Running: 2, Finished: 3, Retrieved: 4,
		Completed: 7, Failed: 2, Panicked: 1, Dropped: 0, Blocked: 2, Held: 1, Rejected: 5, Groups: 3, Paused: true}
	assert.Equal(t, "workers=4 live=3 groups=3 queued=10 waiting=1 running=2 completed=7 skipped=0 "+
		"finished=3 retrieved=4 dropped=0 blocked=2 held=1 paused=true rejected=5 failed=2 panicked=1", s.String())

	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("pool", "stats", s)
	assert.Equal(t, "level=INFO msg=pool stats.workers=4 stats.live=3 stats.groups=3 stats.queued=10 stats.waiting=1 stats.running=2 "+
		"stats.completed=7 stats.skipped=0 stats.finished=3 stats.retrieved=4 stats.dropped=0 "+
		"stats.blocked=2 stats.held=1 stats.paused=true stats.rejected=5 stats.failed=2 stats.panicked=1\n", buf.String())
}

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
		assert.Equal(t, workerpool.Stats{Workers: 3, Live: 3, Queued: 30, Completed: 30, Dropped: 30}, s)
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

// Regression: the original hung in its constructor with 0 workers.
func TestRegression_ZeroWorkersIsAnErrorNotAHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, err := workerpool.New[workerpool.Job](0, 10, false)
		require.ErrorContains(t, err, "workers")
		require.ErrorContains(t, err, "0")
	})
}
