GO ?= go
FUZZTIME ?= 30s

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

.PHONY: test
test: ## Vet, run every test with the race detector, then the allocation test (built without -race)
	$(GO) vet ./...
	$(GO) test -race ./...
	$(GO) test -run=NoAllocations .

.PHONY: cover
cover: ## Run the tests with coverage and print the per-function summary
	$(GO) test -race -coverprofile=cover.out ./...
	$(GO) tool cover -func=cover.out

.PHONY: lint
lint: ## Check gofmt, go vet and that go.mod/go.sum are tidy
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

.PHONY: example
example: ## Run the demo pipeline
	$(GO) run ./example

BENCH ?= .
BENCHTIME ?= 200ms
COUNT ?= 10
BENCHSTAT = $(GO) run golang.org/x/perf/cmd/benchstat@latest

.PHONY: bench
bench: ## Run the benchmarks (COUNT=10 times) and compare impl=cond with impl=chan and serial in benchstat
	$(GO) test -run='^$$' -bench='$(BENCH)' -benchmem -benchtime=$(BENCHTIME) -count=$(COUNT) . | tee bench.txt
	$(BENCHSTAT) -col /impl bench.txt

.PHONY: bench-peers
bench-peers: ## Check the peer adapters, then benchmark cond and chan against ants, pond, gammazero/workerpool, errgroup and a goroutine per job
	cd internal/peerbench && $(GO) test -run=Adapter .
	cd internal/peerbench && $(GO) test -run='^$$' -bench='$(BENCH)' -benchmem -benchtime=$(BENCHTIME) -count=$(COUNT) . | tee ../../bench-peers.txt
	$(BENCHSTAT) -col /impl bench-peers.txt

.PHONY: fuzz
fuzz: ## Fuzz random operation scripts against the pool for FUZZTIME (default 30s)
	$(GO) test -run='^$$' -fuzz=FuzzPool -fuzztime=$(FUZZTIME) .

SOAKTIME ?= 60s

.PHONY: soak
soak: ## Soak test for SOAKTIME (default 60s): random pools, millions of jobs, random shutdowns
	$(GO) test -run='^TestSoak$$' -soak=$(SOAKTIME) -count=1 -v .
