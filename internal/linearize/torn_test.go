package linearize

import (
	"runtime"
	"sync"

	"github.com/seed761c1f22/workerpool"
)

// tornPool is a deliberately broken subject: a minimal one-mutex pool that
// behaves as the model says in every call but Stats, which reads the
// counters in two critical sections. Each half adds up on its own, but a
// snapshot mixes two instants, which only a linearizability check can see.
type tornPool struct {
	buf, workers  int
	queueFinished bool

	mu                      sync.Mutex // guards the fields below
	work, room, hasFinished sync.Cond
	intake, finished        []*Job
	running                 int
	queued, completed       uint64
	retrieved, skipped      uint64
	rejected, dropped       uint64
	closed                  bool
}

func newTornPool(workers, buf int, queueFinished bool) *tornPool {
	p := &tornPool{buf: buf, workers: workers, queueFinished: queueFinished}
	p.work.L, p.room.L, p.hasFinished.L = &p.mu, &p.mu, &p.mu
	for range workers {
		go p.worker()
	}
	return p
}

func (p *tornPool) worker() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for len(p.intake) == 0 && !p.closed {
			p.work.Wait()
		}
		if len(p.intake) == 0 {
			p.hasFinished.Broadcast()
			return
		}
		j := p.intake[0]
		p.intake = p.intake[1:]
		p.running++
		p.room.Signal()
		p.mu.Unlock()
		j.Run()
		p.mu.Lock()
		p.running--
		p.completed++
		if p.queueFinished {
			p.finished = append(p.finished, j)
		} else {
			p.dropped++
		}
		p.hasFinished.Broadcast()
	}
}

func (p *tornPool) QueueJob(j *Job) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.closed && len(p.intake) >= p.buf {
		p.room.Wait()
	}
	return p.acceptLocked(j)
}

func (p *tornPool) TryQueueJob(j *Job) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed && len(p.intake) >= p.buf {
		p.rejected++
		return workerpool.ErrQueueFull
	}
	return p.acceptLocked(j)
}

func (p *tornPool) acceptLocked(j *Job) error {
	if p.closed {
		p.rejected++
		return workerpool.ErrClosed
	}
	p.intake = append(p.intake, j)
	p.queued++
	p.work.Signal()
	return nil
}

func (p *tornPool) GetFinished() (*Job, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.finished) > 0 {
		return p.popFinishedLocked(), false
	}
	return nil, p.doneLocked()
}

func (p *tornPool) GetFinishedWait() (*Job, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.finished) == 0 {
		if p.doneLocked() {
			return nil, true
		}
		p.hasFinished.Wait()
	}
	return p.popFinishedLocked(), false
}

func (p *tornPool) popFinishedLocked() *Job {
	j := p.finished[0]
	p.finished = p.finished[1:]
	p.retrieved++
	return j
}

func (p *tornPool) doneLocked() bool {
	return p.closed && len(p.intake) == 0 && p.running == 0 && len(p.finished) == 0
}

// Stats is torn: the queue side and the worker side are read in two
// critical sections.
func (p *tornPool) Stats() workerpool.Stats {
	p.mu.Lock()
	s := workerpool.Stats{Workers: p.workers, Queued: p.queued, Waiting: len(p.intake), Skipped: p.skipped, Rejected: p.rejected}
	p.mu.Unlock()
	runtime.Gosched()
	p.mu.Lock()
	s.Running, s.Completed, s.Finished, s.Retrieved, s.Dropped = p.running, p.completed, len(p.finished), p.retrieved, p.dropped
	p.mu.Unlock()
	return s
}

func (p *tornPool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked()
	return nil
}

func (p *tornPool) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.skipped += uint64(len(p.intake))
	p.intake = nil
	p.closeLocked()
	return nil
}

func (p *tornPool) closeLocked() {
	p.closed = true
	p.work.Broadcast()
	p.room.Broadcast()
	p.hasFinished.Broadcast()
}

// tornLivePool is the real pool with one flaw: Stats reads Live outside the
// critical section of the rest of the snapshot (from a snapshot taken just
// before), as a pool that counted started workers outside its lock would.
type tornLivePool struct {
	*workerpool.Pool[*Job]
}

func (p tornLivePool) Stats() workerpool.Stats {
	live := p.Pool.Stats().Live
	runtime.Gosched()
	s := p.Pool.Stats()
	s.Live = live
	return s
}
