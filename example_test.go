package workerpool_test

import (
	"context"
	"errors"
	"expvar"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed761c1f22/workerpool"
)

// square is a self-contained job: its input and result live in the job.
type square struct {
	n, result int
}

func (s *square) Run() { s.result = s.n * s.n }

func ExampleNew() {
	pool, err := workerpool.New[*square](4, 16, true)
	if err != nil {
		panic(err)
	}
	// Queue from a goroutine of its own and retrieve at the same time: a
	// pool holds at most 2*bufferSize + workers jobs nobody has retrieved,
	// so queuing everything before retrieving would block for good.
	go func() {
		defer pool.Close() // no more jobs: the waiting ones still run
		for n := range 1000 {
			if err := pool.QueueJob(&square{n: n}); err != nil {
				return // workerpool.ErrClosed
			}
		}
	}()

	sum := 0
	for job := range pool.Finished() { // ends when the pool is done
		sum += job.result
	}
	fmt.Println(sum)
	// Output: 332833500
}

func ExampleNew_badArguments() {
	_, err := workerpool.New[*square](0, 16, true)
	fmt.Println(err)
	// Output: workerpool: workers must be at least 1, got 0
}

// The queue/retrieve loop of the original API, with the untyped pool.
func ExamplePool_GetFinishedWait() {
	pool := workerpool.NewWorkerPool(2, 8, true)
	go func() {
		for n := 1; n <= 3; n++ {
			_ = pool.QueueJob(&square{n: n})
		}
		_ = pool.Close()
	}()

	sum := 0
	for {
		job, done := pool.GetFinishedWait()
		if done {
			break // closed, nothing left to run, finished queue empty
		}
		sum += job.(*square).result
	}
	fmt.Println("sum of squares:", sum)
	// Output: sum of squares: 14
}

func ExamplePool_Finished() {
	pool, _ := workerpool.New[*square](1, 4, true)
	_, _ = pool.QueueJobs(&square{n: 2}, &square{n: 3}, &square{n: 4})
	_ = pool.Close()
	for job := range pool.Finished() { // one worker: finished in queued order
		fmt.Println(job.n, "->", job.result)
	}
	// Output:
	// 2 -> 4
	// 3 -> 9
	// 4 -> 16
}

// gate is a job that runs until released.
type gate struct{ started, release chan struct{} }

func newGate() *gate { return &gate{make(chan struct{}), make(chan struct{})} }

func (g *gate) Run() {
	close(g.started)
	<-g.release
}

func ExamplePool_Stop() {
	pool := workerpool.NewWorkerPool(1, 10, false)
	running := newGate()
	_ = pool.QueueJob(running)
	for n := range 5 {
		_ = pool.QueueJob(&square{n: n})
	}
	<-running.started

	_ = pool.Stop() // the 5 waiting jobs are skipped, never run
	fmt.Println(pool.QueueJob(&square{}))
	close(running.release) // the running job finishes
	pool.GetFinishedWait() // without queueFinished: waits for the end

	s := pool.Stats()
	fmt.Printf("queued %d, completed %d, skipped %d\n", s.Queued, s.Completed, s.Skipped)
	// Output:
	// workerpool: pool is closed
	// queued 6, completed 1, skipped 5
}

func ExamplePool_Stats() {
	pool := workerpool.NewWorkerPool(2, 4, true)
	a, b := newGate(), newGate()
	_, _ = pool.QueueJobs(a, b, &square{n: 3})
	<-a.started
	<-b.started
	s := pool.Stats()
	fmt.Printf("queued %d = waiting %d + running %d + completed %d\n", s.Queued, s.Waiting, s.Running, s.Completed)

	close(a.release)
	close(b.release)
	_ = pool.Close()
	for range pool.Finished() {
	}
	fmt.Println(pool.Stats())
	// Output:
	// queued 3 = waiting 1 + running 2 + completed 0
	// workers=2 live=0 groups=0 queued=3 waiting=0 running=0 completed=3 skipped=0 finished=0 retrieved=3 dropped=0 blocked=0 held=0 paused=false rejected=0 failed=0 panicked=0
}

// Recurring batches on one long-lived pool: WaitIdle marks the end of each.
func ExamplePool_WaitIdle() {
	pool, _ := workerpool.New[*square](4, 64, false)
	defer pool.Close()
	for batch := 1; batch <= 3; batch++ {
		jobs := make([]*square, 100)
		for i := range jobs {
			jobs[i] = &square{n: batch}
		}
		_, _ = pool.QueueJobs(jobs...)
		if err := pool.WaitIdle(context.Background()); err != nil {
			panic(err)
		}
		sum := 0
		for _, j := range jobs {
			sum += j.result
		}
		fmt.Printf("batch %d: %d\n", batch, sum)
	}
	// Output:
	// batch 1: 100
	// batch 2: 400
	// batch 3: 900
}

// fetch is a job that can be interrupted: the pool runs it through
// RunContext, whose ctx Stop cancels.
type fetch struct {
	started chan struct{}
	err     error
}

// The compiler checks that *fetch really is a ContextJob: a mistyped
// RunContext would otherwise make it a plain Job, run through Run.
var _ workerpool.ContextJob = (*fetch)(nil)

func (f *fetch) Run() { f.RunContext(context.Background()) }

func (f *fetch) RunContext(ctx context.Context) {
	close(f.started)
	select {
	case <-ctx.Done(): // Stop, or the end of the WithContext context
		f.err = ctx.Err()
	case <-time.After(time.Hour): // the slow work
	}
}

func ExampleContextJob() {
	pool, _ := workerpool.New[*fetch](1, 1, true)
	job := &fetch{started: make(chan struct{})}
	_ = pool.QueueJob(job)
	<-job.started
	_ = pool.Stop() // cancels the running job's context
	got, _ := pool.GetFinishedWait()
	fmt.Println(got.err)
	// Output: context canceled
}

func ExampleJobFunc() {
	pool, _ := workerpool.New[workerpool.JobFunc](2, 8, false)
	var sum atomic.Int64
	for i := 1; i <= 10; i++ {
		_ = pool.QueueJob(func() { sum.Add(int64(i)) })
	}
	_ = pool.Close()
	pool.GetFinishedWait() // without queueFinished: waits for the end
	fmt.Println(sum.Load())
	// Output: 55
}

func ExampleContextJobFunc() {
	pool := workerpool.NewWorkerPool(1, 1, false)
	started := make(chan struct{})
	var err error
	_ = pool.QueueJob(workerpool.ContextJobFunc(func(ctx context.Context) {
		close(started)
		<-ctx.Done()
		err = ctx.Err()
	}))
	<-started
	_ = pool.Stop()
	pool.GetFinishedWait()
	fmt.Println(err)
	// Output: context canceled
}

func ExamplePool_TryQueueJob() {
	pool, _ := workerpool.New[*gate](1, 1, false) // room for 2: one running, one waiting
	running, waiting := newGate(), newGate()
	fmt.Println(pool.TryQueueJob(running), pool.TryQueueJob(waiting))
	err := pool.TryQueueJob(newGate())
	fmt.Println(errors.Is(err, workerpool.ErrQueueFull), pool.Stats().Rejected)
	close(running.release)
	close(waiting.release)
	_ = pool.Close()
	// Output:
	// <nil> <nil>
	// true 1
}

func ExamplePool_QueueJobContext() {
	pool, _ := workerpool.New[*gate](1, 1, false)
	running, waiting := newGate(), newGate()
	_, _ = pool.QueueJobs(running, waiting)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	err := pool.QueueJobContext(ctx, newGate()) // the pool is full: gives up at the deadline
	fmt.Println(err)
	s := pool.Stats()
	fmt.Println("queued", s.Queued, "rejected", s.Rejected)
	close(running.release)
	close(waiting.release)
	_ = pool.Close()
	// Output:
	// context deadline exceeded
	// queued 2 rejected 1
}

// The common graceful shutdown: the pool stops when the signal's context
// ends, and StopAndCollect hands back every job that had not started, for
// the program to persist, whatever the timing of the two.
func ExampleWithContext_signalShutdown() {
	signalled, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	pool, _ := workerpool.New[*square](1, 64, false, workerpool.WithContext(signalled))
	pool.Pause() // so that the jobs below are still waiting at the signal
	for i := range 40 {
		_ = pool.QueueJob(&square{n: i})
	}

	stop() // here the program would wait with <-signalled.Done() for Ctrl-C
	<-signalled.Done()
	left := pool.StopAndCollect()
	fmt.Printf("collected %d unstarted jobs, the first n=%d, the last n=%d\n", len(left), left[0].n, left[len(left)-1].n)
	fmt.Println("skipped:", pool.Stats().Skipped)
	// Output:
	// collected 40 unstarted jobs, the first n=0, the last n=39
	// skipped: 40
}

func ExampleWithContext() {
	ctx, cancel := context.WithCancel(context.Background())
	pool, _ := workerpool.New[*square](2, 8, false, workerpool.WithContext(ctx))
	cancel() // as if Stop were called: no job starts from now on
	pool.GetFinishedWait()
	fmt.Println(pool.QueueJob(&square{n: 1}))
	// Output: workerpool: pool is closed
}

// node is a job that finds the nodes below it: each job fans out follow-up
// jobs into its own pool, as a crawler queues the links it finds.
type node struct {
	depth int
	pool  *workerpool.Pool[*node]
	later *overflow
}

// overflow keeps the follow-up jobs that found the pool full.
type overflow struct {
	mu   sync.Mutex
	jobs []*node
}

func (n *node) Run() {
	if n.depth == 3 {
		return
	}
	for range 2 {
		child := &node{depth: n.depth + 1, pool: n.pool, later: n.later}
		// Never QueueJob from a job: with the queue full every worker
		// could block there. TryQueueJob, and keep what does not fit.
		if err := n.pool.TryQueueJob(child); errors.Is(err, workerpool.ErrQueueFull) {
			n.later.mu.Lock()
			n.later.jobs = append(n.later.jobs, child)
			n.later.mu.Unlock()
		}
	}
}

// Jobs that queue follow-up jobs: TryQueueJob from the jobs, an overflow
// list for what does not fit, WaitIdle to know when a round is over, and
// Close only once nothing is left (Close would refuse the follow-ups).
func Example_fanOut() {
	pool, _ := workerpool.New[*node](2, 2, false)
	later := &overflow{}
	_ = pool.QueueJob(&node{pool: pool, later: later})
	for {
		_ = pool.WaitIdle(context.Background())
		later.mu.Lock()
		jobs := later.jobs
		later.jobs = nil
		later.mu.Unlock()
		if len(jobs) == 0 {
			break // idle and nothing left over: every node was visited
		}
		_, _ = pool.QueueJobs(jobs...) // blocks for room; the pool stays open
	}
	_ = pool.Close()
	fmt.Println("visited", pool.Stats().Completed)
	// Output: visited 15
}

func ExamplePool_StopAndCollect() {
	pool := workerpool.NewWorkerPool(1, 4, false)
	running := newGate()
	_ = pool.QueueJob(running)
	<-running.started
	_, _ = pool.QueueJobs(&square{n: 1}, &square{n: 2}, &square{n: 3})

	left := pool.StopAndCollect() // the skipped jobs, oldest first: persist or retry them
	for _, job := range left {
		fmt.Println("left:", job.(*square).n)
	}
	close(running.release)
	pool.GetFinishedWait()
	fmt.Println("skipped", pool.Stats().Skipped)
	// Output:
	// left: 1
	// left: 2
	// left: 3
	// skipped 3
}

func ExamplePool_Resize() {
	pool, _ := workerpool.New[*gate](1, 8, false)
	jobs := []*gate{newGate(), newGate(), newGate()}
	_, _ = pool.QueueJobs(jobs[0], jobs[1], jobs[2])
	<-jobs[0].started
	fmt.Println(pool.Stats().Running, "running")

	_ = pool.Resize(3) // the new workers take the waiting jobs at once
	<-jobs[1].started
	<-jobs[2].started
	fmt.Println(pool.Stats().Running, "running")

	_ = pool.Resize(1) // busy workers retire when their job returns
	fmt.Println(pool.Stats().Workers, "workers until the jobs return")
	for _, j := range jobs {
		close(j.release)
	}
	_ = pool.WaitIdle(context.Background())
	_ = pool.Close()
	pool.GetFinishedWait()
	fmt.Println(pool.Stats().Workers, "worker")
	// Output:
	// 1 running
	// 3 running
	// 3 workers until the jobs return
	// 1 worker
}

func ExamplePool_Pause() {
	pool, _ := workerpool.New[*square](2, 4, true)
	pool.Pause()
	_, _ = pool.QueueJobs(&square{n: 2}, &square{n: 3}) // accepted, not started
	s := pool.Stats()
	fmt.Println("paused:", s.Paused, "waiting:", s.Waiting, "running:", s.Running)
	pool.Resume()
	_ = pool.Close()
	sum := 0
	for job := range pool.Finished() {
		sum += job.result
	}
	fmt.Println(sum)
	// Output:
	// paused: true waiting: 2 running: 0
	// 13
}

// Publishing the counters with expvar: one snapshot per read of
// /debug/vars, so the numbers a monitoring system scrapes add up.
func ExampleStats_expvar() {
	pool, _ := workerpool.New[*square](2, 8, false)
	expvar.Publish("workerpool", expvar.Func(func() any { return pool.Stats() }))
	_, _ = pool.QueueJobs(&square{n: 1}, &square{n: 2})
	_ = pool.Close()
	pool.GetFinishedWait()
	fmt.Println(expvar.Get("workerpool"))
	// Output: {"Workers":2,"Live":0,"Groups":0,"Queued":2,"Waiting":0,"Running":0,"Completed":2,"Skipped":0,"Finished":0,"Retrieved":0,"Dropped":2,"Blocked":0,"Held":0,"Paused":false,"Rejected":0,"Failed":0,"Panicked":0,"Wait":{"Count":0,"Sum":0,"Buckets":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]},"Run":{"Count":0,"Sum":0,"Buckets":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}}
}
