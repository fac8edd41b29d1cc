package workerpoolprom

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool/internal/readmetest"
)

// TestReadme_EveryGoBlockRuns runs the README's program and checks what it
// prints.
func TestReadme_EveryGoBlockRuns(t *testing.T) {
	outs := readmetest.Run(t, "README.md")
	assert.Contains(t, outs[0], `workerpool_jobs_queued_total{pool="resize"} 1000`)
	assert.Contains(t, outs[0], `workerpool_job_run_seconds_count{pool="resize"} 1000`)
}

// TestReadme_TableListsEveryMetric keeps the README's table equal to what
// the collector exports.
func TestReadme_TableListsEveryMetric(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(b)
	for _, m := range metrics {
		kind := map[bool]string{true: "counter", false: "gauge"}[strings.HasSuffix(m.name, "_total")]
		assert.Contains(t, readme, fmt.Sprintf("| `%s` | %s | %s |", m.name, kind, m.help))
	}
	for _, h := range histograms {
		assert.Contains(t, readme, fmt.Sprintf("| `%s` | histogram | %s |", h.name, h.help))
	}
}
