package workerpool

import (
	"runtime"
	"sync"
	"testing"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newFinished returns a finished queue of a pool with workers workers and
// bufferSize, and a worker to push jobs with.
func newFinished[J Job](workers, bufferSize int) (*finishedQueue[J], *worker[J]) {
	var mu sync.Mutex
	q := &finishedQueue[J]{}
	q.init(&mu, workers, bufferSize)
	w := &worker[J]{}
	w.park.ready.L = &w.park.mu
	w.hold.L = &mu
	return q, w
}

// intJob is large enough to stay out of the tiny allocator, whose blocks
// other objects can keep alive.
type intJob struct {
	n int
	_ [56]byte
}

func (*intJob) Run() {}

func TestFinishedQueue_FIFOWithinLimit(t *testing.T) {
	q, w := newFinished[*intJob](1, 1) // limit 2*1 + 1
	vals := []intJob{{n: 1}, {n: 2}, {n: 3}, {n: 4}, {n: 5}, {n: 6}, {n: 7}}
	// Wrap around the ring several times, closed so that no worker is held.
	for round := range 3 {
		for i := range 3 {
			w.job = &vals[round+i]
			q.push(w, false)
		}
		require.Equal(t, 3, q.len())
		assert.PanicsWithValue(t, "workerpool: finished queue overflow", func() { q.push(w, false) })
		for i := range 3 {
			require.Same(t, &vals[round+i], q.pop())
		}
		require.Zero(t, q.len())
	}
	assert.Zero(t, q.held())
}

// Beyond bufferSize the pushing worker is held, oldest first, and each pop
// releases the oldest holder; releaseAll releases the rest.
func TestFinishedQueue_HoldsBeyondBufferSize(t *testing.T) {
	q, _ := newFinished[*intJob](3, 1)
	ws := make([]*worker[*intJob], 4)
	for i := range ws {
		_, ws[i] = newFinished[*intJob](1, 1)
		ws[i].job = &intJob{n: i}
		q.push(ws[i], true)
	}
	assert.Equal(t, 4, q.len())
	assert.Equal(t, 3, q.held())
	assert.False(t, ws[0].holding)
	assert.True(t, ws[1].holding && ws[2].holding && ws[3].holding)

	assert.Equal(t, 0, q.pop().n)
	assert.False(t, ws[1].holding, "the oldest holder is released first")
	assert.True(t, ws[2].holding && ws[3].holding)
	assert.Equal(t, 2, q.held())

	q.releaseAll()
	assert.Zero(t, q.held())
	assert.False(t, ws[2].holding || ws[3].holding)
	assert.Equal(t, 3, q.len(), "releasing holders keeps their jobs queued")
}

// Popped slots are zeroed, so jobs that left can be collected.
func TestFinishedQueue_ZeroesSlots(t *testing.T) {
	q, w := newFinished[*intJob](2, 1)
	var refs []weak.Pointer[intJob]
	for i := range 3 {
		job := &intJob{n: i}
		refs = append(refs, weak.Make(job))
		w.job = job
		q.push(w, false)
	}
	w.job = nil
	for q.len() > 0 {
		q.pop()
	}
	runtime.GC()
	for i, ref := range refs {
		assert.Nil(t, ref.Value(), "job %d is still referenced by the queue", i)
	}
	runtime.KeepAlive(q)
}

func TestFinishedQueue_HugeLimitDoesNotPreallocate(t *testing.T) {
	q, w := newFinished[*intJob](1, 1<<40)
	w.job = &intJob{}
	q.push(w, true)
	assert.LessOrEqual(t, q.jobs.d.Cap(), maxPrealloc)
}

func TestFinishedLimit(t *testing.T) {
	assert.Equal(t, 2*4+3, finishedLimit(3, 4))
	assert.Equal(t, 3, finishedLimit(3, 0))
	assert.Equal(t, int(^uint(0)>>1), finishedLimit(3, int(^uint(0)>>1)))
}
