package workerpool_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// In a pool for I/O, a worker whose job returns while another goroutine
// holds the pool's lock leaves the job's completion to that holder. No
// completion may be left behind: rounds of short jobs queued from a few
// goroutines, into the pool and into groups at their limits, under Stats
// calls, Close and Stop, each end with every accepted job completed or
// skipped, exactly once. In a bubble, a completion left behind is a
// deadlock at once (the worker waits on its parker, and GetFinishedWait
// for the pool's end), not a hang until the test's timeout.
func TestPoolForIO_NoCompletionIsLeftBehind(t *testing.T) {
	workers := forIOWorkers() + 1 // one more than a pool sized to the machine may have
	for round := range 3000 {
		synctest.Test(t, func(t *testing.T) {
			leftBehindRound(t, workers+rand.IntN(4), rand.IntN(2), round)
		})
	}
}

// leftBehindRound is one round of TestPoolForIO_NoCompletionIsLeftBehind.
func leftBehindRound(t *testing.T, workers, buf, round int) {
	p := newPool[workerpool.Task](t, workers, buf, false)
	groups := []*workerpool.Group[workerpool.Task]{
		p.NewGroup(context.Background(), workerpool.Limit(1)),
		p.NewGroup(context.Background(), workerpool.Limit(2), workerpool.Weight(3)),
	}
	var ran atomic.Uint64
	task := workerpool.Task(func(context.Context) error {
		ran.Add(1)
		for i := range rand.IntN(20000) { // a few microseconds of work
			_ = i * i
		}
		return nil
	})
	var accepted atomic.Uint64
	var wg sync.WaitGroup
	for c := range 3 {
		wg.Go(func() {
			for range 60 {
				var err error
				switch lane := rand.IntN(3); {
				case rand.IntN(100) < 5 && c == 0: // the round's shutdown, at a random moment
					if rand.IntN(2) == 0 {
						err = p.Close()
					} else {
						err = p.Stop()
					}
					require.NoError(t, err)
					continue
				case rand.IntN(3) == 0:
					p.Stats()
					continue
				case lane == 0:
					err = p.QueueJob(task)
				default:
					err = groups[lane-1].QueueJob(task)
				}
				if err == nil {
					accepted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, p.Close())
	_, done := p.GetFinishedWait() // the pool keeps no finished jobs: this waits for its end
	require.True(t, done)
	s := p.Stats()
	require.Equal(t, accepted.Load(), s.Queued, "round %d", round)
	require.Equal(t, ran.Load(), s.Completed, "round %d: each job that ran is completed once", round)
	require.Equal(t, s.Queued, s.Completed+s.Skipped, "round %d: every accepted job completed or skipped", round)
	require.Zero(t, s.Running+s.Waiting, "round %d", round)
}
