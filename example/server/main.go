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
package main

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"runtime"
	"strconv"
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
	defer pool.Stop()
	log.Printf("listening on http://%s (workers=%d buf=%d)", *addr, *workers, *buf)
	log.Fatal(http.ListenAndServe(*addr, newHandler(pool)))
}
