package workerpooljs_test

import (
	"context"
	"net"
	"sync"
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

// A worker whose connection stalls for longer than AckWait loses its message
// to another worker, which runs and acks it; the stalled worker's ack, which
// reaches the server once the link carries packets again, finds nothing to
// ack. Nothing is lost and the stream ends empty; the job ran twice, once per
// delivery. The server takes an ack by stream sequence, whichever delivery it
// came from, so a late ack that arrived while the other worker still ran the
// job would ack it for that worker: the client cannot know, which is why the
// README asks for idempotent jobs.
func TestStalledConnectionPastAckWait(t *testing.T) {
	const ackWait = time.Second
	srv := startServer(t)
	_, js := connect(t, srv)
	setup(t, js, jetstream.ConsumerConfig{AckWait: ackWait})
	publish(t, js, "0:gate")
	l := newLedger()

	px := newStallProxy(t, srv.Addr().String())
	nc, err := nats.Connect(px.url())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	ajs, err := jetstream.New(nc)
	require.NoError(t, err)
	a, err := workerpooljs.New(consumer(t, ajs), decoder(l, "a"), workerpooljs.Workers(1), workerpooljs.Buffer(0))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	aDone := make(chan error, 1)
	go func() { aDone <- a.Run(ctx) }()

	eventually(t, 30*time.Second, "worker a runs the job", func() bool { return l.distinct() == 1 })
	px.stall()
	close(l.gate) // the job returns now: its ack stays on the stalled link
	b := start(t, srv, l, "b", workerpooljs.Workers(1))
	eventually(t, 30*time.Second, "worker b runs the job after AckWait", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.runs[0] == 2
	})
	eventually(t, 30*time.Second, "b's ack empties the stream", func() bool { return streamEmpty(t, js) })
	eventually(t, 30*time.Second, "a's job returned", func() bool { return a.Stats().Completed == 1 })
	px.resume() // a's late ack reaches the server
	cancel()
	require.NoError(t, <-aDone)
	require.NoError(t, b.stop(t))

	assert.Equal(t, []string{"a", "b"}, l.by[0], "the job ran on a, then on b")
	assert.Equal(t, []uint64{1, 2}, l.delivered[0], "b ran the second delivery")
	assert.True(t, streamEmpty(t, js), "a's late ack changed nothing")
	checkStats(t, a.Stats(), 0)
	checkStats(t, b.w.Stats(), 2)
}

// A stallProxy forwards TCP connections to a server and can stall them:
// while stalled, what it reads is not passed on in either direction, as on a
// link that stops carrying packets without closing.
type stallProxy struct {
	ln      net.Listener
	mu      sync.Mutex
	changed sync.Cond // L is mu; signalled when stalled changes or the proxy closes
	stalled bool
	closed  bool
	conns   []net.Conn
}

// newStallProxy listens on a loopback port and forwards every connection to
// target until the test ends.
func newStallProxy(t testing.TB, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &stallProxy{ln: ln}
	p.changed.L = &p.mu
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go p.pipe(s, c)
			go p.pipe(c, s)
		}
	}()
	t.Cleanup(p.close)
	return p
}

func (p *stallProxy) url() string { return "nats://" + p.ln.Addr().String() }

// pipe copies src to dst, waiting while the proxy is stalled.
func (p *stallProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.stalled && !p.closed {
				p.changed.Wait() // parked: the link is stalled
			}
			p.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

func (p *stallProxy) set(stalled bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = stalled
	p.changed.Broadcast()
}

func (p *stallProxy) stall()  { p.set(true) }
func (p *stallProxy) resume() { p.set(false) }

// close stops accepting, closes every connection and ends the pipes.
func (p *stallProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.changed.Broadcast()
	for _, c := range p.conns {
		c.Close()
	}
}
