// Command slicecheck shows, end to end, that a pool's time slice gives the
// processor to a goroutine beside the workers: on one processor, with one
// worker running jobs of 1 ms, it counts how often a bystander sleeping
// 100 µs wakes, with the default slice and with WithTimeSlice(0), in three
// situations:
//
//   - fresh: a new pool runs the long jobs;
//   - burst: the pool first runs 100,000 tiny jobs and goes idle, then runs
//     the long jobs;
//   - blocked: one caller feeds the long jobs through a buffer of 8,
//     blocking for room.
//
// It prints the median wakes of -rounds rounds, interleaved, and the ratio,
// and exits with status 1 if a ratio is under -want.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/seed761c1f22/workerpool"
)

func main() {
	rounds := flag.Int("rounds", 5, "rounds of each case, interleaved")
	jobs := flag.Int("jobs", 300, "long jobs per run")
	want := flag.Float64("want", 5, "the least ratio of wakes, default slice against slice 0")
	flag.Parse()
	runtime.GOMAXPROCS(1)

	situations := []string{"fresh", "burst", "blocked"}
	wakes := map[string][]float64{}
	for range *rounds {
		for _, s := range situations {
			for _, slice := range []bool{true, false} {
				key := fmt.Sprintf("%s/%v", s, slice)
				wakes[key] = append(wakes[key], float64(run(s, slice, *jobs)))
			}
		}
	}
	fmt.Printf("bystander wakes (sleeping 100µs) while one worker runs %d jobs of 1ms on 1 processor, medians of %d\n", *jobs, *rounds)
	fmt.Printf("%-8s %14s %18s %7s\n", "case", "default slice", "WithTimeSlice(0)", "ratio")
	ok := true
	for _, s := range situations {
		on, off := median(wakes[s+"/true"]), median(wakes[s+"/false"])
		ratio := on / max(off, 1)
		fmt.Printf("%-8s %14.0f %18.0f %6.1f×\n", s, on, off, ratio)
		if ratio < *want {
			ok = false
		}
	}
	if !ok {
		fmt.Printf("FAIL: a ratio is under %.0f×\n", *want)
		os.Exit(1)
	}
}

// run runs one situation and returns how often the bystander woke.
func run(situation string, slice bool, jobs int) int64 {
	var opts []workerpool.Option
	if !slice {
		opts = append(opts, workerpool.WithTimeSlice(0))
	}
	buffer := 100_000 // every job queued at once
	if situation == "blocked" {
		buffer = 8
	}
	p, err := workerpool.New[workerpool.JobFunc](1, buffer, false, opts...)
	if err != nil {
		panic(err)
	}
	if situation == "burst" {
		for range 100_000 {
			if err := p.QueueJob(func() {}); err != nil {
				panic(err)
			}
		}
		if err := p.WaitIdle(context.Background()); err != nil {
			panic(err)
		}
	}
	var wakes atomic.Int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() { // the bystander
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			default:
			}
			time.Sleep(100 * time.Microsecond)
			wakes.Add(1)
		}
	}()
	runtime.Gosched() // let the bystander start sleeping
	long := func() {
		for start := time.Now(); time.Since(start) < time.Millisecond; {
		}
	}
	for range jobs {
		if err := p.QueueJob(long); err != nil {
			panic(err)
		}
	}
	if err := p.Close(); err != nil {
		panic(err)
	}
	p.GetFinishedWait()
	close(done)
	<-stopped
	return wakes.Load()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
