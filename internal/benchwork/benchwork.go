// Package benchwork holds the jobs and sizes that the benchmarks of the
// workerpool module and of internal/peerbench share, so every pool is
// measured on the same work.
package benchwork

// BatchSizes is the number of jobs one benchmark iteration pushes through a
// fresh pool, per workload: large enough that starting and closing the pool
// does not weigh on the time per job.
var BatchSizes = map[string]int{"tiny": 100_000, "medium": 20_000}

// Job is the interface every benchmarked pool runs.
type Job interface {
	Run()
}

// Tiny is a job of a few dozen arithmetic steps: about 20 ns run serially.
type Tiny struct {
	x uint64
}

// Run mixes the job's state 16 times (an LCG step and an xorshift).
func (j *Tiny) Run() {
	x := j.x
	for range 16 {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
	}
	j.x = x
}

// mediumData is the input every Medium job hashes.
var mediumData = func() *[1024]byte {
	var d [1024]byte
	for i := range d {
		d[i] = byte(i*7 + 3)
	}
	return &d
}()

// Medium is a job of about 1.5 µs: FNV-1a over 1 KiB (on this machine; 1.5 KiB took 2.1 µs).
type Medium struct {
	sum uint32
}

// Run hashes mediumData with 32-bit FNV-1a.
func (j *Medium) Run() {
	h := uint32(2166136261)
	for _, c := range mediumData {
		h ^= uint32(c)
		h *= 16777619
	}
	j.sum = h
}

// Works are the workload names, in the order benchmarks run them.
var Works = []string{"tiny", "medium"}

// NewJobs returns n pre-allocated jobs of the named workload.
func NewJobs(work string, n int) []Job {
	jobs := make([]Job, n)
	for i := range jobs {
		switch work {
		case "tiny":
			jobs[i] = &Tiny{x: uint64(i)}
		case "medium":
			jobs[i] = &Medium{}
		default:
			panic("benchwork: unknown work " + work)
		}
	}
	return jobs
}
