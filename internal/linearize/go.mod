module github.com/seed761c1f22/workerpool/internal/linearize

go 1.25

require (
	github.com/anishathalye/porcupine v1.3.1
	github.com/seed761c1f22/workerpool v0.5.0
)

require github.com/gammazero/deque v1.2.1 // indirect
