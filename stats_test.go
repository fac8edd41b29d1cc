package workerpool_test

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// Tests of New and of Stats: the snapshot of a new pool, of a typed pool,
// and the invariants under the hammer.

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
