package workerpoolotel_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/seed761c1f22/workerpool"
	"github.com/seed761c1f22/workerpool/contrib/workerpoolotel"
	"github.com/seed761c1f22/workerpool/internal/pooltest"
)

// collect reads one collection and returns each instrument's value, checking
// that every point carries pool=name and that counters are monotonic sums.
func collect(t *testing.T, reader *sdkmetric.ManualReader, name string) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	want := attribute.NewSet(attribute.String("pool", name))
	v := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				require.True(t, d.IsMonotonic, m.Name)
				if strings.HasSuffix(m.Name, ".bucket") { // one point per bound, attributes pool and le
					for _, dp := range d.DataPoints {
						le, ok := dp.Attributes.Value("le")
						require.True(t, ok, m.Name)
						v[m.Name+"{le="+le.AsString()+"}"] = dp.Value
					}
					continue
				}
				if len(d.DataPoints) == 0 {
					continue // a histogram of a pool without timings
				}
				require.Len(t, d.DataPoints, 1, m.Name)
				require.True(t, d.DataPoints[0].Attributes.Equals(&want), m.Name)
				v[m.Name] = d.DataPoints[0].Value
			case metricdata.Sum[float64]:
				if len(d.DataPoints) == 0 {
					continue
				}
				require.Len(t, d.DataPoints, 1, m.Name)
				v[m.Name] = int64(d.DataPoints[0].Value * 1e9) // seconds, as nanoseconds
			case metricdata.Gauge[int64]:
				require.Len(t, d.DataPoints, 1, m.Name)
				require.True(t, d.DataPoints[0].Attributes.Equals(&want), m.Name)
				v[m.Name] = d.DataPoints[0].Value
			default:
				t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return v
}

func TestRegister_KnownState(t *testing.T) {
	p, err := pooltest.Known()
	require.NoError(t, err)
	defer p.Stop()

	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	reg, err := workerpoolotel.Register(provider.Meter("test"), "resize", p)
	require.NoError(t, err)

	assert.Equal(t, map[string]int64{
		"workerpool.jobs.queued": 4, "workerpool.jobs.completed": 2, "workerpool.jobs.retrieved": 0,
		"workerpool.jobs.skipped": 0, "workerpool.jobs.panicked": 0, "workerpool.jobs.rejected": 1,
		"workerpool.jobs.failed": 1, "workerpool.jobs.dropped": 1,
		"workerpool.jobs.waiting": 2, "workerpool.jobs.running": 0, "workerpool.jobs.finished": 1,
		"workerpool.workers": 2, "workerpool.calls.blocked": 0, "workerpool.workers.held": 0, "workerpool.workers.live": 2,
		"workerpool.groups": 1, "workerpool.paused": 1,
	}, collect(t, reader, "resize"))

	require.NoError(t, reg.Unregister())
	assert.Empty(t, collect(t, reader, "resize"), "nothing is observed once unregistered")
}

// TestRegister_EveryCollectionOfALivePoolAddsUp collects many times while
// the pool runs, resizes and pauses, and checks every collection adds up.
func TestRegister_EveryCollectionOfALivePoolAddsUp(t *testing.T) {
	const buf = 8
	p, err := workerpool.New[workerpool.Job](4, buf, true, workerpool.WithTimings())
	require.NoError(t, err)
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	_, err = workerpoolotel.Register(provider.Meter("test"), "live", p)
	require.NoError(t, err)

	wait := pooltest.Run(p, 3, 3000)

	collections := 0
	for v := map[string]int64{}; v["workerpool.jobs.completed"] < 9000; collections++ {
		v = collect(t, reader, "live")
		require.Equal(t, v["workerpool.jobs.queued"], v["workerpool.jobs.waiting"]+v["workerpool.jobs.running"]+
			v["workerpool.jobs.completed"]+v["workerpool.jobs.skipped"], "collection %d: %v", collections, v)
		require.Equal(t, v["workerpool.jobs.completed"], v["workerpool.jobs.finished"]+v["workerpool.jobs.retrieved"]+v["workerpool.jobs.dropped"],
			"collection %d: %v", collections, v)
		require.LessOrEqual(t, v["workerpool.jobs.running"], v["workerpool.workers"], "collection %d: %v", collections, v)
		require.LessOrEqual(t, v["workerpool.jobs.waiting"], int64(buf), "collection %d: %v", collections, v)
		require.LessOrEqual(t, v["workerpool.workers.held"], v["workerpool.jobs.finished"], "collection %d: %v", collections, v)
		require.LessOrEqual(t, v["workerpool.jobs.running"]+v["workerpool.workers.held"], v["workerpool.workers.live"], "collection %d: %v", collections, v)
		require.LessOrEqual(t, v["workerpool.workers.live"], v["workerpool.workers"], "collection %d: %v", collections, v)
		require.Equal(t, v["workerpool.jobs.running"]+v["workerpool.jobs.completed"], v["workerpool.job.wait.count"],
			"collection %d: %v", collections, v)
		require.Equal(t, v["workerpool.jobs.completed"], v["workerpool.job.run.count"], "collection %d: %v", collections, v)
		require.Equal(t, v["workerpool.job.wait.count"], v["workerpool.job.wait.bucket{le=+Inf}"], "collection %d", collections)
	}
	wait()
	t.Logf("%d collections, each adding up", collections)
}

// TestRegister_TimingHistograms checks the timing counters of one known job:
// handed to an idle worker, it waited 0, so it is in every bucket.
func TestRegister_TimingHistograms(t *testing.T) {
	p, err := workerpool.New[workerpool.Job](1, 2, false, workerpool.WithTimings())
	require.NoError(t, err)
	defer p.Stop()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	_, err = workerpoolotel.Register(provider.Meter("test"), "timed", p)
	require.NoError(t, err)
	assert.NotContains(t, collect(t, reader, "timed"), "workerpool.job.wait.count", "nothing before the first job")
	require.NoError(t, p.QueueJob(workerpool.JobFunc(func() {})))
	require.NoError(t, p.WaitIdle(context.Background()))
	v := collect(t, reader, "timed")
	assert.EqualValues(t, 1, v["workerpool.job.wait.count"])
	assert.EqualValues(t, 0, v["workerpool.job.wait.sum"])
	assert.EqualValues(t, 1, v["workerpool.job.wait.bucket{le=1e-06}"])
	assert.EqualValues(t, 1, v["workerpool.job.wait.bucket{le=+Inf}"])
	assert.EqualValues(t, 1, v["workerpool.job.run.count"])
}
