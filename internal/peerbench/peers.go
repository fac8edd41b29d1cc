// Package peerbench measures the Go worker pools people use on the same
// workloads and harness as the workerpool module's own benchmarks
// (internal/benchwork), side by side with impl=cond and impl=chan.
//
// It is a module of its own so that the library's go.mod stays small.
// The peers take func() tasks: each job is wrapped in a closure, which is
// how their users submit work, so their allocations per job include it.
// Pools without a bounded queue (ants, gammazero/workerpool, errgroup, a
// goroutine per job) ignore buf; pond takes it as WithQueueSize (buf 0 is
// pond's unbounded queue).
package peerbench

import (
	"sync"

	"github.com/alitto/pond/v2"
	gammazero "github.com/gammazero/workerpool"
	"github.com/panjf2000/ants/v2"
	"golang.org/x/sync/errgroup"

	"github.com/seed761c1f22/workerpool/internal/benchwork"
)

// Peers are the pools compared against.
var Peers = []benchwork.Impl{
	{Name: "ants", New: func(w, buf int, results bool) benchwork.Runner {
		p, err := ants.NewPool(w)
		if err != nil {
			panic(err)
		}
		var wg sync.WaitGroup
		return newFuncRunner(results, buf, func(task func()) {
			wg.Add(1)
			if err := p.Submit(func() { defer wg.Done(); task() }); err != nil {
				panic(err)
			}
		}, func() { wg.Wait(); p.Release() })
	}},
	{Name: "pond", New: func(w, buf int, results bool) benchwork.Runner {
		p := pond.NewPool(w, pond.WithQueueSize(buf))
		return newFuncRunner(results, buf, func(task func()) {
			if err := p.Go(task); err != nil {
				panic(err)
			}
		}, p.StopAndWait)
	}},
	{Name: "gammazero", New: func(w, buf int, results bool) benchwork.Runner {
		p := gammazero.New(w)
		return newFuncRunner(results, buf, p.Submit, p.StopWait)
	}},
	{Name: "errgroup", New: func(w, buf int, results bool) benchwork.Runner {
		var g errgroup.Group
		g.SetLimit(w)
		return newFuncRunner(results, buf, func(task func()) {
			g.Go(func() error { task(); return nil })
		}, func() { _ = g.Wait() })
	}},
	{Name: "goroutine", New: func(w, buf int, results bool) benchwork.Runner {
		var wg sync.WaitGroup
		return newFuncRunner(results, buf, wg.Go, wg.Wait)
	}},
}

// funcRunner adapts a pool of func() tasks to benchwork.Runner. With
// results, each task sends its job to a channel of capacity max(buf, 1)
// that a consumer goroutine drains.
type funcRunner struct {
	submit   func(task func())
	wait     func() // stops the pool and waits for every task
	results  chan benchwork.Job
	consumer sync.WaitGroup
}

func newFuncRunner(results bool, buf int, submit func(func()), wait func()) *funcRunner {
	r := &funcRunner{submit: submit, wait: wait}
	if results {
		r.results = make(chan benchwork.Job, max(buf, 1))
		r.consumer.Go(func() {
			for range r.results {
			}
		})
	}
	return r
}

func (r *funcRunner) Queue(job benchwork.Job) {
	if r.results == nil {
		r.submit(job.Run)
		return
	}
	r.submit(func() {
		job.Run()
		r.results <- job
	})
}

func (r *funcRunner) Finish() {
	r.wait()
	if r.results != nil {
		close(r.results)
		r.consumer.Wait()
	}
}
