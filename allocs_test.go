//go:build !race

package workerpool_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed761c1f22/workerpool"
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

// TestNoAllocationsPerGroupJob pins the same for jobs of a long-lived group,
// kept for Finished or dropped, and measures what a group itself costs:
// NewGroup, one job, Wait.
func TestNoAllocationsPerGroupJob(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(map[bool]string{false: "dropped", true: "kept"}[keep], func(t *testing.T) {
			p := newPool[*countJob](t, 4, 64, false)
			defer p.Close()
			var opts []workerpool.GroupOption
			if keep {
				opts = append(opts, workerpool.KeepFinished())
			}
			g := p.NewGroup(context.Background(), opts...)
			jobs := make([]*countJob, 40)
			for i := range jobs {
				jobs[i] = &countJob{}
			}
			round := func() {
				for _, j := range jobs {
					_ = g.QueueJob(j)
				}
				_, _ = g.QueueJobs(jobs...)
				_ = p.WaitIdle(context.Background())
				if keep {
					n := 0
					for range g.Finished() {
						if n++; n == 2*len(jobs) {
							break
						}
					}
				}
			}
			for range 50 {
				round()
			}
			allocs := testing.AllocsPerRun(200, round)
			t.Logf("allocations per round of %d group jobs: %.2f", 2*len(jobs), allocs)
			assert.Zero(t, allocs)
		})
	}
	t.Run("a group", func(t *testing.T) {
		p := newPool[*countJob](t, 2, 16, false)
		defer p.Close()
		job := &countJob{}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for _, tt := range []struct {
			name string
			ctx  context.Context
		}{{"background", context.Background()}, {"cancellable", ctx}} {
			allocs := testing.AllocsPerRun(200, func() {
				g := p.NewGroup(tt.ctx)
				_ = g.QueueJob(job)
				_ = g.Wait()
			})
			t.Logf("allocations of NewGroup, one job and Wait, ctx %s: %.0f", tt.name, allocs)
			assert.LessOrEqual(t, allocs, 8.0)
		}
	})
}
