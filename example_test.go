package workerpool_test

import (
	"context"
	"fmt"
	"slices"

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
	for n := range 5 {
		if err := pool.QueueJob(&square{n: n}); err != nil {
			panic(err)
		}
	}
	_ = pool.Close() // no more jobs: the waiting ones still run

	var results []int
	for job := range pool.Finished() {
		results = append(results, job.result)
	}
	slices.Sort(results)
	fmt.Println(results)
	// Output: [0 1 4 9 16]
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
	// workers=2 queued=3 waiting=0 running=0 finished=0 retrieved=3 completed=3 skipped=0 panicked=0 blocked=0 held=0 rejected=0 paused=false
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
