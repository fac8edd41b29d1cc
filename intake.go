package workerpool

import (
	"time"

	"github.com/gammazero/deque"
)

// This file is the intake: where accepted jobs wait to start and where
// blocked queuing calls wait for room, one lane per group (and one for the
// jobs queued on the pool itself), and the one rule for taking turns:
//
//   - The next job to start is the front job of the lane at the front of
//     turns; that lane then moves to the back of turns. So jobs start FIFO
//     within a lane and round-robin across the lanes that have jobs waiting.
//   - When room frees, the blocked call admitted is the oldest of the lane at
//     the front of admits; that lane then moves to the back of admits.
//
// With only the pool's own lane in use, turns holds at most that one lane and
// neither rotates: the pool reads as one FIFO.

// A lane holds the waiting jobs and the blocked queuing calls of one group,
// or of the pool's own jobs. It is guarded by the pool's mu.
type lane[J Job] struct {
	group    *Group[J]                  // nil for the pool's own lane
	jobs     deque.Deque[J]             // accepted, not started, oldest first; non-empty: in turns (see ring)
	seqs     deque.Deque[uint64]        // acceptance numbers of the newest seqs.Len() jobs (see entry)
	ats      deque.Deque[time.Duration] // with timings: when each job was accepted, since the pool's epoch
	blocked  deque.Deque[*producer[J]]  // queuing calls waiting for room, oldest first; non-empty: in admits (see ring)
	woken    int                        // its calls whose job was accepted that have not run since (they may offer more)
	closed   bool                       // the group accepts no more jobs; never set on the pool's own lane (p.closed says that)
	inTurns  bool                       // l is in p.turns
	inAdmits bool                       // l is in p.admits
}

// An entry is a waiting job and its place in the pool's acceptance order,
// the pool's Queued count once it was accepted, which orders jobs across
// lanes for StopAndCollect. A lane records it in seqs only while some group
// exists (always, for a group's lane) or the lane still holds numbered jobs,
// so that the numbered jobs are always the newest of the lane and a pool
// without groups pays nothing for it: a job without one was accepted while
// no group existed, so it is older than every job of every group, and seq 0
// says so.
type entry[J Job] struct {
	job J
	seq uint64
}

// countQueuedLocked counts one job of l accepted, in the pool and in l's
// group, and returns its place in the acceptance order.
func (p *Pool[J]) countQueuedLocked(l *lane[J]) uint64 {
	if g := l.group; g != nil {
		g.c.queued++
	}
	p.c.queued++
	return p.c.queued
}

// countRunningLocked counts one job of l started.
func (p *Pool[J]) countRunningLocked(l *lane[J]) {
	if g := l.group; g != nil {
		g.c.running++
	}
	p.c.running++
}

// countRejectedLocked counts n jobs of l turned away.
func (p *Pool[J]) countRejectedLocked(l *lane[J], n uint64) {
	if g := l.group; g != nil {
		g.c.rejected += n
	}
	p.c.rejected += n
}

// pushLocked accepts job into lane l, counting it Queued. A lane that had no job
// waiting takes its turn after the lanes already waiting. The caller has
// checked that there is room.
func (p *Pool[J]) pushLocked(job J, l *lane[J]) {
	// pushKeep, with its checks inline on the hot path.
	seq := p.countQueuedLocked(l)
	if len(p.groups) > 0 || l.seqs.Len() > 0 { // numbered jobs stay a suffix of jobs
		if l.seqs.Len() == l.seqs.Cap() {
			keepCap(&l.seqs)
		}
		l.seqs.PushBack(seq)
	}
	if l.jobs.Len() == l.jobs.Cap() {
		keepCap(&l.jobs)
	}
	l.jobs.PushBack(job)
	if p.timings {
		pushKeep(&l.ats, p.now)
	}
	p.waiting++
	if !l.inTurns {
		if f := p.turns.lone(); f != nil && f.jobs.Len() == 0 {
			p.turns.leave(f, &f.inTurns) // it was served last: l goes first
		}
		p.turns.join(l, &l.inTurns)
	}
}

// popLocked takes the next waiting job by the turn rule, with (with
// timings) when it was accepted. The caller has checked that p.waiting > 0.
func (p *Pool[J]) popLocked() (job J, l *lane[J], accepted time.Duration) {
	l = p.turns.d.Front()
	if l.seqs.Len() == l.jobs.Len() { // the front job has its number
		l.seqs.PopFront()
	}
	if p.timings {
		accepted = l.ats.PopFront()
	}
	job = l.jobs.PopFront()
	p.waiting--
	p.turns.served(l.jobs.Len() > 0, &l.inTurns)
	return job, l, accepted
}

// blockLocked adds pr, a call of lane l waiting for room, behind l's other
// blocked calls.
func (p *Pool[J]) blockLocked(l *lane[J], pr *producer[J]) {
	l.blocked.PushBack(pr)
	p.blockedCalls++
	if !l.inAdmits {
		if f := p.admits.lone(); f != nil && f.blocked.Len() == 0 {
			p.admits.leave(f, &f.inAdmits) // it was served last: l goes first
		}
		p.admits.join(l, &l.inAdmits)
	}
}

// acceptBlockedLocked takes the blocked call whose turn it is by the turn
// rule, marks its job accepted and wakes it, and returns the job and its
// lane; the caller counts the job Queued and puts it in its lane or runs it.
// The caller has checked that p.blockedCalls > 0.
func (p *Pool[J]) acceptBlockedLocked() (J, *lane[J]) {
	l := p.admits.d.Front()
	pr := l.blocked.PopFront()
	p.blockedCalls--
	p.admits.served(l.blocked.Len() > 0, &l.inAdmits)
	job := pr.job
	var zero J
	pr.job, pr.accepted = zero, true
	p.woken++
	l.woken++
	pr.wake.Signal()
	return job, l
}

// takeLocked gives worker w the next job by the turn rule and counts it
// Running (and, with timings, records how long it waited). A slot it frees
// in the intake is filled at once from the blocked calls; with bufferSize 0
// the job comes straight from a blocked call, accepted now.
func (p *Pool[J]) takeLocked(w *worker[J]) {
	var accepted time.Duration
	fromIntake := p.waiting > 0
	if fromIntake {
		w.job, w.lane, accepted = p.popLocked()
		if p.blockedCalls > 0 {
			p.pushLocked(p.acceptBlockedLocked())
		}
	} else {
		w.job, w.lane = p.acceptBlockedLocked()
		p.countQueuedLocked(w.lane)
	}
	p.countRunningLocked(w.lane)
	if p.timings {
		w.started = p.now
		if !fromIntake {
			accepted = p.now
		}
		p.wait.record(w.started - accepted)
	}
}

// refillLocked fills free intake slots from the blocked calls, after a
// group's stop freed them.
func (p *Pool[J]) refillLocked() {
	for p.blockedCalls > 0 && p.waiting < p.bufferSize {
		p.pushLocked(p.acceptBlockedLocked())
	}
}

// skipLocked drops every waiting job of l unstarted, counting them Skipped
// in the pool and in l's group. With keep they are added to p.unstarted.
func (p *Pool[J]) skipLocked(l *lane[J], keep bool) {
	if l.inTurns {
		p.turns.leave(l, &l.inTurns)
	}
	n := l.jobs.Len()
	if n == 0 {
		return
	}
	if keep {
		unnumbered := n - l.seqs.Len()
		for i := range n {
			e := entry[J]{job: l.jobs.At(i)}
			if i >= unnumbered {
				e.seq = l.seqs.At(i - unnumbered)
			}
			p.unstarted = append(p.unstarted, e)
		}
	}
	l.jobs.Clear()
	l.seqs.Clear()
	l.ats.Clear()
	p.waiting -= n
	p.c.skipped += uint64(n)
	if g := l.group; g != nil {
		g.c.skipped += uint64(n)
	}
}

// rejectBlockedLocked wakes every blocked call of l: their jobs were never
// accepted, and they return ErrClosed, each counting its job Rejected.
func (p *Pool[J]) rejectBlockedLocked(l *lane[J]) {
	p.blockedCalls -= l.blocked.Len()
	for l.blocked.Len() > 0 {
		l.blocked.PopFront().wake.Signal()
	}
	if l.inAdmits {
		p.admits.leave(l, &l.inAdmits)
	}
}

// withdrawLocked takes pr, a blocked call of l that gave up (its context
// ended) before it was accepted or refused, out of l.
func (p *Pool[J]) withdrawLocked(l *lane[J], pr *producer[J]) {
	l.blocked.Remove(l.blocked.Index(func(q *producer[J]) bool { return q == pr }))
	p.blockedCalls--
	if l.blocked.Len() == 0 {
		p.admits.leave(l, &l.inAdmits)
	}
}

// A ring is a round-robin of lanes, the front one served next: p.turns of
// the lanes with jobs waiting, p.admits of those with blocked calls. Each
// lane keeps a flag of its own saying whether it is in the ring, so that
// joining costs no search.
//
// Every lane with something waiting is in its ring, and every other lane is
// out, with one exception: a lane served while alone in a ring keeps its
// place when it empties, so that the pool's own lane, alone, costs no ring
// operation per job while the intake empties and refills, or while its
// producer blocks and is admitted slot by slot. It is then the only lane in
// that ring; pushLocked (blockLocked) drops it when another lane joins (it
// was served last, so the newcomer goes first), and Stats does not count it.
type ring[J Job] struct {
	d deque.Deque[*lane[J]]
}

// join adds l at the back of the ring unless it is in already (*in).
func (r *ring[J]) join(l *lane[J], in *bool) {
	if !*in {
		*in = true
		r.d.PushBack(l)
	}
}

// served ends the turn of the front lane: it leaves the ring if it has
// nothing more there, or else moves to the back; a lane alone in the ring
// stays even if it has nothing more.
func (r *ring[J]) served(more bool, in *bool) {
	switch {
	case r.d.Len() == 1:
	case !more:
		r.d.PopFront()
		*in = false
	default:
		r.d.Rotate(1)
	}
}

// lone returns the ring's only lane, or nil if it has none or several.
func (r *ring[J]) lone() *lane[J] {
	if r.d.Len() != 1 {
		return nil
	}
	return r.d.Front()
}

// leave takes l out of the ring, wherever it is. The caller has checked *in.
func (r *ring[J]) leave(l *lane[J], in *bool) {
	*in = false
	r.d.Remove(r.d.Index(func(x *lane[J]) bool { return x == l }))
}
