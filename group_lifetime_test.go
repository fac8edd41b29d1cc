package workerpool_test

import (
	"context"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// Tests of a group's lifetime: its context, its closing, its kept jobs.

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
	s := statsOnceKeptJobsReleased(p)
	assert.Equal(t, 0, s.Finished, "the cleanup released the kept jobs")
	assert.EqualValues(t, 2, s.Dropped)
	assert.Zero(t, s.Groups)
}

// statsOnceKeptJobsReleased collects garbage until the cleanups of the
// unreachable groups have released their kept jobs (Finished is 0), for 20 s
// at most, and returns the pool's Stats then.
func statsOnceKeptJobsReleased[J workerpool.Job](p *workerpool.Pool[J]) workerpool.Stats {
	deadline := time.Now().Add(20 * time.Second)
	for p.Stats().Finished > 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	return p.Stats()
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
	s := statsOnceKeptJobsReleased(p)
	assert.Equal(t, 0, s.Finished, "the cleanups released the kept jobs")
	assert.EqualValues(t, 2*groups, s.Dropped)
	assert.Zero(t, s.Groups)
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
