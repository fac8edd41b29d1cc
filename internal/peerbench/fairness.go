package peerbench

import (
	"github.com/alitto/pond/v2"

	"github.com/seed761c1f22/workerpool/internal/benchwork"
)

// FairPeers run the fairness workload (benchwork.RunFairness) on pond v2,
// each caller as a pond task group on one shared pool.
var FairPeers = []benchwork.FairImpl{
	{Name: "pond", New: func(w, buf int) benchwork.FairRunner {
		return pondGroups{pond.NewPool(w, pond.WithQueueSize(buf))}
	}},
}

// pondGroups runs each caller as a group of a pond pool.
type pondGroups struct{ p pond.Pool }

func (r pondGroups) Run(jobs []func()) {
	g := r.p.NewGroup()
	g.Submit(jobs...)
	if err := g.Wait(); err != nil {
		panic(err)
	}
}

func (r pondGroups) Close() { r.p.StopAndWait() }
