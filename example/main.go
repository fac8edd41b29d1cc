// Command example runs a hashing pipeline through a workerpool and shows its
// live Stats while it runs: producers generate data blocks, the workers hash
// them, and a consumer writes out the digests in bursts, now slower and now
// faster than they are made, so the queues fill up and drain: the blocked and
// held counters show who waits for whom. Every line checks that the
// counters add up. The first run ends with Close (every queued block is
// hashed); the second resizes and pauses the live pool, then ends with
// StopAndCollect (the waiting blocks are skipped and handed back).
package main

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/seed761c1f22/workerpool"
)

const (
	producers = 4
	blockSize = 128 << 10 // bytes hashed per job
	bufSize   = 32        // intake and finished queue capacity
)

// hashJob hashes one generated data block; the result stays in the job.
type hashJob struct {
	producer, seq int
	data          []byte
	sum           [sha256.Size]byte
}

func (j *hashJob) Run() { j.sum = sha256.Sum256(j.data) }

func main() {
	workers := runtime.NumCPU()
	fmt.Printf("workerpool demo: %d producers, %d workers, buffers of %d, %d KiB blocks\n",
		producers, workers, bufSize, blockSize>>10)
	fmt.Printf("(finished can reach %d: %d queued plus one held by each worker while the queue is full)\n\n",
		bufSize+workers, bufSize)

	fmt.Println("Run 1: each producer queues 400 blocks, then Close: every queued block is hashed.")
	run(workers, 400, 0)

	fmt.Println("\nRun 2: producers queue without end; at 0.4 s Resize(1), at 0.8 s Resize back and Pause,")
	fmt.Println("at 1.1 s Resume, at 1.5 s StopAndCollect: waiting blocks are skipped and handed back.")
	run(workers, -1, 1500*time.Millisecond)
}

// run pushes blocks through a fresh pool. perProducer < 0 means without end;
// stopAfter > 0 stops the pool after that long, otherwise it is closed once
// the producers are done.
func run(workers, perProducer int, stopAfter time.Duration) {
	pool, err := workerpool.New[*hashJob](workers, bufSize, true, workerpool.WithTimings())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	start := time.Now()
	stopView := liveView(pool)

	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() { produce(pool, p, perProducer) })
	}
	if stopAfter > 0 {
		time.AfterFunc(400*time.Millisecond, func() { _ = pool.Resize(1) })
		time.AfterFunc(800*time.Millisecond, func() {
			_ = pool.Resize(workers)
			pool.Pause()
		})
		time.AfterFunc(1100*time.Millisecond, pool.Resume)
		time.AfterFunc(stopAfter, func() {
			left := pool.StopAndCollect()
			fmt.Printf("\nStopAndCollect handed back %d blocks, oldest first, to persist or retry\n", len(left))
		})
	} else {
		go func() {
			wg.Wait()
			_ = pool.Close()
		}()
	}

	// The consumer: write out each digest, in bursts: for 250 ms it is slower
	// than the workers (the queues fill up), for the next 250 ms faster.
	var digest [sha256.Size]byte
	for job := range pool.Finished() {
		for i := range digest {
			digest[i] ^= job.sum[i]
		}
		if time.Since(start)/(250*time.Millisecond)%2 == 0 {
			time.Sleep(500 * time.Microsecond)
		}
	}
	wg.Wait()
	stopView()

	s := pool.Stats()
	fmt.Printf("done in %v: queued %d = completed %d + skipped %d; retrieved %d; xor of digests %x…\n",
		time.Since(start).Round(time.Millisecond), s.Queued, s.Completed, s.Skipped, s.Retrieved, digest[:6])
	fmt.Printf("jobs waited p50 %v, p99 %v and ran p50 %v, p99 %v (estimated from the histograms' buckets)\n",
		s.Wait.Quantile(0.5), s.Wait.Quantile(0.99), s.Run.Quantile(0.5), s.Run.Quantile(0.99))
}

// produce generates blocks and queues them until it has queued n (n < 0: no
// limit) or the pool refuses them.
func produce(pool *workerpool.Pool[*hashJob], producer, n int) {
	rng := rand.New(rand.NewPCG(uint64(producer), 42))
	for seq := 0; n < 0 || seq < n; seq++ {
		data := make([]byte, blockSize)
		for i := 0; i < len(data); i += 8 {
			v := rng.Uint64()
			for b := range 8 {
				data[i+b] = byte(v >> (8 * b))
			}
		}
		if err := pool.QueueJob(&hashJob{producer: producer, seq: seq, data: data}); err != nil {
			return // workerpool.ErrClosed: the pool was stopped
		}
	}
}

// liveView prints a one-line Stats view every 100 ms, in place on a terminal,
// until the returned function is called.
func liveView(pool *workerpool.Pool[*hashJob]) (stop func()) {
	fi, _ := os.Stdout.Stat()
	terminal := fi != nil && fi.Mode()&os.ModeCharDevice != 0
	ticker := time.NewTicker(100 * time.Millisecond)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for tick := 0; ; tick++ {
			select {
			case <-done:
				if terminal {
					fmt.Printf("\r%s\n", statsLine(pool.Stats()))
				}
				return
			case <-ticker.C:
				switch {
				case terminal:
					fmt.Printf("\r%s", statsLine(pool.Stats()))
				case tick%3 == 0:
					fmt.Println(statsLine(pool.Stats()))
				}
			}
		}
	})
	return func() {
		ticker.Stop()
		close(done)
		wg.Wait()
	}
}

// statsLine formats one snapshot and checks that it adds up.
func statsLine(s workerpool.Stats) string {
	ok := "✓"
	if s.Queued != uint64(s.Waiting)+uint64(s.Running)+s.Completed+s.Skipped ||
		s.Completed != uint64(s.Finished)+s.Retrieved+s.Dropped ||
		s.Wait.Count != uint64(s.Running)+s.Completed || s.Run.Count != s.Completed {
		ok = "✗ counters do not add up"
	}
	paused := ""
	if s.Paused {
		paused = " paused"
	}
	return fmt.Sprintf("workers %d | waiting %2d blocked %d | running %d | finished %2d held %d | retrieved %5d | queued %5d = %d+%d+%d+%d | wait p99 %-9v %s%s",
		s.Workers, s.Waiting, s.Blocked, s.Running, s.Finished, s.Held, s.Retrieved,
		s.Queued, s.Waiting, s.Running, s.Completed, s.Skipped, s.Wait.Quantile(0.99).Round(time.Microsecond), ok, paused)
}
