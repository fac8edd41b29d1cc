package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServesMetricsOverHTTP starts the demo on a free loopback port, scrapes
// /metrics over HTTP until jobs have completed, and stops it.
func TestServesMetricsOverHTTP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	ran := make(chan error, 1)
	go func() { ran <- run(ctx, "127.0.0.1:0", func(a net.Addr) { addrs <- a }) }()
	url := "http://" + (<-addrs).String() + "/metrics"

	var body string
	for !strings.Contains(body, `workerpool_jobs_completed_total{pool="hash"}`) ||
		strings.Contains(body, `workerpool_jobs_completed_total{pool="hash"} 0`+"\n") {
		resp, err := http.Get(url)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode)
		body = string(b)
	}
	for _, name := range []string{"workerpool_workers", "workerpool_jobs_queued_total", "workerpool_jobs_waiting",
		"workerpool_jobs_running", "workerpool_jobs_finished", "workerpool_jobs_retrieved_total",
		"workerpool_jobs_skipped_total", "workerpool_jobs_panicked_total", "workerpool_jobs_rejected_total",
		"workerpool_blocked_calls", "workerpool_held_workers", "workerpool_paused"} {
		assert.Contains(t, body, name+`{pool="hash"}`)
	}
	cancel()
	require.NoError(t, <-ran)
}
