package workerpool

import (
	"errors"
	"fmt"
)

// This file is how a job fails and how a failure is reported.

// ErrStopped is what [Group.Wait] returns, wrapped, when jobs of the group
// were skipped by a stop: [Group.Stop], the pool's Stop, or the end of the
// group's context, whose cause the error then wraps too.
var ErrStopped = errors.New("workerpool: stopped")

// ErrGroupClosed is returned by a group's queuing calls once the group is
// closed: by [Group.Close], [Group.Wait], [Group.Stop], [StopOnError]'s stop
// or the end of its context, while the pool itself is open (a group of a
// closed pool refuses with [ErrClosed]). When the group was stopped by the
// end of its context, the error also wraps that context's cause, and after
// StopOnError's stop the failure; both match with [errors.Is].
var ErrGroupClosed = errors.New("workerpool: group is closed")

// ErrGoexit is the failure of a job that called [runtime.Goexit] (as
// testing's t.FailNow does): it counts Failed, and [Group.Wait] reports an
// error matching it.
var ErrGoexit = errors.New("workerpool: job called runtime.Goexit")

// ErrorJob is a [Job] that reports whether it failed: after its Run (or
// RunContext) returned, the pool calls Err once, on the worker, and a
// non-nil error counts the job Failed, in its group and in the pool.
type ErrorJob interface {
	Job
	Err() error
}

// PanicError is the failure of a job that panicked, as [Group.Wait] reports
// it: Value is what the job panicked with and Stack the goroutine's stack at
// that moment. Match it with [errors.As].
type PanicError struct {
	Value any
	Stack []byte
}

// Error describes the panic.
func (e *PanicError) Error() string {
	return fmt.Sprintf("workerpool: job panicked: %v", e.Value)
}

// Unwrap returns Value if it is an error, so [errors.Is] sees through the panic.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// jobErr returns the failure of job, whose Run returned: its Err() if it is
// an [ErrorJob], else nil. It runs on the worker, outside the lock.
func jobErr[J Job](job J) error {
	if ej, ok := any(job).(ErrorJob); ok {
		return ej.Err()
	}
	return nil
}

// stoppedError is what Wait reports for a group whose jobs a stop skipped:
// [ErrStopped], wrapping cause too when the stop came from a context.
func stoppedError(cause error) error {
	if cause == nil {
		return ErrStopped
	}
	return fmt.Errorf("%w: %w", ErrStopped, cause)
}
