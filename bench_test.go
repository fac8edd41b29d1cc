package workerpool_test

import (
	"testing"

	"github.com/seed761c1f22/workerpool/internal/benchwork"
)

// One benchmark iteration pushes benchwork.BatchSize pre-allocated jobs through a
// fresh pool, closes it and waits until it is done; ns/job is the time per
// job. impl=cond is this package, impl=chan the channel reference in
// internal/chanpool, impl=serial a loop calling Run: the floor. The peers
// (ants, pond, ...) are measured on the same harness in internal/peerbench.

func BenchmarkSubmit(b *testing.B) {
	benchwork.Run(b, benchwork.Core, benchwork.Submit, benchwork.QueueOneByOne)
}

func BenchmarkResults(b *testing.B) {
	benchwork.Run(b, benchwork.Core, benchwork.Results, benchwork.QueueOneByOne)
}

func BenchmarkProducers(b *testing.B) {
	benchwork.Run(b, benchwork.Core, benchwork.Producers, benchwork.QueueFromProducers)
}

func BenchmarkBatch(b *testing.B) {
	benchwork.Run(b, benchwork.Core, benchwork.Batch, benchwork.QueueBatch)
}
