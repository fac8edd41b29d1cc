// Command promdemo runs a hashing pipeline through a workerpool and serves
// the pool's counters for Prometheus at http://127.0.0.1:9464/metrics until
// interrupted. Producers queue data blocks, the workers hash them, and a
// consumer retrieves the digests in bursts, now slower and now faster than
// they are made, so the blocked_calls and held_workers gauges move.
//
//	go run ./cmd/promdemo &
//	curl -s 127.0.0.1:9464/metrics | grep workerpool_
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/seed761c1f22/workerpool"
	"github.com/seed761c1f22/workerpool/contrib/workerpoolprom"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9464", "address to serve /metrics on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, *addr, func(a net.Addr) { log.Printf("serving http://%s/metrics", a) })
	if err != nil {
		log.Fatal(err)
	}
}

// hashJob hashes one data block; the digest stays in the job.
type hashJob struct {
	data []byte
	sum  [sha256.Size]byte
}

func (j *hashJob) Run() { j.sum = sha256.Sum256(j.data) }

// run serves /metrics on addr, calls ready with the address it listens on,
// and runs the pipeline until ctx ends; then it stops the pool and the server.
func run(ctx context.Context, addr string, ready func(net.Addr)) error {
	pool, err := workerpool.New[*hashJob](runtime.NumCPU(), 16, true, workerpool.WithTimings())
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(workerpoolprom.NewCollector("hash", pool))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ready(ln.Addr())

	var wg sync.WaitGroup
	for range 2 { // producers: queue until the pool is stopped
		wg.Go(func() {
			data := make([]byte, 64<<10)
			for pool.QueueJob(&hashJob{data: data}) == nil {
			}
		})
	}
	wg.Go(func() { // the consumer: slow for 200 ms, then fast for 200 ms
		start := time.Now()
		for range pool.Finished() {
			if time.Since(start)%(400*time.Millisecond) < 200*time.Millisecond {
				time.Sleep(time.Millisecond)
			}
		}
	})

	<-ctx.Done()
	_ = pool.Stop()
	wg.Wait()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
