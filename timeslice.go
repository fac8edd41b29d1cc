package workerpool

import (
	"runtime"
	"time"
)

// This file is how a worker shares its processor: by time slice.

// DefaultTimeSlice is the time slice of a pool made without [WithTimeSlice]:
// a worker that has run jobs for this long since it last parked or yielded
// yields its processor at the next job boundary.
const DefaultTimeSlice = 250 * time.Microsecond

// WithTimeSlice sets the pool's time slice d: a worker that has run jobs for
// longer than d since it last parked or yielded calls [runtime.Gosched] at
// the next job boundary, outside the pool's lock, so that other goroutines
// (producers, handlers, tickers, the callers of small groups) get a
// processor within about a slice even when every processor runs a worker
// (measured on 2 cores: a sleeping goroutine's wake-up lateness p99 is about
// one and a half slices, 0.37 ms with the default).
// d == 0 never yields; without the option the slice is [DefaultTimeSlice].
// A negative d makes [New] return an error naming it.
//
// The clock is not read for every job: a worker reads it every few jobs,
// adapting how many so that it reads it about four times per slice, so
// short jobs pay a few nanoseconds each for the check. A single job longer
// than the slice is never interrupted: the yield comes after it returns
// (Go's own preemption still applies).
//
// What it buys and costs, measured on 2 cores with workers = GOMAXPROCS and
// CPU-bound jobs (medians; BENCHMARKS.md has the runs and the references):
//
//	                                                     default   WithTimeSlice(0)
//	a goroutine sleeping 200 µs beside a server          0.37 ms   8.1 ms    wake-up lateness p99
//	  (64 requests × 8 jobs of 20 µs; chanmin: 7.5 ms)
//	that server's throughput                             88.2k     91.2k     jobs/s (chanmin 90.7k)
//	a small group behind a 10,000-job group              4.1 ms    41.5 ms   p99 wait (one FIFO: 263 ms)
//	tiny jobs (17 ns), 22 cells, 1 to 64 workers         +1.5 %    0         time per job, geomean
func WithTimeSlice(d time.Duration) Option {
	return optionFunc(func(c *config) { c.timeSlice = d })
}

// firstCheckEvery is how many jobs a new worker runs between two clock
// readings until it has measured its jobs, and maxCheckEvery the most it
// ever runs, so that a burst of tiny jobs followed by long ones is noticed
// within a few long jobs.
const (
	firstCheckEvery = 8
	maxCheckEvery   = 256
)

// A sliceClock is a worker's time slice: when it started and when the worker
// next reads the clock. The zero value is a slice not started yet: the
// next reading starts it. It is owned by the worker goroutine.
//
// The slice restarts when the worker parks, and it starts at the first
// reading after that, so a worker that parks every few jobs (it does not
// hog its processor) reads no clock at all; every is learnt between two
// readings with no park between them, and a park brings it back to at most
// firstCheckEvery.
type sliceClock struct {
	untilRead int       // jobs until the next reading (first: the one field every job touches)
	every     int       // jobs between readings, 1 to maxCheckEvery, adapted to the jobs' lengths; 0: firstCheckEvery
	start     time.Time // when the slice started; zero: not started
	last      time.Time // the previous reading
}

// used reports whether the slice d is used up, counting one job; it reads
// the clock only every s.every jobs. d == 0: never. When it reports true
// the caller calls yield.
func (s *sliceClock) used(d time.Duration) bool {
	if d == 0 {
		return false
	}
	if s.untilRead--; s.untilRead > 0 {
		return false
	}
	return s.read(d)
}

// read is used's clock reading, every s.every jobs: it adapts every, and
// reports whether the slice d is used up.
func (s *sliceClock) read(d time.Duration) bool {
	now := time.Now()
	if s.start.IsZero() {
		s.start, s.last = now, now
		s.untilRead = s.checkEvery()
		return false
	}
	// Aim at about four readings per slice: read less often while the jobs
	// between two readings took under an eighth of it, and while they took
	// over half, at once as often as a quarter slice's worth of them, so a
	// switch from tiny jobs to long ones is caught at the next reading.
	switch since := now.Sub(s.last); {
	case since < d/8 && s.every < maxCheckEvery:
		s.every *= 2
	case since > d/2 && s.every > 1:
		s.every = max(1, int(int64(s.every)*int64(d/4)/int64(since)))
	}
	s.last, s.untilRead = now, s.every
	return now.Sub(s.start) >= d
}

// yield gives the worker's processor up, outside the pool's lock, once
// used reported the slice used up, and starts the next slice when the
// worker is back.
func (s *sliceClock) yield() {
	runtime.Gosched()
	s.resumed()
}

// resumed starts the next slice now: the worker is back from the yield
// that used asked for. The time it spent off its processor, which grows
// with the goroutines that ran meanwhile, counts neither in the new slice
// (which would be used up at once, and the worker would yield at every
// reading) nor in how often it reads the clock. One reading per slice.
func (s *sliceClock) resumed() {
	now := time.Now()
	s.start, s.last = now, now
}

// parked starts a new slice at the next reading: the worker just parked.
// That reading comes within firstCheckEvery jobs, however rarely it read
// the clock before (a burst of tiny jobs teaches it to read every 256):
// the jobs after a park may be of another kind, and a slice that starts
// late lets long jobs run on with no yield.
func (s *sliceClock) parked() {
	s.every = min(s.checkEvery(), firstCheckEvery)
	s.start, s.untilRead = time.Time{}, s.every
}

// checkEvery returns every, set to firstCheckEvery if the worker has not
// measured its jobs yet.
func (s *sliceClock) checkEvery() int {
	if s.every == 0 {
		s.every = firstCheckEvery
	}
	return s.every
}
