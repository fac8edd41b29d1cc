// Package chanpool is the classic channel-based worker pool that the
// workerpool package re-designs, kept as the reference that benchmarks and
// differential tests run side by side with it (as golang.org/x/sync keeps a
// channel semaphore to compare against).
//
// A buffered job channel feeds workers that range over it; finished jobs go
// to an optional buffered channel. Its methods have the names and meanings of
// workerpool.Pool's for what it supports. It has no exact counters: that is
// what channels cannot give.
package chanpool

import (
	"errors"
	"sync"
)

// ErrClosed is returned when a job is queued on a closed or stopped pool.
var ErrClosed = errors.New("chanpool: pool is closed")

// Job is a self-contained unit of work.
type Job interface {
	Run()
}

// Pool runs jobs on a fixed set of workers that range over a job channel.
// It is safe for concurrent use by multiple goroutines.
type Pool[J Job] struct {
	jobs     chan J        // intake; closed by shutdown once no sender can be in flight
	finished chan J        // finished jobs; nil without queueFinished; closed when all workers exit
	closing  chan struct{} // closed first by Close and Stop: wakes blocked senders
	stopping chan struct{} // closed by Stop: workers skip jobs and stop delivering
	done     chan struct{} // closed when every worker has exited

	closeOnce sync.Once // closes closing; taken without mu, which blocked senders hold

	mu       sync.RWMutex // senders hold it shared; shutdown exclusively
	closed   bool         // guarded by mu: no send may start
	stopped  bool         // guarded by mu
	overflow []J          // guarded by mu: finished jobs Stop kept from blocking workers
}

// New starts workers goroutines with a job channel and, if queueFinished, a
// finished channel, each of capacity bufferSize. It panics if workers < 1.
func New[J Job](workers, bufferSize int, queueFinished bool) *Pool[J] {
	if workers < 1 {
		panic("chanpool: workers must be at least 1")
	}
	p := &Pool[J]{
		jobs:     make(chan J, bufferSize),
		closing:  make(chan struct{}),
		stopping: make(chan struct{}),
		done:     make(chan struct{}),
	}
	if queueFinished {
		p.finished = make(chan J, bufferSize)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(p.worker)
	}
	go func() {
		wg.Wait()
		if p.finished != nil {
			close(p.finished)
		}
		close(p.done)
	}()
	return p
}

// QueueJob sends job to the workers, blocking while the job channel is full.
// It returns ErrClosed if the pool is closed or stopped, also while blocked.
func (p *Pool[J]) QueueJob(job J) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrClosed
	}
	select {
	case p.jobs <- job:
		return nil
	case <-p.closing:
		return ErrClosed
	}
}

// GetFinished returns a finished job without blocking, or the zero J and
// whether the pool is done.
func (p *Pool[J]) GetFinished() (job J, done bool) {
	if p.finished == nil {
		select {
		case <-p.done:
			return job, true
		default:
			return job, false
		}
	}
	select {
	case job, ok := <-p.finished:
		if ok {
			return job, false
		}
		return p.popOverflow()
	default:
		return job, false
	}
}

// GetFinishedWait blocks until a finished job arrives or the pool is done.
func (p *Pool[J]) GetFinishedWait() (job J, done bool) {
	if p.finished == nil {
		<-p.done
		return job, true
	}
	if job, ok := <-p.finished; ok {
		return job, false
	}
	return p.popOverflow()
}

// Close refuses new jobs; the workers run every job already sent.
func (p *Pool[J]) Close() error {
	p.shutdown(false)
	return nil
}

// Stop refuses new jobs; the workers skip every job not yet started and stop
// blocking on a full finished channel.
func (p *Pool[J]) Stop() error {
	p.shutdown(true)
	return nil
}

func (p *Pool[J]) shutdown(stop bool) {
	p.closeOnce.Do(func() { close(p.closing) }) // blocked senders give up and release mu
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.jobs) // no sender can be in flight: they all hold mu shared
	}
	if stop && !p.stopped {
		p.stopped = true
		close(p.stopping)
	}
}

func (p *Pool[J]) worker() {
	for job := range p.jobs {
		select {
		case <-p.stopping:
			continue // skipped
		default:
		}
		job.Run()
		if p.finished == nil {
			continue
		}
		select {
		case p.finished <- job:
		case <-p.stopping:
			p.mu.Lock()
			p.overflow = append(p.overflow, job)
			p.mu.Unlock()
		}
	}
}

// popOverflow returns a finished job kept aside by Stop, or done once the
// finished channel is closed and drained.
func (p *Pool[J]) popOverflow() (job J, done bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.overflow) == 0 {
		return job, true
	}
	job = p.overflow[0]
	p.overflow = p.overflow[1:]
	return job, false
}
