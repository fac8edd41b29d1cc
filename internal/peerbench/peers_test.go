package peerbench

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool/internal/benchwork"
)

// all are this module's pool and the hand-written channel pool (the first
// two of benchwork.Core), then the peers.
var all = append(append([]benchwork.Impl{}, benchwork.Core[:2]...), Peers...)

// countJob records how often it ran.
type countJob struct{ runs atomic.Int32 }

func (j *countJob) Run() { j.runs.Add(1) }

// TestEveryAdapterRunsEachJobOnce checks each adapter in every family's
// shape: every job runs exactly once before Finish returns.
func TestEveryAdapterRunsEachJobOnce(t *testing.T) {
	queues := map[string]func(benchwork.Runner, []benchwork.Job){
		"one-by-one": benchwork.QueueOneByOne,
		"producers":  benchwork.QueueFromProducers,
		"batch":      benchwork.QueueBatch,
	}
	for _, impl := range all {
		for name, queue := range queues {
			for _, results := range []bool{false, true} {
				for _, buf := range []int{0, 1, 64} {
					jobs := make([]benchwork.Job, 1000)
					for i := range jobs {
						jobs[i] = &countJob{}
					}
					r := impl.New(4, buf, results)
					queue(r, jobs)
					r.Finish()
					for i, j := range jobs {
						require.EqualValues(t, 1, j.(*countJob).runs.Load(),
							"%s %s results=%v buf=%d: job %d", impl.Name, name, results, buf, i)
					}
				}
			}
		}
	}
}

func BenchmarkSubmit(b *testing.B) {
	benchwork.Run(b, all, peerMatrix(benchwork.Submit), benchwork.QueueOneByOne)
}

func BenchmarkResults(b *testing.B) {
	benchwork.Run(b, all, peerMatrix(benchwork.Results), benchwork.QueueOneByOne)
}

func BenchmarkProducers(b *testing.B) {
	benchwork.Run(b, all, benchwork.Producers, benchwork.QueueFromProducers)
}

func BenchmarkBatch(b *testing.B) {
	benchwork.Run(b, all, benchwork.Batch, benchwork.QueueBatch)
}

// peerMatrix trims a family to the cases the targets name, so that ten
// runs of every peer fit in a few minutes.
func peerMatrix(m benchwork.Matrix) benchwork.Matrix {
	m.Workers = []int{2, 8}
	if !m.Results {
		m.Bufs = []int{0, 1, 128}
	}
	return m
}

// BenchmarkFairness is the small callers' wait while a big caller's jobs
// run (see benchwork.RunFairness): this module's groups and FIFO pool beside
// pond's groups, in one run.
func BenchmarkFairness(b *testing.B) {
	benchwork.RunFairness(b, append(append([]benchwork.FairImpl{}, benchwork.Fair...), FairPeers...))
}

// BenchmarkServer is the server workload (see benchwork.RunServer): this
// module's pool with a group per request and as one FIFO, with and without
// time slices, beside chanmin and pond's groups, in one run.
func BenchmarkServer(b *testing.B) {
	benchwork.RunServer(b, append(append([]benchwork.FairImpl{}, benchwork.Server...), FairPeers...))
}

// BenchmarkSuite runs the shapes of pond's published benchmark (see
// Shapes) on pools of SuiteWorkers workers: this pool, ants, pond, a
// channel pool and a goroutine per task. One iteration is one run of a
// shape: run it with -benchtime=1x, in interleaved passes.
func BenchmarkSuite(b *testing.B) {
	for _, task := range SuiteTasks {
		for _, shape := range Shapes {
			for _, pool := range SuitePools {
				b.Run("task="+task.Name+"/shape="+shape.Name+"/impl="+pool.Name, func(b *testing.B) {
					for b.Loop() {
						RunShape(pool, shape, task.Run)
					}
					b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/run")
					b.ReportMetric(0, "ns/op")
				})
			}
		}
	}
}

// TestSuitePoolsRunEveryTask checks each pool of the suite runs every task
// of a small shape exactly once.
func TestSuitePoolsRunEveryTask(t *testing.T) {
	for _, pool := range SuitePools {
		var runs atomic.Int64
		RunShape(pool, Shape{Users: 10, Tasks: 1000}, func() { runs.Add(1) })
		require.EqualValues(t, 10_000, runs.Load(), pool.Name)
	}
}
