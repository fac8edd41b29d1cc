package pooltest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

func TestKnown_HasTheDocumentedStats(t *testing.T) {
	p, err := Known()
	require.NoError(t, err)
	defer p.Stop()
	assert.Equal(t, workerpool.Stats{Workers: 2, Live: 2, Queued: 4, Waiting: 2, Finished: 1, Completed: 2, Rejected: 1, Paused: true,
		Failed: 1, Dropped: 1, Groups: 1}, p.Stats())
}

func TestRun_EndsWithEveryJobRetrieved(t *testing.T) {
	p, err := workerpool.New[workerpool.Job](2, 4, true)
	require.NoError(t, err)
	Run(p, 2, 500)()
	s := p.Stats()
	assert.Equal(t, uint64(1000), s.Queued)
	assert.Equal(t, uint64(500), s.Retrieved, "the pool's own jobs")
	assert.Equal(t, uint64(500), s.Dropped, "the groups' jobs")
	assert.False(t, s.Paused)
}
