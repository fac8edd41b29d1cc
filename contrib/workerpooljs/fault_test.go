package workerpooljs_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
	"github.com/seed761c1f22/workerpool/contrib/workerpooljs"
)

// restartableServer starts an embedded nats-server with JetStream on file
// storage in dir, on port (-1: a random one), shut down when the test ends.
func restartableServer(t testing.TB, dir string, port int) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true,
	})
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(10*time.Second), "nats-server did not start")
	t.Cleanup(s.Shutdown)
	return s
}

// The server restarts mid-stream (file storage): the worker reconnects and
// goes on; no message is lost, and only jobs in flight during the outage
// (at most the pool's workers plus buffer) may run twice.
func TestServerRestartMidStream(t *testing.T) {
	dir := t.TempDir()
	srv := restartableServer(t, dir, -1)
	url := srv.ClientURL()
	_, js := connect(t, srv)
	setup(t, js, jetstream.ConsumerConfig{AckWait: 2 * time.Second})
	const n = 2_000
	publish(t, js, bodies(n, ":sleep:1")...)

	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	wjs, err := jetstream.New(nc)
	require.NoError(t, err)
	cons, err := wjs.Consumer(context.Background(), "JOBS", "workers")
	require.NoError(t, err)
	l := newLedger()
	const workers, buffer = 4, 8
	w, err := workerpooljs.New(cons, decoder(l, "w"), workerpooljs.Workers(workers), workerpooljs.Buffer(buffer))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	eventually(t, time.Minute, "a third of the jobs ran", func() bool { return l.distinct() >= n/3 })
	port := srv.Addr().(*net.TCPAddr).Port
	srv.Shutdown()
	srv.WaitForShutdown()
	time.Sleep(200 * time.Millisecond) // the worker meets the outage
	srv2 := restartableServer(t, dir, port)
	eventually(t, 2*time.Minute, "every job ran after the restart", func() bool { return l.distinct() == n })
	_, js2 := connect(t, srv2)
	eventually(t, time.Minute, "the stream is empty", func() bool { return streamEmpty(t, js2) })
	cancel()
	require.NoError(t, <-done)

	twice := 0
	for id := range n {
		require.GreaterOrEqual(t, l.runs[id], 1, "job %d was lost", id)
		if l.runs[id] > 1 {
			twice++
		}
	}
	t.Logf("%d jobs ran twice across the restart; worker: %v", twice, w.Stats())
	// Acks sent while the server was down are lost, so those jobs come back
	// after AckWait; the worker holds at most workers+buffer jobs at a time,
	// and it held them across the outage twice at most (before and while).
	assert.LessOrEqual(t, twice, 2*(workers+buffer), "only jobs in flight around the outage run twice")
	checkStats(t, w.Stats(), buffer)
}

// The worker's pool takes the options PoolOptions passes, and a Worker is a
// Stats source for the exporters.
func TestPoolOptionsPassThrough(t *testing.T) {
	srv := startServer(t)
	_, js := connect(t, srv)
	setup(t, js, jetstream.ConsumerConfig{AckWait: time.Minute, MaxDeliver: 1})
	publish(t, js, "0", "1:panic", "2")
	l := newLedger()
	var handled atomic.Int32
	r := start(t, srv, l, "w", workerpooljs.Workers(1), workerpooljs.PoolOptions(
		workerpool.WithTimings(),
		workerpool.WithTimeSlice(time.Millisecond),
		workerpool.WithPanicHandler(func(workerpool.Job, any, []byte) { handled.Add(1) }),
	))
	eventually(t, 30*time.Second, "every job ran", func() bool { return l.distinct() == 3 })
	require.NoError(t, r.stop(t))
	s := r.w.Stats()
	assert.EqualValues(t, 3, s.Run.Count, "WithTimings reached the pool")
	assert.EqualValues(t, 1, handled.Load(), "the panic handler reached the pool")
	var _ interface{ Stats() workerpool.Stats } = r.w // what workerpoolprom.NewCollector and workerpoolotel.Register take

	_, err := workerpooljs.New(consumer(t, js), decoder(l, "x"), workerpooljs.PoolOptions(workerpool.WithTimeSlice(-1)))
	assert.ErrorContains(t, err, "WithTimeSlice: the slice must not be negative, got -1ns")
}
