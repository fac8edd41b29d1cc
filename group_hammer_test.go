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

// groupTally adds up what happened to the groups of a pool, from each
// group's final snapshot, and keeps the live groups for the sampler.
type groupTally struct {
	mu    sync.Mutex
	live  map[*workerpool.Group[*hammerJob]]struct{}
	total workerpool.GroupStats // sums of the done groups' counters
}

func newGroupTally() *groupTally {
	return &groupTally{live: map[*workerpool.Group[*hammerJob]]struct{}{}}
}

func (gt *groupTally) add(g *workerpool.Group[*hammerJob]) {
	gt.mu.Lock()
	defer gt.mu.Unlock()
	gt.live[g] = struct{}{}
}

// done records the final snapshot of a group whose Wait has returned.
func (gt *groupTally) done(t testing.TB, g *workerpool.Group[*hammerJob]) {
	s := g.Stats()
	checkGroupInvariants(t, s)
	assert.True(t, s.Closed, "after Wait: %+v", s)
	assert.Zero(t, s.Waiting+s.Running+s.Blocked, "after Wait: %+v", s)
	gt.mu.Lock()
	defer gt.mu.Unlock()
	delete(gt.live, g)
	gt.total.Queued += s.Queued
	gt.total.Completed += s.Completed
	gt.total.Skipped += s.Skipped
	gt.total.Failed += s.Failed
	gt.total.Panicked += s.Panicked
	gt.total.Retrieved += s.Retrieved
	gt.total.Dropped += s.Dropped
	gt.total.Rejected += s.Rejected
	gt.total.Finished += s.Finished
}

// sampleLive checks the invariants of every live group's snapshot.
func (gt *groupTally) sampleLive(t testing.TB) {
	gt.mu.Lock()
	groups := make([]*workerpool.Group[*hammerJob], 0, len(gt.live))
	for g := range gt.live {
		groups = append(groups, g)
	}
	gt.mu.Unlock()
	for _, g := range groups {
		checkGroupInvariants(t, g.Stats())
	}
}

// produceInGroups queues jobs in chunks, each chunk through a new group with
// random options, by produce's random queuing calls, and ends each group at random:
// Wait, Close then Wait, Stop, or the end of its context. It returns how many
// jobs it saw refused. Kept finished jobs are retrieved through Finished.
func produceInGroups(t testing.TB, p *workerpool.Pool[*hammerJob], jobs []*hammerJob, gt *groupTally) (rejected uint64) {
	for len(jobs) > 0 {
		chunk := jobs[:min(len(jobs), 1+rand.IntN(40))]
		jobs = jobs[len(chunk):]
		var opts []workerpool.GroupOption
		if rand.IntN(3) == 0 {
			opts = append(opts, workerpool.StopOnError())
		}
		keep := rand.IntN(2) == 0
		if keep {
			opts = append(opts, workerpool.KeepFinished())
		}
		limit := 0
		if rand.IntN(3) == 0 {
			limit = 1 + rand.IntN(3)
			opts = append(opts, workerpool.Limit(limit))
		}
		if rand.IntN(3) == 0 {
			opts = append(opts, workerpool.Weight(1+rand.IntN(4)))
		}
		ctx, cancel := context.WithCancel(context.Background())
		g := p.NewGroup(ctx, opts...)
		gt.add(g)
		var kept sync.WaitGroup
		if keep && rand.IntN(2) == 0 { // retrieve while the group runs
			kept.Go(func() {
				for j := range g.Finished() {
					j.retrieved.Add(1)
				}
			})
		}
		end := rand.IntN(8)
		if end == 0 { // the client goes away mid-way
			time.AfterFunc(time.Duration(rand.IntN(200))*time.Microsecond, cancel)
		}
		var watching sync.WaitGroup
		stopWatching := make(chan struct{})
		if limit > 0 { // the group never runs more than its limit
			watching.Go(func() {
				for {
					select {
					case <-stopWatching:
						return
					default:
					}
					if r := g.Stats().Running; r > limit {
						t.Errorf("group with Limit(%d) runs %d jobs", limit, r)
						return
					}
					runtime.Gosched()
				}
			})
		}
		rejected += produce(t, g, chunk)
		switch end {
		case 1:
			g.Stop()
		case 2:
			cancel()
		case 3:
			g.Close()
		}
		err := g.Wait()
		close(stopWatching)
		watching.Wait()
		var pe *workerpool.PanicError
		if err != nil && !errors.As(err, &pe) && !errors.Is(err, workerpool.ErrStopped) {
			t.Errorf("Wait: unexpected error %v", err)
		}
		kept.Wait()
		for j := range g.Finished() {
			j.retrieved.Add(1)
		}
		cancel()
		assert.Error(t, g.Context().Err(), "a done group released its context")
		gt.done(t, g)
	}
	return rejected
}

// TestGroup_Hammer runs producers through groups and through the pool at
// once, with consumers and a sampler that checks the pool's and every live
// group's invariants on every sample, then checks that every job ran at
// most once, and that the groups' totals plus the pool's own jobs equal the
// pool's totals.
func TestGroup_Hammer(t *testing.T) {
	forIO := forIOWorkers() + 4 // untimed (see groupHammer): its workers leave completions to the lock's holder
	for _, tt := range []struct{ workers, buf int }{{1, 0}, {2, 1}, {4, 16}, {8, 128}, {forIO, 0}, {forIO, 16}} {
		t.Run(fmt.Sprintf("workers=%d/buf=%d", tt.workers, tt.buf), func(t *testing.T) {
			groupHammer(t, tt.workers, tt.buf, 300)
		})
	}
}

// groupHammer is one run of TestGroup_Hammer (and of a soak round). It
// returns how many jobs ran and how many were skipped.
func groupHammer(t testing.TB, workers, buf, perProducer int) (ran, skipped uint64) {
	ignorePanics := workerpool.WithPanicHandler(func(workerpool.Job, any, []byte) {})
	opts := []workerpool.Option{ignorePanics, workerpool.WithIdleTimeout(time.Millisecond)}
	timed := workers <= forIOWorkers() // a pool for I/O is not, so that its completions can be left to the lock's holder
	if timed {
		opts = append(opts, workerpool.WithTimings())
	}
	p, err := workerpool.New[*hammerJob](workers, buf, true, opts...)
	require.NoError(t, err)
	goroutines := max(4, runtime.GOMAXPROCS(0)*2)
	gt := newGroupTally()
	jobs := make([][]*hammerJob, goroutines)
	for g := range jobs {
		jobs[g] = make([]*hammerJob, perProducer)
		for i := range jobs[g] {
			jobs[g][i] = &hammerJob{panics: rand.IntN(30) == 0}
		}
	}
	var wg sync.WaitGroup
	var producersLeft atomic.Int32
	var groupRejected, poolRejected atomic.Uint64
	var ownJobs [][]*hammerJob
	for g := range goroutines {
		if g%2 == 0 {
			producersLeft.Add(1)
			wg.Go(func() {
				defer producersLeft.Add(-1)
				groupRejected.Add(produceInGroups(t, p, jobs[g], gt))
			})
			continue
		}
		ownJobs = append(ownJobs, jobs[g])
		producersLeft.Add(1)
		wg.Go(func() {
			defer producersLeft.Add(-1)
			poolRejected.Add(produce(t, p, jobs[g]))
		})
	}
	wg.Go(func() { consume(p) })
	wg.Go(func() {
		for producersLeft.Load() > 0 {
			checkInvariants(t, p.Stats(), buf, true)
			gt.sampleLive(t)
			switch rand.IntN(2000) {
			case 0:
				_ = p.Resize(1 + rand.IntN(4))
			case 1:
				p.Pause()
			case 2:
				p.Resume()
			}
			runtime.Gosched()
		}
		p.Resume()
		assert.NoError(t, p.Close())
	})
	wg.Wait()
	for job := range p.Finished() {
		job.retrieved.Add(1)
	}

	s := p.Stats()
	checkInvariants(t, s, buf, true)
	var accepted, panicked, retrieved uint64
	for _, js := range jobs {
		for _, j := range js {
			runs := j.runs.Load()
			require.LessOrEqual(t, runs, int32(1), "a job ran twice")
			require.LessOrEqual(t, j.retrieved.Load(), runs, "a job retrieved more often than it ran")
			retrieved += uint64(j.retrieved.Load())
			if j.accepted.Load() == 0 {
				require.Zero(t, runs, "a refused job ran")
				continue
			}
			accepted++
			if runs == 1 {
				ran++
				if j.panics {
					panicked++
				}
			} else {
				skipped++
			}
		}
	}
	total := gt.total
	assert.Empty(t, gt.live, "every group is done")
	assert.Equal(t, accepted, s.Queued, "Queued counts exactly the accepted jobs")
	assert.Equal(t, ran, s.Completed)
	assert.Equal(t, skipped, s.Skipped)
	assert.Equal(t, panicked, s.Panicked)
	assert.Equal(t, panicked, s.Failed)
	assert.Equal(t, retrieved, s.Retrieved, "every finished job retrieved once, from the pool or its group")
	assert.Equal(t, groupRejected.Load()+poolRejected.Load(), s.Rejected)
	assert.Equal(t, total.Dropped, s.Dropped, "only groups drop jobs in a pool with queueFinished")
	assert.Zero(t, total.Finished)
	assert.Equal(t, groupRejected.Load(), total.Rejected, "each group counts its own refusals")
	// The groups' totals plus the pool's own jobs are the pool's totals.
	var ownAccepted, ownRan uint64
	for _, js := range ownJobs {
		for _, j := range js {
			if j.accepted.Load() == 1 {
				ownAccepted++
				ownRan += uint64(j.runs.Load())
			}
		}
	}
	assert.Equal(t, s.Queued, total.Queued+ownAccepted)
	assert.Equal(t, s.Completed, total.Completed+ownRan)
	assert.Equal(t, s.Skipped, total.Skipped+ownAccepted-ownRan)
	assert.Zero(t, s.Waiting+s.Running+s.Finished+s.Blocked+s.Held+s.Groups)
	if timed {
		assert.Equal(t, ran, s.Wait.Count, "every job that ran was measured")
		assert.Equal(t, ran, s.Run.Count)
	}
	return ran, skipped
}
