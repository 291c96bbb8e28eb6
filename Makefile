# sbft: `make testnet` runs a local 4-replica network with a workload; `make test` is what CI runs.
GO      ?= go
BIN     := bin/sbft
PKGS    := ./...
TESTNET_DIR ?= testnet
export CGO_ENABLED ?= 0

SEEDS   ?= 1000

.PHONY: all build test lint testnet testnet-down bench bench-sync sim fuzz clean

all: build

build:
	$(GO) build -trimpath -ldflags "-s -w" -o $(BIN) ./cmd/sbft

lint:
	@fmt=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$fmt" ]; then echo "gofmt needed:"; echo "$$fmt"; exit 1; fi
	$(GO) vet $(PKGS)
	scripts/lint-deps.sh

# Everything CI runs: lint, the race-enabled unit and end-to-end tests (the e2e package builds the binary).
test: lint
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m $(PKGS)
	SIM_SEEDS=300 $(GO) test -count=1 -run 'TestSwarm|TestCheckersFindPlantedBugs|TestFaultyPrimaryIsReplaced|TestPartitionedPrimary|TestFastPathResumes|TestStateTransferWithByzantineSources' ./node/sim

testnet: build
	-TESTNET_DIR=$(TESTNET_DIR) scripts/testnet.sh down
	rm -rf $(TESTNET_DIR)
	TESTNET_DIR=$(TESTNET_DIR) scripts/testnet.sh up 4
	$(BIN) client fill --home $(TESTNET_DIR)/client-0 --network $(TESTNET_DIR)/genesis.json --count 1000 --prefix key-
	$(BIN) client get --home $(TESTNET_DIR)/client-0 --network $(TESTNET_DIR)/genesis.json key-999
	TESTNET_DIR=$(TESTNET_DIR) scripts/testnet.sh check 30
	@echo "testnet running in $(TESTNET_DIR); stop it with: make testnet-down"

testnet-down:
	TESTNET_DIR=$(TESTNET_DIR) scripts/testnet.sh down

# Throughput and latency of 4 local replicas under a constant offered load.
bench: build
	scripts/bench.sh

# State transfer blocks/s from 1, 2 and 3 sources over real libp2p (loopback, and with 10 ms per answer).
bench-sync:
	$(GO) test -run '^$$' -bench StateTransfer -benchtime 5x ./node

# A swarm of simulator seeds: `make sim SEEDS=10000`.
sim: build
	$(BIN) sim --seed $${SEED:-1} --seeds $(SEEDS)

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzUnmarshalMessage -fuzztime 30s ./consensus

clean:
	rm -rf bin
