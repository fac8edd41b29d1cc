package workerpool_test

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// bucket is the index of the bucket a duration belongs in, by the
// documented rule: the smallest i with d <= TimingBounds[i].
func bucket(d time.Duration) int {
	i := 0
	for i < workerpool.NumTimingBuckets-1 && d > workerpool.TimingBounds[i] {
		i++
	}
	return i
}

// one returns a histogram of n jobs that each took d.
func one(d time.Duration, n uint64) workerpool.Timings {
	t := workerpool.Timings{Count: n, Sum: time.Duration(n) * d}
	t.Buckets[bucket(d)] = n
	return t
}

func TestTimings_BoundsAreLogSpacedFrom1usToAboutAMinute(t *testing.T) {
	assert.Equal(t, time.Microsecond, workerpool.TimingBounds[0])
	for i := 1; i < workerpool.NumTimingBuckets-1; i++ {
		assert.Equal(t, 2*workerpool.TimingBounds[i-1], workerpool.TimingBounds[i])
	}
	last := workerpool.TimingBounds[workerpool.NumTimingBuckets-2]
	assert.True(t, last > time.Minute && last < 2*time.Minute, "last finite bound %v", last)
	assert.Equal(t, time.Duration(1<<63-1), workerpool.TimingBounds[workerpool.NumTimingBuckets-1], "then the overflow bucket")
}

func TestTimings_HandedToAnIdleWorkerWaited0(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 1, false, workerpool.WithTimings())
		j := newBlockJob(0)
		require.NoError(t, p.QueueJob(j))
		s := p.Stats()
		assert.Equal(t, one(0, 1), s.Wait)
		assert.Zero(t, s.Run.Count, "still running")
		time.Sleep(5 * time.Millisecond) // the fake clock: the job runs exactly 5 ms
		close(j.release)
		require.NoError(t, p.WaitIdle(context.Background()))
		s = p.Stats()
		assert.Equal(t, one(5*time.Millisecond, 1), s.Run)
		assert.Equal(t, 13, bucket(5*time.Millisecond), "4.096 ms < 5 ms <= 8.192 ms")
		require.NoError(t, p.Close())
	})
}

func TestTimings_WaitBehindAPausedPoolLandsInItsBucket(t *testing.T) {
	for _, d := range []time.Duration{time.Nanosecond, time.Microsecond, time.Microsecond + 1, 3 * time.Millisecond,
		4096 * time.Microsecond, time.Minute, 2 * time.Hour} {
		t.Run(d.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[*countJob](t, 1, 4, false, workerpool.WithTimings())
				p.Pause()
				for range 3 {
					require.NoError(t, p.QueueJob(&countJob{}))
				}
				time.Sleep(d) // the fake clock: they wait exactly d
				p.Resume()
				require.NoError(t, p.WaitIdle(context.Background()))
				s := p.Stats()
				assert.Equal(t, one(d, 3), s.Wait, "each of the 3 jobs waited %v", d)
				assert.Equal(t, one(0, 3), s.Run, "no fake time passes while they run")
				require.NoError(t, p.Close())
			})
		})
	}
}

func TestTimings_ZeroWithoutTheOption(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 1, 4, false)
		p.Pause()
		require.NoError(t, p.QueueJob(&countJob{}))
		time.Sleep(time.Millisecond)
		p.Resume()
		require.NoError(t, p.WaitIdle(context.Background()))
		s := p.Stats()
		assert.Zero(t, s.Wait)
		assert.Zero(t, s.Run)
		require.NoError(t, p.Close())
	})
}

func TestTimings_GroupJobsAndSkippedJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*countJob](t, 1, 8, false, workerpool.WithTimings())
		g := p.NewGroup(context.Background())
		p.Pause()
		_, err := g.QueueJobs(&countJob{}, &countJob{})
		require.NoError(t, err)
		require.NoError(t, p.QueueJob(&countJob{}))
		time.Sleep(time.Millisecond)
		g.Stop() // its 2 waiting jobs never start: they are not measured
		p.Resume()
		require.NoError(t, p.WaitIdle(context.Background()))
		s := p.Stats()
		assert.Equal(t, one(time.Millisecond, 1), s.Wait)
		assert.Equal(t, s.Wait.Count, uint64(s.Running)+s.Completed)
		assert.Equal(t, s.Run.Count, s.Completed)
		require.NoError(t, p.Close())
	})
}

func TestTimings_Quantile(t *testing.T) {
	var h workerpool.Timings
	assert.Zero(t, h.Quantile(0.5), "no job measured")
	h.Count = 100
	h.Buckets[0] = 50  // <= 1µs
	h.Buckets[10] = 49 // (512µs, 1.024ms]
	h.Buckets[workerpool.NumTimingBuckets-1] = 1
	assert.Equal(t, time.Microsecond, h.Quantile(0.5), "the top of the first bucket")
	p90 := h.Quantile(0.9)
	assert.True(t, p90 > 512*time.Microsecond && p90 <= 1024*time.Microsecond, "p90 %v within its bucket", p90)
	assert.Equal(t, workerpool.TimingBounds[workerpool.NumTimingBuckets-2], h.Quantile(1), "overflow: the last finite bound")
}

func TestTimings_StringAndLogValueShowTheQuantiles(t *testing.T) {
	s := workerpool.Stats{Workers: 1, Queued: 2, Completed: 2, Dropped: 2,
		Wait: one(3*time.Millisecond, 2), Run: one(time.Microsecond, 2)}
	assert.Contains(t, s.String(), " wait_p50~3.072ms wait_p99~4.07552ms run_p50~500ns run_p99~990ns")
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("pool", "stats", s)
	assert.Contains(t, buf.String(), "stats.wait.count=2 stats.wait.sum=6ms stats.wait.p50=3.072ms")
	assert.Contains(t, buf.String(), "stats.run.count=2")
	assert.NotContains(t, workerpool.Stats{}.String(), "wait_p50", "nothing without timings")
}

// TimingBounds is a variable only because arrays cannot be constants: a
// program that writes to it changes neither a pool's buckets nor its
// quantiles. (Not parallel: it writes a package variable.)
func TestTimings_WritingTimingBoundsChangesNothingInThePool(t *testing.T) {
	saved := workerpool.TimingBounds
	defer func() { workerpool.TimingBounds = saved }()
	h := one(3*time.Microsecond, 4)
	wantP50 := h.Quantile(0.5)
	for i := range workerpool.TimingBounds {
		workerpool.TimingBounds[i] = time.Hour
	}
	assert.Equal(t, wantP50, h.Quantile(0.5), "Quantile reads its own bounds")
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 1, 1, false, workerpool.WithTimings())
		j := newBlockJob(0)
		require.NoError(t, p.QueueJob(j))
		time.Sleep(3 * time.Microsecond)
		close(j.release)
		require.NoError(t, p.WaitIdle(context.Background()))
		assert.Equal(t, uint64(1), p.Stats().Run.Buckets[2], "2µs < 3µs <= 4µs, whatever TimingBounds says")
		require.NoError(t, p.Close())
	})
}

func TestTimings_QuantileOutsideZeroOneIsClamped(t *testing.T) {
	var tm workerpool.Timings
	tm.Count, tm.Buckets[3] = 4, 4 // 4 jobs of 4-8 µs
	assert.Equal(t, tm.Quantile(0), tm.Quantile(-1))
	assert.Equal(t, tm.Quantile(1), tm.Quantile(7))
	assert.Equal(t, 8*time.Microsecond, tm.Quantile(1))
	assert.Zero(t, tm.Quantile(math.NaN()))
}

// Timings read a clock that only some lock sites refreshed: a job that
// waited 10 s behind a held worker was recorded as waiting 0. Every path a
// job can take is measured here, in fake time, by its durations.
func TestRegression_TimingsOnEveryPath(t *testing.T) {
	tests := []struct {
		name       string
		buf        int
		queueFin   bool
		run        func(t *testing.T, p *workerpool.Pool[*sleepJob])
		wait, runs time.Duration // Wait.Sum, Run.Sum
	}{
		{"handed to an idle worker", 1, false, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			require.NoError(t, p.QueueJob(&sleepJob{time.Second}))
		}, 0, time.Second},
		{"waiting behind a running job", 1, false, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			_, err := p.QueueJobs(&sleepJob{2 * time.Second}, &sleepJob{time.Second})
			require.NoError(t, err)
		}, 2 * time.Second, 3 * time.Second},
		{"blocked caller accepted by the worker", 0, false, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			_, err := p.QueueJobs(&sleepJob{3 * time.Second}, &sleepJob{time.Second})
			require.NoError(t, err)
		}, 0, 4 * time.Second},
		{"waiting behind a held worker", 1, true, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			_, err := p.QueueJobs(&sleepJob{}, &sleepJob{}, &sleepJob{time.Second})
			require.NoError(t, err)
			synctest.Wait() // the worker holds the second job: the finished queue is full
			require.Equal(t, 1, p.Stats().Held)
			time.Sleep(10 * time.Second)
			_, _ = p.GetFinished() // releases the worker
		}, 10 * time.Second, time.Second},
		{"waiting through a pause", 1, false, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			p.Pause()
			require.NoError(t, p.QueueJob(&sleepJob{time.Second}))
			time.Sleep(5 * time.Second)
			p.Resume()
		}, 5 * time.Second, time.Second},
		{"in a group", 1, false, func(t *testing.T, p *workerpool.Pool[*sleepJob]) {
			g := p.NewGroup(context.Background())
			_, err := g.QueueJobs(&sleepJob{2 * time.Second}, &sleepJob{time.Second})
			require.NoError(t, err)
			require.NoError(t, g.Wait())
		}, 2 * time.Second, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[*sleepJob](t, 1, tt.buf, tt.queueFin, workerpool.WithTimings())
				tt.run(t, p)
				require.NoError(t, p.Close())
				drain(p)
				s := p.Stats()
				assert.Equal(t, tt.wait, s.Wait.Sum, "waited")
				assert.Equal(t, tt.runs, s.Run.Sum, "ran")
				assert.Equal(t, s.Completed, s.Wait.Count)
			})
		})
	}
}
