package workerpool_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed761c1f22/workerpool/internal/readmetest"
)

// TestReadme_EveryGoBlockRuns runs every Go block of the README as the
// program it is, and checks what the quick start and the server print.
func TestReadme_EveryGoBlockRuns(t *testing.T) {
	outs := readmetest.Run(t, "README.md")
	if len(outs) < 2 {
		t.Fatalf("the README has %d Go blocks, want the quick start and the server", len(outs))
	}
	assert.Contains(t, outs[0], "10000 blocks hashed; workers=4 groups=0 queued=10000 waiting=0 running=0 completed=10000 skipped=0 finished=0 retrieved=10000 dropped=0")
	assert.Contains(t, outs[1], "1000 blocks, first ")
	assert.Contains(t, outs[1], "groups=0 queued=1000 waiting=0 running=0 completed=1000 skipped=0 finished=0 retrieved=0 dropped=1000")
}

// TestMigrating_EveryGoBlockRuns runs the Go blocks of MIGRATING.md.
func TestMigrating_EveryGoBlockRuns(t *testing.T) {
	outs := readmetest.Run(t, "MIGRATING.md")
	assert.Equal(t, "https://b.example/missing failed: 404\n", outs[0])
	assert.Equal(t, "job 3 failed 1\n", outs[1])
}
