//go:debug panicnil=1

// Package panicnil_test runs a pool in a test binary built with
// GODEBUG=panicnil=1, where recover() returns nil for panic(nil): the pool
// must still tell such a panic from runtime.Goexit. The setting applies to
// the whole test binary, so it needs a package of its own.
package panicnil_test

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

func TestRegression_PanicNilUnderPanicnil1CountedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls int
		var got any = "not called"
		handler := func(_ workerpool.Job, recovered any, _ []byte) { calls++; got = recovered }
		p, err := workerpool.New[workerpool.Job](1, 2, true, workerpool.WithPanicHandler(handler))
		require.NoError(t, err)
		ran := 0
		after := workerpool.JobFunc(func() { ran++ })
		_, err = p.QueueJobs(workerpool.JobFunc(func() { panic(nil) }), after)
		require.NoError(t, err)
		require.NoError(t, p.Close())
		n := 0
		for range p.Finished() {
			n++
		}
		assert.Equal(t, 2, n, "each job delivered once")
		assert.Equal(t, 1, calls, "the panic handler is called once")
		assert.Nil(t, got, "under panicnil=1 the recovered value is nil")
		assert.Equal(t, 1, ran, "the job behind it runs once")
		synctest.Wait() // a worker idle when Close came exits after the pool is done
		assert.Equal(t, workerpool.Stats{Workers: 1, Queued: 2, Completed: 2, Retrieved: 2, Failed: 1, Panicked: 1}, p.Stats())
	})
}
