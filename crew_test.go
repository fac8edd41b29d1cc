package workerpool_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// Tests of the crew: workers started on demand, Stats.Live, the idle
// timeout.

// New starts no goroutine and allocates nothing per worker, however many
// workers it may start.
func TestNew_StartsNoGoroutineAndAllocatesNothingPerWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		before := bubbleGoroutines()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		p, err := workerpool.New[workerpool.JobFunc](1_000_000, 1024, true)
		require.NoError(t, err)
		runtime.ReadMemStats(&m1)
		assert.Equal(t, before, bubbleGoroutines(), "no goroutine started")
		assert.Less(t, m1.TotalAlloc-m0.TotalAlloc, uint64(1<<20), "allocated under 1 MiB")
		assert.Equal(t, workerpool.Stats{Workers: 1_000_000}, p.Stats())
		require.NoError(t, p.Close())
	})
}

// A job accepted while no started worker is idle and fewer than workers
// are started gets a new worker; a fresh pool accepts workers + bufferSize
// jobs without blocking; Live counts the goroutines exactly and is 0 once
// a closed pool's last worker has exited.
func TestCrew_WorkersStartOnDemand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool[*blockJob](t, 3, 2, false)
		before := bubbleGoroutines()
		jobs := make([]*blockJob, 5)
		for i := range jobs {
			jobs[i] = newBlockJob(i)
			require.NoError(t, p.TryQueueJob(jobs[i]), "job %d: a fresh pool is ready at once", i)
			synctest.Wait()
			s := p.Stats()
			assert.Equal(t, min(i+1, 3), s.Live, "job %d", i)
			assert.Equal(t, min(i+1, 3), s.Running, "job %d", i)
			assert.Equal(t, max(0, i-2), s.Waiting, "job %d", i)
		}
		assert.Equal(t, before+3, bubbleGoroutines())
		assert.ErrorIs(t, p.TryQueueJob(newBlockJob(5)), workerpool.ErrQueueFull)
		releaseAll(jobs...)
		synctest.Wait()
		s := p.Stats()
		assert.Equal(t, 3, s.Live, "idle workers stay until the idle timeout")
		require.NoError(t, p.Close())
		synctest.Wait()
		assert.Zero(t, p.Stats().Live)
		assert.Equal(t, before, bubbleGoroutines())
	})
}

// A burst of 50,000 sleeping jobs on 20,000 workers: once the idle timeout
// has passed, the goroutines and Live are back to where they were before.
func TestCrew_BurstGivesItsWorkersBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 2 * time.Second
		p := newPool[workerpool.JobFunc](t, 20_000, 1024, false, workerpool.WithIdleTimeout(timeout))
		before := bubbleGoroutines()
		sleep := workerpool.JobFunc(func() { time.Sleep(10 * time.Millisecond) })
		for range 50_000 {
			require.NoError(t, p.QueueJob(sleep))
		}
		synctest.Wait()
		assert.Equal(t, 20_000, p.Stats().Live)
		require.NoError(t, p.WaitIdle(context.Background()))
		time.Sleep(timeout * 5 / 4) // d to 1.25 d
		synctest.Wait()
		s := p.Stats()
		assert.Zero(t, s.Live, "every idle worker exited")
		assert.Equal(t, before, bubbleGoroutines())
		assert.EqualValues(t, 50_000, s.Completed)
		// And the pool goes on: the next job starts a worker again.
		require.NoError(t, p.QueueJob(sleep))
		synctest.Wait()
		assert.Equal(t, 1, p.Stats().Live)
		require.NoError(t, p.Close())
		p.GetFinishedWait()
	})
}

// Stop lets every worker exit once the running jobs return, idle ones at
// once, even with idle workers kept for ever (WithIdleTimeout(0)), in a pool
// sized to the machine and in one for I/O: Live goes back to 0 and the
// goroutines to what they were.
func TestCrew_StopLetsEveryWorkerExit(t *testing.T) {
	for _, size := range []int{runtime.GOMAXPROCS(0), 5 * runtime.GOMAXPROCS(0)} {
		synctest.Test(t, func(t *testing.T) {
			p := newPool[*blockJob](t, size, 4, false, workerpool.WithIdleTimeout(0))
			before := bubbleGoroutines()
			var quick []*blockJob
			for i := range size { // every worker started, then idle
				j := newBlockJob(i)
				quick = append(quick, j)
				require.NoError(t, p.QueueJob(j))
			}
			synctest.Wait()
			releaseAll(quick...)
			synctest.Wait()
			running := []*blockJob{newBlockJob(size), newBlockJob(size + 1)}
			for _, j := range running {
				require.NoError(t, p.QueueJob(j))
			}
			synctest.Wait()
			require.Equal(t, size, p.Stats().Live, "size %d", size)
			require.NoError(t, p.Stop())
			synctest.Wait()
			assert.Equal(t, 2, p.Stats().Live, "size %d: the idle workers exited at once", size)
			releaseAll(running...)
			synctest.Wait()
			s := p.Stats()
			assert.Zero(t, s.Live, "size %d", size)
			assert.Equal(t, before, bubbleGoroutines(), "size %d", size)
			assert.EqualValues(t, size+2, s.Completed, "size %d", size)
			for _, j := range append(quick, running...) {
				assert.EqualValues(t, 1, j.runs.Load())
			}
		})
	}
}

// The idle timeout retires the longest-idle worker first, after d to
// 1.25 d of idling; d == 0 keeps idle workers; a negative d is an error.
func TestCrew_IdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = time.Second
		p := newPool[*blockJob](t, 2, 0, false, workerpool.WithIdleTimeout(d))
		a, b := newBlockJob(1), newBlockJob(2)
		require.NoError(t, p.QueueJob(a))
		require.NoError(t, p.QueueJob(b))
		close(a.release) // a's worker idles from now
		synctest.Wait()
		time.Sleep(d / 2)
		close(b.release) // b's worker idles from now, d/2 later
		synctest.Wait()
		assert.Equal(t, 2, p.Stats().Live)
		time.Sleep(d * 3 / 4) // a's worker has idled 1.25 d, b's 0.75 d
		synctest.Wait()
		assert.Equal(t, 1, p.Stats().Live, "the longest idle exited first")
		time.Sleep(d)
		synctest.Wait()
		assert.Zero(t, p.Stats().Live)
		require.NoError(t, p.Close())

		keep := newPool[workerpool.JobFunc](t, 2, 0, false, workerpool.WithIdleTimeout(0))
		require.NoError(t, keep.QueueJob(func() {}))
		time.Sleep(time.Hour)
		synctest.Wait()
		assert.Equal(t, 1, keep.Stats().Live, "WithIdleTimeout(0) keeps idle workers")
		require.NoError(t, keep.Close())
	})
	_, err := workerpool.New[workerpool.JobFunc](1, 1, false, workerpool.WithIdleTimeout(-time.Second))
	assert.EqualError(t, err, "workerpool: WithIdleTimeout: the timeout must not be negative, got -1s")
	assert.GreaterOrEqual(t, workerpool.DefaultIdleTimeout, time.Second)
	assert.LessOrEqual(t, workerpool.DefaultIdleTimeout, time.Minute)
}

// A worker that the idle timeout retires never takes a job, and one that
// takes a job never counts as retired: jobs keep coming while the timeout
// retires workers, and every job runs exactly once with Live exact.
func TestCrew_IdleTimeoutRacesWithJobs(t *testing.T) {
	p := newPool[*countJob](t, 8, 4, false, workerpool.WithIdleTimeout(time.Millisecond))
	var wg sync.WaitGroup
	jobs := make([]*countJob, 20_000)
	for i := range jobs {
		jobs[i] = &countJob{id: i}
	}
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(jobs); i += 4 {
				require.NoError(t, p.QueueJob(jobs[i]))
				if i%500 == 0 {
					time.Sleep(2 * time.Millisecond) // let workers idle out
				}
				checkInvariants(t, p.Stats(), 4, false)
			}
		})
	}
	wg.Wait()
	require.NoError(t, p.Close())
	p.GetFinishedWait()
	for _, j := range jobs {
		require.EqualValues(t, 1, j.runs.Load())
	}
	for p.Stats().Live > 0 {
		runtime.Gosched() // the last workers are on their way out
	}
}

// bubbleGoroutines returns how many goroutines the calling goroutine's
// synctest bubble holds: unlike runtime.NumGoroutine, it does not count
// goroutines that other tests left exiting.
func bubbleGoroutines() int {
	buf := make([]byte, 1<<10)
	own := string(buf[:runtime.Stack(buf, false)])
	bubble := own[strings.Index(own, "synctest bubble "):strings.Index(own, "]")] + "]"
	for {
		buf = make([]byte, 2*len(buf))
		if n := runtime.Stack(buf, true); n < len(buf) {
			return strings.Count(string(buf[:n]), bubble)
		}
	}
}

// A pool sized to the machine parks its idle workers under the pool's
// mutex, a pool for I/O (more than 4 workers per processor) on a parker of
// each worker's own: both ways, jobs handed to parked workers, a shrink,
// the idle timeout and Close reach every parked worker, also after a
// Resize has moved the pool from one way to the other while workers were
// parked.
func TestCrew_BothWaysOfParking(t *testing.T) {
	small, large := runtime.GOMAXPROCS(0), 5*runtime.GOMAXPROCS(0)
	for _, tt := range []struct{ name, resize string }{{"small", ""}, {"large", ""}, {"small", "large"}, {"large", "small"}} {
		t.Run(tt.name+"/"+tt.resize, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				size := map[string]int{"small": small, "large": large}
				p := newPool[*blockJob](t, size[tt.name], 0, false, workerpool.WithIdleTimeout(time.Second))
				var jobs []*blockJob
				round := func(n int, release bool) {
					var started []*blockJob
					for i := range n {
						j := newBlockJob(i)
						if release {
							close(j.release)
						}
						jobs, started = append(jobs, j), append(started, j)
						require.NoError(t, p.QueueJob(j))
					}
					if !release {
						synctest.Wait() // every one runs on a worker of its own
						releaseAll(started...)
					}
					synctest.Wait() // done, every worker parked
				}
				round(size[tt.name], false)
				assert.Equal(t, size[tt.name], p.Stats().Live)
				if tt.resize != "" {
					require.NoError(t, p.Resize(size[tt.resize]))
					synctest.Wait()
					assert.Equal(t, min(size[tt.name], size[tt.resize]), p.Stats().Live, "a shrink retires parked workers")
				}
				round(3*small, true) // handed to parked workers, and new ones
				time.Sleep(2 * time.Second)
				synctest.Wait()
				assert.Zero(t, p.Stats().Live, "the idle timeout retired every parked worker")
				round(small, true)
				require.NoError(t, p.Close())
				p.GetFinishedWait()
				synctest.Wait()
				s := p.Stats()
				assert.Zero(t, s.Live, "Close unparked every worker")
				assert.EqualValues(t, len(jobs), s.Completed)
				for _, j := range jobs {
					assert.EqualValues(t, 1, j.runs.Load())
				}
			})
		})
	}
}
