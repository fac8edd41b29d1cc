package workerpool_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/seed761c1f22/workerpool"
)

// One pool shared by the requests of a server: each request makes a group
// from its own context, queues its jobs, waits for them and answers with its
// own results. A client that goes away ends r.Context(), which stops the
// group: its waiting jobs are skipped, and other requests are not touched.
func ExamplePool_NewGroup() {
	pool, err := workerpool.New[*square](4, 64, false)
	if err != nil {
		panic(err)
	}
	defer pool.Close()

	handler := func(w http.ResponseWriter, r *http.Request) {
		k, err := strconv.Atoi(r.URL.Query().Get("k"))
		if err != nil || k < 1 {
			http.Error(w, "k must be a positive number", http.StatusBadRequest)
			return
		}
		g := pool.NewGroup(r.Context(), workerpool.KeepFinished())
		defer g.Stop() // an early return withdraws what is still waiting
		for i := 1; i <= k; i++ {
			if err := g.QueueJobContext(r.Context(), &square{n: i}); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		if err := g.Wait(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		sum := 0
		for job := range g.Finished() { // this request's jobs only
			sum += job.result
		}
		fmt.Fprintf(w, "sum of the first %d squares: %d", k, sum)
	}

	srv := httptest.NewServer(http.HandlerFunc(handler))
	defer srv.Close()
	for _, k := range []int{3, 10} {
		resp, err := http.Get(srv.URL + "?k=" + strconv.Itoa(k))
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(body))
	}
	// Output:
	// sum of the first 3 squares: 14
	// sum of the first 10 squares: 385
}

// checked is a job that can fail: the pool calls Err after it ran.
type checked struct {
	n   int
	err error
}

func (c *checked) Run() {
	if c.n < 0 {
		c.err = fmt.Errorf("negative input %d", c.n)
	}
}

func (c *checked) Err() error { return c.err }

// With StopOnError the group's first failure stops the group: none of its
// jobs starts after the failing job has returned, and Wait returns the
// failure.
func ExampleStopOnError() {
	pool, err := workerpool.New[*checked](1, 8, false)
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	g := pool.NewGroup(context.Background(), workerpool.StopOnError())
	if _, err := g.QueueJobs(&checked{n: 1}, &checked{n: -2}, &checked{n: 3}, &checked{n: 4}); err != nil {
		panic(err)
	}
	err = g.Wait()
	s := g.Stats()
	fmt.Println("Wait:", err)
	fmt.Printf("completed %d, failed %d, skipped %d\n", s.Completed, s.Failed, s.Skipped)
	fmt.Println("context cause is the failure:", errors.Is(context.Cause(g.Context()), err))
	// Output:
	// Wait: negative input -2
	// completed 2, failed 1, skipped 2
	// context cause is the failure: true
}
