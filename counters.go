package workerpool

// Stats is a snapshot of a pool's queues and counters, returned by [Pool.Stats].
//
// A job counts as Running from the moment a worker takes it; a job that
// arrives while a worker is idle is handed straight to that worker, so it
// counts as Running at once, never as Waiting.
//
// Every snapshot is taken in one critical section with every queue move, so its
// numbers always add up, exactly:
//
//	Queued    == Waiting + Running + Completed + Skipped
//	Completed == Finished + Retrieved   (with queueFinished; otherwise Finished == Retrieved == 0)
//	0 <= Running <= Workers
//	Waiting <= bufferSize               (with bufferSize 0 a job goes straight to a worker: Waiting is 0)
type Stats struct {
	Workers   int    // worker goroutines the pool was created with
	Queued    uint64 // jobs accepted since the pool was created
	Waiting   int    // accepted, not yet started
	Running   int    // started, Run not yet returned
	Finished  int    // Run returned, held for retrieval (always 0 without queueFinished)
	Retrieved uint64 // handed out by GetFinished*, Finished()
	Completed uint64 // Run returned, in total (retrieved or not; panicked jobs included)
	Skipped   uint64 // dropped unstarted by Stop
	Panicked  uint64 // of Completed, jobs whose Run panicked
}

// counters are the pool's monotonic totals and its running count. Waiting and
// Finished are not stored: they are the lengths of the intake and finished
// queues, which change in the same critical sections as these fields.
//
// Invariants, with the pool's mutex held:
//
//	queued    == intake.Len() + running + completed + skipped
//	completed == finished.Len() + retrieved   (queueFinished; else retrieved == 0)
//	0 <= running <= workers
type counters struct {
	queued    uint64 // accepted jobs
	running   int    // jobs taken from intake whose Run has not returned
	completed uint64 // jobs whose Run returned (or panicked, or called runtime.Goexit)
	retrieved uint64 // finished jobs handed to a caller
	skipped   uint64 // waiting jobs dropped by Stop
	panicked  uint64 // completed jobs whose Run panicked
}
