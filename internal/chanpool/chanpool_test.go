package chanpool_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool/internal/chanpool"
)

type job struct{ runs atomic.Int32 }

func (j *job) Run() { j.runs.Add(1) }

type blocker struct{ release chan struct{} }

func (b *blocker) Run() { <-b.release }

func TestCloseRunsEverythingAndRefusesNewJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := chanpool.New[*job](2, 4, true)
		jobs := []*job{{}, {}, {}}
		for _, j := range jobs {
			require.NoError(t, p.QueueJob(j))
		}
		require.NoError(t, p.Close())
		require.NoError(t, p.Close())
		require.ErrorIs(t, p.QueueJob(&job{}), chanpool.ErrClosed)
		n := countFinished(p)
		assert.Equal(t, 3, n)
		_, done := p.GetFinished()
		assert.True(t, done)
	})
}

func TestBlockedSenderWokenByClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := chanpool.New[chanpool.Job](1, 0, false)
		b := &blocker{release: make(chan struct{})}
		require.NoError(t, p.QueueJob(b))
		var err error
		go func() { err = p.QueueJob(&job{}) }()
		synctest.Wait()
		require.NoError(t, p.Stop())
		synctest.Wait()
		require.ErrorIs(t, err, chanpool.ErrClosed)
		close(b.release)
		_, done := p.GetFinishedWait()
		require.True(t, done)
	})
}

func TestStopWithFullFinishedChannelDoesNotDeadlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := chanpool.New[*job](2, 1, true)
		for range 3 {
			require.NoError(t, p.QueueJob(&job{}))
			synctest.Wait()
		}
		require.NoError(t, p.Stop())
		synctest.Wait()
		n := countFinished(p)
		assert.Equal(t, 3, n, "every finished job stays retrievable")
	})
}

// Concurrent senders and Close never panic with a send on a closed channel,
// and every accepted job runs exactly once.
func TestConcurrentQueueAndClose(t *testing.T) {
	for range 50 {
		p := chanpool.New[*job](4, 2, false)
		var accepted atomic.Int64
		var wg sync.WaitGroup
		jobs := make([]*job, 400)
		for i := range jobs {
			jobs[i] = &job{}
		}
		for g := range 4 {
			wg.Go(func() {
				for _, j := range jobs[g*100 : (g+1)*100] {
					if p.QueueJob(j) == nil {
						accepted.Add(1)
					}
				}
			})
		}
		wg.Go(func() { _ = p.Close() })
		wg.Wait()
		p.GetFinishedWait()
		var ran int64
		for _, j := range jobs {
			ran += int64(j.runs.Load())
		}
		require.Equal(t, accepted.Load(), ran)
	}
}

// countFinished retrieves finished jobs until p is done and returns how many.
func countFinished(p *chanpool.Pool[*job]) int {
	n := 0
	for {
		if _, done := p.GetFinishedWait(); done {
			return n
		}
		n++
	}
}
