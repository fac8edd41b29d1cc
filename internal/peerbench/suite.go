package peerbench

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"

	"github.com/seed761c1f22/workerpool"
)

// The suite: the workload shapes of pond's published benchmark, a pool
// sized for I/O (SuiteWorkers workers) fed by U users that each submit T
// tasks, every task either sleeping 10 ms or drawing one random float,
// 1,000,000 tasks in all. Each impl is a pool as its users make one, with
// nothing tuned.

// SuiteWorkers is the pool size of the suite: sized for I/O, as pond's
// benchmark sizes it.
const SuiteWorkers = 200_000

// A Shape is users submitting tasks each.
type Shape struct {
	Name         string
	Users, Tasks int
}

// Shapes are pond's: 1 user of 1M tasks to 1M users of 1 task.
var Shapes = []Shape{
	{"1u-1Mt", 1, 1_000_000},
	{"100u-10Kt", 100, 10_000},
	{"1Ku-1Kt", 1_000, 1_000},
	{"10Ku-100t", 10_000, 100},
	{"1Mu-1t", 1_000_000, 1},
}

// A SuiteTask is what each task does.
type SuiteTask struct {
	Name string
	Run  func()
}

// SuiteTasks sleep 10 ms (I/O) or draw one random float (almost nothing).
var SuiteTasks = []SuiteTask{
	{"sleep10ms", func() { time.Sleep(10 * time.Millisecond) }},
	{"randfloat", func() { _ = rand.Float64() }},
}

// A SuitePool runs tasks submitted from many goroutines.
type SuitePool struct {
	Name string
	// New makes a pool of workers workers and returns how to submit a task
	// and how to wait for every submitted task and release the pool.
	New func(workers int) (submit func(func()), wait func())
}

// SuitePools are this pool (cond), ants v2, pond v2, a channel pool of
// workers goroutines over a buffered channel, and a goroutine per task.
var SuitePools = []SuitePool{
	{"cond", func(workers int) (func(func()), func()) {
		p, err := workerpool.New[workerpool.JobFunc](workers, 1024, false)
		if err != nil {
			panic(err)
		}
		return func(task func()) {
				if err := p.QueueJob(task); err != nil {
					panic(err)
				}
			}, func() {
				_ = p.Close()
				p.GetFinishedWait()
			}
	}},
	{"ants", func(workers int) (func(func()), func()) {
		p, err := ants.NewPool(workers)
		if err != nil {
			panic(err)
		}
		var wg sync.WaitGroup
		return func(task func()) {
				wg.Add(1)
				if err := p.Submit(func() { task(); wg.Done() }); err != nil {
					panic(err)
				}
			}, func() {
				wg.Wait()
				p.Release()
			}
	}},
	{"pond", func(workers int) (func(func()), func()) {
		p := pond.NewPool(workers)
		return func(task func()) { p.Submit(task) }, p.StopAndWait
	}},
	{"chan", func(workers int) (func(func()), func()) {
		tasks := make(chan func(), 1024)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for task := range tasks {
					task()
				}
			})
		}
		return func(task func()) { tasks <- task }, func() {
			close(tasks)
			wg.Wait()
		}
	}},
	{"goroutine", func(int) (func(func()), func()) {
		var wg sync.WaitGroup
		return wg.Go, wg.Wait
	}},
}

// RunShape runs one shape of task on a new pool of SuiteWorkers workers
// made by pool: it starts the users, which submit their tasks, and returns
// once every task has run and the pool is released.
func RunShape(pool SuitePool, shape Shape, task func()) {
	submit, wait := pool.New(SuiteWorkers)
	var users sync.WaitGroup
	for range shape.Users {
		users.Go(func() {
			for range shape.Tasks {
				submit(task)
			}
		})
	}
	users.Wait()
	wait()
}
