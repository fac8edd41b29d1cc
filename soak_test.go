package workerpool_test

import (
	"flag"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

var soakFor = flag.Duration("soak", 0, "run TestSoak for this long (also WORKERPOOL_SOAK=60s)")

// TestSoak keeps creating pools with random configurations for a fixed time,
// pushing jobs through them from several producers while consumers come and
// go and Close or Stop arrive at random moments; every other pool is shared
// by groups (see groupHammer). It checks the invariants on
// samples and exactly-once at the end of every pool, then reports jobs per
// second and checks that the goroutine count is back where it started and
// that the live heap has not grown. It is skipped unless asked for:
// go test -run Soak -soak 60s (make soak).
func TestSoak(t *testing.T) {
	d := *soakFor
	if env := os.Getenv("WORKERPOOL_SOAK"); d == 0 && env != "" {
		var err error
		d, err = time.ParseDuration(env)
		require.NoError(t, err, "WORKERPOOL_SOAK")
	}
	if d == 0 {
		t.Skip("soak test: run with -soak 60s or WORKERPOOL_SOAK=60s")
	}

	goroutinesBefore := runtime.NumGoroutine()
	heapBefore := liveHeap()
	start := time.Now()
	var pools, jobs, skipped uint64
	for time.Since(start) < d {
		var ran, skip uint64
		if pools%2 == 0 {
			ran, skip = soakPool(t)
		} else { // a pool shared by groups that are made, cancelled, stopped and waited at random
			ran, skip = groupHammer(t, 1+rand.IntN(16)+rand.IntN(2)*300, rand.IntN(65), 2000+rand.IntN(4000)) // one in two a pool for I/O
		}
		pools++
		jobs += ran
		skipped += skip
		if t.Failed() {
			break
		}
	}
	elapsed := time.Since(start)

	// Every pool is done: its workers exit right after their last unlock.
	goroutinesAfter := runtime.NumGoroutine()
	for wait := time.Now(); goroutinesAfter > goroutinesBefore && time.Since(wait) < 5*time.Second; {
		time.Sleep(10 * time.Millisecond)
		goroutinesAfter = runtime.NumGoroutine()
	}
	heapAfter := liveHeap()
	t.Logf("soak: %v, %d pools, %d jobs run (%.0f jobs/s), %d skipped by Stop", elapsed.Round(time.Second),
		pools, jobs, float64(jobs)/elapsed.Seconds(), skipped)
	t.Logf("soak: goroutines %d before, %d after; live heap %.1f MiB before, %.1f MiB after",
		goroutinesBefore, goroutinesAfter, mib(heapBefore), mib(heapAfter))
	assert.LessOrEqual(t, goroutinesAfter, goroutinesBefore, "a goroutine outlived its pool")
	assert.Less(t, mib(heapAfter)-mib(heapBefore), 8.0, "the live heap grew by more than 8 MiB")
}

// soakPool runs one randomly configured pool to its end and returns how many
// jobs ran and how many were skipped.
func soakPool(t *testing.T) (ran, skipped uint64) {
	workers, buf, queueFinished := 1+rand.IntN(16), rand.IntN(65), rand.IntN(2) == 0
	if rand.IntN(4) == 0 { // a pool for I/O: its lock spins, and a caller far ahead yields
		workers = 300 + rand.IntN(1000)
	}
	quiet := workerpool.WithPanicHandler(func(workerpool.Job, any, []byte) {})
	opts := []workerpool.Option{quiet}
	if rand.IntN(2) == 0 {
		opts = append(opts, workerpool.WithTimings())
	}
	if rand.IntN(2) == 0 { // idle workers exit throughout
		opts = append(opts, workerpool.WithIdleTimeout(time.Millisecond))
	}
	p := newPool[*hammerJob](t, workers, buf, queueFinished, opts...)
	jobs := make([][]*hammerJob, 1+rand.IntN(4))
	for g := range jobs {
		jobs[g] = make([]*hammerJob, 1000+rand.IntN(30000))
		for i := range jobs[g] {
			jobs[g][i] = &hammerJob{panics: rand.IntN(1000) == 0}
		}
	}

	var wg sync.WaitGroup
	var producersLeft atomic.Int32
	var rejected atomic.Uint64
	for g := range jobs {
		producersLeft.Add(1)
		wg.Go(func() {
			defer producersLeft.Add(-1)
			rejected.Add(produce(t, p, jobs[g]))
		})
	}
	wg.Go(func() { consumeInStints(p) })
	wg.Go(func() { sample(t, p, buf, queueFinished, &producersLeft) }) // closes the pool at the end
	// Shut down early at a random moment in one pool out of three.
	switch rand.IntN(6) {
	case 0:
		time.AfterFunc(time.Duration(rand.IntN(5000))*time.Microsecond, func() { _ = p.Close() })
	case 1:
		time.AfterFunc(time.Duration(rand.IntN(5000))*time.Microsecond, func() { _ = p.Stop() })
	}
	wg.Wait()
	s := p.Stats()
	verifyExactlyOnce(t, jobs, s, rejected.Load(), buf, queueFinished)
	return s.Completed, s.Skipped
}

// consumeInStints retrieves finished jobs in stints of random length with
// pauses between them, as consumers that come and go, until the pool is done.
func consumeInStints(p *workerpool.Pool[*hammerJob]) {
	for {
		for range 1 + rand.IntN(2000) {
			job, done := p.GetFinishedWait()
			if done {
				return
			}
			job.retrieved.Add(1)
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
