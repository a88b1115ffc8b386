GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BENCH   ?= .
# e.g. make loadtest LOADTEST="-duration 3s -rounds 1 -only latest"
LOADTEST ?=

.PHONY: run test test-short bench cyclebench flatbench build check fuzz loadtest

## run: serve the sample publication on http://127.0.0.1:8080 (embedded store, no Redis needed)
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/syndicate serve --config config.toml

## test: the whole suite, Redis, conformance and browser tests included
test:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd internal)" || { echo "gofmt needed:"; gofmt -l cmd internal; exit 1; }
	$(GO) test -race -count=1 -timeout 20m ./...

## test-short: the fast inner loop; skips fleets, Cluster, Sentinel, browsers and the built binary
test-short:
	$(GO) test -short -count=1 ./...

## bench: benchmarks with their naive baselines in the same run (a whole
## polling cycle of a running process is `make cyclebench`)
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count 3 ./...
	@echo "a polling cycle of 1,000 sources on a running syndicate, memory store and Redis: make cyclebench"
	@echo "start-up time and resident memory of syndicate serve on Redis holding 1k/10k/100k items: make flatbench"

## cyclebench: one polling cycle of 1,000 loopback sources (all 304, all 200)
## on a built `syndicate serve`, memory store and Redis: medians of 3 rounds
## of cycle time, CPU seconds and peak RSS of syndicate and its store
## (redis-server), renders per section. CYCLEBENCH_FLAGS passes e.g.
## -stores memory -rounds 5; -stores redis,miniflux adds Miniflux v2.3.3 on
## a PostgreSQL cluster of its own (needs initdb and the Go module proxy,
## or -miniflux PATH) and prints syndicate's figures as ratios to it
cyclebench:
	$(GO) run ./cmd/cyclebench $(CYCLEBENCH_FLAGS)

## flatbench: start-up time (process start to /readyz 200) and resident
## memory of `syndicate serve` on a Redis already holding 1,000, 10,000
## and 100,000 items over 50 sections: medians of 3 starts, ratios to the
## smallest. FLATBENCH_FLAGS passes e.g. -rounds 5 -items 1000,100000
flatbench:
	$(GO) run ./cmd/flatbench $(FLATBENCH_FLAGS)

## loadtest: syndicate serve against nginx on the same files, side by side (about 7 minutes; not part of test)
loadtest:
	$(GO) run ./cmd/loadtest $(LOADTEST)

## build: the binary in bin/
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/syndicate ./cmd/syndicate

## check: validate config.toml and every article
check:
	$(GO) run ./cmd/syndicate check --config config.toml

## fuzz: run the feed fuzzer and the parse bounds' XML scan fuzzer for a minute each
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzFeeds -fuzztime 60s ./internal/render/
	$(GO) test -run '^$$' -fuzz FuzzScanXML -fuzztime 60s ./internal/parse/
