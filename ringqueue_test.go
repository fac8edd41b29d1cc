package workerpool

import (
	"runtime"
	"testing"
	"weak"

	"github.com/stretchr/testify/assert"
)

// The one capacity rule of ringQueue, on its own.

func TestRingQueue_FIFO(t *testing.T) {
	var q ringQueue[int]
	for i := range 100 {
		q.push(i)
	}
	assert.Equal(t, 100, q.len())
	assert.Equal(t, 7, q.at(7))
	for i := range 100 {
		assert.Equal(t, i, q.pop())
	}
	assert.Zero(t, q.len())
}

func TestRingQueue_BaseCapacityUpToMaxPrealloc(t *testing.T) {
	var small, huge ringQueue[int]
	small.init(100, 100)
	huge.init(1<<40, 1<<40)
	assert.Equal(t, 100, small.base)
	assert.Equal(t, maxPrealloc, huge.base, "a huge bound does not preallocate")
	assert.Zero(t, huge.d.Cap(), "init allocates nothing")
	huge.push(1)
	assert.Equal(t, maxPrealloc, huge.d.Cap())
}

// A queue that cycles through more than its base capacity allocates once:
// it keeps the highest capacity while it is pushed, where a deque alone
// shrinks once a quarter full and grows again on the next cycle.
func TestRingQueue_CyclingAllocatesOnce(t *testing.T) {
	var q ringQueue[int]
	q.init(16, 16)
	cycle := func() {
		for i := range 1000 {
			q.push(i)
		}
		for q.len() > 0 {
			q.pop()
		}
	}
	cycle()
	assert.Zero(t, testing.AllocsPerRun(10, func() {
		for i := range 1000 {
			q.push(i)
		}
		for q.len() > 10 {
			q.pop()
		}
		for q.len() > 0 { // below a quarter: a deque alone would shrink here
			q.pop()
		}
	}))
}

// Once drained, a queue a burst grew beyond four times its base is given
// back; one within that is kept.
func TestRingQueue_ReleaseGivesBackABurst(t *testing.T) {
	var q ringQueue[int]
	q.init(16, 16)
	for i := range 64 {
		q.push(i)
	}
	q.release()
	assert.Equal(t, 64, q.d.Cap(), "not empty: kept")
	for q.len() > 0 {
		q.pop()
	}
	q.release()
	assert.Equal(t, 64, q.d.Cap(), "4×base: kept")
	for i := range 1000 {
		q.push(i)
	}
	q.clear()
	assert.Zero(t, q.d.Cap(), "a burst: given back")
	q.push(1)
	assert.Equal(t, 16, q.d.Cap(), "and it starts again from base")
}

// boxed is large enough to stay out of the tiny allocator, whose blocks
// other objects can keep alive.
type boxed struct {
	n int
	_ [56]byte
}

func TestRingQueue_PoppedItemsCanBeCollected(t *testing.T) {
	var q ringQueue[*boxed]
	refs := pushBoxed(&q, 3)
	drain(&q)
	runtime.GC()
	for i, ref := range refs {
		assert.Nil(t, ref.Value(), "item %d is still referenced by the queue", i)
	}
	runtime.KeepAlive(&q)
}

// pushBoxed pushes n new items and returns weak pointers to them; it keeps
// no reference to them on the caller's stack.
//
//go:noinline
func pushBoxed(q *ringQueue[*boxed], n int) []weak.Pointer[boxed] {
	var refs []weak.Pointer[boxed]
	for i := range n {
		b := &boxed{n: i}
		refs = append(refs, weak.Make(b))
		q.push(b)
	}
	return refs
}

// drain pops every item, keeping none on the caller's stack.
//
//go:noinline
func drain(q *ringQueue[*boxed]) {
	for q.len() > 0 {
		q.pop()
	}
}
