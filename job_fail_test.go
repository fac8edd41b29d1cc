package workerpool_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// failing is an ErrorJob held in a value type, to check failures are seen
// for every kind of J: a concrete ErrorJob type, an interface type, and a
// value stored in the untyped pool.
type failing struct{ err error }

func (f failing) Run()       {}
func (f failing) Err() error { return f.err }

func TestFailed_CountedForEveryKindOfJobType(t *testing.T) {
	boom := errors.New("boom")
	t.Run("concrete ErrorJob type", func(t *testing.T) {
		p := newPool[failing](t, 1, 4, false)
		_, err := p.QueueJobs(failing{boom}, failing{}, failing{boom})
		require.NoError(t, err)
		require.NoError(t, p.Close())
		p.GetFinishedWait()
		assert.EqualValues(t, 2, p.Stats().Failed)
	})
	t.Run("interface type", func(t *testing.T) {
		p := newPool[workerpool.Job](t, 1, 4, false)
		_, err := p.QueueJobs(failing{boom}, &countJob{}, failing{})
		require.NoError(t, err)
		require.NoError(t, p.Close())
		p.GetFinishedWait()
		assert.EqualValues(t, 1, p.Stats().Failed)
	})
	t.Run("type that cannot fail", func(t *testing.T) {
		p := newPool[*countJob](t, 1, 4, false)
		require.NoError(t, p.QueueJob(&countJob{}))
		require.NoError(t, p.WaitIdle(context.Background()))
		assert.Zero(t, p.Stats().Failed)
		require.NoError(t, p.Close())
	})
}
