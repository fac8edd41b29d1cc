package workerpool

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The round-robin of lanes and the list of blocked calls, on their own.

// lanes returns n lanes of the given weights (1 where none is given),
// each with one waiting job and one blocked call.
func testLanes(weights ...int) []*lane[Job] {
	ls := make([]*lane[Job], len(weights))
	for i, w := range weights {
		ls[i] = &lane[Job]{weight: w}
		ls[i].jobs.push(JobFunc(func() {}))
		ls[i].blocked.pushBack(&blockedCall[Job]{})
	}
	return ls
}

// order serves r n times, each lane keeping more waiting, and returns the
// indexes of the lanes served, as ls numbers them.
func order(r *rotation[Job], ls []*lane[Job], n int) []int {
	var got []int
	for range n {
		for i, l := range ls {
			if r.front == l {
				got = append(got, i)
			}
		}
		r.serve(true)
	}
	return got
}

func TestRotation_WeightedRoundRobin(t *testing.T) {
	ls := testLanes(3, 1, 2)
	var r rotation[Job]
	for _, l := range ls {
		r.join(l)
	}
	assert.Equal(t, []int{0, 0, 0, 1, 2, 2, 0, 0, 0, 1}, order(&r, ls, 10))
	r.leave(ls[1]) // from the middle
	assert.False(t, r.has(ls[1]))
	assert.Equal(t, 2, r.n)
	r.join(ls[1]) // back at the back, its turn afresh
	assert.Equal(t, []int{2, 2, 0, 0, 0, 1}, order(&r, ls, 6))
}

func TestRotation_LaneWithNothingMoreLeaves(t *testing.T) {
	ls := testLanes(2, 1)
	var r rotation[Job]
	r.join(ls[0])
	r.join(ls[1])
	r.serve(false) // lane 0 has nothing more: its turn ends, it leaves
	assert.False(t, r.has(ls[0]))
	assert.Same(t, ls[1], r.front)
}

// A lane served while alone keeps its place when it empties, and leaves
// when another lane joins: the newcomer goes first.
func TestRotation_LoneLaneKeepsItsPlaceUntilANewcomer(t *testing.T) {
	ls := testLanes(1, 1)
	var r rotation[Job]
	r.join(ls[0])
	ls[0].jobs.pop()
	r.serve(false)
	assert.True(t, r.has(ls[0]), "alone, it keeps its place")
	r.join(ls[1])
	assert.False(t, r.has(ls[0]), "it was served last: the newcomer goes first")
	assert.Same(t, ls[1], r.front)
}

// In admits, a lane whose turn is not over keeps its place when its last
// call is admitted, and loses the rest of its turn if its place comes round
// while it still has no call.
func TestRotation_MidTurnKeepsItsPlace(t *testing.T) {
	ls := testLanes(3, 1)
	r := rotation[Job]{k: 1, midTurn: true}
	r.join(ls[0])
	r.join(ls[1])
	ls[0].blocked.popFront()
	r.serve(false) // 1 of its 3
	assert.Same(t, ls[0], r.front, "mid-turn, it keeps its place")
	ls[0].blocked.pushBack(&blockedCall[Job]{}) // its caller is back
	r.serve(true)                               // 2 of 3
	assert.Same(t, ls[0], r.front)
	ls[0].blocked.popFront()
	r.serve(false) // 3 of 3: its turn is over and it has nothing: it leaves
	assert.False(t, r.has(ls[0]))
	assert.Same(t, ls[1], r.front)

	ls[0].blocked.pushBack(&blockedCall[Job]{})
	r.join(ls[0])
	r.serve(true) // lane 1's turn; lane 0 next
	ls[0].blocked.popFront()
	r.serve(false) // 1 of 3, mid-turn, no call
	assert.Same(t, ls[1], r.frontWaiting(), "a front with nothing loses the rest of its turn")
	assert.False(t, r.has(ls[0]))
}

func TestCalls_FIFOWithRemovalFromAnywhere(t *testing.T) {
	var c calls[Job]
	bcs := []*blockedCall[Job]{{}, {}, {}, {}}
	for _, bc := range bcs {
		c.pushBack(bc)
	}
	c.remove(bcs[2])
	c.remove(bcs[0])
	assert.Equal(t, 2, c.n)
	assert.Same(t, bcs[1], c.popFront())
	assert.Same(t, bcs[3], c.popFront())
	assert.Zero(t, c.n)
	assert.Nil(t, c.head)
	assert.Nil(t, c.tail)
}
