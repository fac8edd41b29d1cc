package workerpool_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// FuzzPool decodes its input into a pool configuration and a script of
// operations run from 1 to 4 goroutines inside a synctest bubble, so every
// blocking call is deterministic and a deadlock or a goroutine left behind
// fails the run. After every operation Stats must satisfy every invariant;
// at the end (release, Close, drain) every accepted job ran exactly once or
// was skipped, and every finished job was retrieved exactly once.
//
// Input layout: byte 0 workers (1-8), byte 1 bufferSize (0-8), byte 2 bit 0
// queueFinished, bits 1-2 the number of goroutines (1-4) and bit 3 a pool
// for I/O (4 workers per processor more, untimed, so that its lock yields,
// its workers park on parkers of their own and leave completions to the
// lock's holder; its Resizes cross that line both ways); then two bytes
// per operation (op, argument), dealt to the goroutines in turn.
//
// The seed corpus in testdata/fuzz/FuzzPool covers every operation and job
// kind; plain go test runs it as regression cases.
func FuzzPool(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s := decodeScript(data)
		if s == nil {
			return
		}
		t.Logf("script: %v", s) // printed with any failure, including a deadlock
		synctest.Test(t, s.run)
	})
}

// Operations of a script.
const (
	opQueue              = iota // QueueJob of a job of kind arg
	opTryQueue                  // TryQueueJob
	opQueueJobs                 // QueueJobs of 1+arg%4 jobs, one nil if arg&8
	opQueueCtx                  // QueueJobContext with a deadline of arg%4 ms
	opGetFinished               // GetFinished
	opGetFinishedWait           // GetFinishedWait
	opGetFinishedWaitCtx        // GetFinishedWaitContext with a deadline
	opFinishedRange             // range over Finished(), breaking after arg%3 jobs
	opWaitIdle                  // WaitIdle with a deadline
	opClose                     // Close
	opStop                      // Stop
	opRelease                   // release every blocking job
	opStats                     // check a Stats snapshot (done after every op too)
	opResize                    // Resize to arg%9 workers (0 is refused), plus forIOWorkers() in a pool for I/O if arg&16
	opPause                     // Pause
	opResume                    // Resume
	opStopAndCollect            // StopAndCollect: the jobs it returns were accepted and never run
	opGroupQueue                // queue a job of kind arg in the goroutine's group, made first if needed (arg&1 KeepFinished, arg&2 StopOnError)
	opGroupQueueJobs            // QueueJobsContext of 1+arg%4 jobs in the group, with its context
	opGroupWait                 // Wait for the group, retrieve its kept jobs; the next group op makes a new one
	opGroupStop                 // Stop the group
	opGroupCancel               // end the group's context
	opGroupClose                // Close the group
	numOps
)

var opNames = [numOps]string{"Queue", "TryQueue", "QueueJobs", "QueueCtx", "GetFinished",
	"GetFinishedWait", "GetFinishedWaitCtx", "FinishedRange", "WaitIdle", "Close", "Stop", "Release", "Stats",
	"Resize", "Pause", "Resume", "StopAndCollect", "GroupQueue", "GroupQueueJobs", "GroupWait", "GroupStop",
	"GroupCancel", "GroupClose"}

// Kinds of job, chosen by an operation's argument.
const (
	kindPlain  = iota // returns at once
	kindPanic         // panics
	kindBlock         // runs until released
	kindCtx           // a RunContext job that runs until Stop or release
	kindGoexit        // calls runtime.Goexit
	numKinds
)

type fuzzOp struct{ op, arg byte }

func (o fuzzOp) String() string { return fmt.Sprintf("%s(%d)", opNames[o.op], o.arg) }

type fuzzScript struct {
	workers, buf  int
	queueFinished bool
	forIO         bool // a pool for I/O: workers includes forIOWorkers(); untimed
	goroutines    [][]fuzzOp
}

func (s *fuzzScript) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "workers=%d buf=%d queueFinished=%v forIO=%v", s.workers, s.buf, s.queueFinished, s.forIO)
	for g, ops := range s.goroutines {
		fmt.Fprintf(&b, " g%d%v", g, ops)
	}
	return b.String()
}

// usesGroups reports whether an operation of the script makes groups.
func (s *fuzzScript) usesGroups() bool {
	for _, ops := range s.goroutines {
		for _, o := range ops {
			if o.op >= opGroupQueue {
				return true
			}
		}
	}
	return false
}

func decodeScript(data []byte) *fuzzScript {
	if len(data) < 3 {
		return nil
	}
	s := &fuzzScript{
		workers:       1 + int(data[0])%8,
		buf:           int(data[1]) % 9,
		queueFinished: data[2]&1 == 1,
		forIO:         data[2]&8 != 0,
	}
	if s.forIO {
		s.workers += forIOWorkers()
	}
	s.goroutines = make([][]fuzzOp, 1+int(data[2]>>1)%4)
	ops := data[3:]
	for i := 0; i+1 < len(ops) && i < 2*48; i += 2 {
		g := (i / 2) % len(s.goroutines)
		s.goroutines[g] = append(s.goroutines[g], fuzzOp{ops[i] % numOps, ops[i+1]})
	}
	return s
}

// fuzzJob records what happened to it.
type fuzzJob struct {
	kind      int
	release   <-chan struct{}
	accepted  atomic.Bool
	refused   atomic.Bool // turned away with an error that counts it Rejected
	collected atomic.Bool // returned by StopAndCollect
	inGroup   atomic.Bool // offered to a group
	kept      atomic.Bool // offered to a group with KeepFinished
	released  atomic.Bool // its group was stopped: a kept job may have been released, not retrieved
	runs      atomic.Int32
	retrieved atomic.Int32
}

func (j *fuzzJob) Run() {
	j.runs.Add(1)
	switch j.kind {
	case kindPanic:
		panic("fuzz")
	case kindBlock:
		<-j.release
	case kindGoexit:
		runtime.Goexit()
	}
}

// fuzzCtxJob is a fuzzJob run through RunContext.
type fuzzCtxJob struct{ *fuzzJob }

func (j fuzzCtxJob) RunContext(ctx context.Context) {
	j.runs.Add(1)
	select {
	case <-ctx.Done():
	case <-j.release:
	}
}

// sizeTracker is the size set by New or the last Resize that succeeded;
// mu orders the script's Resize calls with their record.
type sizeTracker struct {
	mu sync.Mutex
	n  int
}

// run plays the script in a bubble.
func (s *fuzzScript) run(t *testing.T) {
	quiet := workerpool.WithPanicHandler(func(workerpool.Job, any, []byte) {})
	opts := []workerpool.Option{quiet, workerpool.WithIdleTimeout(time.Millisecond)}
	if !s.forIO {
		opts = append(opts, workerpool.WithTimings())
	}
	p := newPool[workerpool.Job](t, s.workers, s.buf, s.queueFinished, opts...)
	release := make(chan struct{})
	var releaseOnce sync.Once
	var mu sync.Mutex
	var jobs []*fuzzJob
	newJob := func(kind int) workerpool.Job {
		j := &fuzzJob{kind: kind, release: release}
		mu.Lock()
		jobs = append(jobs, j)
		mu.Unlock()
		if kind == kindCtx {
			return fuzzCtxJob{j}
		}
		return j
	}
	accept := func(job workerpool.Job) { unwrap(job).accepted.Store(true) }
	size := &sizeTracker{n: s.workers}
	retrieve := func(job workerpool.Job) { unwrap(job).retrieved.Add(1) }
	mayKeep := s.queueFinished || s.usesGroups() // Finished and Retrieved can be non-zero
	check := func() { checkInvariants(t, p.Stats(), s.buf, mayKeep) }

	var wg sync.WaitGroup
	for _, ops := range s.goroutines {
		wg.Go(func() {
			fg := &fuzzGroup{}
			for _, o := range ops {
				s.do(t, p, o, newJob, accept, retrieve, func() { releaseOnce.Do(func() { close(release) }) }, size, fg)
				check()
				if fg.g != nil {
					checkGroupInvariants(t, fg.g.Stats())
				}
			}
			fg.wait(t, retrieve) // after teardown's release and Close, this returns
		})
	}
	synctest.Wait() // every script goroutine has finished or is blocked in the pool

	// Teardown: release blocked jobs, close, drain; every blocked call returns.
	releaseOnce.Do(func() { close(release) })
	require.NoError(t, p.Close())
	for job := range p.Finished() {
		retrieve(job)
	}
	wg.Wait()
	for job := range p.Finished() { // a script goroutine may have stopped ranging early
		retrieve(job)
	}
	synctest.Wait() // retiring workers released at Close have exited

	st := p.Stats()
	checkInvariants(t, st, s.buf, mayKeep)
	var accepted, ran, skipped, panicked, failed, rejected uint64
	for i, j := range jobs {
		runs := j.runs.Load()
		require.LessOrEqual(t, runs, int32(1), "job %d ran twice", i)
		if j.collected.Load() {
			require.True(t, j.accepted.Load(), "job %d returned by StopAndCollect was never accepted", i)
			require.Zero(t, runs, "job %d returned by StopAndCollect ran", i)
		}
		if !j.accepted.Load() {
			require.Zero(t, runs, "job %d was refused but ran", i)
			if j.refused.Load() {
				rejected++
			}
			continue
		}
		accepted++
		if runs == 1 {
			ran++
			switch j.kind {
			case kindPanic:
				panicked++
				failed++
			case kindGoexit:
				failed++
			}
		} else {
			skipped++
		}
		want := int32(0)
		if s.queueFinished && !j.inGroup.Load() || j.kept.Load() {
			want = runs
		}
		if j.released.Load() { // retrieved before the Stop, or released by it
			require.LessOrEqual(t, j.retrieved.Load(), want, "job %d retrieved", i)
		} else {
			require.Equal(t, want, j.retrieved.Load(), "job %d retrieved", i)
		}
	}
	var retrieved uint64
	for _, j := range jobs {
		retrieved += uint64(j.retrieved.Load())
	}
	want := workerpool.Stats{Workers: size.n, Queued: accepted, Completed: ran, Skipped: skipped,
		Failed: failed, Panicked: panicked, Rejected: rejected, Retrieved: retrieved, Dropped: ran - retrieved}
	if !s.forIO {
		require.Equal(t, ran, st.Wait.Count, "every job that started was measured")
		require.Equal(t, ran, st.Run.Count, "every job that returned was measured")
	}
	want.Wait, want.Run = st.Wait, st.Run // durations depend on the schedule
	require.Equal(t, want, st)
}

// do runs one operation.
func (s *fuzzScript) do(t *testing.T, p *workerpool.Pool[workerpool.Job], o fuzzOp,
	newJob func(int) workerpool.Job, accept, retrieve func(workerpool.Job), release func(), size *sizeTracker, fg *fuzzGroup) {
	kind := int(o.arg) % numKinds
	deadline := time.Duration(o.arg%4) * time.Millisecond
	ok := func(err error) bool {
		if err == nil {
			return true
		}
		if !errors.Is(err, workerpool.ErrClosed) && !errors.Is(err, workerpool.ErrGroupClosed) && !errors.Is(err, workerpool.ErrQueueFull) &&
			!errors.Is(err, workerpool.ErrNilJob) && !errors.Is(err, context.DeadlineExceeded) &&
			!errors.Is(err, context.Canceled) {
			t.Errorf("%v: unexpected error %v", o, err)
		}
		return false
	}
	// offered records the outcome of offering one job.
	offered := func(job workerpool.Job, err error) {
		if ok(err) {
			accept(job)
		} else if job != nil && !errors.Is(err, workerpool.ErrNilJob) {
			unwrap(job).refused.Store(true)
		}
	}
	switch o.op {
	case opQueue:
		job := newJob(kind)
		offered(job, p.QueueJob(job))
	case opTryQueue:
		job := newJob(kind)
		offered(job, p.TryQueueJob(job))
	case opQueueJobs:
		batch := make([]workerpool.Job, 1+int(o.arg)%4)
		for i := range batch {
			batch[i] = newJob(int(o.arg>>4) % numKinds)
		}
		if o.arg&8 != 0 {
			batch[len(batch)/2] = nil
		}
		n, err := p.QueueJobs(batch...)
		for _, job := range batch[:n] {
			offered(job, nil)
		}
		for _, job := range batch[n:] {
			offered(job, err)
		}
		if err == nil && n != len(batch) {
			t.Errorf("%v: accepted %d of %d without an error", o, n, len(batch))
		}
	case opQueueCtx:
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		job := newJob(kind)
		offered(job, p.QueueJobContext(ctx, job))
		cancel()
	case opGetFinished:
		if job, _ := p.GetFinished(); job != nil {
			retrieve(job)
		}
	case opGetFinishedWait:
		if job, _ := p.GetFinishedWait(); job != nil {
			retrieve(job)
		}
	case opGetFinishedWaitCtx:
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		job, _, err := p.GetFinishedWaitContext(ctx)
		ok(err)
		if job != nil {
			retrieve(job)
		}
		cancel()
	case opFinishedRange:
		n := int(o.arg) % 3
		for job := range p.Finished() {
			retrieve(job)
			if n--; n < 0 {
				break
			}
		}
	case opWaitIdle:
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		ok(p.WaitIdle(ctx))
		cancel()
	case opClose:
		require.NoError(t, p.Close())
	case opStop:
		require.NoError(t, p.Stop())
	case opRelease:
		release()
	case opStats:
	case opResize:
		n := int(o.arg) % 9
		if s.forIO && o.arg&16 != 0 {
			n += forIOWorkers()
		}
		size.mu.Lock()
		err := p.Resize(n)
		switch {
		case n == 0:
			require.ErrorContains(t, err, "got 0")
		case err == nil:
			size.n = n
		default:
			require.ErrorIs(t, err, workerpool.ErrClosed)
		}
		size.mu.Unlock()
	case opPause:
		p.Pause()
	case opResume:
		p.Resume()
	case opStopAndCollect:
		for _, job := range p.StopAndCollect() {
			unwrap(job).collected.Store(true)
		}
	case opGroupQueue:
		g := fg.get(p, o.arg)
		job := newJob(kind)
		fg.offer(job)
		offered(job, g.QueueJob(job))
	case opGroupQueueJobs:
		g := fg.get(p, o.arg)
		batch := make([]workerpool.Job, 1+int(o.arg)%4)
		for i := range batch {
			batch[i] = newJob(int(o.arg>>4) % numKinds)
			fg.offer(batch[i])
		}
		n, err := g.QueueJobsContext(fg.ctx, batch...)
		for _, job := range batch[:n] {
			offered(job, nil)
		}
		for _, job := range batch[n:] {
			offered(job, err)
		}
	case opGroupWait:
		fg.wait(t, retrieve)
	case opGroupStop:
		fg.get(p, o.arg).Stop() // releases the jobs it keeps
		for _, j := range fg.offered {
			j.released.Store(true)
		}
	case opGroupCancel:
		fg.get(p, o.arg)
		fg.cancel()
	case opGroupClose:
		fg.get(p, o.arg).Close()
	}
}

// fuzzGroup is the group a script goroutine is using, if any.
type fuzzGroup struct {
	g       *workerpool.Group[workerpool.Job]
	ctx     context.Context
	cancel  context.CancelFunc
	keep    bool
	offered []*fuzzJob // the jobs offered to g
}

// get returns the current group, making one with the options in arg if there is none.
func (fg *fuzzGroup) get(p *workerpool.Pool[workerpool.Job], arg byte) *workerpool.Group[workerpool.Job] {
	if fg.g == nil {
		var opts []workerpool.GroupOption
		fg.keep = arg&1 != 0
		if fg.keep {
			opts = append(opts, workerpool.KeepFinished())
		}
		if arg&2 != 0 {
			opts = append(opts, workerpool.StopOnError())
		}
		if arg&4 != 0 {
			opts = append(opts, workerpool.Limit(1+int(arg>>5&1)))
		}
		if arg&8 != 0 {
			opts = append(opts, workerpool.Weight(1+int(arg>>6&3)))
		}
		fg.ctx, fg.cancel = context.WithCancel(context.Background())
		fg.g = p.NewGroup(fg.ctx, opts...)
	}
	return fg.g
}

// offer marks job as offered to the current group.
func (fg *fuzzGroup) offer(job workerpool.Job) {
	unwrap(job).inGroup.Store(true)
	unwrap(job).kept.Store(fg.keep)
	fg.offered = append(fg.offered, unwrap(job))
}

// wait waits for the current group, if any, checks what Wait returned and
// the group's final snapshot, and retrieves its kept jobs.
func (fg *fuzzGroup) wait(t *testing.T, retrieve func(workerpool.Job)) {
	if fg.g == nil {
		return
	}
	err := fg.g.Wait()
	var pe *workerpool.PanicError
	if err != nil && !errors.As(err, &pe) && !errors.Is(err, workerpool.ErrStopped) && !errors.Is(err, workerpool.ErrGoexit) {
		t.Errorf("group Wait: unexpected error %v", err)
	}
	for job := range fg.g.Finished() {
		retrieve(job)
	}
	st := fg.g.Stats()
	checkGroupInvariants(t, st)
	require.True(t, st.Closed)
	require.Zero(t, st.Waiting+st.Running+st.Blocked+st.Finished, "%+v", st)
	require.Error(t, fg.g.Context().Err(), "a done group released its context")
	fg.cancel()
	fg.g, fg.offered = nil, nil
}

func unwrap(job workerpool.Job) *fuzzJob {
	if cj, ok := job.(fuzzCtxJob); ok {
		return cj.fuzzJob
	}
	return job.(*fuzzJob)
}
