package workerpool

import (
	"fmt"
	"log/slog"
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
//	Completed == Finished + Retrieved   (with queueFinished; otherwise Finished == Retrieved == 0)
//	0 <= Running <= Workers
//	Waiting <= bufferSize               (with bufferSize 0 a job goes straight to a worker: Waiting is 0)
//	0 <= Held <= Workers, Held <= Finished, Blocked >= 0
type Stats struct {
	Workers   int    // the size set by New or Resize, plus retiring workers until their job returns
	Queued    uint64 // jobs accepted since the pool was created
	Waiting   int    // accepted, not yet started
	Running   int    // started (taken by or handed to a worker), Run not yet returned
	Finished  int    // Run returned, held for retrieval (always 0 without queueFinished)
	Retrieved uint64 // handed out by GetFinished*, Finished()
	Completed uint64 // Run returned, in total (retrieved or not; panicked jobs included)
	Skipped   uint64 // dropped unstarted by Stop
	Panicked  uint64 // of Completed, jobs whose Run panicked
	Blocked   int    // queuing calls waiting for room (their jobs are not yet Queued)
	Held      int    // workers holding a finished job because the finished queue is full (counted in Finished)
	Rejected  uint64 // non-nil jobs turned away with ErrQueueFull, ErrClosed or a context error
	Paused    bool   // Pause is in effect
}

// String formats s on one line, for logs and dashboards.
func (s Stats) String() string {
	return fmt.Sprintf("workers=%d queued=%d waiting=%d running=%d finished=%d retrieved=%d completed=%d "+
		"skipped=%d panicked=%d blocked=%d held=%d rejected=%d paused=%t",
		s.Workers, s.Queued, s.Waiting, s.Running, s.Finished, s.Retrieved, s.Completed,
		s.Skipped, s.Panicked, s.Blocked, s.Held, s.Rejected, s.Paused)
}

// LogValue returns s as a [slog] group of every field, so that
// slog.Info("pool", "stats", p.Stats()) logs one attribute per counter.
func (s Stats) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("workers", s.Workers),
		slog.Uint64("queued", s.Queued),
		slog.Int("waiting", s.Waiting),
		slog.Int("running", s.Running),
		slog.Int("finished", s.Finished),
		slog.Uint64("retrieved", s.Retrieved),
		slog.Uint64("completed", s.Completed),
		slog.Uint64("skipped", s.Skipped),
		slog.Uint64("panicked", s.Panicked),
		slog.Int("blocked", s.Blocked),
		slog.Int("held", s.Held),
		slog.Uint64("rejected", s.Rejected),
		slog.Bool("paused", s.Paused),
	)
}

// counters are the pool's monotonic totals and its running count. Waiting,
// Finished, Blocked and Held are not stored: they are the lengths of the
// intake queue, the finished queue, the blocked producers and the holders,
// which change in the same critical sections as these fields.
//
// Invariants, with the pool's mutex held:
//
//	queued    == intake.Len() + running + completed + skipped
//	completed == finished.Len() + retrieved   (queueFinished; else retrieved == 0)
//	0 <= running <= live
//
// running includes jobs handed straight to an idle worker that has not yet
// picked them up: they count as started from the handoff.
type counters struct {
	queued    uint64 // accepted jobs
	running   int    // jobs taken by or handed to a worker whose Run has not returned
	completed uint64 // jobs whose Run returned (or panicked, or called runtime.Goexit)
	retrieved uint64 // finished jobs handed to a caller
	skipped   uint64 // waiting jobs dropped by Stop
	panicked  uint64 // completed jobs whose Run panicked
	rejected  uint64 // non-nil jobs turned away (ErrQueueFull, ErrClosed, context errors)
}
