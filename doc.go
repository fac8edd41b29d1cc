/*
Package workerpool provides a pool of worker goroutines that run queued jobs,
with bounded intake and finished queues and counters that always add up.

A [Job] is self-contained: it has a Run method and keeps its own results and
errors; a [ContextJob] is run through RunContext and can be interrupted, and
[JobFunc] and [ContextJobFunc] turn funcs into jobs, and an [ErrorJob] reports
whether it failed. Jobs are queued with [Pool.QueueJob] (or [Pool.TryQueueJob],
[Pool.QueueJobContext], [Pool.QueueJobs], [Pool.QueueJobsContext]), run by the
workers in FIFO order,
and, if the pool was created with queueFinished, collected afterwards with
[Pool.GetFinished], [Pool.GetFinishedWait] or [Pool.Finished]. Use it for
recurring parallel work that must start fast, to cap how much CPU runs at
once, or as a buffered pipeline: intake → buffer → processing → buffer → output.
A pool shared by many callers, such as the requests of a server, gives each a
[Group] ([Pool.NewGroup]): its own jobs, wait, cancellation, failures and
counters, taking fair turns for the workers.

# Concurrency model

A pool has two bounded FIFO ring buffers, the intake queue and the finished
queue, and one [sync.Mutex] that guards both queues, every counter and the
lists of parked goroutines. The intake is made of lanes, one per group and
one for the jobs queued on the pool itself, sharing the bound of bufferSize
waiting jobs; the rule for which lane's job starts next, and which blocked
call is admitted next, is in one place (intake.go): FIFO within a lane,
round-robin across the lanes that have jobs waiting. Waiting is done on [sync.Cond]s tied to that
mutex, and every wait is a loop on its predicate. Consumers wait on one Cond
for a finished job, [Pool.WaitIdle] on another for the pool to become idle.

A worker parks in two places, both in its loop (worker.go): in the idle list
while no job is there for it, and in the holders list while its finished job
waits for room in a full finished queue. A queuing call parks in the blocked
list while the intake queue is full (producers.go).

Workers and blocked producers each wait on a Cond of their own, so that a
wake-up reaches exactly the goroutine that can use it, and the work is done
for it before it wakes: a job queued while a worker is idle is handed
straight to that worker (it counts as Running at once); a worker that frees a
slot in a full intake queue moves the longest-blocked producer's job into it
(it counts as Queued at once) and wakes only that producer; a retrieval from a
full finished queue releases the worker that has held its finished job
longest. This is what a channel does for blocked senders and receivers, done
under the one lock that keeps the counters exact. Calls that take a context
register a [context.AfterFunc] that Broadcasts their Cond, so a waiter wakes
up when its context ends.

# Why Conds rather than channels

With channels, a job moving from a channel to a worker and a counter saying so
are two separate events, and a reader can always see one without the other:
that is why pools built on channels cannot report consistent numbers. Here
every queue move and every counter update happen in one critical section, so
[Pool.Stats] is an exact snapshot. One lock also makes the shutdown races
simple to reason about: Close, Stop and every waiter see the same state.

# Shutdown

[Pool.Close] refuses new jobs and lets the workers run every waiting job.
[Pool.Stop] refuses new jobs, drops the waiting ones (counted Skipped),
cancels the context of running RunContext jobs and lets running jobs finish.
Both return at once, wake every blocked queuing caller with [ErrClosed], and
may be called any number of times in any order. The finished queue stays
readable afterwards, but no longer blocks the workers, so every worker
goroutine exits once the last job has run, whether or not anyone retrieves the
finished jobs.

A pool is done when it can never produce another finished job: it is closed
or stopped, no job is waiting or running, and the finished queue is empty.
[Pool.GetFinished] and [Pool.GetFinishedWait] report done, and [Pool.Finished]
ends there. Without queueFinished, GetFinishedWait just waits for done.
[Pool.StopAndCollect] stops and hands the skipped jobs back.

# Operating a live pool

[Pool.Resize] grows a pool at once and shrinks it by retiring idle workers at
once and busy ones when their job returns; [Pool.Pause] and [Pool.Resume]
hold and release the start of new jobs while queuing goes on. No job is
interrupted, lost or run twice by either.

# Groups

A [Group] is one caller's share of a pool. Its jobs start FIFO among
themselves and take turns with the other groups' (a group of 5 jobs queued
behind a group of 10,000 starts within a few job-lengths); its [Group.Wait]
waits for its own jobs only and returns its first failure; the end of its
context, or [Group.Stop], skips its waiting jobs and leaves other groups
untouched; [Group.Stats] counts its own jobs, which count in the pool's
Stats too. A group is done, and releases its context, once it is closed and
none of its jobs waits or runs. The pool's Close, Stop, StopAndCollect,
Pause, WaitIdle and Resize cover groups.

# Exact counters

[Pool.Stats] returns [Stats], a snapshot of the pool at one instant between
the call and its return, whose numbers satisfy

	Queued    == Waiting + Running + Completed + Skipped
	Completed == Finished + Retrieved + Dropped
	Panicked  <= Failed <= Completed
	0 <= Running <= Workers, 0 <= Held <= Workers, Held <= Finished

Blocked (queuing calls waiting for room) and Held (workers waiting for room
in the finished queue) tell why a pool stalls; Rejected counts the jobs
turned away. The exporters in contrib/workerpoolprom and
contrib/workerpoolotel read one snapshot per scrape, so what a monitoring
system stores adds up too.

With [WithTimings], [Stats].Wait and [Stats].Run are histograms of how long
jobs waited and ran ([Timings]), recorded under the same lock, so that
Wait.Count == Running + Completed and Run.Count == Completed in every
snapshot.

A group's [GroupStats] satisfy the same equations, taken in the same
critical section, so a group snapshot and a pool snapshot of one instant
agree.

An accepted job is run exactly once or counted Skipped by a stop: never lost,
never run twice. A job that panics counts as Completed, Failed and Panicked;
the panic is given to the [WithPanicHandler] handler or logged, and the
worker lives on.

# Choosing bufferSize

bufferSize is the capacity of the intake queue and of the finished queue.
A fresh pool accepts workers + bufferSize jobs without blocking: its workers
count as idle from the moment [New] returns. While nobody drains the finished
queue, an open pool holds at most 2*bufferSize + workers jobs (each worker may hold one finished job while the
finished queue is full); the next QueueJob blocks. A small buffer keeps
producers in step with the workers; a larger one (a few times workers, or
more for very short jobs) lets producers and consumers run in bursts without
blocking; the Performance section of the README has measurements. bufferSize
0 gives unbuffered-channel semantics: QueueJob returns once a worker has taken
the job, and a finished job is handed over only when a consumer takes it.
*/
package workerpool
