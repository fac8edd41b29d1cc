// Package livepool puts a pool under changing load, for the tests that check
// what an exporter reads while the pool runs.
package livepool

import (
	"math/rand/v2"
	"sync"

	"github.com/seed761c1f22/workerpool"
)

// Run starts producers goroutines that queue perProducer no-op jobs each, a
// consumer that retrieves every finished job, and a controller that resizes
// (1 to 6 workers), pauses and resumes the pool at random; once the
// producers are done it resumes and closes the pool. p must keep finished
// jobs. The returned function waits until all of them have returned.
func Run(p *workerpool.Pool[workerpool.Job], producers, perProducer int) (wait func()) {
	var queuing, others sync.WaitGroup
	for range producers {
		queuing.Go(func() {
			for range perProducer {
				if p.QueueJob(workerpool.JobFunc(func() {})) != nil {
					return
				}
			}
		})
	}
	others.Go(func() {
		for range p.Finished() {
		}
	})
	stop := make(chan struct{})
	others.Go(func() {
		for {
			select {
			case <-stop:
				p.Resume()
				return
			default:
			}
			switch rand.IntN(4) {
			case 0:
				_ = p.Resize(1 + rand.IntN(6))
			case 1:
				p.Pause()
			default:
				p.Resume()
			}
		}
	})
	others.Go(func() {
		queuing.Wait()
		close(stop)
		_ = p.Close()
	})
	return others.Wait
}
