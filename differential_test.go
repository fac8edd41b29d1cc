package workerpool_test

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
	"github.com/seed761c1f22/workerpool/internal/chanpool"
)

// refPool is what Pool and the channel reference have in common.
type refPool interface {
	QueueJob(job *gatedJob) error
	GetFinished() (*gatedJob, bool)
	GetFinishedWait() (*gatedJob, bool)
	Close() error
	Stop() error
}

// gatedJob records its runs and, if gated, runs until its gate is closed.
type gatedJob struct {
	id      int
	runs    atomic.Int32
	started chan struct{} // closed when it starts, if gated
	gate    chan struct{} // nil: returns at once
}

func (j *gatedJob) Run() {
	j.runs.Add(1)
	if j.gate != nil {
		close(j.started)
		<-j.gate
	}
}

var impls = []struct {
	name string
	new  func(workers, buf int, queueFinished bool) refPool
}{
	{"cond", func(w, b int, q bool) refPool {
		p, err := workerpool.New[*gatedJob](w, b, q)
		if err != nil {
			panic(err)
		}
		return p
	}},
	{"chan", func(w, b int, q bool) refPool { return chanpool.New[*gatedJob](w, b, q) }},
}

// outcome is what the same script produced on one implementation.
type outcome struct {
	ran       []int // ids of the jobs that ran, each once
	retrieved []int // ids retrieved, in order for a single worker
}

// retrieveAll returns the ids of the finished jobs, in order, until p is done.
func retrieveAll(p refPool) []int {
	var ids []int
	for {
		j, done := p.GetFinishedWait()
		if done {
			return ids
		}
		ids = append(ids, j.id)
	}
}

// TestDifferential_CloseRunsTheSameJobs queues random job sets into both
// implementations, drains them while queuing, closes, and checks that the
// same jobs ran exactly once and were retrieved in the same order (one
// worker) or as the same set (several workers).
func TestDifferential_CloseRunsTheSameJobs(t *testing.T) {
	for trial := range 40 {
		workers, buf, n := 1+rand.IntN(8), rand.IntN(9), rand.IntN(200)
		t.Run(fmt.Sprintf("%d/workers=%d/buf=%d/jobs=%d", trial, workers, buf, n), func(t *testing.T) {
			var outcomes []outcome
			for _, impl := range impls {
				synctest.Test(t, func(t *testing.T) {
					p := impl.new(workers, buf, true)
					jobs := make([]*gatedJob, n)
					for i := range jobs {
						jobs[i] = &gatedJob{id: i}
					}
					go func() {
						for _, j := range jobs {
							assert.NoError(t, p.QueueJob(j))
						}
						assert.NoError(t, p.Close())
					}()
					got := outcome{retrieved: retrieveAll(p)}
					for _, j := range jobs {
						require.LessOrEqual(t, j.runs.Load(), int32(1), "%s ran job %d twice", impl.name, j.id)
						if j.runs.Load() == 1 {
							got.ran = append(got.ran, j.id)
						}
					}
					outcomes = append(outcomes, got)
				})
			}
			require.Len(t, outcomes[0].ran, n, "cond runs every job")
			assert.Equal(t, outcomes[1].ran, outcomes[0].ran)
			if workers == 1 {
				assert.Equal(t, outcomes[1].retrieved, outcomes[0].retrieved)
			} else {
				assert.ElementsMatch(t, outcomes[1].retrieved, outcomes[0].retrieved)
			}
		})
	}
}

// TestDifferential_StopSkipsTheSameJobs occupies every worker with a gated
// job, queues more jobs behind them, stops, and checks that both
// implementations complete exactly the running jobs and skip the rest, and
// refuse jobs after Stop.
func TestDifferential_StopSkipsTheSameJobs(t *testing.T) {
	for _, cfg := range []struct{ workers, buf int }{{1, 1}, {2, 4}, {4, 8}, {3, 0}} {
		t.Run(fmt.Sprintf("workers=%d/buf=%d", cfg.workers, cfg.buf), func(t *testing.T) {
			var outcomes []outcome
			for _, impl := range impls {
				synctest.Test(t, func(t *testing.T) {
					p := impl.new(cfg.workers, cfg.buf, true)
					var jobs []*gatedJob
					gate := make(chan struct{})
					for i := range cfg.workers {
						j := &gatedJob{id: i, gate: gate, started: make(chan struct{})}
						jobs = append(jobs, j)
						require.NoError(t, p.QueueJob(j))
						<-j.started
					}
					for i := range cfg.buf {
						j := &gatedJob{id: cfg.workers + i}
						jobs = append(jobs, j)
						require.NoError(t, p.QueueJob(j))
					}
					require.NoError(t, p.Stop())
					require.Error(t, p.QueueJob(&gatedJob{id: -1}), "%s accepted a job after Stop", impl.name)
					close(gate)
					got := outcome{retrieved: retrieveAll(p)}
					for _, j := range jobs {
						if j.runs.Load() == 1 {
							got.ran = append(got.ran, j.id)
						}
					}
					outcomes = append(outcomes, got)
				})
			}
			assert.Len(t, outcomes[0].ran, cfg.workers, "only the running jobs complete")
			assert.Equal(t, outcomes[1].ran, outcomes[0].ran)
			assert.ElementsMatch(t, outcomes[1].retrieved, outcomes[0].retrieved)
		})
	}
}
