package workerpool

import (
	"runtime"
	"testing"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRingQueue_FIFOWithinLimit(t *testing.T) {
	q := newRingQueue[*int](3)
	vals := []int{1, 2, 3, 4, 5, 6, 7}
	// Wrap around the ring several times.
	for round := range 3 {
		for i := range 3 {
			q.Push(&vals[round+i])
		}
		require.Equal(t, 3, q.Len())
		assert.PanicsWithValue(t, "workerpool: ringQueue overflow", func() { q.Push(&vals[0]) })
		for i := range 3 {
			require.Same(t, &vals[round+i], q.Pop())
		}
		require.Zero(t, q.Len())
	}
}

// Popped slots are zeroed, so jobs that left can be collected.
func TestRingQueue_ZeroesSlots(t *testing.T) {
	q := newRingQueue[*[64]byte](4)
	var refs []weak.Pointer[[64]byte]
	for range 3 {
		job := new([64]byte)
		refs = append(refs, weak.Make(job))
		q.Push(job)
	}
	for q.Len() > 0 {
		q.Pop()
	}
	runtime.GC()
	for i, ref := range refs {
		assert.Nil(t, ref.Value(), "job %d is still referenced by the ring", i)
	}
	runtime.KeepAlive(q)
}

func TestRingQueue_HugeLimitDoesNotPreallocate(t *testing.T) {
	q := newRingQueue[int](1 << 40)
	q.Push(1)
	assert.LessOrEqual(t, q.buf.Cap(), maxPrealloc)
}

func TestFinishedLimit(t *testing.T) {
	assert.Equal(t, 2*4+3, finishedLimit(3, 4))
	assert.Equal(t, 3, finishedLimit(3, 0))
	assert.Equal(t, int(^uint(0)>>1), finishedLimit(3, int(^uint(0)>>1)))
}
