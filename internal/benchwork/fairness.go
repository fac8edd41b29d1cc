package benchwork

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed761c1f22/workerpool"
)

// The fairness workload: one big caller queues BigJobs jobs of about
// FairJobTime each; once its first job has started, SmallCallers callers
// arrive together, each queuing SmallJobs jobs and waiting for them. What
// counts is how long a small caller waits, from its arrival until its jobs
// have all run: with fair turns a few rounds of turns, with one FIFO queue
// the time to drain the big caller's jobs first.
//
// The jobs keep their processor busy. It runs with 1 worker, which leaves
// the other core of a 2-core machine to the callers, and with GOMAXPROCS
// workers, as users size pools: then an arriving caller gets a processor
// only when a worker yields it (a time slice) or Go preempts it (about
// 10 ms).
const (
	BigJobs      = 10_000
	SmallCallers = 20
	SmallJobs    = 5
	FairJobTime  = 50 * time.Microsecond
)

// FairWorkers are the pool sizes of the fairness workload: 1, and
// GOMAXPROCS (read when the benchmark runs).
func FairWorkers() []int { return []int{1, runtime.GOMAXPROCS(0)} }

// FairBufs are the bufferSizes the fairness workload runs with: one that
// takes the whole big batch at once, so it all waits in the intake, and one
// that keeps the big caller blocked for room.
var FairBufs = []int{16384, 128}

// A FairRunner is one pool shared by several callers.
type FairRunner interface {
	// Run queues jobs as one caller (a group, where the pool has groups)
	// and returns once they have all run.
	Run(jobs []func())
	// Close shuts the pool down once every caller has returned.
	Close()
}

// A FairImpl makes FairRunners of one pool implementation.
type FairImpl struct {
	Name string
	New  func(workers, buf int) FairRunner
}

// Fair are the workerpool module's fairness implementations: impl=groups
// runs each caller as a Group, impl=fifo queues every caller's jobs on the
// pool itself, one FIFO queue, waiting for them with a WaitGroup;
// impl=groups-noslice is groups with WithTimeSlice(0), to show what the
// time slice buys; impl=groups-limit1 is groups with Limit(1) on the big
// caller, to show that a limited group does not keep the workers it frees
// (its small callers should wait about as long as with groups).
var Fair = []FairImpl{
	{"groups", func(w, buf int) FairRunner { return groupRunner{p: newFuncPool(w, buf)} }},
	{"groups-limit1", func(w, buf int) FairRunner {
		return groupRunner{p: newFuncPool(w, buf), big: []workerpool.GroupOption{workerpool.Limit(1)}}
	}},
	{"fifo", func(w, buf int) FairRunner { return fifoRunner{newFuncPool(w, buf)} }},
	{"groups-noslice", func(w, buf int) FairRunner {
		return groupRunner{p: newFuncPool(w, buf, workerpool.WithTimeSlice(0))}
	}},
}

// RunFairness runs the fairness workload for every impl and bufferSize and
// reports the small callers' wait as p50-ms and p99-ms, over every small
// caller of every iteration.
func RunFairness(b *testing.B, impls []FairImpl) {
	for _, impl := range impls {
		for _, workers := range FairWorkers() {
			for _, buf := range FairBufs {
				b.Run(fmt.Sprintf("impl=%s/workers=%d/buf=%d", impl.Name, workers, buf), func(b *testing.B) {
					var waits []time.Duration
					for b.Loop() {
						waits = append(waits, fairRound(impl.New(workers, buf))...)
					}
					slices.Sort(waits)
					b.ReportMetric(ms(waits[len(waits)/2]), "p50-ms")
					b.ReportMetric(ms(waits[len(waits)*99/100]), "p99-ms")
					b.ReportMetric(0, "ns/op")
				})
			}
		}
	}
}

// fairRound runs one big caller and SmallCallers small ones on r and
// returns how long each small caller waited.
func fairRound(r FairRunner) []time.Duration {
	var started atomic.Bool
	begun := make(chan struct{})
	big := make([]func(), BigJobs)
	for i := range big {
		big[i] = func() {
			if !started.Swap(true) {
				close(begun)
			}
			spin(FairJobTime)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { r.Run(big) })
	<-begun
	waits := make([]time.Duration, SmallCallers)
	for c := range SmallCallers {
		small := make([]func(), SmallJobs)
		for i := range small {
			small[i] = func() { spin(FairJobTime) }
		}
		wg.Go(func() {
			start := time.Now()
			r.Run(small)
			waits[c] = time.Since(start)
		})
	}
	wg.Wait()
	r.Close()
	return waits
}

// spin keeps the processor busy for d, as a CPU-bound job does.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// newFuncPool returns a pool of JobFuncs or panics.
func newFuncPool(workers, buf int, opts ...workerpool.Option) *workerpool.Pool[workerpool.JobFunc] {
	p, err := workerpool.New[workerpool.JobFunc](workers, buf, false, opts...)
	if err != nil {
		panic(err)
	}
	return p
}

// groupRunner runs each caller as a group of the pool, the big caller's
// made with big.
type groupRunner struct {
	p   *workerpool.Pool[workerpool.JobFunc]
	big []workerpool.GroupOption
}

func (r groupRunner) Run(jobs []func()) {
	var opts []workerpool.GroupOption
	if len(jobs) == BigJobs {
		opts = r.big
	}
	g := r.p.NewGroup(context.Background(), opts...)
	for _, j := range jobs {
		if err := g.QueueJob(j); err != nil {
			panic(err)
		}
	}
	if err := g.Wait(); err != nil {
		panic(err)
	}
}

func (r groupRunner) Close() { _ = r.p.Close() }

// fifoRunner queues every caller's jobs on the pool itself.
type fifoRunner struct {
	p *workerpool.Pool[workerpool.JobFunc]
}

func (r fifoRunner) Run(jobs []func()) {
	var wg sync.WaitGroup
	wg.Add(len(jobs))
	for _, j := range jobs {
		if err := r.p.QueueJob(func() { defer wg.Done(); j() }); err != nil {
			panic(err)
		}
	}
	wg.Wait()
}

func (r fifoRunner) Close() { _ = r.p.Close() }
