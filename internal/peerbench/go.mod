module github.com/seed761c1f22/workerpool/internal/peerbench

go 1.26.0

require (
	github.com/alitto/pond/v2 v2.7.1
	github.com/gammazero/workerpool v1.3.0
	github.com/panjf2000/ants/v2 v2.12.1
	github.com/seed761c1f22/workerpool v0.5.0
	github.com/stretchr/testify v1.12.1
	golang.org/x/sync v0.25.0
)

require (
	github.com/gammazero/deque v1.2.2 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
