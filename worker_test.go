package workerpool

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// TestWorker_FitsItsSizeClass holds the size the worker's field order was
// measured with (see worker): a worker whose job is an interface, a
// pointer or a func takes the allocator's 320-byte class (sizes 289 to
// 320), a multiple of 64 bytes, so that every worker starts on a cache
// line and the fields a job touches are in its first three. A field that
// moves it to another class has to be measured again.
func TestWorker_FitsItsSizeClass(t *testing.T) {
	for name, size := range map[string]uintptr{
		"interface": unsafe.Sizeof(worker[Job]{}),
		"pointer":   unsafe.Sizeof(worker[*intJob]{}),
		"func":      unsafe.Sizeof(worker[JobFunc]{}),
	} {
		assert.True(t, size > 288 && size <= 320, "a worker of %s jobs is %d bytes, not in the 320-byte class", name, size)
	}
}
