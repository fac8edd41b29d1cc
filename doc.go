/*
Package workerpool provides a pool of worker goroutines that run queued jobs,
with bounded queues, a clean shutdown, fair groups for callers that share it,
and counters that always add up.

A [Job] is self-contained: it has a Run method and keeps its own results and
errors. A [ContextJob] is run through RunContext and can be interrupted; an
[ErrorJob] reports whether it failed; [JobFunc], [ContextJobFunc] and [Task]
turn funcs into jobs, a Task returning its error. Jobs are queued with
[Pool.QueueJob] (or [Pool.TryQueueJob], [Pool.QueueJobContext],
[Pool.QueueJobs], [Pool.QueueJobsContext]) and, if the pool was created with
queueFinished, collected afterwards with [Pool.GetFinished],
[Pool.GetFinishedWait] or [Pool.Finished]. A pool shared by many callers,
such as the requests of a server, gives each a [Group] ([Pool.NewGroup]), or
runs a function over a slice as one group with [Map].

# The model: lanes and turns

Accepted jobs wait in lanes: one for the jobs queued on the pool itself and
one per group, all sharing the bound of bufferSize waiting jobs. Which job
starts next follows one rule: jobs start in the order they were accepted
within a lane, and the lanes with jobs waiting take turns, round-robin. A
group made with [Weight](w) starts up to w jobs per turn; a group made with
[Limit](n) that has n jobs running sits out, and rejoins the turns at the
back when one of them returns. When the lanes are full, queuing calls block,
and when room frees they are admitted by the same weighted turns, oldest
first within a lane. A pool without groups is one FIFO.

A job that arrives while a worker is idle is handed straight to it, or, if
none is idle and fewer than the pool's size are started, to a new worker
goroutine (workers start on demand and exit after the idle timeout); a worker
that frees a slot in a full intake moves a blocked caller's job in for it; a
retrieval from a full finished queue releases the worker that has held a
finished job longest. Each of these wakes exactly the goroutine that can go
on, as a channel does for blocked senders and receivers.

# Exact counters

Every queue move and every counter update happen in one critical section of
one [sync.Mutex]; waiting is done on [sync.Cond]s tied to it, never on
channels. So [Pool.Stats] returns a snapshot that is the pool's state at one
instant between the call and its return (linearizable: the module
internal/linearize checks recorded histories with porcupine), whose numbers
satisfy, exactly,

	Queued    == Waiting + Running + Completed + Skipped
	Completed == Finished + Retrieved + Dropped
	Panicked  <= Failed <= Completed
	0 <= Running <= Workers, 0 <= Held <= Workers, Held <= Finished

and with [WithTimings] the histograms [Stats].Wait and [Stats].Run have
Wait.Count == Running + Completed and Run.Count == Completed. A group's
[GroupStats] satisfy the same equations, taken in the same critical section,
so a group snapshot and a pool snapshot of one instant agree. With channels a
job leaving a queue and a counter saying so are two events, and a reader can
see one without the other.

An accepted job runs exactly once or is counted Skipped by a stop: never
lost, never run twice. A job that panics or calls [runtime.Goexit] counts as
Completed and Failed (a panic also Panicked), and the worker lives on.

# Time slices

A worker that has run jobs for longer than its time slice since it last
parked or yielded calls [runtime.Gosched] before its next job, outside the
lock. So a pool with as many CPU-bound workers as processors still lets the
rest of the program run: timers, handlers, and the callers of small groups,
which could not even queue their jobs otherwise, get a processor within
about a slice instead of waiting for Go's preemption (about 10 ms). The
slice is [DefaultTimeSlice] unless set by [WithTimeSlice]; the clock is read
every few jobs, not per job, so short jobs pay almost nothing for it.

# Groups

A [Group] is one caller's share of a pool: its own jobs, its own
[Group.Wait] (the first failure, or [ErrStopped] if a stop skipped jobs),
its own cancellation (the end of its context, or [Group.Stop], skips its
waiting jobs, refuses its queuing calls with [ErrGroupClosed] and touches no
other group; no job of a group starts once its context has ended), its own
failures ([StopOnError]), finished jobs ([KeepFinished]) and counters. A
group is done, and releases its context, once it is closed and none of its
jobs waits or runs. The pool's Close, Stop, StopAndCollect, Pause, WaitIdle
and Resize cover groups.

# Shutdown

[Pool.Close] refuses new jobs and lets the workers run every waiting job.
[Pool.Stop] refuses new jobs, skips the waiting ones, cancels the context of
running RunContext jobs and lets running jobs finish; [Pool.StopAndCollect]
also hands the skipped jobs back. All return at once, wake every blocked
queuing caller with [ErrClosed], and may be called any number of times in any
order. The finished queue stays readable afterwards but no longer blocks the
workers, so no goroutine outlives the work. A pool is done when it can never
produce another finished job: closed, nothing waiting or running, finished
queue empty; GetFinished and GetFinishedWait then report done and Finished
ends.

# Choosing sizes

For CPU-bound jobs use as many workers as processors ([runtime.NumCPU]):
the time slice keeps such a pool from starving the rest of the program.
For jobs that wait (I/O), as many as should be in flight at once, in the
thousands or hundreds of thousands if need be: workers start on demand, so
a large pool costs nothing until the jobs come, and a worker idle for the
idle timeout ([WithIdleTimeout], [DefaultIdleTimeout]) exits, so it gives
its goroutines back after a burst ([Stats].Live counts them). bufferSize is
the capacity of the intake queue and of the finished queue: a fresh pool
accepts workers + bufferSize jobs without blocking, and while nobody drains
the finished queue an open pool holds at most 2*bufferSize + workers jobs;
the next QueueJob blocks. A few times workers lets producers and consumers
run in bursts. bufferSize 0 gives unbuffered-channel semantics: QueueJob
returns once a worker has taken the job. [Pool.Resize], [Pool.Pause] and
[Pool.Resume] change a live pool without interrupting, losing or repeating a
job.
*/
package workerpool
