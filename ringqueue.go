package workerpool

import "github.com/gammazero/deque"

// maxPrealloc caps the slots a ringQueue reserves up front, so that a huge
// bufferSize does not allocate its whole capacity before it is used. Beyond
// it the deque grows by doubling as jobs arrive.
const maxPrealloc = 4096

// ringQueue is a bounded FIFO of jobs over a ring buffer ([deque.Deque]):
// the pool's finished queue.
//
// It is not safe for concurrent use; it is guarded by the pool's mutex.
// Its capacity is set by newRingQueue and only ever raised, by Grow. Popped slots are zeroed by the
// deque, so a job that left the queue can be garbage collected.
type ringQueue[J any] struct {
	buf   deque.Deque[J] // the jobs in FIFO order; buf.Len() <= limit
	limit int            // capacity: set at construction, raised only by Grow
}

// newRingQueue returns an empty queue that holds at most limit jobs.
func newRingQueue[J any](limit int) *ringQueue[J] {
	q := &ringQueue[J]{limit: limit}
	// With the base capacity set, the deque never shrinks below it, so a
	// queue that cycles within min(limit, maxPrealloc) jobs allocates once.
	q.buf.SetBaseCap(min(limit, maxPrealloc))
	return q
}

// Len returns the number of jobs in the queue.
func (q *ringQueue[J]) Len() int { return q.buf.Len() }

// Push appends job at the back. The caller must know there is room: the
// finished queue is sized for every job a pool can hold (see finishedLimit).
func (q *ringQueue[J]) Push(job J) {
	if q.buf.Len() >= q.limit {
		panic("workerpool: ringQueue overflow") // a broken invariant, never user input
	}
	q.buf.PushBack(job)
}

// Pop removes and returns the job at the front. The caller must have checked Len() > 0.
func (q *ringQueue[J]) Pop() J { return q.buf.PopFront() }

// Grow raises the capacity to limit if it is lower.
func (q *ringQueue[J]) Grow(limit int) { q.limit = max(q.limit, limit) }

// pushKeep appends v to d, and keeps d from shrinking below the capacity it
// grows to: a deque shrinks once a quarter full, so a queue that cycles
// through more than its base capacity would allocate on every cycle. Memory
// stays at the queue's high-water mark instead.
func pushKeep[T any](d *deque.Deque[T], v T) {
	if d.Len() == d.Cap() {
		keepCap(d)
	}
	d.PushBack(v)
}

// keepCap makes the capacity d is about to double to its base capacity.
func keepCap[T any](d *deque.Deque[T]) {
	if n := d.Len(); n > 0 {
		d.SetBaseCap(2 * n)
	}
}
