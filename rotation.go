package workerpool

// This file is the round-robin of lanes the intake takes turns by (see
// intake.go for the rule), and the list of a lane's blocked calls.

// A rotation is a weighted round-robin of lanes, the front one served next:
// p.in.turns of the lanes with jobs waiting, p.in.admits of those with blocked
// calls. It is a circular doubly linked list through the lanes' links[k],
// so that joining, leaving from anywhere and rotating cost O(1) however
// many lanes there are.
//
// A lane is served up to its weight times in a row (its turn), then moves
// to the back. Every lane with something waiting is in its rotation (unless
// benched), and every other lane is out, with two exceptions, both lanes
// that have nothing waiting now but are likely to again at once:
//
//   - A lane served while alone keeps its place when it empties, so that the
//     pool's own lane, alone, costs no rotation operation per job while the
//     intake empties and refills, or while its producer blocks and is
//     admitted slot by slot. join drops it when another lane joins (it was
//     served last, so the newcomer goes first).
//   - In admits (midTurn set), a lane whose turn is not over keeps its place
//     when its last blocked call is admitted: that call's producer is about
//     to come back with its next job, and a group of weight w is admitted w
//     calls per round even when one producer feeds it. If its place comes
//     round while it still has no call, its turn ends there (see
//     frontWaiting).
type rotation[J Job] struct {
	k       int      // which of a lane's links this rotation uses
	midTurn bool     // a lane whose turn is not over keeps its place with nothing waiting
	front   *lane[J] // served next; nil when the rotation is empty
	n       int      // lanes in the rotation
}

// A link is a lane's place in one rotation; next is nil while it is out.
type link[J Job] struct {
	prev, next *lane[J]
	served     int // times served in its current turn, < the lane's weight; 0 while out
}

// has reports whether l is in the rotation.
func (r *rotation[J]) has(l *lane[J]) bool { return l.links[r.k].next != nil }

// join adds l, which is not in the rotation, at the back: its turn comes
// after every lane's already there. A lone lane that kept its place with
// nothing waiting and its turn over leaves first.
func (r *rotation[J]) join(l *lane[J]) {
	if r.n == 1 && r.empty(r.front) && r.front.links[r.k].served == 0 {
		r.leave(r.front) // it was served last: l goes first
	}
	ll := &l.links[r.k]
	if r.front == nil {
		ll.prev, ll.next, r.front = l, l, l
	} else {
		back := r.front.links[r.k].prev
		ll.prev, ll.next = back, r.front
		back.links[r.k].next = l
		r.front.links[r.k].prev = l
	}
	r.n++
}

// empty reports whether l has nothing waiting in this rotation's sense.
func (r *rotation[J]) empty(l *lane[J]) bool {
	if r.k == 0 {
		return l.jobs.len() == 0
	}
	return l.blocked.n == 0
}

// frontWaiting returns the front lane after ending the turns of the lanes
// at the front that kept their place mid-turn and still have nothing. The
// caller has checked that a lane in the rotation has something waiting.
func (r *rotation[J]) frontWaiting() *lane[J] {
	for r.empty(r.front) {
		r.leave(r.front)
	}
	return r.front
}

// serve counts one serving of the front lane, which has more waiting or
// not. Its turn goes on until it was served its weight times, or it has
// nothing more (unless midTurn); then it moves to the back, or leaves if
// it has nothing more. A lane alone stays, as the type says.
func (r *rotation[J]) serve(more bool) {
	l := r.front
	ll := &l.links[r.k]
	if ll.served++; ll.served < l.weight && (more || r.midTurn) {
		return
	}
	ll.served = 0
	switch {
	case r.n == 1:
	case !more:
		r.leave(l)
	default:
		r.front = ll.next
	}
}

// leave takes l out of the rotation, wherever it is, ending its turn; it
// does nothing if l is out.
func (r *rotation[J]) leave(l *lane[J]) {
	ll := &l.links[r.k]
	if ll.next == nil {
		return
	}
	r.n--
	switch {
	case r.n == 0:
		r.front = nil
	default:
		ll.prev.links[r.k].next = ll.next
		ll.next.links[r.k].prev = ll.prev
		if r.front == l {
			r.front = ll.next
		}
	}
	ll.prev, ll.next, ll.served = nil, nil, 0
}

// calls is a FIFO of blocked queuing calls, a doubly linked list through
// their blockedCall entries, so that a call that gives up leaves it in O(1).
type calls[J Job] struct {
	head, tail *blockedCall[J] // oldest, newest; nil when n == 0
	n          int             // calls in the list
}

// pushBack adds bc, which is in no list, at the back.
func (c *calls[J]) pushBack(bc *blockedCall[J]) {
	bc.prev, bc.next = c.tail, nil
	if c.tail == nil {
		c.head = bc
	} else {
		c.tail.next = bc
	}
	c.tail = bc
	c.n++
}

// popFront removes and returns the oldest call. The caller has checked n > 0.
func (c *calls[J]) popFront() *blockedCall[J] {
	bc := c.head
	c.remove(bc)
	return bc
}

// remove takes bc, which is in the list, out of it.
func (c *calls[J]) remove(bc *blockedCall[J]) {
	if bc.prev == nil {
		c.head = bc.next
	} else {
		bc.prev.next = bc.next
	}
	if bc.next == nil {
		c.tail = bc.prev
	} else {
		bc.next.prev = bc.prev
	}
	bc.prev, bc.next = nil, nil
	c.n--
}
