package workerpool

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The crew's count of handed workers (see yieldIfAhead): every worker
// counted as handed a job is uncounted as it picks the job up, whichever
// way it got it (a new worker, an idle one, Resume, a Resize that grows
// the pool) and across a Resize that turns the count off and on. (An
// internal test: the yield it drives leaves nothing a caller could see.)
func TestCrew_HandedWorkersAreCountedUntilTheyRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		large := 5 * spinAbove * runtime.GOMAXPROCS(0)
		p, err := New[JobFunc](large, 16, false, WithIdleTimeout(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var runs atomic.Int64
		job := JobFunc(func() { runs.Add(1); time.Sleep(time.Millisecond) })
		queue := func(callers, each int) {
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					for i := range each {
						if i%2 == 0 && p.TryQueueJob(job) == nil {
							continue
						}
						if err := p.QueueJob(job); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
			if err := p.WaitIdle(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		check := func(stage string) {
			t.Helper()
			if n := p.crew.handed.Load(); n != 0 {
				t.Fatalf("%s: %d workers still counted as handed a job", stage, n)
			}
		}
		queue(1, 3*large) // one caller far ahead of the workers
		check("one caller")
		queue(8, large) // many callers, idle workers reused
		check("many callers")
		p.Pause()
		for range 16 { // into the intake
			if err := p.QueueJob(job); err != nil {
				t.Fatal(err)
			}
		}
		p.Resume() // dispatched to idle workers
		if err := p.WaitIdle(context.Background()); err != nil {
			t.Fatal(err)
		}
		check("resume")
		if err := p.Resize(runtime.GOMAXPROCS(0)); err != nil { // not counted in a pool sized to the machine
			t.Fatal(err)
		}
		queue(4, 2*large)
		if err := p.Resize(large); err != nil { // counted again
			t.Fatal(err)
		}
		queue(4, large)
		check("resizes")
		queue(2, large)
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // every worker exited
		check("close")
		if live := p.Stats().Live; live != 0 {
			t.Fatalf("Live = %d after Close", live)
		}
		if want := int64(3*large + 8*large + 16 + 8*large + 4*large + 2*large); runs.Load() != want {
			t.Fatalf("%d jobs ran, want %d", runs.Load(), want)
		}
	})
}
