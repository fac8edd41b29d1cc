// Command jsdemo runs three workerpool workers, as three processes would, on
// one NATS JetStream work-queue stream: it publishes N jobs, shuts one
// worker down midway (its fetched, unstarted jobs are Nak'ed and the others
// run them at once), waits until every job has run, and prints each
// worker's Stats line and how many jobs were done and lost.
//
// Without -url it starts an embedded nats-server with JetStream on a
// temporary directory, listening on a random loopback port:
//
//	go run ./cmd/jsdemo -n 5000
//	go run ./cmd/jsdemo -url nats://127.0.0.1:4222   # an existing server with JetStream
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/seed761c1f22/workerpool/contrib/workerpooljs"
)

const (
	stream  = "JSDEMO"
	durable = "jsdemo-workers"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "jsdemo:", err)
		os.Exit(1)
	}
}

// done records which jobs ran, and how often.
type done struct {
	mu   sync.Mutex
	runs map[int]int
}

func (d *done) ran(id int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.runs[id]++
}

func (d *done) count() (distinct, twice int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range d.runs {
		if n > 1 {
			twice++
		}
	}
	return len(d.runs), twice
}

// hashJob hashes a block generated from its id.
type hashJob struct {
	id   int
	done *done
}

func (j *hashJob) Run() {
	block := make([]byte, 32<<10)
	for i := range block {
		block[i] = byte(j.id + i)
	}
	_ = sha256.Sum256(block)
	j.done.ran(j.id)
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("jsdemo", flag.ContinueOnError)
	url := fs.String("url", "", "NATS server URL; empty: start an embedded server")
	n := fs.Int("n", 3000, "jobs to publish")
	workers := fs.Int("workers", 2, "pool size of each worker")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 3 {
		return fmt.Errorf("-n must be at least 3, got %d", *n)
	}
	if *url == "" {
		dir, err := os.MkdirTemp("", "jsdemo")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
		if err != nil {
			return err
		}
		go s.Start()
		if !s.ReadyForConnections(10 * time.Second) {
			return errors.New("the embedded nats-server did not start")
		}
		defer s.Shutdown()
		*url = s.ClientURL()
		fmt.Fprintf(out, "embedded nats-server with JetStream at %s\n", *url)
	}

	ctx := context.Background()
	nc, err := nats.Connect(*url)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	_ = js.DeleteStream(ctx, stream) // a fresh stream on an existing server
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{"jsdemo.>"}, Retention: jetstream.WorkQueuePolicy}); err != nil {
		return err
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{Durable: durable, AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Minute}); err != nil {
		return err
	}
	if err := publish(ctx, js, *n); err != nil {
		return err
	}
	fmt.Fprintf(out, "published %d jobs on stream %s\n", *n, stream)

	d := &done{runs: map[int]int{}}
	names := []string{"a", "b", "c"}
	ws := make([]*workerpooljs.Worker[*hashJob], len(names))
	cancels := make([]context.CancelFunc, len(names))
	errs := make([]chan error, len(names))
	for i := range names {
		conn, err := nats.Connect(*url) // each worker on a connection of its own, as a process would be
		if err != nil {
			return err
		}
		defer conn.Close()
		wjs, err := jetstream.New(conn)
		if err != nil {
			return err
		}
		cons, err := wjs.Consumer(ctx, stream, durable)
		if err != nil {
			return err
		}
		decode := func(msg jetstream.Msg) (*hashJob, error) {
			id, err := strconv.Atoi(string(msg.Data()))
			return &hashJob{id: id, done: d}, err
		}
		if ws[i], err = workerpooljs.New(cons, decode, workerpooljs.Workers(*workers)); err != nil {
			return err
		}
		var wctx context.Context
		wctx, cancels[i] = context.WithCancel(ctx)
		errs[i] = make(chan error, 1)
		go func() { errs[i] <- ws[i].Run(wctx) }()
	}

	for distinct, _ := d.count(); distinct < *n/3; distinct, _ = d.count() {
		time.Sleep(time.Millisecond)
	}
	cancels[1]() // worker b shuts down midway
	if err := <-errs[1]; err != nil {
		return err
	}
	s := ws[1].Stats()
	fmt.Fprintf(out, "worker b shut down midway and handed back %d unstarted jobs\n", s.Skipped+s.Rejected)

	deadline := time.Now().Add(2 * time.Minute)
	for distinct, _ := d.count(); distinct < *n; distinct, _ = d.count() {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d jobs done after 2 minutes", distinct, *n)
		}
		time.Sleep(time.Millisecond)
	}
	for _, i := range []int{0, 2} {
		cancels[i]()
		if err := <-errs[i]; err != nil {
			return err
		}
	}
	for i, name := range names {
		fmt.Fprintf(out, "worker %s: %v\n", name, ws[i].Stats())
	}
	distinct, twice := d.count()
	fmt.Fprintf(out, "%d of %d jobs done, %d lost, %d run twice\n", distinct, *n, *n-distinct, twice)
	return nil
}

// publish publishes the jobs 0 … n-1 on jsdemo.<i>. It waits for the
// acknowledgements of every 256 messages before publishing more, far below the
// client's limit of outstanding asynchronous publishes (4,000), so a slow
// server makes it wait rather than fail with "stalled with too many
// outstanding async published messages".
func publish(ctx context.Context, js jetstream.JetStream, n int) error {
	const batch = 256
	futures := make([]jetstream.PubAckFuture, 0, batch)
	for start := 0; start < n; start += batch {
		futures = futures[:0]
		for i := start; i < min(n, start+batch); i++ {
			f, err := js.PublishAsync("jsdemo."+strconv.Itoa(i), []byte(strconv.Itoa(i)))
			if err != nil {
				return err
			}
			futures = append(futures, f)
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return err
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}
