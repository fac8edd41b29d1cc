module github.com/seed761c1f22/workerpool

go 1.25

require (
	github.com/gammazero/deque v1.2.1
	github.com/stretchr/testify v1.12.1
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
