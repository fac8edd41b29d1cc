package workerpool

import (
	"time"
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
//     the front of admits. A lane is admitted up to its weight calls in a
//     row, then moves to the back of admits, so weights hold when callers
//     block for room too.
//   - A lane whose group has as many jobs running as its [Limit] is benched:
//     it leaves both rotations, so the others take its turns, and when one
//     of its jobs returns it rejoins them at the back, as a lane whose jobs
//     just arrived. So a limited group never starts more jobs per round
//     than an unlimited one of the same weight.
//
// With only the pool's own lane in use, turns holds at most that one lane and
// neither rotates: the pool reads as one FIFO.

// intake holds the accepted jobs not yet started, in lanes, one for the
// pool's own jobs and one per group, and the queuing calls blocked for
// room, guarded by the pool's mu. A job that is not benched waits only
// while no worker is idle or may be started, or the pool is paused; some
// call is blocked only while waiting == bufferSize or its lane is benched.
type intake[J Job] struct {
	waiting      int               // jobs in all lanes: Waiting, <= bufferSize (the counts first: see Pool)
	blockedCalls int               // blocked calls in all lanes: Blocked
	benchedJobs  int               // of waiting, the jobs of benched lanes (groups at their Limit)
	benchedCalls int               // of blockedCalls, the calls of benched lanes
	woken        int               // producers whose job was accepted that have not run since (see starvedLocked)
	own          lane[J]           // the jobs queued on the pool itself
	turns        rotation[J]       // lanes with waiting jobs, the one whose job starts next first
	admits       rotation[J]       // lanes with blocked calls, the one admitted next first
	spare        []*blockedCall[J] // blockedCall entries for reuse
}

// A lane holds the waiting jobs and the blocked queuing calls of one group,
// or of the pool's own jobs. It is guarded by the pool's mu.
type lane[J Job] struct {
	group   *Group[J]                // nil for the pool's own lane
	jobs    ringQueue[J]             // accepted, not started, oldest first; non-empty and not benched: in turns (see rotation)
	seqs    ringQueue[uint64]        // acceptance numbers of the newest seqs.len() jobs (see entry)
	ats     ringQueue[time.Duration] // with timings: when each job was accepted, since the pool's epoch
	blocked calls[J]                 // queuing calls waiting for room, oldest first; non-empty and not benched: in admits
	woken   int                      // its calls whose job was accepted that have not run since (they may offer more)
	closed  bool                     // the group accepts no more jobs; never set on the pool's own lane (p.state.closed says that)
	weight  int                      // jobs it starts (calls it admits) in a row before the next lane's turn, >= 1
	limit   int                      // most of its jobs running at once; 0: no limit
	benched bool                     // running == limit: out of both rotations, its jobs and calls counted in p.in.benchedJobs, p.in.benchedCalls
	links   [2]link[J]               // its place and turn in p.in.turns and p.in.admits (see rotation)
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
	if p.groups.len() > 0 || l.seqs.len() > 0 { // numbered jobs stay a suffix of jobs
		l.seqs.push(seq)
	}
	l.jobs.push(job)
	if p.cfg.timings {
		l.ats.push(p.clock.now)
	}
	p.in.waiting++
	if !p.in.turns.has(l) {
		if l.benched {
			p.in.benchedJobs++
		} else {
			p.in.turns.join(l)
		}
	}
}

// popLocked takes the next waiting job by the turn rule, with (with
// timings) when it was accepted. The caller has checked that a lane is in
// turns with a job: p.in.waiting > p.in.benchedJobs.
func (p *Pool[J]) popLocked() (job J, l *lane[J], accepted time.Duration) {
	l = p.in.turns.front
	if l.seqs.len() == l.jobs.len() { // the front job has its number
		l.seqs.pop()
	}
	if p.cfg.timings {
		accepted = l.ats.pop()
	}
	job = l.jobs.pop()
	p.in.waiting--
	more := l.jobs.len() > 0
	p.in.turns.serve(more)
	if !more && l.jobs.oversized() {
		l.release()
	}
	return job, l, accepted
}

// blockLocked adds bc, a call of lane l waiting for room, behind l's other
// blocked calls.
func (p *Pool[J]) blockLocked(l *lane[J], bc *blockedCall[J]) {
	l.blocked.pushBack(bc)
	p.in.blockedCalls++
	if !p.in.admits.has(l) {
		if l.benched {
			p.in.benchedCalls++
		} else {
			p.in.admits.join(l)
		}
	}
}

// acceptBlockedLocked takes the blocked call whose turn it is by the turn
// rule, marks its job accepted and wakes it, and returns the job and its
// lane; the caller counts the job Queued and puts it in its lane or runs it.
// The caller has checked that a lane is in admits with a call:
// p.in.blockedCalls > p.in.benchedCalls.
func (p *Pool[J]) acceptBlockedLocked() (J, *lane[J]) {
	l := p.in.admits.frontWaiting()
	bc := l.blocked.popFront()
	p.in.blockedCalls--
	p.in.admits.serve(l.blocked.n > 0)
	job := bc.job
	var zero J
	bc.job, bc.accepted = zero, true
	p.in.woken++
	l.woken++
	bc.wake.Signal()
	return job, l
}

// takeLocked gives worker w the next job by the turn rule and counts it
// Running (and, with timings, records how long it waited). With bufferSize
// 0 (or every waiting job benched) the job comes straight from a blocked
// call, accepted now. A slot it frees in the intake is filled at once from
// the blocked calls, after the count, so that a group the job takes to its
// limit has no more calls admitted. The caller has checked startableLocked.
func (p *Pool[J]) takeLocked(w *worker[J]) {
	var accepted time.Duration
	fromIntake := p.in.waiting > p.in.benchedJobs
	if fromIntake {
		w.job, w.lane, accepted = p.popLocked()
	} else {
		w.job, w.lane = p.acceptBlockedLocked()
		p.countQueuedLocked(w.lane)
		accepted = p.clock.now
	}
	p.countRunningLocked(w.lane)
	p.refillLocked()
	w.mayLeave = p.mayLeaveLocked(w)
	if p.cfg.timings {
		w.started = p.clock.now
		p.clock.wait.record(w.started - accepted)
	}
}

// plainStartableLocked is the common case of startableLocked, cheap
// enough to inline where a worker decides its next step: a job waits, and
// no pause, context or group needs looking at.
func (p *Pool[J]) plainStartableLocked() bool {
	return p.in.waiting > 0 && !p.state.paused && p.cfg.parent == nil && p.groups.len() == 0
}

// startableLocked reports whether a worker may start a job now: the pool is
// not paused, and a job is waiting in a lane that takes turns, or (with
// bufferSize 0, or every waiting job benched) a call of such a lane is
// blocked. It first stops the pool if the [WithContext] context has ended,
// and every group at the front of the turns whose context has ended, so
// that no job starts once its context's Err() is non-nil. Callers try
// plainStartableLocked first.
func (p *Pool[J]) startableLocked() bool {
	if p.state.paused || p.stoppedByParentLocked() {
		return false
	}
	for p.in.waiting > p.in.benchedJobs {
		if g := p.in.turns.front.group; g == nil || !g.endedLocked() {
			return true
		}
	}
	for p.in.blockedCalls > p.in.benchedCalls {
		if g := p.in.admits.frontWaiting().group; g == nil || !g.endedLocked() {
			return true
		}
	}
	return false
}

// refillLocked fills free intake slots from the blocked calls: the one a
// started job freed, or those a group's stop freed.
func (p *Pool[J]) refillLocked() {
	if p.in.blockedCalls > p.in.benchedCalls { // inlined: most jobs find no call blocked
		p.admitLocked()
	}
}

// admitLocked is refillLocked's loop, with a call blocked.
func (p *Pool[J]) admitLocked() {
	for p.in.blockedCalls > p.in.benchedCalls && p.in.waiting < p.cfg.bufferSize {
		p.pushLocked(p.acceptBlockedLocked())
	}
}

// benchLocked takes l, whose group has as many jobs running as its limit,
// out of both rotations, ending its turns: its jobs and calls wait until
// one of its jobs returns.
func (p *Pool[J]) benchLocked(l *lane[J]) {
	l.benched = true
	p.in.turns.leave(l)
	p.in.admits.leave(l)
	p.in.benchedJobs += l.jobs.len()
	p.in.benchedCalls += l.blocked.n
}

// unbenchLocked puts l, whose group now runs fewer jobs than its limit,
// back in both rotations, at the back: its turn comes after the lanes that
// took turns while it was benched. Idle workers take its jobs at once.
func (p *Pool[J]) unbenchLocked(l *lane[J]) {
	l.benched = false
	p.in.benchedJobs -= l.jobs.len()
	p.in.benchedCalls -= l.blocked.n
	if l.jobs.len() > 0 {
		p.in.turns.join(l)
	}
	if l.blocked.n > 0 {
		p.in.admits.join(l)
	}
	p.dispatchLocked()
}

// skipLocked drops every waiting job of l unstarted, counting them Skipped
// in the pool and in l's group. With collect they are added to p.state.unstarted.
func (p *Pool[J]) skipLocked(l *lane[J], collect bool) {
	p.in.turns.leave(l)
	n := l.jobs.len()
	if n == 0 {
		return
	}
	if collect {
		unnumbered := n - l.seqs.len()
		for i := range n {
			e := entry[J]{job: l.jobs.at(i)}
			if i >= unnumbered {
				e.seq = l.seqs.at(i - unnumbered)
			}
			p.state.unstarted = append(p.state.unstarted, e)
		}
	}
	l.jobs.clear()
	l.seqs.clear()
	l.ats.clear()
	p.in.waiting -= n
	if l.benched {
		p.in.benchedJobs -= n
	}
	p.c.skipped += uint64(n)
	if g := l.group; g != nil {
		g.c.skipped += uint64(n)
	}
}

// rejectBlockedLocked wakes every blocked call of l: their jobs were never
// accepted, and they return an error, each counting its job Rejected.
func (p *Pool[J]) rejectBlockedLocked(l *lane[J]) {
	p.in.blockedCalls -= l.blocked.n
	if l.benched {
		p.in.benchedCalls -= l.blocked.n
	}
	for l.blocked.n > 0 {
		l.blocked.popFront().wake.Signal()
	}
	p.in.admits.leave(l)
}

// withdrawLocked takes bc, a blocked call of l that gave up (its context
// ended) before it was accepted or refused, out of l.
func (p *Pool[J]) withdrawLocked(l *lane[J], bc *blockedCall[J]) {
	l.blocked.remove(bc)
	p.in.blockedCalls--
	switch {
	case l.benched:
		p.in.benchedCalls--
	case l.blocked.n == 0:
		p.in.admits.leave(l)
	}
}

// init readies the queues of a lane of a pool of the given bufferSize,
// which its jobs share with the other lanes, allocating base slots up
// front (see ringQueue).
func (l *lane[J]) init(base, bufferSize int) {
	l.jobs.init(base, bufferSize)
	l.seqs.init(base, bufferSize)
	l.ats.init(base, bufferSize)
}

// release gives back the memory of the lane's queues, now empty, if a burst
// grew them (see ringQueue).
func (l *lane[J]) release() {
	l.jobs.release()
	l.seqs.release()
	l.ats.release()
}
