package workerpool_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool/internal/readmetest"
)

// TestReadme_EveryGoBlockRuns runs every Go block of the README as the
// program it is, and checks what the quick start and the server print.
func TestReadme_EveryGoBlockRuns(t *testing.T) {
	outs := readmetest.Run(t, "README.md")
	if len(outs) < 2 {
		t.Fatalf("the README has %d Go blocks, want the quick start and the server", len(outs))
	}
	assert.Contains(t, outs[0], "10000 blocks hashed; workers=4 live=") // the workers exit as the pool ends
	assert.Contains(t, outs[0], " groups=0 queued=10000 waiting=0 running=0 completed=10000 skipped=0 finished=0 retrieved=10000 dropped=0")
	assert.Contains(t, outs[1], "1000 blocks, first ")
	assert.Contains(t, outs[1], "groups=0 queued=1000 waiting=0 running=0 completed=1000 skipped=0 finished=0 retrieved=0 dropped=1000")
}

// TestMigrating_EveryGoBlockRuns runs the Go blocks of MIGRATING.md.
func TestMigrating_EveryGoBlockRuns(t *testing.T) {
	outs := readmetest.Run(t, "MIGRATING.md")
	assert.Equal(t, "https://b.example/missing failed: 404\n", outs[0])
	assert.Equal(t, "job 3 failed 1\n", outs[1])
}

// TestReadme_SetUpCommandsRun runs the set-up block's commands but `make
// test`, which is what CI runs (and would run this test again): so far,
// `go run ./example`.
func TestReadme_SetUpCommandsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the demo")
	}
	blocks, err := readmetest.Fenced("README.md", "sh")
	require.NoError(t, err)
	require.Len(t, blocks, 1, "the README has one set-up block")
	ran := 0
	for _, line := range strings.Split(blocks[0], "\n") {
		cmd := strings.Fields(strings.TrimSpace(strings.SplitN(line, "#", 2)[0]))
		if len(cmd) == 0 || cmd[0] == "make" {
			continue
		}
		out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput()
		require.NoError(t, err, "%s:\n%s", strings.Join(cmd, " "), out)
		if strings.Join(cmd, " ") == "go run ./example" {
			assert.Contains(t, string(out), "StopAndCollect handed back")
			assert.Regexp(t, `done in \S+: queued \d+ = completed \d+ \+ skipped \d+`, string(out))
		}
		ran++
	}
	assert.Equal(t, 1, ran, "commands run")
}
