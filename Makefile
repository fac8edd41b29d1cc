GO ?= go

# Every module in the repository: the library, the peer benchmarks, the
# linearizability checker, the charts, the release check, the exporters and
# the JetStream executor. go.work makes them one workspace; each requires
# the library at VERSION, the version the next tag will carry.
MODULES := . internal/peerbench internal/linearize internal/charts internal/release contrib/workerpoolprom contrib/workerpoolotel contrib/workerpooljs

# Pinned tools, run through the Go module proxy (the first run downloads them).
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT = $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
APIDIFF = $(GO) run golang.org/x/exp/cmd/apidiff@v0.0.0-20261113113407-e3970619a1a4

# Settings (override on the command line, e.g. make bench BENCH=Submit COUNT=5).
BENCH ?= .
BENCHTIME ?= 200ms
COUNT ?= 10
FUZZTIME ?= 30s
SOAKTIME ?= 60s
HISTORIES ?= 5000
VERSION ?= v0.5.0
# The last version's commit (contract v4) until a tag exists: make apidiff's base.
BASE ?= $(shell git describe --tags --abbrev=0 2>/dev/null || echo 482f5be)

# The library's module path, and how a module's go.mod is checked tidy: one
# that requires the library at VERSION is tidied against the library here
# (a replace in a scratch copy of its go.mod), as the workspace builds it.
LIB := github.com/seed761c1f22/workerpool
TIDY_DIFF = if grep -qE '(^|\s)$(LIB) v' go.mod; then \
		t=$$(mktemp -d) && cp go.mod go.sum $$t/ && \
		$(GO) mod edit -replace=$(LIB)=$(CURDIR) $$t/go.mod && \
		GOWORK=off $(GO) mod tidy -modfile=$$t/go.mod && \
		$(GO) mod edit -dropreplace=$(LIB) $$t/go.mod && \
		diff -u go.mod $$t/go.mod && diff -u go.sum $$t/go.sum; \
	else $(GO) mod tidy -diff; fi

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show the targets and the settings
	@echo "Targets:"
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'
	@echo "Settings (make <target> NAME=value):"
	@echo "  BENCH=$(BENCH)  benchmark regexp for bench and bench-peers"
	@echo "  COUNT=$(COUNT)  runs of each benchmark, compared with benchstat"
	@echo "  BENCHTIME=$(BENCHTIME)  time per benchmark run"
	@echo "  FUZZTIME=$(FUZZTIME)  how long make fuzz runs (the first run spends about a minute building)"
	@echo "  SOAKTIME=$(SOAKTIME)  how long make soak runs"
	@echo "  HISTORIES=$(HISTORIES)  histories make linearize records and checks (make test checks 60)"

.PHONY: test
test: ## Vet and test every module with the race detector, then the allocation test (built without -race)
	@set -e; for m in $(MODULES); do echo "== $$m"; (cd $$m && $(GO) vet ./... && $(GO) test -race ./...); done
	$(GO) test -run=NoAllocations .

.PHONY: lint
lint: ## gofmt, go vet, staticcheck and go mod tidy -diff, for every module
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	@set -e; for m in $(MODULES); do echo "== $$m"; (cd $$m && $(GO) vet ./... && $(STATICCHECK) ./... && $(TIDY_DIFF)); done

.PHONY: release-check
release-check: ## Package every module at VERSION into a file-based module proxy, then install each contrib module from it as its README says, in a module outside the repository
	cd internal/release && $(GO) run . -version=$(VERSION) -root=$(CURDIR)

.PHONY: apidiff
apidiff: ## Report the library's API changes since BASE (the last tag, else the contract v4 commit): compatible additions and incompatible changes
	rm -rf .apidiff && git worktree add -q --detach .apidiff $(BASE)
	cd .apidiff && GOWORK=off $(APIDIFF) -m -w ../old.api $(LIB)
	GOWORK=off $(APIDIFF) -m -w new.api $(LIB)
	$(APIDIFF) -m old.api new.api; status=$$?; git worktree remove --force .apidiff; rm -f old.api new.api; exit $$status

.PHONY: cover
cover: ## Test the library with coverage and print its per-function summary
	$(GO) test -race -coverprofile=cover.out .
	$(GO) tool cover -func=cover.out

.PHONY: example
example: ## Run the demo pipeline
	$(GO) run ./example

.PHONY: bench
bench: ## Benchmark cond against chanmin, chan, condmin and serial in COUNT interleaved passes, compared with benchstat
	$(GO) test -c -o bench.test .
	rm -f bench.txt
	for i in $$(seq $(COUNT)); do ./bench.test -test.run='^$$' -test.bench='$(BENCH)' -test.benchmem -test.benchtime=$(BENCHTIME) -test.timeout=0 | tee -a bench.txt; done
	$(BENCHSTAT) -filter '/impl:(cond OR chanmin OR chan OR condmin) .unit:(ns/job OR allocs/op)' -col '/impl@(chanmin cond chan condmin)' bench.txt
	$(BENCHSTAT) -filter '/impl:(serial OR cond OR lockpush) .unit:(ns/job OR ns/op)' -col /impl bench.txt
	$(BENCHSTAT) -filter '/impl:(cond OR noslice OR timings) .unit:ns/job' -col /impl bench.txt

.PHONY: bench-peers
bench-peers: ## Check the peer adapters, then benchmark cond and chanmin against ants, pond, gammazero/workerpool, errgroup and a goroutine per job, in COUNT interleaved passes
	cd internal/peerbench && $(GO) test -run=Adapter . && $(GO) test -c -o ../../bench-peers.test .
	rm -f bench-peers.txt
	for i in $$(seq $(COUNT)); do ./bench-peers.test -test.run='^$$' -test.bench='$(BENCH)' -test.benchmem -test.benchtime=$(BENCHTIME) -test.timeout=0 | tee -a bench-peers.txt; done
	$(BENCHSTAT) -filter '.unit:(ns/job OR allocs/op)' -col '/impl@(chanmin cond ants pond gammazero errgroup goroutine)' bench-peers.txt

.PHONY: suite
suite: ## pond's workload shapes (1 to 1M users, 1M tasks sleeping 10 ms or drawing a float) on pools of 200,000 workers: cond, ants, pond, a channel pool, a goroutine per task, in COUNT interleaved passes (ms per run)
	cd internal/peerbench && $(GO) test -run=SuitePools . && $(GO) test -c -o ../../suite.test .
	rm -f suite.txt
	for i in $$(seq $(COUNT)); do ./suite.test -test.run='^$$' -test.bench='^BenchmarkSuite$$' -test.benchtime=1x -test.timeout=0 | tee -a suite.txt; done
	$(BENCHSTAT) -filter '.unit:ms/run' -col '/impl@(cond ants pond chan goroutine)' suite.txt

.PHONY: antsbench
antsbench: ## ants' headline workload (1M tasks sleeping 10 ms on capacity 50,000), cond against ants, each run in its own process, alternated COUNT times: time and peak memory
	cd internal/peerbench && $(GO) run ./cmd/antsbench -rounds=$(COUNT)

.PHONY: fairness
fairness: ## Small groups' wait (p50/p99 ms) behind a big group, 1 and GOMAXPROCS workers: groups (with and without time slices, and with Limit(1) on the big one), one FIFO queue, pond's groups, COUNT runs
	cd internal/peerbench && $(GO) test -run='^$$' -bench='^BenchmarkFairness$$' -count=$(COUNT) -benchtime=3x -timeout=0 . | tee ../../fairness.txt
	$(BENCHSTAT) -filter '.unit:(p50-ms OR p99-ms)' -col '/impl@(groups groups-limit1 fifo groups-noslice pond)' fairness.txt

.PHONY: server
server: ## The server workload: requests fanning out onto GOMAXPROCS workers beside a sleeping bystander (jobs/s, bystander lateness p50/p99 us), COUNT runs
	cd internal/peerbench && $(GO) test -run='^$$' -bench='^BenchmarkServer$$' -count=$(COUNT) -benchtime=3x -timeout=0 . | tee ../../server.txt
	$(BENCHSTAT) -col '/impl@(chanmin fifo groups fifo-noslice groups-noslice pond)' server.txt

.PHONY: slice
slice: ## A bystander's wakes beside one busy worker on one processor, default slice against WithTimeSlice(0): fresh, after a burst, fed by a blocked caller (fails under 5x)
	$(GO) run ./internal/slicecheck -rounds=5 -want=5

.PHONY: charts
charts: ## Draw the charts of BENCHMARKS.md (charts/*.svg) from the outputs in charts/data (bench.txt, bench-peers.txt, fairness.txt, server.txt)
	cd internal/charts && $(GO) run . -in ../../charts/data -out ../../charts

.PHONY: linearize
linearize: ## Check HISTORIES recorded histories of the pool (groups on and off, random Close/Stop) for linearizability with porcupine, and that a torn pool is caught
	cd internal/linearize && $(GO) test -count=1 -run='^Test' -histories=$(HISTORIES) -timeout=0 -v . > ../../linearize.txt; \
		status=$$?; grep -E '^(--- |ok|FAIL)|histories|torn pool|Illegal|Unknown|visualization' ../../linearize.txt; exit $$status

.PHONY: fuzz
fuzz: ## Fuzz random operation scripts against the pool for FUZZTIME
	$(GO) test -run='^$$' -fuzz=FuzzPool -fuzztime=$(FUZZTIME) .

.PHONY: soak
soak: ## Soak test for SOAKTIME: random pools, millions of jobs, random shutdowns, resizes and pauses
	$(GO) test -run='^TestSoak$$' -soak=$(SOAKTIME) -count=1 -v .
