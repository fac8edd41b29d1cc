package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemoRunsEveryJob runs the demo on its embedded server: every job is
// done, none lost or run twice, and a line per worker is printed.
func TestDemoRunsEveryJob(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"-n", "1500"}, &out))
	t.Log("\n" + out.String())
	assert.Contains(t, out.String(), "1500 of 1500 jobs done, 0 lost, 0 run twice")
	assert.Contains(t, out.String(), "worker b shut down midway")
	for _, w := range []string{"a", "b", "c"} {
		assert.Contains(t, out.String(), "worker "+w+": workers=2 ")
	}
	assert.Equal(t, 1, strings.Count(out.String(), "published 1500 jobs"))
}

func TestDemoRefusesABadN(t *testing.T) {
	err := run([]string{"-n", "1"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "-n must be at least 3, got 1")
}
