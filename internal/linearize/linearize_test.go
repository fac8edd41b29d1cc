package linearize

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/seed761c1f22/workerpool"
)

var (
	histories = flag.Int("histories", 60, "histories TestPoolIsLinearizable records and checks")
	opsPer    = flag.Int("ops", 60, "operations per client in each history")
	vizDir    = flag.String("viz", "", "directory for the porcupine visualization of a failing history (default: the test's temp dir)")
)

// checkTimeout bounds the check of one history; Unknown counts as failure.
const checkTimeout = 60 * time.Second

// randomConfig draws one history's setup: 1-4 workers, or in one history
// in four a pool for I/O (a few more workers than the 4 per processor above
// which the pool's lock yields, its workers park on parkers of their own,
// and a worker that finds the lock held leaves its job's completion to the
// holder, with buffers 0 or 1), buffers 0, 1 or 8,
// groups on or off (each with a random Limit and Weight, or none), finished
// jobs kept or dropped, random Close and Stop.
func randomConfig() Config {
	var limits, weights [maxLanes]int
	for i := 1; i < maxLanes; i++ {
		limits[i] = rand.IntN(3)  // none, 1 or 2
		weights[i] = rand.IntN(4) // the default, 1, 2 or 3
	}
	workers, bufs := 1+rand.IntN(4), []int{0, 1, 8}
	if rand.IntN(4) == 0 {
		workers += 4 * runtime.GOMAXPROCS(0)
		bufs = bufs[:2] // with 8 as well, some histories take porcupine over checkTimeout
	}
	return Config{
		Limits:        limits,
		Weights:       weights,
		Workers:       workers,
		Buf:           bufs[rand.IntN(len(bufs))],
		QueueFinished: rand.IntN(3) > 0,
		Groups:        []int{0, maxLanes - 1}[rand.IntN(2)],
		Clients:       2 + rand.IntN(3),
		OpsPerClient:  *opsPer,
		Shutdown:      rand.IntN(2) == 0,
	}
}

// check runs porcupine on one history and returns its verdict; a verdict
// other than Ok is written out as a visualization.
func check(t *testing.T, cfg Config, ops []porcupine.Operation, name string) porcupine.CheckResult {
	model := newModel(cfg.Workers, cfg.Buf, cfg.QueueFinished, cfg.Groups, cfg.Limits)
	res, info := porcupine.CheckOperationsVerbose(model, ops, checkTimeout)
	if res != porcupine.Ok {
		dir := *vizDir
		if dir == "" {
			dir = t.TempDir()
		}
		path := filepath.Join(dir, name+".html")
		if err := porcupine.VisualizePath(model, info, path); err != nil {
			t.Logf("visualization: %v", err)
		}
		t.Logf("%s: %s, %d operations, %+v; visualization: %s", name, res, len(ops), cfg, path)
	}
	return res
}

// TestPoolIsLinearizable records many small histories of workerpool.Pool
// (its groups, with limits and weights, included; a third of them queue
// Tasks) and checks each is linearizable: every Stats and
// group Stats snapshot is a state the model passes through. An Unknown
// verdict (timeout) fails as Illegal does.
func TestPoolIsLinearizable(t *testing.T) {
	start := time.Now()
	total := 0
	tasks := 0
	for h := range *histories {
		cfg := randomConfig()
		lanes := make([]Lane, cfg.Groups+1)
		groupOpts := func(i int) []workerpool.GroupOption {
			var opts []workerpool.GroupOption
			if cfg.Limits[i] > 0 {
				opts = append(opts, workerpool.Limit(cfg.Limits[i]))
			}
			if cfg.Weights[i] > 0 {
				opts = append(opts, workerpool.Weight(cfg.Weights[i]))
			}
			return opts
		}
		var sub Subject
		if h%3 == 2 { // a third of the histories run Tasks, on a pool that keeps no finished jobs
			cfg.QueueFinished = false
			tp, err := newTaskPool(cfg.Workers, cfg.Buf)
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= cfg.Groups; i++ {
				lanes[i] = tp.newGroup(groupOpts(i)...)
			}
			sub = tp
			tasks++
		} else {
			// Half of them with workers that exit after 1 ms idle, so
			// workers start and exit throughout the history.
			idle := workerpool.DefaultIdleTimeout
			if h%2 == 0 {
				idle = time.Millisecond
			}
			p, err := workerpool.New[*Job](cfg.Workers, cfg.Buf, cfg.QueueFinished, workerpool.WithIdleTimeout(idle))
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= cfg.Groups; i++ {
				lanes[i] = p.NewGroup(context.Background(), groupOpts(i)...)
			}
			sub = p
		}
		ops := Record(cfg, sub, lanes)
		total += len(ops)
		if res := check(t, cfg, ops, fmt.Sprintf("pool-%d", h)); res != porcupine.Ok {
			t.Errorf("history %d: %s", h, res)
		}
	}
	t.Logf("%d histories (%d of Task jobs), %d operations (%.0f per history), checked in %v",
		*histories, tasks, total, float64(total)/float64(*histories), time.Since(start).Round(time.Millisecond))
}

// TestTornPoolIsCaught shows the checker can fail: the same workload against
// tornPool, whose Stats reads its counters in two critical sections, must
// give an Illegal verdict.
func TestTornPoolIsCaught(t *testing.T) {
	requireCaught(t, "torn pool", func(cfg *Config) []porcupine.Operation {
		cfg.Buf = max(cfg.Buf, 1)
		return Record(*cfg, newTornPool(cfg.Workers, cfg.Buf, cfg.QueueFinished), nil)
	})
}

// TestTornLiveIsCaught shows the checker sees Live: the real pool, whose
// Stats reads Live from another instant than the rest, must give an
// Illegal verdict.
func TestTornLiveIsCaught(t *testing.T) {
	requireCaught(t, "torn Live", func(cfg *Config) []porcupine.Operation {
		p, err := workerpool.New[*Job](cfg.Workers, cfg.Buf, cfg.QueueFinished, workerpool.WithIdleTimeout(time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return Record(*cfg, tornLivePool{p}, nil)
	})
}

// requireCaught records up to 200 histories of random configurations
// without groups with record (which may adjust the configuration) and fails
// unless the checker finds one of them Illegal: the variant named name,
// which breaks linearizability, is caught.
func requireCaught(t *testing.T, name string, record func(*Config) []porcupine.Operation) {
	t.Helper()
	for h := range 200 {
		cfg := randomConfig()
		cfg.Groups = 0
		ops := record(&cfg)
		res := check(t, cfg, ops, fmt.Sprintf("%s-%d", strings.ReplaceAll(name, " ", "-"), h))
		switch res {
		case porcupine.Illegal:
			t.Logf("%s caught in history %d of %d operations: %s", name, h, len(ops), res)
			return
		case porcupine.Unknown:
			t.Fatalf("%s, history %d: the check timed out", name, h)
		}
	}
	t.Fatalf("200 histories of the %s all passed: the checker cannot see it", name)
}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(m.Run())
}
