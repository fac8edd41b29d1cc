package workerpool

import (
	"fmt"
	"log/slog"
	"strings"
)

// Stats is a snapshot of a pool's queues and counters, returned by [Pool.Stats].
//
// A job counts as Running from the moment a worker takes it; a job that
// arrives while a worker is idle is handed straight to that worker, so it
// counts as Running at once, never as Waiting.
//
// Every snapshot is the pool's state at one instant between the call and its
// return: it is taken in one critical section with every queue move, so its
// numbers always add up, exactly:
//
//	Queued    == Waiting + Running + Completed + Skipped
//	Completed == Finished + Retrieved + Dropped
//	Panicked  <= Failed <= Completed
//	0 <= Running <= Workers
//	Running + Held <= Live <= Workers   (Live == 0 in a new pool, and once a closed pool's last worker has exited)
//	Waiting <= bufferSize               (with bufferSize 0 a job goes straight to a worker: Waiting is 0)
//	0 <= Held <= Workers, Held <= Finished, Blocked >= 0
//	Wait.Count == Running + Completed, Run.Count == Completed   (with WithTimings)
//
// Without queueFinished and without groups that keep finished jobs,
// Finished == Retrieved == 0. Finished and Retrieved count the pool's
// finished queue and the groups' kept jobs together; every other counter
// counts the jobs of groups too.
type Stats struct {
	// Sizes.
	Workers int // the size set by New or Resize (the most workers that may be started), plus retiring workers until their job returns
	Live    int // worker goroutines started and not yet exited: running, holding or idle (workers start on demand and exit after the idle timeout)
	Groups  int // groups not yet done: made, and not closed with nothing of theirs waiting or running

	// The flow of jobs: accepted, then waiting, running, and completed
	// (then finished, retrieved or dropped), or skipped.
	Queued    uint64 // jobs accepted since the pool was created
	Waiting   int    // accepted, not yet started
	Running   int    // started (taken by or handed to a worker), Run not yet returned
	Completed uint64 // Run returned, in total (retrieved or not; failed jobs included)
	Skipped   uint64 // dropped unstarted by a stop
	Finished  int    // Run returned, held for retrieval (always 0 without queueFinished and groups that keep finished jobs)
	Retrieved uint64 // handed out by GetFinished*, Finished() (the pool's or a group's)
	Dropped   uint64 // completed jobs not kept for retrieval: the normal fate of a job nobody keeps (no queueFinished, a group without KeepFinished, or kept jobs a group's Stop released)

	// Stalls: what keeps jobs or callers waiting.
	Blocked  int    // queuing calls waiting for room (their jobs are not yet Queued)
	Held     int    // workers holding a finished job because the finished queue is full (counted in Finished)
	Paused   bool   // Pause is in effect
	Rejected uint64 // non-nil jobs turned away with ErrQueueFull, ErrClosed, ErrGroupClosed or a context error (a caller that gave up counts too)

	// Failures.
	Failed   uint64 // of Completed: jobs that panicked or called runtime.Goexit, ErrorJobs whose Err() and Tasks that returned non-nil
	Panicked uint64 // of Failed, jobs whose Run panicked

	// Timings, with WithTimings; zero otherwise.
	Wait Timings // how long jobs waited, accepted → started
	Run  Timings // how long jobs ran, started → returned
}

// GroupStats is a snapshot of a group's counters, returned by
// [Group.Stats]. Its jobs count in the pool's [Stats] too, and a group
// snapshot and a pool snapshot taken at one instant agree. Every snapshot
// satisfies, exactly:
//
//	Queued    == Waiting + Running + Completed + Skipped
//	Completed == Finished + Retrieved + Dropped
//	Panicked  <= Failed <= Completed
type GroupStats struct {
	Queued    uint64 // jobs of the group accepted
	Waiting   int    // accepted, not yet started
	Running   int    // started, not yet returned
	Completed uint64 // returned (failed ones included)
	Skipped   uint64 // dropped unstarted by a stop
	Failed    uint64 // of Completed: panicked, called runtime.Goexit, or returned an error (Err(), a Task)
	Panicked  uint64 // of Failed
	Finished  int    // kept (KeepFinished), not yet retrieved
	Retrieved uint64 // handed out by Finished()
	Dropped   uint64 // completed and not kept (or released by Stop)
	Blocked   int    // queuing calls of the group waiting for room
	Rejected  uint64 // non-nil jobs of the group turned away
	Closed    bool   // the group accepts no more jobs
}

// Stats returns a snapshot of the pool's queues and counters, taken in one
// critical section, so its numbers always add up (see [Stats]).
func (p *Pool[J]) Stats() Stats {
	p.mustBeMade("Stats")
	p.lock()
	defer p.unlock()
	return Stats{
		Workers:   p.crew.workers(),
		Queued:    p.c.queued,
		Waiting:   p.in.waiting,
		Running:   p.c.running,
		Finished:  p.finished.len() + p.finished.kept,
		Retrieved: p.c.retrieved,
		Completed: p.c.completed,
		Skipped:   p.c.skipped,
		Panicked:  p.c.panicked,
		Blocked:   p.in.blockedCalls,
		Held:      p.finished.held(),
		Rejected:  p.c.rejected,
		Paused:    p.state.paused,
		Failed:    p.c.failed,
		Dropped:   p.c.dropped,
		Groups:    p.groups.len(),
		Live:      p.crew.started,
		Wait:      p.clock.wait,
		Run:       p.clock.run,
	}
}

// String formats s on one line, for logs and dashboards, in the fields'
// order. With [WithTimings] it ends with the p50 and p99 of the wait and
// run times, estimated from the histograms' buckets ([Timings.Quantile]:
// within a factor of 2).
func (s Stats) String() string {
	line := formatAttrs(s.attrs())
	if s.Wait.Count > 0 {
		line += fmt.Sprintf(" wait_p50~%v wait_p99~%v run_p50~%v run_p99~%v",
			s.Wait.Quantile(0.5), s.Wait.Quantile(0.99), s.Run.Quantile(0.5), s.Run.Quantile(0.99))
	}
	return line
}

// LogValue returns s as a [slog] group of every field, so that
// slog.Info("pool", "stats", p.Stats()) logs one attribute per counter. With
// [WithTimings] it adds the groups wait and run: count, sum, and p50 and p99
// estimated from the buckets.
func (s Stats) LogValue() slog.Value {
	attrs := s.attrs()
	if s.Wait.Count > 0 {
		attrs = append(attrs, s.Wait.attr("wait"), s.Run.attr("run"))
	}
	return slog.GroupValue(attrs...)
}

// attrs returns s's fields but the timings, in order: the one list that
// String and LogValue share.
func (s Stats) attrs() []slog.Attr {
	return []slog.Attr{
		slog.Int("workers", s.Workers),
		slog.Int("live", s.Live),
		slog.Int("groups", s.Groups),
		slog.Uint64("queued", s.Queued),
		slog.Int("waiting", s.Waiting),
		slog.Int("running", s.Running),
		slog.Uint64("completed", s.Completed),
		slog.Uint64("skipped", s.Skipped),
		slog.Int("finished", s.Finished),
		slog.Uint64("retrieved", s.Retrieved),
		slog.Uint64("dropped", s.Dropped),
		slog.Int("blocked", s.Blocked),
		slog.Int("held", s.Held),
		slog.Bool("paused", s.Paused),
		slog.Uint64("rejected", s.Rejected),
		slog.Uint64("failed", s.Failed),
		slog.Uint64("panicked", s.Panicked),
	}
}

// String formats s on one line, in the fields' order, as [Stats.String] does.
func (s GroupStats) String() string { return formatAttrs(s.attrs()) }

// LogValue returns s as a [slog] group of every field, as [Stats.LogValue]
// does: slog.Info("request", "jobs", g.Stats()).
func (s GroupStats) LogValue() slog.Value { return slog.GroupValue(s.attrs()...) }

// attrs returns s's fields, in order: the one list that String and LogValue
// share.
func (s GroupStats) attrs() []slog.Attr {
	return []slog.Attr{
		slog.Uint64("queued", s.Queued),
		slog.Int("waiting", s.Waiting),
		slog.Int("running", s.Running),
		slog.Uint64("completed", s.Completed),
		slog.Uint64("skipped", s.Skipped),
		slog.Uint64("failed", s.Failed),
		slog.Uint64("panicked", s.Panicked),
		slog.Int("finished", s.Finished),
		slog.Uint64("retrieved", s.Retrieved),
		slog.Uint64("dropped", s.Dropped),
		slog.Int("blocked", s.Blocked),
		slog.Uint64("rejected", s.Rejected),
		slog.Bool("closed", s.Closed),
	}
}

// formatAttrs formats attrs as key=value pairs separated by spaces.
func formatAttrs(attrs []slog.Attr) string {
	var b strings.Builder
	for i, a := range attrs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(a.Key)
		b.WriteByte('=')
		b.WriteString(a.Value.String())
	}
	return b.String()
}

// counters are the monotonic totals and the running count of a pool, or of
// a group. Waiting, Finished, Blocked and Held are not stored: they are the
// lengths of queues (the lanes, the finished queue or a group's kept jobs,
// the blocked calls, the holders), which change in the same critical
// sections as these fields.
//
// Invariants, with the pool's mutex held (for a group: its lane, its kept jobs):
//
//	queued    == waiting + running + completed + skipped
//	completed == finished + retrieved + dropped
//	panicked  <= failed <= completed
//	0 <= running <= started workers (Stats.Live)
//
// running includes jobs handed straight to an idle worker that has not yet
// picked them up: they count as started from the handoff.
type counters struct {
	queued    uint64 // accepted jobs
	running   int    // jobs taken by or handed to a worker whose Run has not returned
	completed uint64 // jobs whose Run returned (or panicked, or called runtime.Goexit)
	retrieved uint64 // finished jobs handed to a caller
	skipped   uint64 // waiting jobs dropped by a stop
	failed    uint64 // completed jobs that panicked or whose Err() was non-nil
	panicked  uint64 // failed jobs that panicked
	dropped   uint64 // completed jobs not kept for retrieval
	rejected  uint64 // non-nil jobs turned away (ErrQueueFull, ErrClosed, context errors)
}
