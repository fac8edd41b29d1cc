// Package pooltest gives the exporters' tests pools to read: one in a known
// state, and one under changing load.
package pooltest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/seed761c1f22/workerpool"
)

// failJob is a job that fails: its Err is non-nil.
type failJob struct{}

func (failJob) Run()       {}
func (failJob) Err() error { return errors.New("pooltest: failed") }

// Known returns a pool in a known state: 2 workers and queues of 2, finished
// jobs kept, both workers started (idle); one job finished and not retrieved; one job of a group that
// failed and was dropped; paused, with two jobs waiting, one of the pool and
// one of the group; one job refused with ErrQueueFull. Its Stats are
//
//	{Workers: 2, Live: 2, Queued: 4, Waiting: 2, Finished: 1, Completed: 2, Rejected: 1, Paused: true,
//	 Failed: 1, Dropped: 1, Groups: 1}
//
// The caller stops it when done.
func Known() (*workerpool.Pool[workerpool.Job], error) {
	p, err := workerpool.New[workerpool.Job](2, 2, true)
	if err != nil {
		return nil, err
	}
	noop := workerpool.JobFunc(func() {})
	g := p.NewGroup(context.Background())
	p.Pause() // both jobs wait, and the resume starts a worker for each
	if err := p.QueueJob(noop); err != nil {
		return nil, err
	}
	if err := g.QueueJob(failJob{}); err != nil {
		return nil, err
	}
	p.Resume()
	if err := p.WaitIdle(context.Background()); err != nil {
		return nil, err
	}
	p.Pause()
	if err := p.QueueJob(noop); err != nil {
		return nil, err
	}
	if err := g.QueueJob(noop); err != nil {
		return nil, err
	}
	if err := p.TryQueueJob(noop); !errors.Is(err, workerpool.ErrQueueFull) {
		return nil, fmt.Errorf("pooltest: TryQueueJob on the full pool: %v", err)
	}
	return p, nil
}

// Run starts producers goroutines that queue perProducer no-op jobs each
// (every other producer through groups of 50 jobs, each waited for), a
// consumer that retrieves every finished job, and a controller that resizes
// (1 to 6 workers), pauses and resumes the pool at random; once the
// producers are done it resumes and closes the pool. p must keep finished
// jobs. The returned function waits until all of them have returned.
func Run(p *workerpool.Pool[workerpool.Job], producers, perProducer int) (wait func()) {
	var queuing, others sync.WaitGroup
	noop := workerpool.JobFunc(func() {})
	for i := range producers {
		queuing.Go(func() {
			if i%2 == 0 {
				for range perProducer {
					if p.QueueJob(noop) != nil {
						return
					}
				}
				return
			}
			for left := perProducer; left > 0; left -= 50 {
				g := p.NewGroup(context.Background())
				for range min(left, 50) {
					if g.QueueJob(noop) != nil {
						return
					}
				}
				if g.Wait() != nil {
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
