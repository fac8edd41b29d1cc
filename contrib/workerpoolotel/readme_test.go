package workerpoolotel

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool/internal/readmetest"
)

// TestReadme_EveryGoBlockRuns runs the README's program and checks what it
// prints.
func TestReadme_EveryGoBlockRuns(t *testing.T) {
	outs := readmetest.Run(t, "README.md")
	assert.Equal(t, "workerpool.jobs.completed 1000\n", outs[0])
}

// TestReadme_TableListsEveryInstrument keeps the README's table equal to
// what Register creates.
func TestReadme_TableListsEveryInstrument(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, in := range counters {
		assert.Contains(t, string(b), fmt.Sprintf("| `%s` | observable counter | %s |", in.name, in.description))
	}
	for _, in := range gauges {
		assert.Contains(t, string(b), fmt.Sprintf("| `%s` | observable gauge | %s |", in.name, in.description))
	}
}
