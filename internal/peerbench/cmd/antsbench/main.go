// Command antsbench runs ants' headline workload, 1,000,000 tasks that
// sleep 10 ms on a pool of capacity 50,000, submitted from one goroutine,
// on this pool (cond) and on ants v2, each run in a process of its own,
// alternated, and prints each pool's median time and peak memory
// (runtime.MemStats.Sys at the end of the run, which never goes down).
//
//	go run ./cmd/antsbench -rounds 5
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/panjf2000/ants/v2"

	"github.com/seed761c1f22/workerpool"
)

const (
	tasks    = 1_000_000
	capacity = 50_000
	sleep    = 10 * time.Millisecond
)

func main() {
	impl := flag.String("impl", "", "run one pool in this process: cond or ants")
	rounds := flag.Int("rounds", 5, "runs of each pool, alternated, each in a process of its own")
	flag.Parse()
	if *impl != "" {
		d := run(*impl)
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Printf("%d %d\n", d.Milliseconds(), m.Sys>>20)
		return
	}
	self, err := os.Executable()
	if err != nil {
		panic(err)
	}
	impls := []string{"cond", "ants"}
	ms, mib := map[string][]int{}, map[string][]int{}
	for r := range *rounds {
		for _, name := range impls {
			out, err := exec.Command(self, "-impl", name).Output()
			if err != nil {
				panic(fmt.Sprintf("%s: %v", name, err))
			}
			var t, m int
			if _, err := fmt.Sscan(strings.TrimSpace(string(out)), &t, &m); err != nil {
				panic(err)
			}
			ms[name], mib[name] = append(ms[name], t), append(mib[name], m)
			fmt.Printf("round %d %-5s %6d ms %5d MiB\n", r, name, t, m)
		}
	}
	fmt.Printf("\n%d tasks sleeping %v on capacity %d, medians of %d runs each in its own process:\n", tasks, sleep, capacity, *rounds)
	for _, name := range impls {
		fmt.Printf("%-5s %6d ms %5d MiB peak Sys\n", name, median(ms[name]), median(mib[name]))
	}
	fmt.Printf("cond/ants: time %.2f, memory %.2f\n",
		float64(median(ms["cond"]))/float64(median(ms["ants"])), float64(median(mib["cond"]))/float64(median(mib["ants"])))
}

// run runs the workload on impl and returns how long it took.
func run(impl string) time.Duration {
	task := func() { time.Sleep(sleep) }
	start := time.Now()
	switch impl {
	case "cond":
		p, err := workerpool.New[workerpool.JobFunc](capacity, 1024, false)
		if err != nil {
			panic(err)
		}
		for range tasks {
			if err := p.QueueJob(task); err != nil {
				panic(err)
			}
		}
		_ = p.Close()
		p.GetFinishedWait()
	case "ants":
		p, err := ants.NewPool(capacity)
		if err != nil {
			panic(err)
		}
		var wg sync.WaitGroup
		for range tasks {
			wg.Add(1)
			if err := p.Submit(func() { task(); wg.Done() }); err != nil {
				panic(err)
			}
		}
		wg.Wait()
		p.Release()
	default:
		panic("unknown impl " + impl)
	}
	return time.Since(start)
}

func median(xs []int) int {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
