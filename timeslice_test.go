package workerpool

import (
	"runtime"
	"testing"
	"testing/synctest"
	"time"
)

// The time slice, on synctest's fake clock: a worker's slice is used up
// once it has run jobs for d since it last parked or yielded, is never
// used up with d == 0, and starts again at a park. (An internal test: the
// yield itself, a runtime.Gosched, leaves nothing a caller could observe.)
func TestSlice_UsedUpAfterDSinceTheLastPark(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = time.Millisecond
		// job runs one job of length dt and reports whether the slice is then used up.
		var s sliceClock
		s.parked() // a worker starts parked
		job := func(dt time.Duration) bool {
			time.Sleep(dt)
			return s.used(d)
		}
		used := 0
		for i := range 100 { // 100 jobs of 100 µs: 10 ms
			if job(100 * time.Microsecond) {
				used++ // the worker yields and is back at once
				s.resumed()
				if i < 9 {
					t.Fatalf("slice used up after %d jobs of 100µs, before d=%v", i+1, d)
				}
			}
		}
		// Readings come every few jobs (8 at first, then adapted), so a
		// yield comes at most a few jobs after the slice ends: 10 ms of
		// jobs give about 10 slices, and at least 5.
		if used < 5 || used > 10 {
			t.Errorf("slice used up %d times in 10 ms of jobs with d=%v, want 5 to 10", used, d)
		}

		var never sliceClock
		never.parked()
		for range 100 {
			time.Sleep(100 * time.Microsecond)
			if never.used(0) {
				t.Fatal("WithTimeSlice(0) must never yield")
			}
		}

		// Jobs longer than the slice: once the worker has measured them (its
		// first 8 jobs, then a few readings), it yields after each.
		var long sliceClock
		long.parked()
		yields := 0
		for range 40 {
			time.Sleep(2 * d)
			if long.used(d) {
				yields++
				long.resumed()
			}
		}
		if yields < 20 {
			t.Errorf("with jobs of 2×d the slice was used up %d times in 40 jobs, want at least 20", yields)
		}
	})
}

// A worker that yields for its slice may stay off its processor for longer
// than the slice while the other goroutines run (with more workers than
// processors, each of them runs a slice). Its next slice starts when it is
// back: it still yields once per slice of its own running, not at every
// clock reading, and reads the clock as rarely as its jobs allow.
func TestSlice_TimeOffTheProcessorIsNotInTheNextSlice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = time.Millisecond
		var s sliceClock
		s.parked()
		yields := 0
		for range 10_000 { // jobs of 10 µs: 100 ms of running
			time.Sleep(10 * time.Microsecond)
			if s.used(d) {
				yields++
				time.Sleep(3 * d) // off the processor while others run
				s.resumed()
			}
		}
		// 100 slices of running, each yield up to a reading period late.
		if yields < 50 || yields > 100 {
			t.Errorf("%d yields in 100 ms of running with d=%v, want 50 to 100", yields, d)
		}
		if s.every < 16 {
			t.Errorf("reading the clock every %d jobs of 10µs with d=%v, want at least 16 (about four readings a slice)", s.every, d)
		}
	})
}

// The default is on, within the contract's 100 µs to 1 ms, and
// WithTimeSlice sets the slice a pool's workers use, 0 included.
func TestTimeSlice_DefaultIsOnAndTheOptionSetsIt(t *testing.T) {
	if DefaultTimeSlice < 100*time.Microsecond || DefaultTimeSlice > time.Millisecond {
		t.Errorf("DefaultTimeSlice = %v, want 100µs to 1ms", DefaultTimeSlice)
	}
	for _, tt := range []struct {
		opts []Option
		want time.Duration
	}{
		{nil, DefaultTimeSlice},
		{[]Option{WithTimeSlice(0)}, 0},
		{[]Option{WithTimeSlice(3 * time.Millisecond)}, 3 * time.Millisecond},
	} {
		p, err := New[Job](1, 1, false, tt.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if p.cfg.timeSlice != tt.want {
			t.Errorf("New with %d options: timeSlice %v, want %v", len(tt.opts), p.cfg.timeSlice, tt.want)
		}
		p.Stop()
	}
}

// Regression: after a burst of tiny jobs a worker read the clock every 256
// jobs, across parks too, and the first reading after a park only started
// the slice: up to 512 long jobs ran with no yield. A park brings the
// reading period back to at most firstCheckEvery, and one reading over the
// slice's half brings it down to a quarter slice's worth of jobs at once.
func TestSlice_LongJobsAfterABurstOfTinyOnes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 250 * time.Microsecond
		var s sliceClock
		s.parked()
		tiny := func(n int) {
			for range n {
				if s.used(d) {
					s.resumed()
				}
			}
		}
		tiny(100_000) // no time passes: jobs of nothing
		if s.every != maxCheckEvery {
			t.Fatalf("after a burst of tiny jobs: a reading every %d jobs, want %d", s.every, maxCheckEvery)
		}
		// firstYield runs jobs of 1 ms until the slice is used up and
		// returns how many ran.
		firstYield := func() int {
			for i := 1; i <= 1000; i++ {
				time.Sleep(time.Millisecond)
				if s.used(d) {
					s.resumed()
					return i
				}
			}
			return 1000
		}
		s.parked()
		if n := firstYield(); n > 2*firstCheckEvery {
			t.Errorf("after a park, %d jobs of 1ms ran before the first yield, want at most %d", n, 2*firstCheckEvery)
		}
		if s.every != 1 {
			t.Errorf("jobs of 4×d: a reading every %d jobs, want 1", s.every)
		}

		tiny(100_000)
		firstYield() // no park: up to maxCheckEvery long jobs until the next reading
		if n := firstYield(); n != 1 {
			t.Errorf("once a reading saw the long jobs, %d ran before the next yield, want 1", n)
		}
	})
}

// Regression: a worker of a pool for I/O that left its job's completion to
// the lock's holder, and was handed its next job before it waited on its
// parker, went on without ever giving its processor up, yet its slice
// started again, and the next job ran with no look at the slice: a stream
// of such handoffs never yielded. Only a wait that blocked is a park now;
// a wake that came first leaves the slice going, counting the job.
func TestSlice_AWakeBeforeTheWaitIsNoPark(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = time.Millisecond
		p, err := New[JobFunc](spinAbove*runtime.GOMAXPROCS(0)+1, 0, false, WithTimeSlice(d)) // a pool for I/O
		if err != nil {
			t.Fatal(err)
		}
		defer p.Stop()
		w := &worker[JobFunc]{}
		w.park.ready.L = &w.park.mu
		w.slice.parked()
		for range 2 * firstCheckEvery { // 16 jobs of d/32: the slice has started, and is half used
			time.Sleep(d / 32)
			if w.slice.used(d) {
				t.Fatal("slice used up before d")
			}
		}
		start := w.slice.start
		if start.IsZero() {
			t.Fatal("the slice has not started after 16 jobs")
		}

		// The holder hands w its next job before w waits.
		w.assigned = true
		w.park.wake()
		untilRead := w.slice.untilRead
		if !p.waitHanded(w) {
			t.Fatal("waitHanded reported no job handed")
		}
		if w.slice.start != start {
			t.Errorf("a wake before the wait restarted the slice (start %v, want %v)", w.slice.start, start)
		}
		if w.slice.untilRead != untilRead-1 {
			t.Errorf("the handed job was not counted in the slice (%d jobs to the next reading, want %d)", w.slice.untilRead, untilRead-1)
		}

		// Handed while it waits: it blocked, gave its processor up, and the
		// slice starts again at the next reading.
		done := make(chan bool)
		go func() { done <- p.waitHanded(w) }()
		synctest.Wait()
		w.assigned = true
		w.park.wake()
		if !<-done {
			t.Fatal("waitHanded reported no job handed")
		}
		if !w.slice.start.IsZero() {
			t.Errorf("after a wait that blocked the slice goes on from %v, want a new one", w.slice.start)
		}
	})
}
