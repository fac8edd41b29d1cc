package workerpool_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// Regression tests for the bugs found by running other pools' test suites
// against this one and by first use.

func TestRegression_TryQueueJobNilOnClosedPoolIsErrClosed(t *testing.T) {
	p := newPool[*countJob](t, 1, 1, false)
	require.NoError(t, p.Close())
	assert.ErrorIs(t, p.TryQueueJob(nil), workerpool.ErrClosed, "ErrClosed comes before ErrNilJob")
}

// A fresh pool's workers count as idle from the moment New returns, so the
// pool accepts workers + bufferSize jobs without blocking.
func TestRegression_FreshPoolIsReadyAtOnce(t *testing.T) {
	tests := []struct{ workers, buf int }{{1, 0}, {2, 0}, {1, 1}, {3, 2}, {8, 0}}
	for _, tt := range tests {
		for range 200 { // the race was lost nearly every time; repeat to be sure
			p := newPool[*blockJob](t, tt.workers, tt.buf, false)
			jobs := make([]*blockJob, tt.workers+tt.buf)
			for i := range jobs {
				jobs[i] = newBlockJob(i)
				require.NoError(t, p.TryQueueJob(jobs[i]), "workers=%d buf=%d job %d", tt.workers, tt.buf, i)
			}
			require.ErrorIs(t, p.TryQueueJob(newBlockJob(-1)), workerpool.ErrQueueFull)
			s := p.Stats()
			assert.Equal(t, tt.workers, s.Running, "%+v", s)
			assert.Equal(t, tt.buf, s.Waiting, "%+v", s)
			for _, j := range jobs {
				close(j.release)
			}
			require.NoError(t, p.Close())
			p.GetFinishedWait()
		}
	}
}

// cancelJob cancels the pool's WithContext context from inside a job, once released.
type cancelJob struct {
	countJob
	release chan struct{}
	cancel  context.CancelFunc
}

func (j *cancelJob) Run() {
	j.runs.Add(1)
	<-j.release
	j.cancel()
}

func TestRegression_NoWaitingJobStartsAfterWithContextEnded(t *testing.T) {
	for range 50 {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := newPool[workerpool.Job](t, 1, 4, false, workerpool.WithContext(ctx))
			first := &cancelJob{release: make(chan struct{}), cancel: cancel}
			behind := []*countJob{{}, {}, {}}
			require.NoError(t, p.QueueJob(first)) // handed to the idle worker
			for _, j := range behind {
				require.NoError(t, p.TryQueueJob(j))
			}
			close(first.release)
			_, done := p.GetFinishedWait()
			require.True(t, done)
			assert.EqualValues(t, 1, first.runs.Load())
			for i, j := range behind {
				assert.Zero(t, j.runs.Load(), "job %d behind the cancelling job started", i)
			}
			assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 4, Completed: 1, Skipped: 3, Dropped: 1}, p.Stats())
		})
	}
}

// The standard graceful shutdown lost work: with WithContext(ctx), one long
// job running and 40 waiting, cancel() then StopAndCollect() collected 0
// jobs, because the context's watcher had already called Stop, which threw
// the 40 away. The jobs the context's stop skips are now kept for a later
// StopAndCollect, whatever the timing, and with groups their jobs too.
func TestRegression_SignalShutdownCollectsEveryUnstartedJob(t *testing.T) {
	for _, pause := range []bool{false, true} {
		for _, groups := range []bool{false, true} {
			t.Run(fmt.Sprintf("pause=%v/groups=%v", pause, groups), func(t *testing.T) {
				for range 200 {
					synctest.Test(t, func(t *testing.T) {
						signalled, cancel := context.WithCancel(context.Background())
						p := newPool[*blockJob](t, 1, 64, false, workerpool.WithContext(signalled))
						long := newBlockJob(-1)
						require.NoError(t, p.QueueJob(long))
						var queued []*blockJob
						gs := []*workerpool.Group[*blockJob]{
							p.NewGroup(signalled), // a request made from the signal's context
							p.NewGroup(context.Background()),
						}
						for i := range 40 {
							j := newBlockJob(i)
							switch {
							case groups && i%3 == 1:
								require.NoError(t, gs[0].QueueJob(j))
							case groups && i%3 == 2:
								require.NoError(t, gs[1].QueueJob(j))
							default:
								require.NoError(t, p.QueueJob(j))
							}
							queued = append(queued, j)
						}
						cancel()
						if pause {
							synctest.Wait() // the context's watchers have run
						}
						left := p.StopAndCollect()
						require.Equal(t, queued, left, "every unstarted job, oldest first")
						s := p.Stats()
						assert.EqualValues(t, 40, s.Skipped)
						assert.Nil(t, p.StopAndCollect(), "handed back once")
						close(long.release)
						for _, j := range queued {
							assert.Zero(t, j.runs.Load())
						}
					})
				}
			})
		}
	}
}

// A plain Stop after the context's stop releases the kept jobs.
func TestWithContext_StopReleasesTheKeptJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p := newPool[*blockJob](t, 1, 4, false, workerpool.WithContext(ctx))
		long := newBlockJob(-1)
		require.NoError(t, p.QueueJob(long))
		require.NoError(t, p.QueueJob(newBlockJob(0)))
		cancel()
		synctest.Wait()
		require.NoError(t, p.Stop())
		assert.Nil(t, p.StopAndCollect(), "Stop released them")
		assert.EqualValues(t, 1, p.Stats().Skipped)
		close(long.release)
	})
}
