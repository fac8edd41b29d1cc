package workerpool_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// Tests of the groups' shares of the pool (Limit, Weight), of Task and Map,
// and of GroupStats' formatting.

func TestGroup_WeightsStartJobsInProportion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 1, 64, false)
		log := &startLog{}
		p.Pause()
		heavy := p.NewGroup(context.Background(), workerpool.Weight(3))
		light := p.NewGroup(context.Background())
		_, err := heavy.QueueJobs(gJobs("h", 12, log)...)
		require.NoError(t, err)
		_, err = light.QueueJobs(gJobs("l", 4, log)...)
		require.NoError(t, err)
		p.Resume()
		require.NoError(t, heavy.Wait())
		require.NoError(t, light.Wait())
		assert.Equal(t, strings.Fields("h0 h1 h2 l0 h3 h4 h5 l1 h6 h7 h8 l2 h9 h10 h11 l3"), log.get(), "3:1")
		require.NoError(t, p.Close())
	})
}

// limitJob counts how many jobs of its set run at once, and the most ever.
type limitJob struct {
	gJob
	now, most *atomic.Int32
}

func (j *limitJob) RunContext(ctx context.Context) {
	n := j.now.Add(1)
	for m := j.most.Load(); n > m && !j.most.CompareAndSwap(m, n); m = j.most.Load() {
	}
	j.gJob.RunContext(ctx)
	j.now.Add(-1)
}

func (j *limitJob) Run() { j.RunContext(context.Background()) }

func TestGroup_LimitCapsItsRunningJobsWhileOthersUseTheRest(t *testing.T) {
	for _, buf := range []int{0, 1, 64} {
		t.Run("buf="+strconv.Itoa(buf), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[*limitJob](t, 8, buf, false)
				limited := p.NewGroup(context.Background(), workerpool.Limit(2))
				other := p.NewGroup(context.Background())
				var now, most, otherNow, otherMost atomic.Int32
				release := make(chan struct{})
				mk := func(n int, now, most *atomic.Int32) []*limitJob {
					jobs := make([]*limitJob, n)
					for i := range jobs {
						jobs[i] = &limitJob{gJob: gJob{release: release}, now: now, most: most}
					}
					return jobs
				}
				go func() { _, _ = limited.QueueJobs(mk(20, &now, &most)...) }()
				synctest.Wait()
				assert.Equal(t, 2, limited.Stats().Running, "at its limit, with idle workers")
				go func() { _, _ = other.QueueJobs(mk(20, &otherNow, &otherMost)...) }()
				synctest.Wait()
				assert.Equal(t, 2, limited.Stats().Running, "at its limit")
				assert.Equal(t, 6, other.Stats().Running, "the others use the rest")
				assert.Equal(t, 8, p.Stats().Running)
				close(release)
				require.NoError(t, limited.Wait())
				require.NoError(t, other.Wait())
				assert.EqualValues(t, 2, most.Load(), "never more than 2 at once")
				assert.EqualValues(t, 20, limited.Stats().Completed)
				require.NoError(t, p.Close())
			})
		})
	}
}

// A group at its limit keeps its place: when one of its jobs returns it
// starts the next job before the groups that took its turns meanwhile.
func TestGroup_LimitedGroupKeepsItsPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*gJob](t, 2, 16, false)
		log := &startLog{}
		limited := p.NewGroup(context.Background(), workerpool.Limit(1))
		other := p.NewGroup(context.Background())
		first := blocking("l0")
		first.log = log
		require.NoError(t, limited.QueueJob(first))
		_, err := limited.QueueJobs(gJobs("l", 2, log)[1:]...)
		require.NoError(t, err)
		blocker := blocking("o0")
		blocker.log = log
		require.NoError(t, other.QueueJob(blocker))
		_, err = other.QueueJobs(gJobs("o", 3, log)[1:]...)
		require.NoError(t, err)
		synctest.Wait() // l0 and o0 run; l1 waits at the limit; o1, o2 wait
		close(first.release)
		synctest.Wait()
		close(blocker.release)
		require.NoError(t, limited.Wait())
		require.NoError(t, other.Wait())
		got := log.get()
		require.Len(t, got, 5)
		assert.ElementsMatch(t, strings.Fields("l0 o0"), got[:2], "started on two idle workers at once")
		assert.Equal(t, strings.Fields("l1 o1 o2"), got[2:], "l1 first: the limited group kept its place")
		require.NoError(t, p.Close())
	})
}

func TestTask_FailureCountsAndReachesWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[workerpool.Task](t, 1, 4, false)
		g := p.NewGroup(context.WithValue(context.Background(), markerKey{}, "request"))
		var got any
		_, err := g.QueueJobs(
			func(ctx context.Context) error { got = ctx.Value(markerKey{}); return nil },
			func(context.Context) error { return errRequestGone },
		)
		require.NoError(t, err)
		assert.ErrorIs(t, g.Wait(), errRequestGone)
		assert.Equal(t, "request", got, "a Task gets its group's context")
		assert.Equal(t, workerpool.GroupStats{Queued: 2, Completed: 2, Failed: 1, Dropped: 2, Closed: true}, g.Stats())
		assert.ErrorIs(t, p.QueueJob(nil), workerpool.ErrNilJob)
		var nilTask workerpool.Task
		assert.ErrorIs(t, p.QueueJob(nilTask), workerpool.ErrNilJob)
		require.NoError(t, p.Close())
		assert.EqualValues(t, 1, p.Stats().Failed)
		assert.NotPanics(t, func() { workerpool.Task(func(context.Context) error { return nil }).Run() })
	})
}

func TestMap_ReturnsOutputsInInputOrder(t *testing.T) {
	p := newPool[workerpool.Task](t, 4, 2, false)
	defer p.Close()
	in := make([]int, 1000)
	for i := range in {
		in[i] = i
	}
	out, err := workerpool.Map(context.Background(), p, in, func(_ context.Context, v int) (string, error) {
		return strconv.Itoa(v * v), nil
	})
	require.NoError(t, err)
	require.Len(t, out, 1000)
	for i, s := range out {
		require.Equal(t, strconv.Itoa(i*i), s)
	}
	s := p.Stats()
	assert.EqualValues(t, 1000, s.Completed)
	assert.Zero(t, s.Groups, "the group is done when Map returns")

	empty, err := workerpool.Map(context.Background(), p, []int{}, func(context.Context, int) (int, error) { return 1, nil })
	assert.NoError(t, err)
	assert.Empty(t, empty)
	assert.NotNil(t, empty)
}

func TestMap_FirstFailureStopsTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[workerpool.Task](t, 1, 8, false)
		var ran atomic.Int32
		out, err := workerpool.Map(context.Background(), p, []int{1, 2, 3, 4, 5}, func(_ context.Context, v int) (int, error) {
			ran.Add(1)
			if v == 2 {
				return 0, errRequestGone
			}
			return v * 10, nil
		})
		assert.ErrorIs(t, err, errRequestGone)
		assert.Equal(t, []int{10, 0, 0, 0, 0}, out, "zero where f failed or never ran")
		assert.EqualValues(t, 2, ran.Load(), "no input starts after the failure")
		require.NoError(t, p.Close())
	})
}

func TestMap_EndedContext(t *testing.T) {
	p := newPool[workerpool.Task](t, 1, 8, false)
	defer p.Close()
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errRequestGone)
	out, err := workerpool.Map(ctx, p, []int{1, 2}, func(_ context.Context, v int) (int, error) { return v, nil })
	assert.ErrorIs(t, err, errRequestGone)
	assert.Equal(t, []int{0, 0}, out)
	require.NoError(t, p.Close())
	_, err = workerpool.Map(context.Background(), p, []int{1}, func(_ context.Context, v int) (int, error) { return v, nil })
	assert.ErrorIs(t, err, workerpool.ErrClosed)
}

func TestGroupStats_StringAndLogValue(t *testing.T) {
	s := workerpool.GroupStats{Queued: 9, Waiting: 1, Running: 2, Completed: 5, Skipped: 1, Failed: 2, Panicked: 1,
		Finished: 3, Retrieved: 1, Dropped: 1, Blocked: 4, Rejected: 6, Closed: true}
	assert.Equal(t, "queued=9 waiting=1 running=2 completed=5 skipped=1 failed=2 panicked=1 "+
		"finished=3 retrieved=1 dropped=1 blocked=4 rejected=6 closed=true", s.String())
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})).Info("request", "jobs", s)
	assert.Equal(t, "level=INFO msg=request jobs.queued=9 jobs.waiting=1 jobs.running=2 jobs.completed=5 jobs.skipped=1 "+
		"jobs.failed=2 jobs.panicked=1 jobs.finished=3 jobs.retrieved=1 jobs.dropped=1 jobs.blocked=4 jobs.rejected=6 jobs.closed=true\n", b.String())
}
