package linearize

import (
	"context"

	"github.com/seed761c1f22/workerpool"
)

// taskPool is a workerpool.Pool[workerpool.Task] as a Subject: each Job is
// queued as a Task that runs it, so that histories cover the pool's Task
// path too. A Task cannot be mapped back to its Job, so the pool keeps no
// finished jobs (queueFinished false): GetFinished only reports done.
type taskPool struct {
	p *workerpool.Pool[workerpool.Task]
}

// newTaskPool returns a taskPool of workers workers and bufferSize buf.
func newTaskPool(workers, buf int) (taskPool, error) {
	p, err := workerpool.New[workerpool.Task](workers, buf, false)
	return taskPool{p}, err
}

// task is j as a Task.
func task(j *Job) workerpool.Task {
	return func(context.Context) error { j.Run(); return nil }
}

func (t taskPool) QueueJob(j *Job) error    { return t.p.QueueJob(task(j)) }
func (t taskPool) TryQueueJob(j *Job) error { return t.p.TryQueueJob(task(j)) }
func (t taskPool) Stats() workerpool.Stats  { return t.p.Stats() }
func (t taskPool) Close() error             { return t.p.Close() }
func (t taskPool) Stop() error              { return t.p.Stop() }

func (t taskPool) GetFinished() (*Job, bool) {
	_, done := t.p.GetFinished()
	return nil, done
}

func (t taskPool) GetFinishedWait() (*Job, bool) {
	_, done := t.p.GetFinishedWait()
	return nil, done
}

// newGroup returns a group of the pool as a Lane.
func (t taskPool) newGroup(opts ...workerpool.GroupOption) Lane {
	return taskGroup{t.p.NewGroup(context.Background(), opts...)}
}

// taskGroup is a group of a taskPool as a Lane.
type taskGroup struct {
	g *workerpool.Group[workerpool.Task]
}

func (t taskGroup) QueueJob(j *Job) error        { return t.g.QueueJob(task(j)) }
func (t taskGroup) TryQueueJob(j *Job) error     { return t.g.TryQueueJob(task(j)) }
func (t taskGroup) Stats() workerpool.GroupStats { return t.g.Stats() }
func (t taskGroup) Stop()                        { t.g.Stop() }
func (t taskGroup) Close()                       { t.g.Close() }
