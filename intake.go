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
//     turns. A lane starts up to its weight (1 unless the group has
//     [Weight]) jobs in a row, then moves to the back of turns. So jobs
//     start FIFO within a lane and weighted round-robin across the lanes
//     that have jobs waiting.
//   - When room frees, the blocked call admitted is the oldest of the lane at
//     the front of admits; that lane then moves to the back of admits.
//   - A lane whose group has as many jobs running as its [Limit] is benched:
//     it leaves both rings, so the others take its turns, and when one of
//     its jobs returns it goes back to the front of turns (it kept its
//     place) and to the back of admits.
//
// With only the pool's own lane in use, turns holds at most that one lane and
// neither rotates: the pool reads as one FIFO.

// A lane holds the waiting jobs and the blocked queuing calls of one group,
// or of the pool's own jobs. It is guarded by the pool's mu.
type lane[J Job] struct {
	group   *Group[J]                  // nil for the pool's own lane
	jobs    deque.Deque[J]             // accepted, not started, oldest first; non-empty and not benched: in turns (see ring)
	seqs    deque.Deque[uint64]        // acceptance numbers of the newest seqs.Len() jobs (see entry)
	ats     deque.Deque[time.Duration] // with timings: when each job was accepted, since the pool's epoch
	blocked calls[J]                   // queuing calls waiting for room, oldest first; non-empty and not benched: in admits
	woken   int                        // its calls whose job was accepted that have not run since (they may offer more)
	closed  bool                       // the group accepts no more jobs; never set on the pool's own lane (p.closed says that)
	weight  int                        // jobs it starts in a row before the next lane's turn, >= 1
	starts  int                        // jobs started in its current turn, < weight
	limit   int                        // most of its jobs running at once; 0: no limit
	benched bool                       // running == limit: out of both rings, its jobs and calls counted in p.benchedJobs, p.benchedCalls
	links   [2]link[J]                 // its place in p.turns and p.admits (see ring)
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

// countRunningLocked counts one job of l started, and benches l if its
// group reached its limit. It stays small enough to inline on the pool's
// own path; a group's share is counted out of line.
func (p *Pool[J]) countRunningLocked(l *lane[J]) {
	p.c.running++
	if l.group != nil {
		p.countGroupRunningLocked(l)
	}
}

// countGroupRunningLocked counts one job of l's group started, and benches
// l if the group reached its limit.
func (p *Pool[J]) countGroupRunningLocked(l *lane[J]) {
	g := l.group
	g.c.running++
	if l.limit > 0 && g.c.running >= l.limit {
		p.benchLocked(l)
	}
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
	seq := p.countQueuedLocked(l)
	if len(p.groups) > 0 || l.seqs.Len() > 0 { // numbered jobs stay a suffix of jobs
		pushKeep(&l.seqs, seq)
	}
	pushKeep(&l.jobs, job)
	if p.timings {
		pushKeep(&l.ats, p.now)
	}
	p.waiting++
	if !p.turns.has(l) {
		if l.benched {
			p.benchedJobs++
		} else {
			p.turns.join(l, false)
		}
	}
}

// popLocked takes the next waiting job by the turn rule, with (with
// timings) when it was accepted. The caller has checked that a lane is in
// turns with a job: p.waiting > p.benchedJobs.
func (p *Pool[J]) popLocked() (job J, l *lane[J], accepted time.Duration) {
	l = p.turns.front
	if l.seqs.Len() == l.jobs.Len() { // the front job has its number
		l.seqs.PopFront()
	}
	if p.timings {
		accepted = l.ats.PopFront()
	}
	job = l.jobs.PopFront()
	p.waiting--
	more := l.jobs.Len() > 0
	if l.starts++; !more || l.starts >= l.weight {
		l.starts = 0
		p.turns.served(more)
	}
	if !more && l.jobs.Cap() > p.shrinkAbove {
		p.shrinkLocked(l)
	}
	return job, l, accepted
}

// blockLocked adds pr, a call of lane l waiting for room, behind l's other
// blocked calls.
func (p *Pool[J]) blockLocked(l *lane[J], pr *producer[J]) {
	l.blocked.pushBack(pr)
	p.blockedCalls++
	if !p.admits.has(l) {
		if l.benched {
			p.benchedCalls++
		} else {
			p.admits.join(l, false)
		}
	}
}

// acceptBlockedLocked takes the blocked call whose turn it is by the turn
// rule, marks its job accepted and wakes it, and returns the job and its
// lane; the caller counts the job Queued and puts it in its lane or runs it.
// The caller has checked that a lane is in admits with a call:
// p.blockedCalls > p.benchedCalls.
func (p *Pool[J]) acceptBlockedLocked() (J, *lane[J]) {
	l := p.admits.front
	pr := l.blocked.popFront()
	p.blockedCalls--
	p.admits.served(l.blocked.n > 0)
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
// (or every waiting job benched) the job comes straight from a blocked
// call, accepted now. The caller has checked startableLocked.
func (p *Pool[J]) takeLocked(w *worker[J]) {
	var accepted time.Duration
	fromIntake := p.waiting > p.benchedJobs
	if fromIntake {
		w.job, w.lane, accepted = p.popLocked()
		if p.blockedCalls > p.benchedCalls && p.waiting < p.bufferSize {
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

// plainStartableLocked is the common case of startableLocked, cheap
// enough to inline where a worker decides its next step: a job waits, and
// no pause, context or group needs looking at.
func (p *Pool[J]) plainStartableLocked() bool {
	return p.waiting > 0 && !p.paused && p.parent == nil && len(p.groups) == 0
}

// startableLocked reports whether a worker may start a job now: the pool is
// not paused, and a job is waiting in a lane that takes turns, or (with
// bufferSize 0, or every waiting job benched) a call of such a lane is
// blocked. It first stops the pool if the [WithContext] context has ended,
// and every group at the front of the turns whose context has ended, so
// that no job starts once its context's Err() is non-nil. Callers try
// plainStartableLocked first.
func (p *Pool[J]) startableLocked() bool {
	if p.paused || p.stoppedByParentLocked() {
		return false
	}
	for p.waiting > p.benchedJobs {
		if g := p.turns.front.group; g == nil || !g.endedLocked() {
			return true
		}
	}
	for p.blockedCalls > p.benchedCalls {
		if g := p.admits.front.group; g == nil || !g.endedLocked() {
			return true
		}
	}
	return false
}

// refillLocked fills free intake slots from the blocked calls, after a
// group's stop freed them.
func (p *Pool[J]) refillLocked() {
	for p.blockedCalls > p.benchedCalls && p.waiting < p.bufferSize {
		p.pushLocked(p.acceptBlockedLocked())
	}
}

// benchLocked takes l, whose group has as many jobs running as its limit,
// out of both rings: its jobs and calls wait until one of its jobs returns.
func (p *Pool[J]) benchLocked(l *lane[J]) {
	l.benched, l.starts = true, 0
	p.turns.leave(l)
	p.admits.leave(l)
	p.benchedJobs += l.jobs.Len()
	p.benchedCalls += l.blocked.n
}

// unbenchLocked puts l, whose group now runs fewer jobs than its limit,
// back in the rings: at the front of turns, as it kept its place, and at the
// back of admits. Idle workers take its jobs at once.
func (p *Pool[J]) unbenchLocked(l *lane[J]) {
	l.benched = false
	p.benchedJobs -= l.jobs.Len()
	p.benchedCalls -= l.blocked.n
	if l.jobs.Len() > 0 {
		p.turns.join(l, true)
	}
	if l.blocked.n > 0 {
		p.admits.join(l, false)
	}
	p.dispatchLocked()
}

// skipLocked drops every waiting job of l unstarted, counting them Skipped
// in the pool and in l's group. With keep they are added to p.unstarted.
func (p *Pool[J]) skipLocked(l *lane[J], keep bool) {
	p.turns.leave(l)
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
	p.shrinkLocked(l)
	p.waiting -= n
	if l.benched {
		p.benchedJobs -= n
	}
	p.c.skipped += uint64(n)
	if g := l.group; g != nil {
		g.c.skipped += uint64(n)
	}
}

// rejectBlockedLocked wakes every blocked call of l: their jobs were never
// accepted, and they return an error, each counting its job Rejected.
func (p *Pool[J]) rejectBlockedLocked(l *lane[J]) {
	p.blockedCalls -= l.blocked.n
	if l.benched {
		p.benchedCalls -= l.blocked.n
	}
	for l.blocked.n > 0 {
		l.blocked.popFront().wake.Signal()
	}
	p.admits.leave(l)
}

// withdrawLocked takes pr, a blocked call of l that gave up (its context
// ended) before it was accepted or refused, out of l.
func (p *Pool[J]) withdrawLocked(l *lane[J], pr *producer[J]) {
	l.blocked.remove(pr)
	p.blockedCalls--
	switch {
	case l.benched:
		p.benchedCalls--
	case l.blocked.n == 0:
		p.admits.leave(l)
	}
}

// shrinkLocked gives back the memory of l's queues, now empty, if a burst
// grew them beyond p.shrinkAbove: a long-lived pool does not keep its
// worst burst for ever, and a pool that cycles within its base capacity
// (or a few times it) allocates nothing.
func (p *Pool[J]) shrinkLocked(l *lane[J]) {
	if l.jobs.Cap() <= p.shrinkAbove { // seqs and ats never hold more than jobs
		return
	}
	l.jobs, l.seqs, l.ats = deque.Deque[J]{}, deque.Deque[uint64]{}, deque.Deque[time.Duration]{}
	l.jobs.SetBaseCap(p.laneBaseCap())
}

// shrinkThreshold is the capacity above which a drained lane's queues are
// given back: four times the base capacity, and never below four times the
// least capacity a deque allocates (16).
func shrinkThreshold(bufferSize int) int { return 4 * max(min(bufferSize, maxPrealloc), 16) }

// laneBaseCap is the capacity a lane's job queue keeps however few jobs it
// holds: min(bufferSize, maxPrealloc).
func (p *Pool[J]) laneBaseCap() int { return min(p.bufferSize, maxPrealloc) }

// A ring is a round-robin of lanes, the front one served next: p.turns of
// the lanes with jobs waiting, p.admits of those with blocked calls. It is a
// circular doubly linked list through the lanes' links[k], so that joining,
// leaving from anywhere and rotating cost O(1) however many lanes there are.
//
// Every lane with something waiting is in its ring (unless benched), and
// every other lane is out, with one exception: a lane served while alone in
// a ring keeps its place when it empties, so that the pool's own lane,
// alone, costs no ring operation per job while the intake empties and
// refills, or while its producer blocks and is admitted slot by slot. It is
// then the only lane in that ring, and join drops it when another lane
// joins (it was served last, so the newcomer goes first).
type ring[J Job] struct {
	k     int      // which of a lane's links this ring uses
	front *lane[J] // served next; nil when the ring is empty
	n     int      // lanes in the ring
}

// A link is a lane's place in one ring; next is nil while it is out.
type link[J Job] struct {
	prev, next *lane[J]
}

// has reports whether l is in the ring.
func (r *ring[J]) has(l *lane[J]) bool { return l.links[r.k].next != nil }

// join adds l, which is not in the ring, at the back, or at the front with
// atFront. A lone lane that kept its place with nothing waiting leaves
// first.
func (r *ring[J]) join(l *lane[J], atFront bool) {
	if r.n == 1 && r.empty(r.front) {
		r.leave(r.front) // it was served last: l goes first
	}
	ll := &l.links[r.k]
	if r.front == nil {
		ll.prev, ll.next, r.front = l, l, l
	} else {
		back := r.front.links[r.k].prev
		ll.prev, ll.next = back, r.front
		back.links[r.k].next = l
		r.front.links[r.k].prev = l
		if atFront {
			r.front = l
		}
	}
	r.n++
}

// empty reports whether l has nothing waiting in this ring's sense.
func (r *ring[J]) empty(l *lane[J]) bool {
	if r.k == 0 {
		return l.jobs.Len() == 0
	}
	return l.blocked.n == 0
}

// served ends the turn of the front lane: it leaves the ring if it has
// nothing more there, or else moves to the back; a lane alone in the ring
// stays even if it has nothing more.
func (r *ring[J]) served(more bool) {
	switch {
	case r.n == 1:
	case !more:
		r.leave(r.front)
	default:
		r.front = r.front.links[r.k].next
	}
}

// leave takes l out of the ring, wherever it is; it does nothing if l is out.
func (r *ring[J]) leave(l *lane[J]) {
	ll := &l.links[r.k]
	if ll.next == nil {
		return
	}
	r.n--
	switch {
	case r.n == 0:
		r.front = nil
	default:
		ll.prev.links[r.k].next = ll.next
		ll.next.links[r.k].prev = ll.prev
		if r.front == l {
			r.front = ll.next
		}
	}
	ll.prev, ll.next = nil, nil
}

// calls is a FIFO of blocked queuing calls, a doubly linked list through the
// producers, so that a call that gives up leaves it in O(1).
type calls[J Job] struct {
	head, tail *producer[J] // oldest, newest; nil when n == 0
	n          int          // calls in the list
}

// pushBack adds pr, which is in no list, at the back.
func (c *calls[J]) pushBack(pr *producer[J]) {
	pr.prev, pr.next = c.tail, nil
	if c.tail == nil {
		c.head = pr
	} else {
		c.tail.next = pr
	}
	c.tail = pr
	c.n++
}

// popFront removes and returns the oldest call. The caller has checked n > 0.
func (c *calls[J]) popFront() *producer[J] {
	pr := c.head
	c.remove(pr)
	return pr
}

// remove takes pr, which is in the list, out of it.
func (c *calls[J]) remove(pr *producer[J]) {
	if pr.prev == nil {
		c.head = pr.next
	} else {
		pr.prev.next = pr.next
	}
	if pr.next == nil {
		c.tail = pr.prev
	} else {
		pr.next.prev = pr.prev
	}
	pr.prev, pr.next = nil, nil
	c.n--
}

// pushKeep appends v to d, and keeps d from shrinking below the capacity it
// grows to: a deque shrinks once a quarter full, so a queue that cycles
// through more than its base capacity would allocate on every cycle. Memory
// stays at the queue's high-water mark instead.
func pushKeep[T any](d *deque.Deque[T], v T) {
	if d.Len() == d.Cap() {
		keepCap(d)
	}
	d.PushBack(v)
}

// keepCap makes the capacity d is about to double to its base capacity.
func keepCap[T any](d *deque.Deque[T]) {
	if n := d.Len(); n > 0 {
		d.SetBaseCap(2 * n)
	}
}
