package workerpool

import "github.com/gammazero/deque"

// This file is the pool's one ring buffer: every queue of jobs (a lane's
// waiting jobs and their numbers and times, the finished queue, a group's
// kept jobs) is a ringQueue. Its owner keeps the bound (the intake's is
// shared by all lanes); the ring keeps the one capacity rule.

// maxPrealloc caps the slots a queue reserves up front, so that a huge
// bufferSize does not allocate its whole capacity before it is used. Beyond
// it a queue grows by doubling as items arrive.
const maxPrealloc = 4096

// A ringQueue is a FIFO ring buffer over a [deque.Deque], which wraps its
// head and tail around a power-of-two buffer and zeroes popped slots (so a
// retrieved job can be collected). Its capacity rule:
//
//   - its first push allocates base slots (at least 16), and it never
//     shrinks below them, so a queue that cycles within base items
//     allocates once;
//   - while it is pushed it keeps the highest capacity it grew to (a deque
//     shrinks once a quarter full, so a queue that cycles through more than
//     base items would otherwise allocate on every cycle);
//   - once drained (release), a capacity above keep, four times its usual
//     size, is a burst's and is given back: it starts again from base.
//
// The zero ringQueue is an empty queue with base 0 and keep 64.
type ringQueue[T any] struct {
	d    deque.Deque[T]
	base int // capacity allocated up front and kept however few items it holds, <= maxPrealloc
	keep int // capacity kept once drained: 4*max(min(usual size, maxPrealloc), 16); 0: 64
}

// init readies a queue that holds up to usual items at a time in normal
// use (a bound, or the size to expect where there is none) and allocates
// base of them at its first push (both capped at maxPrealloc). It
// allocates nothing yet.
func (q *ringQueue[T]) init(base, usual int) {
	q.base = min(base, maxPrealloc)
	q.keep = 4 * max(min(usual, maxPrealloc), 16)
	q.d.SetBaseCap(q.base)
}

// len returns how many items are queued.
func (q *ringQueue[T]) len() int { return q.d.Len() }

// push adds v at the back, keeping the capacity the queue has grown to.
func (q *ringQueue[T]) push(v T) {
	if n := q.d.Len(); n == q.d.Cap() && n > 0 {
		q.d.SetBaseCap(2 * n) // the capacity it is about to double to
	}
	q.d.PushBack(v)
}

// pop removes and returns the front item. The caller has checked len() > 0.
func (q *ringQueue[T]) pop() T { return q.d.PopFront() }

// popBack removes and returns the back item, the newest. The caller has
// checked len() > 0.
func (q *ringQueue[T]) popBack() T { return q.d.PopBack() }

// front returns the front item, the oldest. The caller has checked len() > 0.
func (q *ringQueue[T]) front() T { return q.d.Front() }

// at returns the i-th item from the front, 0 <= i < len().
func (q *ringQueue[T]) at(i int) T { return q.d.At(i) }

// clear removes every item, zeroing their slots, and releases the queue.
func (q *ringQueue[T]) clear() {
	q.d.Clear()
	q.release()
}

// oversized reports whether the queue holds a burst's capacity: more than
// keep.
func (q *ringQueue[T]) oversized() bool { return q.d.Cap() > max(q.keep, 64) }

// release gives back an oversized queue's memory if it is empty: a
// long-lived pool does not keep its worst burst for ever.
func (q *ringQueue[T]) release() {
	if q.d.Len() == 0 && q.oversized() {
		q.d = deque.Deque[T]{}
		q.d.SetBaseCap(q.base)
	}
}
