package workerpooljs_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// startServer starts an embedded nats-server with JetStream on a temporary
// store, listening on a random loopback port, shut down when the test ends.
func startServer(t testing.TB) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		NoLog: true, NoSigs: true,
	})
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(10*time.Second), "nats-server did not start")
	t.Cleanup(s.Shutdown)
	return s
}

// connect opens a connection to s, as one process would, closed when the test ends.
func connect(t testing.TB, s *server.Server) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return nc, js
}

// setup creates the work-queue stream JOBS on subjects jobs.> and the
// durable pull consumer "workers" with cfg's AckWait, MaxDeliver and
// MaxAckPending (zero: the server's defaults).
func setup(t testing.TB, js jetstream.JetStream, cfg jetstream.ConsumerConfig) {
	t.Helper()
	ctx := context.Background()
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "JOBS", Subjects: []string{"jobs.>"}, Retention: jetstream.WorkQueuePolicy,
	})
	require.NoError(t, err)
	cfg.Durable, cfg.AckPolicy = "workers", jetstream.AckExplicitPolicy
	_, err = js.CreateOrUpdateConsumer(ctx, "JOBS", cfg)
	require.NoError(t, err)
}

// consumer returns the "workers" consumer through js.
func consumer(t testing.TB, js jetstream.JetStream) jetstream.Consumer {
	t.Helper()
	c, err := js.Consumer(context.Background(), "JOBS", "workers")
	require.NoError(t, err)
	return c
}
