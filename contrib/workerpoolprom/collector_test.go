package workerpoolprom_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
	"github.com/seed761c1f22/workerpool/contrib/workerpoolprom"
	"github.com/seed761c1f22/workerpool/internal/pooltest"
)

// knownPool returns pooltest.Known's pool, stopped when the test ends.
func knownPool(t *testing.T) *workerpool.Pool[workerpool.Job] {
	p, err := pooltest.Known()
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Stop() })
	return p
}

func TestCollector_KnownState(t *testing.T) {
	c := workerpoolprom.NewCollector("resize", knownPool(t))
	want := `
# HELP workerpool_blocked_calls Queuing calls waiting for room in the intake queue.
# TYPE workerpool_blocked_calls gauge
workerpool_blocked_calls{pool="resize"} 0
# HELP workerpool_groups Groups not yet done: made, and not closed with nothing waiting or running.
# TYPE workerpool_groups gauge
workerpool_groups{pool="resize"} 1
# HELP workerpool_held_workers Workers holding a finished job because the finished queue is full.
# TYPE workerpool_held_workers gauge
workerpool_held_workers{pool="resize"} 0
# HELP workerpool_jobs_completed_total Jobs whose Run returned, panicked ones included.
# TYPE workerpool_jobs_completed_total counter
workerpool_jobs_completed_total{pool="resize"} 2
# HELP workerpool_jobs_dropped_total Completed jobs not kept for retrieval: the normal fate of a job nobody collects.
# TYPE workerpool_jobs_dropped_total counter
workerpool_jobs_dropped_total{pool="resize"} 1
# HELP workerpool_jobs_failed_total Completed jobs that failed: panicked, called runtime.Goexit, or returned an error.
# TYPE workerpool_jobs_failed_total counter
workerpool_jobs_failed_total{pool="resize"} 1
# HELP workerpool_jobs_finished Jobs whose Run returned, held for retrieval.
# TYPE workerpool_jobs_finished gauge
workerpool_jobs_finished{pool="resize"} 1
# HELP workerpool_jobs_panicked_total Completed jobs whose Run panicked.
# TYPE workerpool_jobs_panicked_total counter
workerpool_jobs_panicked_total{pool="resize"} 0
# HELP workerpool_jobs_queued_total Jobs accepted since the pool was created.
# TYPE workerpool_jobs_queued_total counter
workerpool_jobs_queued_total{pool="resize"} 4
# HELP workerpool_jobs_rejected_total Jobs turned away: queue full, pool or group closed, or the caller's context ended (a client that left).
# TYPE workerpool_jobs_rejected_total counter
workerpool_jobs_rejected_total{pool="resize"} 1
# HELP workerpool_jobs_retrieved_total Finished jobs handed out to callers.
# TYPE workerpool_jobs_retrieved_total counter
workerpool_jobs_retrieved_total{pool="resize"} 0
# HELP workerpool_jobs_running Jobs started whose Run has not returned.
# TYPE workerpool_jobs_running gauge
workerpool_jobs_running{pool="resize"} 0
# HELP workerpool_jobs_skipped_total Accepted jobs dropped unstarted by a stop.
# TYPE workerpool_jobs_skipped_total counter
workerpool_jobs_skipped_total{pool="resize"} 0
# HELP workerpool_jobs_waiting Jobs accepted and not yet started.
# TYPE workerpool_jobs_waiting gauge
workerpool_jobs_waiting{pool="resize"} 2
# HELP workerpool_paused 1 while Pause is in effect, else 0.
# TYPE workerpool_paused gauge
workerpool_paused{pool="resize"} 1
# HELP workerpool_workers Workers: the size set by New or Resize, plus retiring workers until their job returns.
# TYPE workerpool_workers gauge
workerpool_workers{pool="resize"} 2
# HELP workerpool_workers_live Worker goroutines started and not yet exited: running, holding or idle.
# TYPE workerpool_workers_live gauge
workerpool_workers_live{pool="resize"} 2
`
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want)))
	assert.Equal(t, 17, testutil.CollectAndCount(c))
}

func TestCollector_Lint(t *testing.T) {
	problems, err := testutil.CollectAndLint(workerpoolprom.NewCollector("lint", knownPool(t)))
	require.NoError(t, err)
	assert.Empty(t, problems)
}

func TestCollector_TimingHistograms(t *testing.T) {
	p, err := workerpool.New[workerpool.Job](1, 2, false, workerpool.WithTimings())
	require.NoError(t, err)
	defer p.Stop()
	c := workerpoolprom.NewCollector("timed", p)
	assert.Equal(t, 17, testutil.CollectAndCount(c), "no histogram before the first job")
	require.NoError(t, p.QueueJob(workerpool.JobFunc(func() {}))) // handed to the idle worker: waited 0
	require.NoError(t, p.WaitIdle(context.Background()))
	want := `
# HELP workerpool_job_wait_seconds How long jobs waited, from accepted to started (pools with WithTimings).
# TYPE workerpool_job_wait_seconds histogram
`
	var b strings.Builder
	for i := range workerpool.NumTimingBuckets - 1 {
		fmt.Fprintf(&b, "workerpool_job_wait_seconds_bucket{le=\"%v\",pool=\"timed\"} 1\n", workerpool.TimingBounds[i].Seconds())
	}
	want += b.String() + `workerpool_job_wait_seconds_bucket{le="+Inf",pool="timed"} 1
workerpool_job_wait_seconds_sum{pool="timed"} 0
workerpool_job_wait_seconds_count{pool="timed"} 1
`
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want), "workerpool_job_wait_seconds"))
	assert.Equal(t, 19, testutil.CollectAndCount(c))
	problems, err := testutil.CollectAndLint(c)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

func TestCollector_TwoPoolsOnOneRegistry(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(workerpoolprom.NewCollector("a", knownPool(t))))
	require.NoError(t, reg.Register(workerpoolprom.NewCollector("b", knownPool(t))))
	n, err := testutil.GatherAndCount(reg, "workerpool_jobs_queued_total")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}

// TestCollector_EveryScrapeOfALivePoolAddsUp scrapes a pool many times
// while producers, workers and a consumer move jobs and a controller
// resizes and pauses it, and checks the invariants on every scrape's numbers.
func TestCollector_EveryScrapeOfALivePoolAddsUp(t *testing.T) {
	const buf = 8
	p, err := workerpool.New[workerpool.Job](4, buf, true, workerpool.WithTimings())
	require.NoError(t, err)
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(workerpoolprom.NewCollector("live", p)))

	wait := pooltest.Run(p, 3, 3000)

	scrapes := 0
	for done := false; !done; scrapes++ {
		mfs, err := reg.Gather()
		require.NoError(t, err)
		v := map[string]float64{}
		for _, mf := range mfs {
			m := mf.GetMetric()[0]
			switch {
			case m.GetCounter() != nil:
				v[mf.GetName()] = m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				v[mf.GetName()+"_count"] = float64(m.GetHistogram().GetSampleCount())
			default:
				v[mf.GetName()] = m.GetGauge().GetValue()
			}
		}
		require.Equal(t, v["workerpool_jobs_queued_total"],
			v["workerpool_jobs_waiting"]+v["workerpool_jobs_running"]+
				v["workerpool_jobs_completed_total"]+v["workerpool_jobs_skipped_total"], "scrape %d: %v", scrapes, v)
		require.Equal(t, v["workerpool_jobs_completed_total"],
			v["workerpool_jobs_finished"]+v["workerpool_jobs_retrieved_total"]+v["workerpool_jobs_dropped_total"], "scrape %d: %v", scrapes, v)
		require.LessOrEqual(t, v["workerpool_jobs_running"], v["workerpool_workers"], "scrape %d: %v", scrapes, v)
		require.LessOrEqual(t, v["workerpool_jobs_waiting"], float64(buf), "scrape %d: %v", scrapes, v)
		require.LessOrEqual(t, v["workerpool_held_workers"], v["workerpool_jobs_finished"], "scrape %d: %v", scrapes, v)
		require.LessOrEqual(t, v["workerpool_jobs_running"]+v["workerpool_held_workers"], v["workerpool_workers_live"], "scrape %d: %v", scrapes, v)
		require.LessOrEqual(t, v["workerpool_workers_live"], v["workerpool_workers"], "scrape %d: %v", scrapes, v)
		require.Equal(t, v["workerpool_jobs_running"]+v["workerpool_jobs_completed_total"], v["workerpool_job_wait_seconds_count"],
			"scrape %d: %v", scrapes, v)
		require.Equal(t, v["workerpool_jobs_completed_total"], v["workerpool_job_run_seconds_count"], "scrape %d: %v", scrapes, v)
		if v["workerpool_jobs_completed_total"] >= 9000 {
			done = true
		}
	}
	wait()
	t.Logf("%d scrapes, each adding up", scrapes)
}
