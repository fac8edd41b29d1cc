package workerpooljs_test

import (
	"context"
	"fmt"
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

// publishBatch is how many asynchronous publishes publishAll leaves
// unacknowledged at most: far below the client's PublishAsyncMaxPending
// (4,000), so a server that acknowledges slowly (a loaded machine) makes the
// publisher wait, never stall with "too many outstanding async published
// messages".
const publishBatch = 256

// publishAll publishes n messages, message i with subject(i) and body(i), in
// batches of publishBatch: each batch is published asynchronously and every
// acknowledgement of it is awaited (and checked) before the next starts.
func publishAll(ctx context.Context, js jetstream.JetStream, n int, subject func(i int) string, body func(i int) []byte) error {
	futures := make([]jetstream.PubAckFuture, 0, publishBatch)
	for start := 0; start < n; start += publishBatch {
		futures = futures[:0]
		for i := start; i < min(n, start+publishBatch); i++ {
			f, err := js.PublishAsync(subject(i), body(i))
			if err != nil {
				return fmt.Errorf("publish %d: %w", i, err)
			}
			futures = append(futures, f)
		}
		for k, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return fmt.Errorf("publish %d: %w", start+k, err)
			case <-ctx.Done():
				return fmt.Errorf("publish %d: %w", start+k, ctx.Err())
			}
		}
	}
	return nil
}
