package benchwork

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed761c1f22/workerpool"
)

// The server workload: a pool of GOMAXPROCS workers shared by
// ServerRequests requests in flight, each fanning out ServerJobs CPU-bound
// jobs of ServerJobTime and waiting for them, then starting again, for
// ServerTime per benchmark iteration; beside them a bystander goroutine
// sleeps ServerNap in a loop, as a ticker or a handler's timer would. What
// counts is the throughput (jobs/s) and how late the bystander wakes up
// (p50-us, p99-us): with every processor running a worker, it gets one only
// when a worker yields it or Go preempts it.
const (
	ServerRequests = 64
	ServerJobs     = 8
	ServerJobTime  = 20 * time.Microsecond
	ServerNap      = 200 * time.Microsecond
	ServerTime     = time.Second
)

// ServerChanMin is chanmin as a FairRunner: one job channel of capacity buf
// the workers range over, each caller waiting for its jobs with a
// WaitGroup, as a server written by hand does.
var ServerChanMin = FairImpl{"chanmin", func(w, buf int) FairRunner { return newChanRunner(w, buf) }}

// Server are the impls of the server workload: this pool with a group per
// request and one FIFO queue (each also with WithTimeSlice(0)), and chanmin.
var Server = append(append([]FairImpl{}, Fair...),
	FairImpl{"fifo-noslice", func(w, buf int) FairRunner {
		return fifoRunner{newFuncPool(w, buf, workerpool.WithTimeSlice(0))}
	}},
	ServerChanMin)

// RunServer runs the server workload for every impl, with an intake of
// ServerRequests*ServerJobs (room for every request's jobs).
func RunServer(b *testing.B, impls []FairImpl) {
	for _, impl := range impls {
		b.Run("impl="+impl.Name, func(b *testing.B) {
			var late []time.Duration
			var jobs int64
			var elapsed time.Duration
			for b.Loop() {
				n, l, d := serverRound(impl.New(runtime.GOMAXPROCS(0), ServerRequests*ServerJobs))
				jobs, late, elapsed = jobs+n, append(late, l...), elapsed+d
			}
			slices.Sort(late)
			b.ReportMetric(float64(jobs)/elapsed.Seconds(), "jobs/s")
			b.ReportMetric(us(late[len(late)/2]), "p50-us")
			b.ReportMetric(us(late[len(late)*99/100]), "p99-us")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// serverRound runs the requests and the bystander on r for ServerTime and
// returns the jobs run, the bystander's lateness at each wake-up, and the
// time taken.
func serverRound(r FairRunner) (jobs int64, late []time.Duration, took time.Duration) {
	var stop atomic.Bool
	var done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range ServerRequests {
		wg.Go(func() {
			batch := make([]func(), ServerJobs)
			for i := range batch {
				batch[i] = func() { spin(ServerJobTime) }
			}
			for !stop.Load() {
				r.Run(batch)
				done.Add(ServerJobs)
			}
		})
	}
	wg.Go(func() {
		for !stop.Load() {
			t := time.Now()
			time.Sleep(ServerNap)
			late = append(late, time.Since(t)-ServerNap)
		}
	})
	time.Sleep(ServerTime)
	stop.Store(true)
	wg.Wait()
	took = time.Since(start)
	r.Close()
	return done.Load(), late, took
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// chanRunner is chanmin shared by callers: a job channel the workers range
// over; a caller waits for its own jobs with a WaitGroup.
type chanRunner struct {
	jobs    chan func()
	workers sync.WaitGroup
}

func newChanRunner(workers, buf int) *chanRunner {
	r := &chanRunner{jobs: make(chan func(), buf)}
	for range workers {
		r.workers.Go(func() {
			for j := range r.jobs {
				j()
			}
		})
	}
	return r
}

func (r *chanRunner) Run(jobs []func()) {
	var wg sync.WaitGroup
	wg.Add(len(jobs))
	for _, j := range jobs {
		r.jobs <- func() { defer wg.Done(); j() }
	}
	wg.Wait()
}

func (r *chanRunner) Close() {
	close(r.jobs)
	r.workers.Wait()
}
