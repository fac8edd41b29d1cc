package workerpooljs_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
	"github.com/seed761c1f22/workerpool/contrib/workerpooljs"
)

// benchJob is a tiny job (a counter) or one that waits d, as a call to
// another service would.
type benchJob struct {
	d    time.Duration
	done *atomic.Int64
}

func (j *benchJob) Run() {
	if j.d > 0 {
		time.Sleep(j.d)
	}
	j.done.Add(1)
}

// A benchImpl runs the consumer's messages in procs processes (connections)
// until done reaches n, and returns once they have stopped.
type benchImpl struct {
	name string
	run  func(b *testing.B, srv *server.Server, procs, poolSize int, d time.Duration, done *atomic.Int64, n int64)
}

var benchImpls = []benchImpl{
	{"pool", runPool(-1)},
	{"pool-buf256", runPool(256)},
	{"pool-buf256-timings", runPool(256, workerpool.WithTimings())},
	{"consume-inline", func(b *testing.B, srv *server.Server, procs, _ int, d time.Duration, done *atomic.Int64, n int64) {
		consume(b, srv, procs, done, n, func(msg jetstream.Msg) {
			(&benchJob{d: d, done: done}).Run()
			_ = msg.Ack()
		})
	}},
	{"consume-goroutine", func(b *testing.B, srv *server.Server, procs, _ int, d time.Duration, done *atomic.Int64, n int64) {
		consume(b, srv, procs, done, n, func(msg jetstream.Msg) {
			go func() {
				(&benchJob{d: d, done: done}).Run()
				_ = msg.Ack()
			}()
		})
	}},
}

// runPool runs a Worker per process with the given Buffer (-1: the default)
// and pool options.
func runPool(buffer int, poolOpts ...workerpool.Option) func(b *testing.B, srv *server.Server, procs, poolSize int, d time.Duration, done *atomic.Int64, n int64) {
	return func(b *testing.B, srv *server.Server, procs, poolSize int, d time.Duration, done *atomic.Int64, n int64) {
		ctx, cancel := context.WithCancel(context.Background())
		errs := make(chan error, procs)
		for range procs {
			_, js := connect(b, srv)
			opts := []workerpooljs.Option{workerpooljs.Workers(poolSize), workerpooljs.PoolOptions(poolOpts...)}
			if buffer >= 0 {
				opts = append(opts, workerpooljs.Buffer(buffer))
			}
			w, err := workerpooljs.New(consumer(b, js), func(jetstream.Msg) (*benchJob, error) {
				return &benchJob{d: d, done: done}, nil
			}, opts...)
			require.NoError(b, err)
			go func() { errs <- w.Run(ctx) }()
		}
		waitDone(b, done, n)
		cancel()
		for range procs {
			require.NoError(b, <-errs)
		}
	}
}

// consume runs handler through jetstream's Consume on procs connections.
func consume(b *testing.B, srv *server.Server, procs int, done *atomic.Int64, n int64, handler jetstream.MessageHandler) {
	var ccs []jetstream.ConsumeContext
	for range procs {
		_, js := connect(b, srv)
		cc, err := consumer(b, js).Consume(handler)
		require.NoError(b, err)
		ccs = append(ccs, cc)
	}
	waitDone(b, done, n)
	for _, cc := range ccs {
		cc.Stop()
	}
}

// waitDone waits until n jobs are done and stops the timer: shutting the
// consumers down is not timed.
func waitDone(b *testing.B, done *atomic.Int64, n int64) {
	for done.Load() < n {
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
}

// BenchmarkThroughput is jobs per second through 1 and 3 processes for tiny
// jobs and jobs that wait 1 ms: impl=pool is a Worker per process (pool of
// 2 workers for tiny jobs, 16 for 1 ms jobs) with the default buffer
// (2*workers), impl=pool-buf256 the same with Buffer(256),
// impl=consume-inline a Consume callback that runs the job itself,
// impl=consume-goroutine one that starts a goroutine per message.
// Publishing and shutting down are not timed.
func BenchmarkThroughput(b *testing.B) {
	works := []struct {
		name     string
		d        time.Duration
		n        int
		poolSize int
	}{{"tiny", 0, 5000, 2}, {"1ms", time.Millisecond, 2000, 16}}
	for _, work := range works {
		for _, procs := range []int{1, 3} {
			for _, impl := range benchImpls {
				b.Run(fmt.Sprintf("work=%s/procs=%d/impl=%s", work.name, procs, impl.name), func(b *testing.B) {
					srv := startServer(b)
					_, js := connect(b, srv)
					setup(b, js, jetstream.ConsumerConfig{AckWait: time.Minute})
					body := []byte("job")
					for b.Loop() {
						b.StopTimer()
						err := publishAll(b.Context(), js, work.n,
							func(i int) string { return "jobs." + strconv.Itoa(i) },
							func(int) []byte { return body })
						require.NoError(b, err)
						var done atomic.Int64
						b.StartTimer()
						impl.run(b, srv, procs, work.poolSize, work.d, &done, int64(work.n)) // stops the timer once done
						b.StartTimer()                                                       // b.Loop wants it running
					}
					b.ReportMetric(float64(work.n*b.N)/b.Elapsed().Seconds(), "jobs/s")
					b.ReportMetric(0, "ns/op")
				})
			}
		}
	}
}
