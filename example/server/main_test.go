package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// TestServerAnswersEachRequestWithItsOwnJobs runs concurrent requests of
// different sizes against one pool and checks each answer, the refusal of a
// bad k, and that the pool's counters add up to exactly the jobs asked for.
func TestServerAnswersEachRequestWithItsOwnJobs(t *testing.T) {
	pool, err := workerpool.New[*hashJob](2, 64, false)
	require.NoError(t, err)
	srv := httptest.NewServer(newHandler(pool))
	defer srv.Close()

	ks := []int{1, 5, 500, 5, 2000, 3}
	var wg sync.WaitGroup
	for _, k := range ks {
		wg.Go(func() {
			code, body := get(t, srv.URL+"/hash?k="+strconv.Itoa(k))
			assert.Equal(t, http.StatusOK, code, body)
			assert.True(t, strings.HasPrefix(body, strconv.Itoa(k)+" blocks hashed"), body)
		})
	}
	wg.Wait()
	code, body := get(t, srv.URL+"/hash?k=0")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, body, `got "0"`)

	s := pool.Stats()
	assert.EqualValues(t, 2514, s.Queued)
	assert.EqualValues(t, 2514, s.Completed)
	assert.EqualValues(t, 2514, s.Retrieved, "each request read its own jobs from its group")
	assert.Zero(t, s.Dropped)
	assert.Zero(t, s.Skipped)
	_, body = get(t, srv.URL+"/stats")
	assert.Contains(t, body, "queued=2514")
	require.NoError(t, pool.Close())
}

// TestServerCancelledRequestSkipsItsJobs cancels a request mid-way: its
// waiting jobs are skipped, and a request after it is answered in full.
func TestServerCancelledRequestSkipsItsJobs(t *testing.T) {
	pool, err := workerpool.New[*hashJob](1, 100_000, false)
	require.NoError(t, err)
	h := newHandler(pool)
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/hash?k=50000", nil)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { h.ServeHTTP(rec, req); close(done) }()
	for pool.Stats().Completed == 0 {
		// the request's jobs have started
	}
	cancel()
	<-done
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	s := pool.Stats()
	assert.NotZero(t, s.Skipped, "the cancelled request's waiting jobs were skipped")
	assert.Equal(t, s.Queued, s.Completed+s.Skipped+uint64(s.Running))

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hash?k=10", nil))
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NoError(t, pool.Close())
}

// TestServerShutdownOnSIGTERMAnswersEveryRequest sends SIGTERM while
// requests are in flight: every one of them is answered in full, no job is
// skipped or lost, and serve returns once the pool's last job has run.
func TestServerShutdownOnSIGTERMAnswersEveryRequest(t *testing.T) {
	pool, err := workerpool.New[*hashJob](2, 16, false)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- serve(ln, pool, syscall.SIGTERM) }()
	url := "http://" + ln.Addr().String()

	const requests, k = 16, 200
	var wg sync.WaitGroup
	for range requests {
		wg.Go(func() {
			code, body := get(t, url+"/hash?k="+strconv.Itoa(k))
			assert.Equal(t, http.StatusOK, code, body)
			assert.True(t, strings.HasPrefix(body, strconv.Itoa(k)+" blocks hashed"), body)
		})
	}
	for pool.Stats().Groups < requests {
		runtime.Gosched() // every request is in flight, its jobs queued or blocked
	}
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	wg.Wait()
	require.NoError(t, <-served)
	s := pool.Stats()
	assert.EqualValues(t, requests*k, s.Queued)
	assert.EqualValues(t, requests*k, s.Completed)
	assert.Zero(t, s.Skipped)
	assert.Zero(t, s.Rejected)
	assert.Zero(t, s.Running, "the pool's work is over")
	_, err = http.Get(url + "/stats")
	assert.Error(t, err, "no longer listening")
}
