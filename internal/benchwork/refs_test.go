package benchwork

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// onceJob counts its runs.
type onceJob struct{ runs atomic.Int32 }

func (j *onceJob) Run() { j.runs.Add(1) }

// TestImplsRunEveryJobOnce pins that every implementation the benchmarks
// compare runs each job exactly once, with and without results, from one
// producer and from several.
func TestImplsRunEveryJobOnce(t *testing.T) {
	for _, impl := range Core {
		for _, results := range []bool{false, true} {
			for _, buf := range []int{0, 1, 16} {
				for _, queue := range []func(Runner, []Job){QueueOneByOne, QueueFromProducers, QueueBatch} {
					t.Run(fmt.Sprintf("%s/results=%v/buf=%d", impl.Name, results, buf), func(t *testing.T) {
						raw := make([]*onceJob, 4000)
						jobs := make([]Job, len(raw))
						for i := range raw {
							raw[i] = &onceJob{}
							jobs[i] = raw[i]
						}
						r := impl.New(3, buf, results)
						queue(r, jobs)
						r.Finish()
						for i, j := range raw {
							assert.EqualValues(t, 1, j.runs.Load(), "job %d", i)
						}
					})
				}
			}
		}
	}
}
