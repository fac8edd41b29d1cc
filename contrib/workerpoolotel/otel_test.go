package workerpoolotel_test

import (
	"context"
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
				require.Len(t, d.DataPoints, 1, m.Name)
				require.True(t, d.DataPoints[0].Attributes.Equals(&want), m.Name)
				v[m.Name] = d.DataPoints[0].Value
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
		"workerpool.workers": 2, "workerpool.calls.blocked": 0, "workerpool.workers.held": 0,
		"workerpool.groups": 1, "workerpool.paused": 1,
	}, collect(t, reader, "resize"))

	require.NoError(t, reg.Unregister())
	assert.Empty(t, collect(t, reader, "resize"), "nothing is observed once unregistered")
}

// TestRegister_EveryCollectionOfALivePoolAddsUp collects many times while
// the pool runs, resizes and pauses, and checks every collection adds up.
func TestRegister_EveryCollectionOfALivePoolAddsUp(t *testing.T) {
	const buf = 8
	p, err := workerpool.New[workerpool.Job](4, buf, true)
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
	}
	wait()
	t.Logf("%d collections, each adding up", collections)
}
