package workerpooljs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
	"github.com/seed761c1f22/workerpool/contrib/workerpooljs"
)

// ledger records every run of every job, by message id.
type ledger struct {
	mu        sync.Mutex
	runs      map[int]int      // id -> runs
	delivered map[int][]uint64 // id -> NumDelivered at each run
	by        map[int][]string // id -> the workers that ran it
	gate      chan struct{}    // jobs of kind "gate" wait until it is closed
}

func newLedger() *ledger {
	return &ledger{runs: map[int]int{}, delivered: map[int][]uint64{}, by: map[int][]string{}, gate: make(chan struct{})}
}

func (l *ledger) ran(j *idJob) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs[j.id]++
	l.delivered[j.id] = append(l.delivered[j.id], j.delivered)
	l.by[j.id] = append(l.by[j.id], j.worker)
}

// distinct returns how many ids ran at least once.
func (l *ledger) distinct() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.runs)
}

// idJob is decoded from a message "id" or "id:kind[:ms]": kind "fail"
// fails through Err, "panic" panics, "sleep" sleeps ms milliseconds, "gate"
// waits until the test closes its ledger's gate.
type idJob struct {
	id        int
	kind      string
	sleep     time.Duration
	delivered uint64
	worker    string
	ledger    *ledger
}

func (j *idJob) Run() {
	j.ledger.ran(j)
	switch j.kind {
	case "panic":
		panic("job " + strconv.Itoa(j.id))
	case "sleep":
		time.Sleep(j.sleep)
	case "gate":
		<-j.ledger.gate
	}
}

func (j *idJob) Err() error {
	if j.kind == "fail" {
		return errors.New("job " + strconv.Itoa(j.id) + " failed")
	}
	return nil
}

// decoder returns the decode func of a worker named worker.
func decoder(l *ledger, worker string) func(jetstream.Msg) (*idJob, error) {
	return func(msg jetstream.Msg) (*idJob, error) {
		parts := strings.Split(string(msg.Data()), ":")
		id, err := strconv.Atoi(parts[0])
		if err != nil {
			return nil, fmt.Errorf("bad id %q", parts[0])
		}
		j := &idJob{id: id, worker: worker, ledger: l}
		if len(parts) > 1 {
			j.kind = parts[1]
		}
		if len(parts) > 2 {
			ms, _ := strconv.Atoi(parts[2])
			j.sleep = time.Duration(ms) * time.Millisecond
		}
		if md, err := msg.Metadata(); err == nil {
			j.delivered = md.NumDelivered
		}
		return j, nil
	}
}

// publish publishes one message per body on jobs.<n>.
func publish(t testing.TB, js jetstream.JetStream, bodies ...string) {
	t.Helper()
	err := publishAll(t.Context(), js, len(bodies),
		func(i int) string { return "jobs." + strconv.Itoa(i) },
		func(i int) []byte { return []byte(bodies[i]) })
	require.NoError(t, err)
}

// bodies returns "0:suffix" ... "n-1:suffix" (or plain ids for an empty suffix).
func bodies(n int, suffix string) []string {
	b := make([]string, n)
	for i := range b {
		b[i] = strconv.Itoa(i) + suffix
	}
	return b
}

// running is a worker running in a goroutine of its own.
type running struct {
	w      *workerpooljs.Worker[*idJob]
	cancel context.CancelFunc
	done   chan error
}

// start makes a worker named name on its own connection, as one process
// would, and runs it.
func start(t testing.TB, srv *server.Server, l *ledger, name string, opts ...workerpooljs.Option) *running {
	t.Helper()
	_, js := connect(t, srv)
	w, err := workerpooljs.New(consumer(t, js), decoder(l, name), opts...)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{w: w, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- w.Run(ctx) }()
	t.Cleanup(cancel)
	return r
}

// stop ends r's Run and returns what it returned.
func (r *running) stop(t testing.TB) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
		return nil
	}
}

// eventually waits, polling, until cond holds, for at most limit.
func eventually(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", limit, what)
		}
	}
}

// checkStats asserts the pool's invariants on one snapshot of a worker with buffer buf.
func checkStats(t testing.TB, s workerpool.Stats, buf int) {
	t.Helper()
	assert.Equal(t, s.Queued, uint64(s.Waiting)+uint64(s.Running)+s.Completed+s.Skipped, "%v", s)
	assert.Equal(t, s.Completed, uint64(s.Finished)+s.Retrieved+s.Dropped, "%v", s)
	assert.LessOrEqual(t, s.Waiting, buf, "fetched and not started: at most the buffer: %v", s)
	assert.LessOrEqual(t, s.Running, s.Workers, "%v", s)
}

// streamEmpty reports whether the stream holds no message and the consumer
// has nothing pending or unacked.
func streamEmpty(t testing.TB, js jetstream.JetStream) bool {
	ctx := context.Background()
	st, err := js.Stream(ctx, "JOBS")
	require.NoError(t, err)
	si, err := st.Info(ctx)
	require.NoError(t, err)
	ci, err := consumer(t, js).Info(ctx)
	require.NoError(t, err)
	return si.State.Msgs == 0 && ci.NumAckPending == 0 && ci.NumPending == 0
}

func TestThreeWorkersShareOneStream(t *testing.T) {
	srv := startServer(t)
	_, js := connect(t, srv)
	setup(t, js, jetstream.ConsumerConfig{AckWait: time.Minute})
	const n = 10_000
	publish(t, js, bodies(n, "")...)
	l := newLedger()
	workers := []*running{
		start(t, srv, l, "a", workerpooljs.Workers(2), workerpooljs.Buffer(8)),
		start(t, srv, l, "b", workerpooljs.Workers(2), workerpooljs.Buffer(8)),
		start(t, srv, l, "c", workerpooljs.Workers(2), workerpooljs.Buffer(8)),
	}
	samples := 0
	eventually(t, time.Minute, "every job ran and the stream is empty", func() bool {
		for _, r := range workers {
			checkStats(t, r.w.Stats(), 8)
			samples++
		}
		return l.distinct() == n && streamEmpty(t, js)
	})
	var total uint64
	for _, r := range workers {
		require.NoError(t, r.stop(t))
		s := r.w.Stats()
		checkStats(t, s, 8)
		assert.NotZero(t, s.Completed, "each worker did a share")
		assert.Zero(t, s.Skipped+s.Failed)
		total += s.Completed
		t.Logf("worker: %v", s)
	}
	assert.EqualValues(t, n, total)
	for id := range n {
		require.Equal(t, 1, l.runs[id], "job %d runs exactly once", id)
	}
	assert.True(t, streamEmpty(t, js), "all acked, nothing left")
	t.Logf("%d samples of Stats, each adding up", samples)
}

func TestGracefulShutdownNaksUnstartedJobsForTheOthers(t *testing.T) {
	srv := startServer(t)
	_, js := connect(t, srv)
	// A long AckWait: a job that was not Nak'ed would come back only after
	// it, well after the end of this test.
	setup(t, js, jetstream.ConsumerConfig{AckWait: 5 * time.Minute})
	const n = 300
	publish(t, js, bodies(n, ":sleep:5")...)
	l := newLedger()
	leaving := start(t, srv, l, "leaving", workerpooljs.Workers(1), workerpooljs.Buffer(16))
	eventually(t, 30*time.Second, "the leaving worker holds fetched jobs", func() bool {
		s := leaving.w.Stats()
		return s.Completed >= 3 && s.Waiting >= 4
	})
	others := []*running{start(t, srv, l, "b", workerpooljs.Workers(2)), start(t, srv, l, "c", workerpooljs.Workers(2))}
	require.NoError(t, leaving.stop(t), "Run returns nil after its context ends")
	s := leaving.w.Stats()
	checkStats(t, s, 16)
	assert.NotZero(t, s.Skipped+s.Rejected, "it Nak'ed the jobs it had fetched and not started")
	assert.Zero(t, s.Waiting+s.Running)
	eventually(t, time.Minute, "every job ran, long before AckWait", func() bool {
		return l.distinct() == n && streamEmpty(t, js)
	})
	for _, r := range others {
		require.NoError(t, r.stop(t))
	}
	for id := range n {
		require.Equal(t, 1, l.runs[id], "job %d: none lost, none run twice", id)
	}
	t.Logf("the leaving worker ran %d jobs and handed back %d", s.Completed, s.Skipped+s.Rejected)
}

func TestCrashedWorkersMessagesComeBackAfterAckWait(t *testing.T) {
	srv := startServer(t)
	_, js := connect(t, srv)
	setup(t, js, jetstream.ConsumerConfig{AckWait: time.Second})
	const n = 200
	publish(t, js, bodies(n, ":sleep:5")...)
	l := newLedger()
	// The crashing process: its own connection, closed under it.
	nc, cjs := connect(t, srv)
	crashing, err := workerpooljs.New(consumer(t, cjs), decoder(l, "crashed"), workerpooljs.Workers(1), workerpooljs.Buffer(16))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- crashing.Run(context.Background()) }()
	eventually(t, 30*time.Second, "the crashing worker holds fetched jobs", func() bool {
		s := crashing.Stats()
		return s.Completed >= 2 && s.Waiting >= 4
	})
	held := crashing.Stats().Waiting
	nc.Close() // the process dies: no Nak, no Ack reaches the server any more
	others := []*running{start(t, srv, l, "b", workerpooljs.Workers(2)), start(t, srv, l, "c", workerpooljs.Workers(2))}
	eventually(t, time.Minute, "every job ran", func() bool { return l.distinct() == n && streamEmpty(t, js) })
	assert.Error(t, <-done, "Run reports the closed connection")
	for _, r := range others {
		require.NoError(t, r.stop(t))
	}
	twice := 0
	for id := range n {
		require.GreaterOrEqual(t, l.runs[id], 1, "job %d lost", id)
		if l.runs[id] > 1 {
			twice++
			assert.Contains(t, l.by[id], "crashed", "job %d ran twice without a crash of its worker", id)
		}
	}
	t.Logf("the crashed worker held %d unstarted jobs; %d jobs ran twice (their acks died with the connection)", held, twice)
}

func TestFailuresAreRedeliveredUntilMaxDeliver(t *testing.T) {
	srv := startServer(t)
	_, js := connect(t, srv)
	setup(t, js, jetstream.ConsumerConfig{AckWait: time.Minute, MaxDeliver: 3})
	publish(t, js, "0:fail", "1:panic", "2", "not-a-number")
	prev := log.Writer()
	log.SetOutput(io.Discard) // the pool logs each panic
	t.Cleanup(func() { log.SetOutput(prev) })
	l := newLedger()
	r := start(t, srv, l, "a", workerpooljs.Workers(2), workerpooljs.RetryDelay(20*time.Millisecond))
	eventually(t, 30*time.Second, "both failing jobs were delivered 3 times", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.runs[0] == 3 && l.runs[1] == 3 && l.runs[2] == 1
	})
	s := r.w.Stats()
	assert.EqualValues(t, 1, r.w.Termed(), "the message that does not decode is Term'ed and counted")
	require.NoError(t, r.stop(t))
	s = r.w.Stats()
	assert.Equal(t, []uint64{1, 2, 3}, l.delivered[0], "NumDelivered grows with each redelivery")
	assert.Equal(t, []uint64{1, 2, 3}, l.delivered[1])
	assert.EqualValues(t, 7, s.Completed, "the worker survived the panics")
	assert.EqualValues(t, 6, s.Failed)
	assert.EqualValues(t, 3, s.Panicked)
	assert.Equal(t, 1, l.runs[2])
	assert.EqualValues(t, 1, r.w.Termed(), "a Term'ed message is not redelivered")
}

func TestLongJobIsKeptAliveWithInProgress(t *testing.T) {
	srv := startServer(t)
	_, js := connect(t, srv)
	setup(t, js, jetstream.ConsumerConfig{AckWait: 300 * time.Millisecond})
	publish(t, js, "0:sleep:900") // three times AckWait
	l := newLedger()
	r := start(t, srv, l, "a", workerpooljs.Workers(2)) // room to run a redelivery at once
	eventually(t, 30*time.Second, "the job ran and was acked", func() bool {
		return r.w.Stats().Completed == 1 && streamEmpty(t, js)
	})
	require.NoError(t, r.stop(t))
	assert.Equal(t, 1, l.runs[0], "not redelivered while it ran")
}

func TestBackPressure_NeverMoreFetchedThanTheBuffer(t *testing.T) {
	srv := startServer(t)
	_, js := connect(t, srv)
	setup(t, js, jetstream.ConsumerConfig{AckWait: time.Minute})
	const n, buf = 1000, 4
	publish(t, js, bodies(n, ":sleep:1")...)
	l := newLedger()
	workers := []*running{
		start(t, srv, l, "a", workerpooljs.Workers(2), workerpooljs.Buffer(buf)),
		start(t, srv, l, "b", workerpooljs.Workers(3), workerpooljs.Buffer(buf)),
	}
	samples := 0
	eventually(t, time.Minute, "every job ran", func() bool {
		for _, r := range workers {
			checkStats(t, r.w.Stats(), buf)
			samples++
		}
		return l.distinct() == n
	})
	ci, err := consumer(t, js).Info(context.Background())
	require.NoError(t, err)
	assert.LessOrEqual(t, ci.NumAckPending, 2*buf+5, "unacked messages: at most what both pools hold")
	for _, r := range workers {
		require.NoError(t, r.stop(t))
	}
	t.Logf("%d samples, each within the buffer and adding up", samples)
}

func TestNew_BadArguments(t *testing.T) {
	srv := startServer(t)
	_, js := connect(t, srv)
	setup(t, js, jetstream.ConsumerConfig{})
	cons := consumer(t, js)
	dec := decoder(newLedger(), "x")
	tests := []struct {
		name string
		cons jetstream.Consumer
		opts []workerpooljs.Option
		want string
	}{
		{"nil consumer", nil, nil, "nil consumer"},
		{"no workers", cons, []workerpooljs.Option{workerpooljs.Workers(0)}, "Workers must be at least 1, got 0"},
		{"negative buffer", cons, []workerpooljs.Option{workerpooljs.Buffer(-2)}, "Buffer must not be negative, got -2"},
		{"negative delay", cons, []workerpooljs.Option{workerpooljs.RetryDelay(-time.Second)}, "RetryDelay must not be negative, got -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := workerpooljs.New(tt.cons, dec, tt.opts...)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	_, err := workerpooljs.New[*idJob](cons, nil)
	assert.ErrorContains(t, err, "nil decode")
	// A stream with limits retention allows a consumer without acks.
	_, err = js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "EVENTS", Subjects: []string{"events.>"}})
	require.NoError(t, err)
	c, err := js.CreateOrUpdateConsumer(context.Background(), "EVENTS", jetstream.ConsumerConfig{Durable: "acknone", AckPolicy: jetstream.AckNonePolicy})
	require.NoError(t, err)
	_, err = workerpooljs.New(c, dec)
	assert.ErrorContains(t, err, `consumer "acknone" must use AckExplicitPolicy`)
}
