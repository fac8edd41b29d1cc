package workerpool_test

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// hashJob is the README's quick-start job.
type hashJob struct {
	data []byte
	sum  [32]byte // the result lives in the job
}

func (j *hashJob) Run() { j.sum = sha256.Sum256(j.data) }

// TestReadme_QuickStartRunsToTheEnd runs the README's quick start as written,
// with 10,000 jobs: far more than the 2*bufferSize + workers a pool holds
// while nobody retrieves, which is where queuing everything before
// retrieving deadlocks.
func TestReadme_QuickStartRunsToTheEnd(t *testing.T) {
	blocks := make([][]byte, 10_000)
	for i := range blocks {
		blocks[i] = fmt.Appendf(nil, "block %d", i)
	}

	pool, err := workerpool.New[*hashJob](4, 16, true) // 4 workers, queues of 16, keep finished jobs
	require.NoError(t, err)
	go func() {
		defer pool.Close() // no more jobs: the waiting ones still run
		for _, b := range blocks {
			if err := pool.QueueJob(&hashJob{data: b}); err != nil {
				return // workerpool.ErrClosed: the pool was stopped
			}
		}
	}()
	n := 0
	for job := range pool.Finished() { // ends when the pool is done
		require.Equal(t, sha256.Sum256(job.data), job.sum)
		n++
	}
	assert.Equal(t, len(blocks), n)
	assert.Equal(t, workerpool.Stats{Workers: 4, Queued: 10_000, Completed: 10_000, Retrieved: 10_000}, pool.Stats())
}
