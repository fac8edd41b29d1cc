// Command server shares one workerpool across the requests of an HTTP
// server: each request makes a group from its own context, queues its jobs,
// waits for them and answers with its own results. The pool caps how much
// CPU all requests use together; the groups give each request its own jobs,
// wait, cancellation and counters, and fair turns for the workers, so a
// small request is not stuck behind a big one.
//
//	go run ./example/server                 # listens on 127.0.0.1:8080
//	curl '127.0.0.1:8080/hash?k=1000'       # hash 1000 blocks as one request
//	curl '127.0.0.1:8080/stats'             # the pool's counters
//
// A client that goes away cancels its request's context: its waiting jobs
// are skipped and counted, and the other requests are not touched.
//
// On SIGINT or SIGTERM it shuts down in the order a server needs: first
// http.Server.Shutdown, which stops accepting and waits for the requests in
// flight (each waits for its own group's jobs), then pool.Close, once no
// request can queue any more. Every request it accepted is answered.
// (Stopping the pool first, with WithContext or StopAndCollect, would
// answer the requests in flight with errors and hand back jobs a server
// cannot persist: that shutdown is for pipelines.)
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/seed761c1f22/workerpool"
)

// hashJob hashes a generated block; the digest stays in the job.
type hashJob struct {
	seed int
	sum  [sha256.Size]byte
}

func (j *hashJob) Run() {
	block := make([]byte, 64<<10)
	for i := range block {
		block[i] = byte(j.seed + i)
	}
	j.sum = sha256.Sum256(block)
}

// maxK bounds the jobs of one request.
const maxK = 100_000

// newHandler serves /hash?k=N on pool: N jobs in a group of their own, and
// /stats: the pool's counters.
func newHandler(pool *workerpool.Pool[*hashJob]) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/hash", func(w http.ResponseWriter, r *http.Request) {
		k, err := strconv.Atoi(r.URL.Query().Get("k"))
		if err != nil || k < 1 || k > maxK {
			http.Error(w, fmt.Sprintf("k must be a number from 1 to %d, got %q", maxK, r.URL.Query().Get("k")), http.StatusBadRequest)
			return
		}
		start := time.Now()
		g := pool.NewGroup(r.Context(), workerpool.KeepFinished())
		defer g.Stop() // an early return withdraws what is still waiting
		for i := range k {
			if err := g.QueueJobContext(r.Context(), &hashJob{seed: i}); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		if err := g.Wait(); err != nil {
			status := http.StatusInternalServerError
			if errors.Is(err, workerpool.ErrStopped) {
				status = http.StatusServiceUnavailable // the client went away, or the server is shutting down
			}
			http.Error(w, err.Error(), status)
			return
		}
		var x [sha256.Size]byte
		for j := range g.Finished() {
			for i := range x {
				x[i] ^= j.sum[i]
			}
		}
		fmt.Fprintf(w, "%d blocks hashed in %v, xor of digests %x\n", k, time.Since(start).Round(time.Microsecond), x[:8])
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, pool.Stats())
	})
	return mux
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	workers := flag.Int("workers", runtime.NumCPU(), "worker goroutines shared by all requests")
	buf := flag.Int("buf", 1024, "jobs that can wait, all requests together")
	flag.Parse()

	pool, err := workerpool.New[*hashJob](*workers, *buf, false)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on http://%s (workers=%d buf=%d)", ln.Addr(), *workers, *buf)
	if err := serve(ln, pool, syscall.SIGINT, syscall.SIGTERM); err != nil {
		log.Fatal(err)
	}
	log.Printf("shut down: %v", pool.Stats())
}

// serve serves on ln until one of sigs arrives, then shuts down: the HTTP
// server first, answering every request in flight (their groups' jobs run
// to the end), then the pool, and returns once its last job has run.
func serve(ln net.Listener, pool *workerpool.Pool[*hashJob], sigs ...os.Signal) error {
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	defer stop()
	srv := &http.Server{Handler: newHandler(pool), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served: // the listener failed
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx) // no new request; the ones in flight are answered
	_ = pool.Close()                 // no request can queue any more: close, and wait for the end
	pool.GetFinishedWait()
	return err
}
