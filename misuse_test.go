package workerpool_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed761c1f22/workerpool"
)

// callOutcome runs one call on a pool and describes what it returned.
type callOutcome func(p *workerpool.Pool[*countJob]) string

var everyCall = []struct {
	name string
	call callOutcome
}{
	{"QueueJob", func(p *workerpool.Pool[*countJob]) string { return errName(p.QueueJob(&countJob{})) }},
	{"TryQueueJob", func(p *workerpool.Pool[*countJob]) string { return errName(p.TryQueueJob(&countJob{})) }},
	{"QueueJobContext", func(p *workerpool.Pool[*countJob]) string {
		return errName(p.QueueJobContext(context.Background(), &countJob{}))
	}},
	{"QueueJobs", func(p *workerpool.Pool[*countJob]) string {
		n, err := p.QueueJobs(&countJob{}, &countJob{})
		return fmt.Sprintf("%d %s", n, errName(err))
	}},
	{"GetFinished", func(p *workerpool.Pool[*countJob]) string {
		job, done := p.GetFinished()
		return fmt.Sprintf("job=%v done=%v", job != nil, done)
	}},
	{"GetFinishedWait", func(p *workerpool.Pool[*countJob]) string {
		job, done := p.GetFinishedWait()
		return fmt.Sprintf("job=%v done=%v", job != nil, done)
	}},
	{"GetFinishedWaitContext", func(p *workerpool.Pool[*countJob]) string {
		job, done, err := p.GetFinishedWaitContext(context.Background())
		return fmt.Sprintf("job=%v done=%v %s", job != nil, done, errName(err))
	}},
	{"Finished", func(p *workerpool.Pool[*countJob]) string {
		n := 0
		for range p.Finished() {
			n++
		}
		return fmt.Sprintf("%d jobs", n)
	}},
	{"WaitIdle", func(p *workerpool.Pool[*countJob]) string { return errName(p.WaitIdle(context.Background())) }},
	{"Close", func(p *workerpool.Pool[*countJob]) string { return errName(p.Close()) }},
	{"Stop", func(p *workerpool.Pool[*countJob]) string { return errName(p.Stop()) }},
}

func errName(err error) string {
	for _, e := range []error{workerpool.ErrClosed, workerpool.ErrQueueFull, workerpool.ErrNilJob,
		context.Canceled, context.DeadlineExceeded} {
		if err == e {
			return e.Error()
		}
	}
	if err == nil {
		return "nil"
	}
	return "unexpected: " + err.Error()
}

// TestMisuse_EveryCallInEveryState makes every call on a never-used, a
// closed, a stopped, and a closed-then-stopped pool (finished queue on, one
// finished job left in it) and checks what each returns.
func TestMisuse_EveryCallInEveryState(t *testing.T) {
	// The jobs each queuing call of everyCall offers: on a closed pool
	// each counts as Rejected.
	rejectedByCall := map[string]uint64{"QueueJob": 1, "TryQueueJob": 1, "QueueJobContext": 1, "QueueJobs": 2}
	closed := "workerpool: pool is closed"
	// Closed or stopped alike: refuse jobs, hand out the one finished job.
	afterShutdown := map[string]string{
		"QueueJob": closed, "TryQueueJob": closed, "QueueJobContext": closed, "QueueJobs": "0 " + closed,
		"GetFinished": "job=true done=false", "GetFinishedWait": "job=true done=false",
		"GetFinishedWaitContext": "job=true done=false nil", "Finished": "1 jobs",
		"WaitIdle": "nil", "Close": "nil", "Stop": "nil",
	}
	tests := []struct {
		state string
		setup func(p *workerpool.Pool[*countJob])
		want  map[string]string // call -> outcome
	}{
		{
			state: "never used",
			setup: func(*workerpool.Pool[*countJob]) {},
			want: map[string]string{
				"QueueJob": "nil", "TryQueueJob": "nil", "QueueJobContext": "nil", "QueueJobs": "2 nil",
				"GetFinished": "job=false done=false", "WaitIdle": "nil", "Close": "nil", "Stop": "nil",
			},
		},
		{
			state: "closed",
			setup: func(p *workerpool.Pool[*countJob]) { _ = p.Close() },
			want:  afterShutdown,
		},
		{
			state: "stopped",
			setup: func(p *workerpool.Pool[*countJob]) { _ = p.Stop() },
			want:  afterShutdown,
		},
		{
			state: "closed then stopped",
			setup: func(p *workerpool.Pool[*countJob]) { _ = p.Close(); _ = p.Stop() },
			want:  afterShutdown,
		},
	}
	for _, tt := range tests {
		for _, c := range everyCall {
			want, ok := tt.want[c.name]
			if !ok {
				continue // blocks in this state by design (waits for a job on an open pool)
			}
			t.Run(tt.state+"/"+c.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					p := newPool[*countJob](t, 2, 2, true)
					if tt.state != "never used" {
						require.NoError(t, p.QueueJob(&countJob{}))
						synctest.Wait() // it finished and waits in the finished queue
					}
					tt.setup(p)
					synctest.Wait() // the workers a shutdown woke have exited
					before := p.Stats()
					assert.Equal(t, want, c.call(p))
					synctest.Wait()
					s := p.Stats()
					checkInvariants(t, s, 2, true)
					if tt.state != "never used" {
						// Nothing but a retrieval and the count of
						// refused jobs changes a closed pool.
						assert.Equal(t, before.Rejected+rejectedByCall[c.name], s.Rejected, "Rejected")
						before.Retrieved, s.Retrieved = 0, 0
						before.Finished, s.Finished = 0, 0
						before.Rejected, s.Rejected = 0, 0
						assert.Equal(t, before, s)
					}
					_ = p.Close()
					drain(p)
				})
			})
		}
	}
}

// TestMisuse_EndedContexts passes cancelled and expired contexts to every
// call that takes one: each returns ctx.Err() at once and changes nothing,
// even when it could have succeeded, but for QueueJobContext's job, which
// counts as Rejected.
func TestMisuse_EndedContexts(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	calls := []struct {
		name string
		call func(ctx context.Context, p *workerpool.Pool[*countJob]) error
	}{
		{"QueueJobContext", func(ctx context.Context, p *workerpool.Pool[*countJob]) error {
			return p.QueueJobContext(ctx, &countJob{})
		}},
		{"GetFinishedWaitContext", func(ctx context.Context, p *workerpool.Pool[*countJob]) error {
			_, _, err := p.GetFinishedWaitContext(ctx)
			return err
		}},
		{"WaitIdle", func(ctx context.Context, p *workerpool.Pool[*countJob]) error { return p.WaitIdle(ctx) }},
	}
	tests := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"cancelled", cancelled, context.Canceled},
		{"expired", expired, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		for _, c := range calls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					p := newPool[*countJob](t, 1, 4, true)
					require.NoError(t, p.QueueJob(&countJob{}))
					synctest.Wait() // one finished job: GetFinishedWaitContext could succeed
					before := p.Stats()
					require.ErrorIs(t, c.call(tt.ctx, p), tt.want)
					if c.name == "QueueJobContext" {
						before.Rejected++
					}
					assert.Equal(t, before, p.Stats(), "an ended context changes nothing else")
					_ = p.Close()
				})
			})
		}
	}
}

// selfQueueJob queues a child job into its own pool when it runs.
type selfQueueJob struct {
	countJob
	pool  *workerpool.Pool[workerpool.Job]
	try   bool // use TryQueueJob
	child *countJob
	err   error
}

func (j *selfQueueJob) Run() {
	j.runs.Add(1)
	if j.try {
		j.err = j.pool.TryQueueJob(j.child)
	} else {
		j.err = j.pool.QueueJob(j.child)
	}
}

// TestMisuse_JobQueuesIntoItsOwnPool: with room it just works; with a full
// queue TryQueueJob reports ErrQueueFull, and QueueJob blocks the worker
// until room appears or Close wakes it with ErrClosed (as its godoc says).
func TestMisuse_JobQueuesIntoItsOwnPool(t *testing.T) {
	t.Run("room", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := newPool[workerpool.Job](t, 1, 2, false)
			j := &selfQueueJob{pool: p, child: &countJob{}}
			require.NoError(t, p.QueueJob(j))
			require.NoError(t, p.WaitIdle(context.Background()))
			require.NoError(t, j.err)
			assert.EqualValues(t, 1, j.child.runs.Load())
			require.NoError(t, p.Close())
		})
	})
	for _, try := range []bool{true, false} {
		t.Run(fmt.Sprintf("full/try=%v", try), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[workerpool.Job](t, 1, 1, false)
				gate := newBlockJob(0)
				j := &selfQueueJob{pool: p, try: try, child: &countJob{}}
				require.NoError(t, p.QueueJob(gate))
				synctest.Wait()
				require.NoError(t, p.QueueJob(j)) // waits behind the gate
				other := &countJob{}
				queued := goDo(func() { assert.NoError(t, p.QueueJob(other)) })
				synctest.Wait() // other is blocked: the queue is full
				close(gate.release)
				synctest.Wait() // the worker took j and accepted other: j runs with the queue full
				require.True(t, queued.Load())
				if try {
					require.ErrorIs(t, j.err, workerpool.ErrQueueFull)
				} else {
					assert.Equal(t, 1, p.Stats().Running, "the worker is blocked in QueueJob")
					require.NoError(t, p.Close())
					synctest.Wait()
					require.ErrorIs(t, j.err, workerpool.ErrClosed)
				}
				require.NoError(t, p.Close())
				p.GetFinishedWait()
				assert.Zero(t, j.child.runs.Load())
				assert.EqualValues(t, 1, other.runs.Load())
			})
		})
	}
}

// TestMisuse_StatsAndGetFinishedDuringClose hammers Stats and GetFinished
// from several goroutines while Close runs; every snapshot adds up.
func TestMisuse_StatsAndGetFinishedDuringClose(t *testing.T) {
	for range 20 {
		p := newPool[*countJob](t, 4, 8, true)
		var wg sync.WaitGroup
		var retrieved [4]int
		for g := range 4 {
			wg.Go(func() {
				for {
					checkInvariants(t, p.Stats(), 8, true)
					job, done := p.GetFinished()
					if job != nil {
						retrieved[g]++
					}
					if done {
						return
					}
				}
			})
		}
		for range 50 {
			require.NoError(t, p.QueueJob(&countJob{}))
		}
		require.NoError(t, p.Close())
		wg.Wait()
		for p.Stats().Live > 0 {
			runtime.Gosched() // the workers exit once the pool is done
		}
		assert.Equal(t, 50, retrieved[0]+retrieved[1]+retrieved[2]+retrieved[3])
		assert.Equal(t, workerpool.Stats{Workers: 4, Queued: 50, Completed: 50, Retrieved: 50}, p.Stats())
	}
}

// TestMisuse_ErrorPrecedence pins the one order in which every queuing call
// checks: an ended context, then ErrClosed, then ErrNilJob, then room.
func TestMisuse_ErrorPrecedence(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	type queueCall func(p *workerpool.Pool[*countJob], ctx context.Context, job *countJob) error
	calls := map[string]queueCall{
		"QueueJob":    func(p *workerpool.Pool[*countJob], _ context.Context, job *countJob) error { return p.QueueJob(job) },
		"TryQueueJob": func(p *workerpool.Pool[*countJob], _ context.Context, job *countJob) error { return p.TryQueueJob(job) },
		"QueueJobContext": func(p *workerpool.Pool[*countJob], ctx context.Context, job *countJob) error {
			return p.QueueJobContext(ctx, job)
		},
		"QueueJobs": func(p *workerpool.Pool[*countJob], _ context.Context, job *countJob) error {
			_, err := p.QueueJobs(job)
			return err
		},
	}
	tests := []struct {
		state   string // "open", "full" (no worker idle, no room) or "closed"
		call    string
		ctx     context.Context
		nilJob  bool
		want    error
		comment string
	}{
		{"closed", "QueueJob", nil, true, workerpool.ErrClosed, "closed before nil"},
		{"closed", "TryQueueJob", nil, true, workerpool.ErrClosed, "closed before nil"},
		{"closed", "QueueJobs", nil, true, workerpool.ErrClosed, "closed before nil"},
		{"closed", "QueueJobContext", context.Background(), true, workerpool.ErrClosed, "closed before nil"},
		{"closed", "QueueJobContext", ended, true, context.Canceled, "ended context first"},
		{"closed", "QueueJobContext", ended, false, context.Canceled, "ended context first"},
		{"open", "QueueJob", nil, true, workerpool.ErrNilJob, "nil before room"},
		{"open", "TryQueueJob", nil, true, workerpool.ErrNilJob, "nil before room"},
		{"open", "QueueJobs", nil, true, workerpool.ErrNilJob, "nil before room"},
		{"open", "QueueJobContext", ended, false, context.Canceled, "ended context even with room"},
		{"full", "TryQueueJob", nil, true, workerpool.ErrNilJob, "nil before room"},
		{"full", "QueueJob", nil, true, workerpool.ErrNilJob, "nil before room"},
		{"full", "TryQueueJob", nil, false, workerpool.ErrQueueFull, "room last"},
		{"full", "QueueJobContext", ended, true, context.Canceled, "ended context first"},
	}
	for _, tt := range tests {
		t.Run(tt.state+"/"+tt.call+"/"+tt.comment, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPool[*countJob](t, 1, 0, false)
				switch tt.state {
				case "full":
					p.Pause() // the idle worker takes nothing: bufferSize 0 has no room
				case "closed":
					require.NoError(t, p.Close())
				}
				job := &countJob{}
				if tt.nilJob {
					job = nil
				}
				assert.ErrorIs(t, calls[tt.call](p, tt.ctx, job), tt.want)
				_ = p.Close()
			})
		})
	}
}

// Misuse that used to panic deep inside with a nil dereference (or, for the
// zero Pool's QueueJob, block for ever) panics at once, naming the call and
// the bad argument.
func TestMisuse_PanicsNameTheCallAndTheArgument(t *testing.T) {
	p := newPool[*countJob](t, 1, 1, false)
	defer p.Close()
	g := p.NewGroup(context.Background())
	var zeroPool workerpool.Pool[*countJob]
	var zeroGroup workerpool.Group[*countJob]
	var nilPool *workerpool.Pool[*countJob]
	var nilGroup *workerpool.Group[*countJob]
	var nilCtx context.Context
	taskPool := newPool[workerpool.Task](t, 1, 1, false)
	defer taskPool.Close()
	identity := func(_ context.Context, v int) (int, error) { return v, nil }
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"QueueJobContext nil ctx", func() { _ = p.QueueJobContext(nilCtx, &countJob{}) }, "workerpool: QueueJobContext: nil context"},
		{"QueueJobsContext nil ctx", func() { _, _ = p.QueueJobsContext(nilCtx, &countJob{}) }, "workerpool: QueueJobsContext: nil context"},
		{"WaitIdle nil ctx", func() { _ = p.WaitIdle(nilCtx) }, "workerpool: WaitIdle: nil context"},
		{"GetFinishedWaitContext nil ctx", func() { _, _, _ = p.GetFinishedWaitContext(nilCtx) }, "workerpool: GetFinishedWaitContext: nil context"},
		{"Group.QueueJobContext nil ctx", func() { _ = g.QueueJobContext(nilCtx, &countJob{}) }, "workerpool: QueueJobContext: nil context"},
		{"Group.QueueJobsContext nil ctx", func() { _, _ = g.QueueJobsContext(nilCtx, &countJob{}) }, "workerpool: QueueJobsContext: nil context"},
		{"nil GroupOption", func() { p.NewGroup(context.Background(), workerpool.KeepFinished(), nil) }, "workerpool: NewGroup: nil GroupOption at index 1"},
		{"Limit(0)", func() { workerpool.Limit(0) }, "workerpool: Limit: n must be at least 1, got 0"},
		{"Weight(-2)", func() { workerpool.Weight(-2) }, "workerpool: Weight: w must be at least 1, got -2"},
		{"zero Pool QueueJob", func() { _ = zeroPool.QueueJob(&countJob{}) }, "workerpool: Pool.QueueJob on a Pool not made by New"},
		{"zero Pool TryQueueJob", func() { _ = zeroPool.TryQueueJob(&countJob{}) }, "workerpool: Pool.TryQueueJob on a Pool not made by New"},
		{"zero Pool QueueJobs", func() { _, _ = zeroPool.QueueJobs(&countJob{}) }, "workerpool: Pool.QueueJobs on a Pool not made by New"},
		{"zero Pool GetFinished", func() { zeroPool.GetFinished() }, "workerpool: Pool.GetFinished on a Pool not made by New"},
		{"zero Pool Stats", func() { zeroPool.Stats() }, "workerpool: Pool.Stats on a Pool not made by New"},
		{"zero Pool Close", func() { _ = zeroPool.Close() }, "workerpool: Pool.Close on a Pool not made by New"},
		{"zero Pool NewGroup", func() { zeroPool.NewGroup(context.Background()) }, "workerpool: Pool.NewGroup on a Pool not made by New"},
		{"zero Group QueueJob", func() { _ = zeroGroup.QueueJob(&countJob{}) }, "workerpool: Group.QueueJob on a Group not made by Pool.NewGroup"},
		{"zero Group Wait", func() { _ = zeroGroup.Wait() }, "workerpool: Group.Wait on a Group not made by Pool.NewGroup"},
		{"zero Group Stats", func() { zeroGroup.Stats() }, "workerpool: Group.Stats on a Group not made by Pool.NewGroup"},
		{"zero Group Context", func() { zeroGroup.Context() }, "workerpool: Group.Context on a Group not made by Pool.NewGroup"},
		{"nil Group Context", func() { nilGroup.Context() }, "workerpool: Group.Context on a Group not made by Pool.NewGroup"},
		{"zero Pool QueueJobContext", func() { _ = zeroPool.QueueJobContext(context.Background(), &countJob{}) }, "workerpool: Pool.QueueJobContext on a Pool not made by New"},
		{"zero Pool QueueJobsContext", func() { _, _ = zeroPool.QueueJobsContext(context.Background(), &countJob{}) }, "workerpool: Pool.QueueJobsContext on a Pool not made by New"},
		{"nil Pool QueueJob", func() { _ = nilPool.QueueJob(&countJob{}) }, "workerpool: Pool.QueueJob on a Pool not made by New"},
		{"nil Pool QueueJobContext", func() { _ = nilPool.QueueJobContext(context.Background(), &countJob{}) }, "workerpool: Pool.QueueJobContext on a Pool not made by New"},
		{"nil Pool TryQueueJob", func() { _ = nilPool.TryQueueJob(&countJob{}) }, "workerpool: Pool.TryQueueJob on a Pool not made by New"},
		{"nil Pool QueueJobs", func() { _, _ = nilPool.QueueJobs(&countJob{}) }, "workerpool: Pool.QueueJobs on a Pool not made by New"},
		{"nil Pool QueueJobsContext", func() { _, _ = nilPool.QueueJobsContext(context.Background(), &countJob{}) }, "workerpool: Pool.QueueJobsContext on a Pool not made by New"},
		{"Map nil ctx", func() { _, _ = workerpool.Map(nilCtx, taskPool, []int{1}, identity) }, "workerpool: Map: nil context"},
		{"Map nil Pool", func() { _, _ = workerpool.Map(context.Background(), nil, []int{1}, identity) }, "workerpool: Map on a Pool not made by New"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.PanicsWithValue(t, tt.want, tt.call)
		})
	}
	_, err := workerpool.New[*countJob](1, 1, false, workerpool.WithTimings(), nil)
	assert.EqualError(t, err, "workerpool: New: nil Option at index 1")
	_, err = workerpool.New[*countJob](1, 1, false, workerpool.WithTimeSlice(-time.Millisecond))
	assert.EqualError(t, err, "workerpool: WithTimeSlice: the slice must not be negative, got -1ms")
	require.NoError(t, g.Wait())
}
