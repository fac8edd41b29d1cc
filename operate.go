package workerpool

import "fmt"

// This file is operating a live pool: changing its size, pausing it.

// Resize sets the most workers that may be started to workers. Growing
// starts workers for the jobs that are waiting and the blocked callers'
// jobs straight away, and later ones on demand, as [New] does. Shrinking retires idle workers at once and busy ones as soon
// as their current job returns (a retiring worker whose finished job meets a
// full finished queue holds it like any worker and retires when released):
// no job is interrupted, lost or run twice. Until then [Stats].Workers
// counts the retiring workers, so Running <= Workers holds throughout.
//
// Resize returns an error naming the value if workers < 1, and [ErrClosed]
// if the pool is closed or stopped; nothing changes then. It returns without
// waiting for retiring workers. It is safe to call concurrently with every
// other method.
func (p *Pool[J]) Resize(workers int) error {
	p.mustBeMade("Resize")
	if workers < 1 {
		return fmt.Errorf("workerpool: Resize: workers must be at least 1, got %d", workers)
	}
	p.lock()
	defer p.unlock()
	if p.state.closed {
		return ErrClosed
	}
	p.resizeLocked(workers)
	return nil
}

// Pause makes the workers start no new job until [Pool.Resume]; running jobs
// finish. Queuing goes on until the intake queue is full and then blocks as
// usual: idle workers take nothing, so with bufferSize 0 [Pool.TryQueueJob]
// is refused with [ErrQueueFull]. Finished jobs can still be retrieved.
// While paused, [Pool.WaitIdle] waits for the resume if jobs are waiting.
//
// Pause returns at once. Repeated calls do nothing, and so does a Pause
// after Close or Stop: [Stats].Paused stays false.
func (p *Pool[J]) Pause() {
	p.mustBeMade("Pause")
	p.lock()
	defer p.unlock()
	if !p.state.closed {
		p.state.paused = true
	}
}

// Resume undoes [Pool.Pause]: the waiting jobs start at once, as many as
// there are idle workers. It does nothing if the pool is not paused. Close
// and Stop also end a pause: after Close the waiting jobs run, after Stop
// they are skipped.
func (p *Pool[J]) Resume() {
	p.mustBeMade("Resume")
	p.lock()
	defer p.unlock()
	if p.state.paused {
		p.state.paused = false
		p.dispatchLocked()
	}
}
