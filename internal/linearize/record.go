package linearize

import (
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/seed761c1f22/workerpool"
)

// Job is the job of a recorded history: it records, on a clock shared with
// the recorder, when its Run was entered and when it returned.
type Job struct {
	id        int
	lane      int
	spin      time.Duration // how long Run keeps its processor busy
	rec       *Recorder
	queuedAt  int64 // call time of the queuing call that accepted it
	entered   int64 // Run entry
	returned  int64 // Run return
	retrieved int64 // return time of the call that retrieved it; 0 if none
	ran       atomic.Bool
}

// Run records its entry and return around a short busy spin.
func (j *Job) Run() {
	j.entered = j.rec.now()
	j.ran.Store(true)
	for start := time.Now(); time.Since(start) < j.spin; {
	}
	j.returned = j.rec.now()
}

// Subject is what a history is recorded from: a workerpool.Pool, or a pool
// under test that claims the same behaviour.
type Subject interface {
	QueueJob(job *Job) error
	TryQueueJob(job *Job) error
	GetFinished() (*Job, bool)
	GetFinishedWait() (*Job, bool)
	Stats() workerpool.Stats
	Close() error
	Stop() error
}

// A Lane is a group of the subject's, with its queuing calls, its snapshot
// and its shutdown.
type Lane interface {
	QueueJob(job *Job) error
	TryQueueJob(job *Job) error
	Stats() workerpool.GroupStats
	Stop()
	Close()
}

// Recorder collects the operations of one history, each with real call and
// return times on one monotonic base.
type Recorder struct {
	base time.Time
	mu   sync.Mutex
	ops  []porcupine.Operation
	jobs []*Job
}

func newRecorder() *Recorder { return &Recorder{base: time.Now()} }

// now is the time since the recorder's base, in nanoseconds.
func (r *Recorder) now() int64 { return int64(time.Since(r.base)) }

// add records one operation.
func (r *Recorder) add(client int, in input, call int64, out output, ret int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
}

// newJob makes a job of lane l.
func (r *Recorder) newJob(lane int) *Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	j := &Job{id: len(r.jobs), lane: lane, rec: r, spin: time.Duration(rand.IntN(20)) * time.Microsecond}
	r.jobs = append(r.jobs, j)
	return j
}

// history returns every operation, with each job that ran turned into a
// start and a complete operation, and end as the close of the intervals of
// the jobs never retrieved.
func (r *Recorder) history(end int64) []porcupine.Operation {
	ops := append([]porcupine.Operation(nil), r.ops...)
	client := 1000 // job operations are drawn apart from the callers'
	for _, j := range r.jobs {
		if !j.ran.Load() {
			continue
		}
		done := end
		if j.retrieved != 0 {
			done = j.retrieved
		}
		ops = append(ops,
			porcupine.Operation{ClientId: client, Input: input{op: opStart, lane: j.lane, job: j.id},
				Call: j.queuedAt, Output: output{}, Return: j.entered},
			porcupine.Operation{ClientId: client, Input: input{op: opComplete, lane: j.lane, job: j.id},
				Call: j.returned, Output: output{}, Return: done})
		client++
	}
	return ops
}

// Config is one history's setup.
type Config struct {
	Workers, Buf  int
	QueueFinished bool
	Groups        int           // groups used besides the pool's own jobs, 0 to maxLanes-1
	Limits        [maxLanes]int // Limits[i]: the Limit of lane i's group, 0 for none
	Weights       [maxLanes]int // Weights[i]: the Weight of lane i's group, 0 for the default
	Clients       int           // goroutines calling the subject
	OpsPerClient  int
	Shutdown      bool // a client may Close or Stop the pool, or Stop or Close a group, mid-way
}

// Record runs one history on sub (with lanes its groups, lanes[0] unused)
// and returns its operations. It closes the subject at the end and drains
// it, recording those calls too.
func Record(cfg Config, sub Subject, lanes []Lane) []porcupine.Operation {
	r := newRecorder()
	queue := func(client, lane int, try bool) {
		j := r.newJob(lane)
		call := r.now()
		j.queuedAt = call
		var err error
		switch {
		case lane == 0 && try:
			err = sub.TryQueueJob(j)
		case lane == 0:
			err = sub.QueueJob(j)
		case try:
			err = lanes[lane].TryQueueJob(j)
		default:
			err = lanes[lane].QueueJob(j)
		}
		out := output{outcome: accepted}
		switch {
		case errors.Is(err, workerpool.ErrClosed), errors.Is(err, workerpool.ErrGroupClosed):
			out.outcome = refusedClosed
		case errors.Is(err, workerpool.ErrQueueFull):
			out.outcome = refusedFull
		case err != nil:
			panic(err)
		}
		r.add(client, input{op: opQueue, lane: lane}, call, out, r.now())
	}
	getFinished := func(client int, wait bool) bool {
		call := r.now()
		var j *Job
		var done bool
		if wait {
			j, done = sub.GetFinishedWait()
		} else {
			j, done = sub.GetFinished()
		}
		ret := r.now()
		if j != nil {
			j.retrieved = ret
		}
		r.add(client, input{op: opGetFinish}, call, output{got: j != nil, done: done}, ret)
		return done
	}
	simple := func(client int, in input, f func()) {
		call := r.now()
		f()
		r.add(client, in, call, output{}, r.now())
	}

	var wg sync.WaitGroup
	for c := range cfg.Clients {
		wg.Go(func() {
			for range cfg.OpsPerClient {
				lane := 0
				if cfg.Groups > 0 {
					lane = rand.IntN(cfg.Groups + 1)
				}
				switch n := rand.IntN(100); {
				case n < 30:
					queue(c, lane, true)
				case n < 40:
					queue(c, lane, false)
				case n < 65 && cfg.QueueFinished:
					getFinished(c, false)
				case n < 85: // without finished jobs, a snapshot instead: more jobs would only lengthen the check
					call := r.now()
					s := sub.Stats()
					r.add(c, input{op: opStats}, call, output{stats: s}, r.now())
				case n < 97:
					if lane == 0 {
						continue
					}
					call := r.now()
					s := lanes[lane].Stats()
					r.add(c, input{op: opGroupStats, lane: lane}, call, output{group: s}, r.now())
				default:
					if !cfg.Shutdown {
						continue
					}
					switch {
					case lane > 0 && rand.IntN(2) == 0:
						simple(c, input{op: opGroupStop, lane: lane}, lanes[lane].Stop)
					case lane > 0:
						simple(c, input{op: opGroupClose, lane: lane}, lanes[lane].Close)
					case rand.IntN(2) == 0:
						simple(c, input{op: opClose}, func() { _ = sub.Close() })
					default:
						simple(c, input{op: opStop}, func() { _ = sub.Stop() })
					}
				}
			}
		})
	}
	// A drainer, so that workers held by a full finished queue never keep
	// the queuing clients blocked for good; it ends once the pool is done.
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for !getFinished(cfg.Clients, true) {
		}
	}()
	wg.Wait()
	simple(cfg.Clients+1, input{op: opClose}, func() { _ = sub.Close() })
	<-drained
	return r.history(r.now())
}
