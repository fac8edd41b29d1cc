//go:build !race

package workerpool_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNoAllocationsPerJob pins that a warmed-up pool allocates nothing per
// job: queuing (handed to a worker, queued, or blocked for room), running,
// finishing, retrieving. The race detector allocates, so this file is built
// without it; make test runs it separately.
func TestNoAllocationsPerJob(t *testing.T) {
	tests := []struct {
		name          string
		workers, buf  int
		queueFinished bool
		batch         int
	}{
		{"unbuffered", 2, 0, false, 1},
		{"small buffer, results", 2, 1, true, 8},
		{"large buffer, results", 4, 64, true, 64},
		{"many workers", 16, 8, false, 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPool[*countJob](t, tt.workers, tt.buf, tt.queueFinished)
			defer p.Close()
			jobs := make([]*countJob, tt.batch)
			for i := range jobs {
				jobs[i] = &countJob{}
			}
			round := func() {
				done := make(chan struct{}) // the only allocation: the test's own
				if tt.queueFinished {
					go func() {
						for range 2 * tt.batch {
							p.GetFinishedWait()
						}
						close(done)
					}()
				} else {
					close(done)
				}
				for _, j := range jobs {
					_ = p.QueueJob(j)
				}
				_, _ = p.QueueJobs(jobs...)
				<-done
				_ = p.WaitIdle(context.Background())
			}
			for range 50 {
				round() // warm up: queues, producer entries and goroutine stacks grow once
			}
			withPool := testing.AllocsPerRun(200, round)
			// The round's own channel and goroutine: measured without the pool.
			baseline := testing.AllocsPerRun(200, func() {
				done := make(chan struct{})
				if tt.queueFinished {
					go func() { close(done) }()
				} else {
					close(done)
				}
				<-done
			})
			t.Logf("allocations per round of %d jobs: %.2f (the round itself: %.2f)", 2*tt.batch, withPool, baseline)
			assert.LessOrEqual(t, withPool, baseline, "allocations per round of %d jobs", 2*tt.batch)
		})
	}
}
