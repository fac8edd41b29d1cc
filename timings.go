package workerpool

import (
	"log/slog"
	"math"
	"math/bits"
	"time"
)

// This file is how long jobs wait and run: the histograms of [WithTimings].

// NumTimingBuckets is the number of buckets of a [Timings] histogram,
// the overflow bucket included.
const NumTimingBuckets = 28

// TimingBounds are the upper bounds of the buckets of a [Timings]
// histogram: 1µs, 2µs, 4µs, … doubling up to 2^26µs (about 67 s), and then
// the overflow bucket, whose bound is the longest Duration. They are fixed,
// so histograms of different pools and of different moments can be added
// bucket by bucket.
//
// Treat it as read-only. It is a variable because arrays cannot be
// constants; the package never reads it (it computes the same bounds with
// timingBound), so a write to it changes only what the program that wrote
// it reads, never a pool's histograms or quantiles.
var TimingBounds = func() (b [NumTimingBuckets]time.Duration) {
	for i := range b {
		b[i] = timingBound(i)
	}
	return b
}()

// timingBound returns TimingBounds[i], which the package never reads.
func timingBound(i int) time.Duration {
	if i == NumTimingBuckets-1 {
		return math.MaxInt64
	}
	return time.Microsecond << i
}

// Timings is a histogram of how long jobs took, as [Stats].Wait and
// [Stats].Run report it with [WithTimings].
//
// Buckets are not cumulative: Buckets[i] counts the jobs that took more
// than TimingBounds[i-1] and at most TimingBounds[i] (Buckets[0]: at most
// 1µs, a job handed straight to an idle worker included, which waited 0).
// So the buckets add up to Count.
type Timings struct {
	Count   uint64                   // jobs measured
	Sum     time.Duration            // their total
	Buckets [NumTimingBuckets]uint64 // see the type's comment
}

// record adds one job that took d.
func (t *Timings) record(d time.Duration) {
	t.Count++
	t.Sum += d
	t.Buckets[bucketOf(d)]++
}

// bucketOf returns the index of the bucket d falls in: the smallest i with
// d <= TimingBounds[i].
func bucketOf(d time.Duration) int {
	if d <= time.Microsecond {
		return 0
	}
	// Bounds are 1µs<<i: the bucket is ceil(log2(d/1µs)), from the bit
	// length of the whole microseconds below d.
	us := uint64(d-1) / uint64(time.Microsecond)
	return min(bits.Len64(us), NumTimingBuckets-1)
}

// Quantile returns an estimate of the q-quantile (0 <= q <= 1) of the
// durations measured, from the buckets: the bound below which a fraction q
// of the jobs fell, interpolated linearly inside its bucket. It is exact to
// within a factor of 2 (the bucket's width); it returns 0 if no job was
// measured, and TimingBounds[NumTimingBuckets-2] for jobs in the overflow
// bucket. A q below 0 is taken as 0 and above 1 as 1; a NaN q returns 0.
func (t Timings) Quantile(q float64) time.Duration {
	if t.Count == 0 || math.IsNaN(q) {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := q * float64(t.Count)
	var below uint64
	for i, n := range t.Buckets {
		if n == 0 || float64(below+n) < rank {
			below += n
			continue
		}
		if i == NumTimingBuckets-1 {
			return timingBound(i - 1)
		}
		lo := time.Duration(0)
		if i > 0 {
			lo = timingBound(i - 1)
		}
		frac := (rank - float64(below)) / float64(n)
		return lo + time.Duration(frac*float64(timingBound(i)-lo))
	}
	return timingBound(NumTimingBuckets - 2)
}

// attr is t as a slog group named name: count, sum, and the estimated p50
// and p99.
func (t Timings) attr(name string) slog.Attr {
	return slog.Group(name,
		slog.Uint64("count", t.Count),
		slog.Duration("sum", t.Sum),
		slog.Duration("p50", t.Quantile(0.5)),
		slog.Duration("p99", t.Quantile(0.99)))
}

// clock is the pool's clock with WithTimings, guarded by the pool's mu:
// wait.Count == Running + Completed, run.Count == Completed.
type clock struct {
	now       time.Duration // the time of the current critical section, since the epoch (see lock)
	wait, run Timings       // how long jobs waited and ran
}
