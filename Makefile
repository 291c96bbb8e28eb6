# sbft: `make testnet` runs a local 4-replica network with a workload; `make test` is what CI runs.
GO      ?= go
BIN     := bin/sbft
PKGS    := ./...
TESTNET_DIR ?= testnet
export CGO_ENABLED ?= 0

SEEDS   ?= 1000
MUTANT_SEEDS ?= 300

.PHONY: all build test test-race test-sim lint testnet testnet-down docker-testnet docker-testnet-down e2e bench scale sim-long bench-sync bench-follow sim mutants fuzz clean

N ?= 4
# MONITOR=1: make docker-testnet also starts a Prometheus container scraping every replica.
MONITOR ?= 0

all: build

# The version and commit `sbft version`, /status, the libp2p agent string and sbft_build_info report.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -s -w -X github.com/sbftnet/sbft/buildinfo.version=$(VERSION) -X github.com/sbftnet/sbft/buildinfo.commit=$(COMMIT)
export SBFT_LDFLAGS := $(LDFLAGS)

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/sbft

lint:
	@fmt=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$fmt" ]; then echo "gofmt needed:"; echo "$$fmt"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) vet -tags mutants $(PKGS)
	$(GO) vet -tags byzantine $(PKGS)
	scripts/lint-deps.sh
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1; }

# Everything CI runs: lint; the race-enabled unit and end-to-end tests (the e2e package builds the binary) beside
# the simulator's tests (two processes for two cores, as the e2e tests have always run beside a simulation); the
# planted-bug hunt. The simulator runs without the race detector (it slows a simulation tenfold, and a world is
# one goroutine: only the swarm's workers share memory, so the race pass runs the swarm's tests on a few seeds).
RACE_PKGS = $$($(GO) list ./... | grep -v -e '/sim$$' -e '/sim/' -e '/cmd/sbft-sim$$')
test: lint
	$(MAKE) -j2 --output-sync=line test-race test-sim
	$(MAKE) mutants

test-race:
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m $(RACE_PKGS)
	CGO_ENABLED=1 SIM_SEEDS=4 $(GO) test -race -count=1 -timeout 10m -run 'TestSwarm' ./sim

test-sim:
	SIM_SEEDS=100 $(GO) test -count=1 -timeout 20m ./sim/... ./cmd/sbft-sim

# The long simulator runs: seeds at n = 31, 64 and 209 (each draws its faults and a coalition of up to f
# byzantine replicas), the safety checkers on.
sim-long:
	$(GO) run ./cmd/sbft-sim --seed 1 --seeds 8 --replicas 31
	$(GO) run ./cmd/sbft-sim --seed 1 --seeds 4 --replicas 64
	$(GO) run ./cmd/sbft-sim --seed 1 --seeds 2 --replicas 209

testnet: build
	-TESTNET_DIR=$(TESTNET_DIR) scripts/testnet.sh down
	rm -rf $(TESTNET_DIR)
	TESTNET_DIR=$(TESTNET_DIR) scripts/testnet.sh up $(N)
	$(BIN) client fill --home $(TESTNET_DIR)/client-0 --network $(TESTNET_DIR)/genesis.json --count 1000 --prefix key-
	$(BIN) client get --home $(TESTNET_DIR)/client-0 --network $(TESTNET_DIR)/genesis.json key-999
	TESTNET_DIR=$(TESTNET_DIR) scripts/testnet.sh check 30
	@echo "testnet running in $(TESTNET_DIR); stop it with: make testnet-down"

testnet-down:
	TESTNET_DIR=$(TESTNET_DIR) scripts/testnet.sh down

# A testnet of N replica containers on a private compose network (FROM scratch image of the static binary), a
# client workload from another container, and the agreeing status of all replicas.
docker-testnet: build
	MONITOR=$(MONITOR) scripts/docker-testnet.sh up $(N)

docker-testnet-down:
	scripts/docker-testnet.sh down

# The fault sequence on a docker testnet under load: kill/restart the primary, partition a backup past two
# checkpoints, isolate the primary, restart all; convergence and acknowledged writes checked after each.
# make e2e N=16 runs it on 16 replica containers (CI: 4).
e2e:
	E2E_REPLICAS=$(N) $(GO) test -tags docker -count=1 -timeout 30m -v -run TestDockerTestnet ./e2e

# A local network of N replicas (make scale N=16) at RATE tx/s for DURATION, its primary killed halfway and a backup
# wiped afterwards: start time, idle CPU and RSS, latency, view change and state transfer times.
scale: build
	N=$(N) scripts/scale.sh

# Throughput and latency of 4 local replicas under a constant offered load.
bench: build
	scripts/bench.sh

# State transfer blocks/s from 1, 2 and 3 sources over real libp2p (loopback, and with 10 ms per answer).
# Client node: blocks/s it applies while the network runs at capacity, and verified reads/s it serves.
bench-follow: build
	scripts/bench-follow.sh

bench-sync:
	$(GO) test -run '^$$' -bench StateTransfer -benchtime 5x ./sync

# A swarm of simulator seeds: `make sim SEEDS=10000`.
sim:
	$(GO) run ./cmd/sbft-sim --seed $${SEED:-1} --seeds $(SEEDS)

# Plant each known bug in turn (build tag mutants: production builds carry no switch) and hunt it with the
# simulator swarm until a safety checker fires: one line per bug, then `caught K of N planted bugs`. The bugs
# outside the simulator's world (mutant.Guarded: the p2p layer, a process and its store) are caught by checker
# tests of their packages.
mutants:
	$(GO) test -tags mutants -count=1 -run 'Mutant|OlderViews|Catalogue' ./consensus ./mutant ./p2p ./node ./replica
	$(GO) run -tags mutants ./cmd/sbft-sim mutants --seeds $(MUTANT_SEEDS)

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzUnmarshalMessage -fuzztime 30s ./wire

clean:
	rm -rf bin
