package workerpool_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// A stepJob records its start and runs until the test releases it.
type stepJob struct {
	name    string
	started *steps
	release chan struct{}
}

func (j *stepJob) Run() {
	j.started.add(j)
	<-j.release
}

// steps records stepJobs in the order they start.
type steps struct {
	mu   sync.Mutex
	jobs []*stepJob
}

func (s *steps) add(j *stepJob) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs = append(s.jobs, j)
}

func (s *steps) at(i int) *stepJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.jobs) {
		return nil
	}
	return s.jobs[i]
}

// A share is a group of a stepped run: its letter, its options, how many
// jobs it queues and how many callers queue them (each a share of the
// jobs, in one QueueJobs call).
type share struct {
	letter  string
	opts    []workerpool.GroupOption
	jobs    int
	callers int
}

// stepStarts runs shares on a paused pool of the given size, queued by
// callers that block for room, in the order given; then it resumes the pool
// and releases the running jobs one at a time, oldest first, letting
// everything settle in between, so that the order in which the jobs start
// is exact. It returns that order as the groups' letters. The first
// workers letters, the jobs the resume hands to the idle workers at once,
// are sorted: those workers start in any order.
func stepStarts(t *testing.T, workers, buffer int, shares ...share) string {
	var order []string
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*stepJob](t, workers, buffer, false)
		p.Pause()
		started := &steps{}
		total := 0
		var groups []*workerpool.Group[*stepJob]
		for _, s := range shares {
			g := p.NewGroup(context.Background(), s.opts...)
			groups = append(groups, g)
			callers := max(s.callers, 1)
			for range callers {
				var jobs []*stepJob
				for range s.jobs / callers {
					jobs = append(jobs, &stepJob{name: s.letter, started: started, release: make(chan struct{})})
				}
				total += len(jobs)
				go func() { _, _ = g.QueueJobs(jobs...) }()
				synctest.Wait() // queued or blocked: callers come in the order given
			}
		}
		p.Resume()
		for i := range total {
			synctest.Wait()
			j := started.at(i)
			require.NotNil(t, j, "job %d started", i)
			order = append(order, j.name)
			close(j.release)
		}
		for _, g := range groups {
			require.NoError(t, g.Wait())
		}
		require.NoError(t, p.Close())
	})
	slices.Sort(order[:workers])
	return strings.Join(order, "")
}

// Regression: a group at its limit rejoined the turns at the front when one
// of its jobs returned, so the worker it freed took the group's next job
// again and the other groups waited for all of its jobs
// (AAAAAAAAAAAAAAAAAAAAAAAAAAAAAABBBBB). It rejoins at the back.
func TestGroup_LimitedGroupRejoinsTheTurnsAtTheBack(t *testing.T) {
	tests := []struct {
		workers, buffer int
		want            string
	}{
		{1, 1, "ABBABBABAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{1, 4, "ABABABABABAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{1, 64, "ABABABABABAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{2, 1, "AABBABABABAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{2, 4, "AABABABABABAAAAAAAAAAAAAAAAAAAAAAAA"},
		{2, 64, "ABABABABABAAAAAAAAAAAAAAAAAAAAAAAAA"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("workers=%d/buf=%d", tt.workers, tt.buffer), func(t *testing.T) {
			got := stepStarts(t, tt.workers, tt.buffer,
				share{letter: "A", opts: []workerpool.GroupOption{workerpool.Limit(tt.workers)}, jobs: 30},
				share{letter: "B", jobs: 5})
			assert.Equal(t, tt.want, got)
		})
	}
}

// Regression: blocked calls were admitted one per group per round, so once
// both groups' callers blocked for room, jobs started 1:1 whatever the
// weights (HHLHLHLHLHLHLHLHLHLHLHHHHHHHHHHHHHHHHHHH at buffer 1). Admission
// is weighted like the turns, also with one caller per group.
func TestGroup_WeightsHoldWhenCallersBlock(t *testing.T) {
	tests := []struct {
		buffer, callers int
		want            string
	}{
		{1, 1, "HHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHL"},
		{4, 1, "HHHHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHHLL"},
		{64, 1, "HHHLHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHHL"},
		{1, 2, "HHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHL"},
		{4, 2, "HHHHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHHLHHHLL"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("buf=%d/callers=%d", tt.buffer, tt.callers), func(t *testing.T) {
			got := stepStarts(t, 1, tt.buffer,
				share{letter: "H", opts: []workerpool.GroupOption{workerpool.Weight(3)}, jobs: 30, callers: tt.callers},
				share{letter: "L", jobs: 10, callers: tt.callers})
			assert.Equal(t, tt.want, got)
		})
	}
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

// Regression: a Map called by a job of the same pool hung once the outer
// jobs held every worker, even with room in the intake (running=2,
// waiting=6). A nested Map runs f on the calling goroutine.
func TestMap_NestedRunsOnTheCallingJob(t *testing.T) {
	for _, depth := range []int{2, 3} {
		t.Run("depth="+strconv.Itoa(depth), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[workerpool.Task](t, 2, 64, false)
				var level func(ctx context.Context, d int, v int) (int, error)
				level = func(ctx context.Context, d int, v int) (int, error) {
					if d == depth {
						return v, nil
					}
					out, err := workerpool.Map(ctx, p, []int{v * 10, v*10 + 1, v*10 + 2}, func(ctx context.Context, w int) (int, error) {
						return level(ctx, d+1, w)
					})
					sum := 0
					for _, o := range out {
						sum += o
					}
					return sum, err
				}
				out, err := workerpool.Map(context.Background(), p, []int{1, 2}, func(ctx context.Context, v int) (int, error) {
					return level(ctx, 1, v)
				})
				require.NoError(t, err)
				want := map[int][]int{2: {10 + 11 + 12, 20 + 21 + 22}, 3: {0, 0}}
				for _, v := range []int{1, 2} { // depth 3: the sum of v*100 + 0..22 over 9 leaves
					for _, a := range []int{0, 1, 2} {
						for _, b := range []int{0, 1, 2} {
							want[3][v-1] += v*100 + a*10 + b
						}
					}
				}
				assert.Equal(t, want[depth], out)
				require.NoError(t, p.Close())
				s := p.Stats()
				assert.EqualValues(t, 2, s.Queued, "the nested Maps queued nothing and counted no group")
				assert.EqualValues(t, 2, s.Completed)
			})
		})
	}
}

func TestMap_NestedKeepsTheFirstErrorRule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[workerpool.Task](t, 1, 4, false)
		var ran []int
		_, err := workerpool.Map(context.Background(), p, []int{0}, func(ctx context.Context, _ int) (int, error) {
			out, err := workerpool.Map(ctx, p, []int{1, 2, 3}, func(_ context.Context, v int) (int, error) {
				ran = append(ran, v)
				if v == 2 {
					return 0, errRequestGone
				}
				return v, nil
			})
			assert.Equal(t, []int{1, 0, 0}, out, "zero where f did not return successfully")
			return 0, err
		})
		require.ErrorIs(t, err, errRequestGone)
		assert.Equal(t, []int{1, 2}, ran, "in input order, none after the first failure")

		ctx, cancel := context.WithCancelCause(context.Background())
		_, err = workerpool.Map(ctx, p, []int{0}, func(ctx context.Context, _ int) (int, error) {
			cancel(errRequestGone)
			_, err := workerpool.Map(ctx, p, []int{1}, func(_ context.Context, v int) (int, error) { return v, nil })
			assert.ErrorIs(t, err, workerpool.ErrGroupClosed, "an ended ctx: as a group made with it")
			assert.ErrorIs(t, err, errRequestGone)
			return 0, nil
		})
		assert.NoError(t, err, "the outer Map's one job had started: nothing was skipped")
		require.NoError(t, p.Close())
	})
}
