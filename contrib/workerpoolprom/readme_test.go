package workerpoolprom

import (
	"fmt"
	"os"
	"regexp"
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

// TestReadme_AlertsUseExportedMetrics keeps the alert rules (the README's
// yaml block, and the root README's alert table) on metrics the collector
// exports, so a renamed metric cannot leave an alert that never fires.
func TestReadme_AlertsUseExportedMetrics(t *testing.T) {
	exported := map[string]bool{}
	for _, m := range metrics {
		exported[m.name] = true
	}
	for _, h := range histograms {
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			exported[h.name+suffix] = true
		}
	}
	rules, err := readmetest.Fenced("README.md", "yaml")
	require.NoError(t, err)
	require.Len(t, rules, 1, "the README has one block of alert rules")
	root, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	name := regexp.MustCompile(`workerpool_[a-z_]+`)
	for doc, text := range map[string]string{"README.md": rules[0], "../../README.md": string(root)} {
		used := name.FindAllString(text, -1)
		assert.NotEmpty(t, used, "%s names no metric", doc)
		for _, n := range used {
			assert.True(t, exported[n], "%s: the collector exports no %s", doc, n)
		}
	}
}
