package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/seed761c1f22/workerpool"
	"github.com/seed761c1f22/workerpool/contrib/workerpooljs"
)

// resizeJob is what a message carries; the result lives in the job.
type resizeJob struct {
	ID     int `json:"id"`
	Width  int `json:"width"`
	pixels int
}

// Run must be idempotent: a job runs twice after a crash, or when a worker
// stalls past AckWait and the message goes to another worker.
func (j *resizeJob) Run() { j.pixels = j.Width * j.Width * 3 / 4 }

func main() {
	urls := cmp.Or(os.Getenv("NATS_URL"), nats.DefaultURL)
	replicas, err := strconv.Atoi(cmp.Or(os.Getenv("REPLICAS"), "1"))
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	nc, err := nats.Connect(urls, nats.MaxReconnects(-1))
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		log.Fatal(err)
	}
	// Once, for the cluster: a work-queue stream and a durable pull consumer.
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "RESIZE", Subjects: []string{"resize.>"},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage, Replicas: replicas}); err != nil {
		log.Fatalf("create stream: %v", err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, "RESIZE", jetstream.ConsumerConfig{Durable: "resizers",
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second, MaxDeliver: 5, MaxAckPending: 1000})
	if err != nil {
		log.Fatalf("create consumer: %v", err)
	}

	// A producer somewhere: 100 jobs.
	for i := range 100 {
		body, _ := json.Marshal(resizeJob{ID: i, Width: 100 + i})
		if _, err := js.Publish(ctx, "resize."+strconv.Itoa(i), body); err != nil {
			log.Fatalf("publish: %v", err)
		}
	}

	decode := func(msg jetstream.Msg) (*resizeJob, error) { // a message that does not decode is Term'ed
		var j resizeJob
		return &j, json.Unmarshal(msg.Data(), &j)
	}
	w, err := workerpooljs.New(cons, decode, workerpooljs.Workers(4), workerpooljs.RetryDelay(5*time.Second),
		workerpooljs.PoolOptions(workerpool.WithTimings()))
	if err != nil {
		log.Fatal(err)
	}
	runCtx, done := context.WithCancel(ctx)
	go func() { // a real worker runs until SIGTERM; this one stops once the 100 jobs ran
		for w.Stats().Completed < 100 {
			time.Sleep(10 * time.Millisecond)
		}
		done()
	}()
	if err := w.Run(runCtx); err != nil { // then: hand back the unstarted jobs, finish the running ones
		log.Fatal(err)
	}
	s := w.Stats()
	fmt.Printf("completed=%d failed=%d skipped=%d\n", s.Completed, s.Failed, s.Skipped)
}
