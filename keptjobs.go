package workerpool

import "runtime"

// This file is a group's kept finished jobs ([KeepFinished]), and the
// safety net that releases them once the group is done and unreachable.

// keptJobs holds a group's finished jobs for [Group.Finished], in
// completion order (never more than it queued). Its jobs count in the
// pool's finished.kept, through count.
type keptJobs[J Job] struct {
	jobs  ringQueue[J]  // guarded by the pool's mu
	count *keptCount[J] // count.n == jobs.len()
}

// keptCount is what the cleanup of an unreachable group needs: the pool and
// how many jobs the group still counts Finished there. It must not reach
// the jobs: a job that points at its group (a Task closure capturing it, a
// job queuing follow-ups into it) would keep the group reachable from the
// cleanup's own argument, and the cleanup would never run.
type keptCount[J Job] struct {
	p *Pool[J]
	n int // guarded by p.mu
}

// newKeptJobs returns the kept jobs of g, made with KeepFinished, and
// registers their release for when g is unreachable: the jobs would
// otherwise count Finished for ever.
func newKeptJobs[J Job](g *Group[J]) *keptJobs[J] {
	k := &keptJobs[J]{count: &keptCount[J]{p: g.p}}
	k.jobs.init(0, g.p.cfg.bufferSize) // small groups allocate little; long-lived ones keep a buffer's worth
	runtime.AddCleanup(g, (*keptCount[J]).release, k.count)
	return k
}

// len returns how many jobs are kept.
func (k *keptJobs[J]) len() int { return k.jobs.len() }

// pushLocked keeps job, counting it Finished in the pool.
func (k *keptJobs[J]) pushLocked(job J) {
	k.jobs.push(job)
	k.count.n++
	k.count.p.finished.kept++
}

// popLocked takes the oldest kept job, counting it Retrieved in the pool.
// The caller has checked len() > 0.
func (k *keptJobs[J]) popLocked() J {
	k.count.n--
	k.count.p.finished.kept--
	k.count.p.c.retrieved++
	job := k.jobs.pop()
	k.jobs.release()
	return job
}

// releaseLocked drops every kept job, counting them Dropped in the pool,
// and returns how many.
func (k *keptJobs[J]) releaseLocked() int {
	n := k.jobs.len()
	k.jobs.clear()
	k.count.releaseLocked()
	return n
}

// releaseLocked stops counting the kept jobs Finished: they count Dropped.
func (c *keptCount[J]) releaseLocked() {
	c.p.finished.kept -= c.n
	c.p.c.dropped += uint64(c.n)
	c.n = 0
}

// release is releaseLocked, taking the pool's lock: the cleanup of a group
// that became unreachable.
func (c *keptCount[J]) release() {
	c.p.lock()
	defer c.p.unlock()
	c.releaseLocked()
}
