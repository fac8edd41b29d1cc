// Package linearize checks that a workerpool's observable history is
// linearizable: that every Stats (and group Stats) snapshot is a state the
// pool really passed through at one instant between the call and its
// return. It records real call and return times of the pool's calls from
// several goroutines, and each job's own entry and return times from inside
// Run, and checks them with porcupine against a sequential model whose state
// is the counters.
package linearize

import (
	"fmt"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/seed761c1f22/workerpool"
)

// maxLanes is the number of lanes the model tracks: the pool's own jobs
// (lane 0) and up to maxLanes-1 groups.
const maxLanes = 3

// laneState is the model's counters of one lane.
type laneState struct {
	queued, waiting, running, completed, skipped, finished, retrieved, dropped, rejected int
	closed                                                                               bool
	made                                                                                 bool // a group made for this history (lanes 1 to Groups)
}

// state is the model's state: every lane's counters and whether the pool is
// closed. It is a comparable value, as porcupine's default Equal needs.
type state struct {
	lanes  [maxLanes]laneState
	closed bool
}

// opKind names an operation of the history.
type opKind int

const (
	opQueue      opKind = iota // QueueJob or TryQueueJob on a lane; output: outcome
	opStart                    // a job of a lane starts: [queuing call, Run entry]
	opComplete                 // a job of a lane completes: [Run return, its retrieval or the end]
	opGetFinish                // GetFinished or GetFinishedWait; output: got, done
	opStats                    // Stats; output: the snapshot
	opGroupStats               // Group.Stats of a lane; output: the group snapshot
	opClose                    // pool Close
	opStop                     // pool Stop
	opGroupStop                // Group.Stop of a lane
	opGroupClose               // Group.Close of a lane
)

var opNames = map[opKind]string{opQueue: "queue", opStart: "start", opComplete: "complete",
	opGetFinish: "getFinished", opStats: "stats", opGroupStats: "groupStats", opClose: "close",
	opStop: "stop", opGroupStop: "groupStop", opGroupClose: "groupClose"}

// input is what an operation was asked.
type input struct {
	op   opKind
	lane int // for lane operations
	job  int // for start and complete, the job's number (for the visualization)
}

// outcome is how a queuing call ended.
type outcome int

const (
	accepted outcome = iota
	refusedClosed
	refusedFull
)

// output is what an operation returned.
type output struct {
	outcome outcome
	got     bool // getFinished: a job was returned
	done    bool // getFinished: the pool reported done
	stats   workerpool.Stats
	group   workerpool.GroupStats
}

// newModel returns the sequential specification of a pool with workers
// workers and bufferSize buf; queueFinished says where the pool's own
// finished jobs go (groups here drop theirs).
//
// groups is how many groups the history uses (lanes 1 to groups), and
// limits[i] the Limit of lane i's group (0: none): a job of a group at its
// limit cannot start.
func newModel(workers, buf int, queueFinished bool, groups int, limits [maxLanes]int) porcupine.Model {
	return porcupine.Model{
		Init: func() any {
			var s state
			for i := 1; i <= groups; i++ {
				s.lanes[i].made = true
			}
			return s
		},
		Step: func(st, in, out any) (bool, any) {
			return step(st.(state), in.(input), out.(output), workers, buf, queueFinished, limits)
		},
		DescribeOperation: describeOperation,
		DescribeState:     func(st any) string { return fmt.Sprintf("%+v", st.(state).lanes) },
	}
}

// step applies one operation to s, reporting whether the pool could have
// returned out from state s.
func step(s state, in input, out output, workers, buf int, queueFinished bool, limits [maxLanes]int) (bool, state) {
	l := &s.lanes[in.lane]
	total := s.total()
	switch in.op {
	case opQueue:
		switch out.outcome {
		case accepted:
			if s.closed || l.closed {
				return false, s
			}
			l.queued++
			l.waiting++ // a handoff's start follows at once
		case refusedClosed:
			if !s.closed && !l.closed {
				return false, s
			}
			l.rejected++
		case refusedFull:
			if s.closed || l.closed || total.waiting < buf {
				return false, s
			}
			l.rejected++
		}
	case opStart:
		if l.waiting == 0 || total.running >= workers || limits[in.lane] > 0 && l.running >= limits[in.lane] {
			return false, s
		}
		l.waiting--
		l.running++
	case opComplete:
		if l.running == 0 {
			return false, s
		}
		l.running--
		l.completed++
		if in.lane == 0 && queueFinished {
			l.finished++
		} else {
			l.dropped++
		}
	case opGetFinish:
		own := &s.lanes[0]
		if out.got {
			if own.finished == 0 {
				return false, s
			}
			own.finished--
			own.retrieved++
			break
		}
		done := s.closed && total.waiting == 0 && total.running == 0
		if own.finished != 0 || out.done != done {
			return false, s
		}
	case opStats:
		return out.stats == s.stats(workers, out.stats) && liveFits(out.stats), s
	case opGroupStats:
		return out.group == l.groupStats(out.group), s
	case opClose, opStop:
		s.closed = true
		for i := range s.lanes {
			s.lanes[i].closed = i > 0
			if in.op == opStop {
				s.lanes[i].skipped += s.lanes[i].waiting
				s.lanes[i].waiting = 0
			}
		}
	case opGroupStop:
		l.closed = true
		l.skipped += l.waiting
		l.waiting = 0
	case opGroupClose:
		l.closed = true
	}
	return true, s
}

// total sums the lanes.
func (s state) total() laneState {
	var t laneState
	for _, l := range s.lanes {
		t.queued += l.queued
		t.waiting += l.waiting
		t.running += l.running
		t.completed += l.completed
		t.skipped += l.skipped
		t.finished += l.finished
		t.retrieved += l.retrieved
		t.dropped += l.dropped
		t.rejected += l.rejected
	}
	return t
}

// liveFits reports whether the snapshot's Live, which the model does not
// track (workers start on demand and exit when idle), fits the rest of it:
// Running + Held <= Live <= Workers.
func liveFits(s workerpool.Stats) bool {
	return s.Running+s.Held <= s.Live && s.Live <= s.Workers
}

// stats is the pool snapshot the model expects in state s. The fields the
// model does not track (Blocked, Held, Paused, Live) are taken from got;
// liveFits checks Live.
func (s state) stats(workers int, got workerpool.Stats) workerpool.Stats {
	t := s.total()
	groups := 0 // groups not yet done
	for _, l := range s.lanes[1:] {
		if l.made && !(l.closed && l.waiting == 0 && l.running == 0) {
			groups++
		}
	}
	return workerpool.Stats{
		Workers: workers, Queued: uint64(t.queued), Waiting: t.waiting, Running: t.running,
		Finished: t.finished, Retrieved: uint64(t.retrieved), Completed: uint64(t.completed),
		Skipped: uint64(t.skipped), Blocked: got.Blocked, Held: got.Held, Rejected: uint64(t.rejected),
		Paused: got.Paused, Dropped: uint64(t.dropped), Groups: groups, Live: got.Live,
	}
}

// groupStats is the group snapshot the model expects of lane l; Blocked is
// taken from got.
func (l laneState) groupStats(got workerpool.GroupStats) workerpool.GroupStats {
	return workerpool.GroupStats{
		Queued: uint64(l.queued), Waiting: l.waiting, Running: l.running, Completed: uint64(l.completed),
		Skipped: uint64(l.skipped), Finished: l.finished, Retrieved: uint64(l.retrieved),
		Dropped: uint64(l.dropped), Blocked: got.Blocked, Rejected: uint64(l.rejected), Closed: l.closed,
	}
}

func describeOperation(in, out any) string {
	i, o := in.(input), out.(output)
	var b strings.Builder
	fmt.Fprintf(&b, "%s", opNames[i.op])
	switch i.op {
	case opQueue:
		fmt.Fprintf(&b, "(lane %d) -> %v", i.lane, []string{"ok", "ErrClosed", "ErrQueueFull"}[o.outcome])
	case opStart, opComplete:
		fmt.Fprintf(&b, "(lane %d, job %d)", i.lane, i.job)
	case opGetFinish:
		fmt.Fprintf(&b, " -> got=%v done=%v", o.got, o.done)
	case opStats:
		fmt.Fprintf(&b, " -> %v", o.stats)
	case opGroupStats:
		fmt.Fprintf(&b, "(lane %d) -> %+v", i.lane, o.group)
	case opGroupStop, opGroupClose:
		fmt.Fprintf(&b, "(lane %d)", i.lane)
	}
	return b.String()
}
