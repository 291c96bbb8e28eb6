#!/usr/bin/env bash
# Start a fresh local network (REPLICAS, default 4) on its own ports, offer constant loads on the fast path, then
# stop one backup and offer loads on the slow path; print the results and the commit counters; clean up.
#   RATES="1000 5000" SLOW_RATES="1000" DURATION=15s CLIENTS=8 REPLICAS=7 scripts/bench.sh
# BUSY=1 runs one busy-loop process per core beside the network (a busy machine: it must get slower, never
# leaderless); PRESIGN=1 signs the transactions before each run's clock starts. SLOW_RATES=none skips the slow
# path.
set -euo pipefail
BIN=${SBFT_BIN:-./bin/sbft}
RATES=${RATES:-"1000 2000 5000"}
SLOW_RATES=${SLOW_RATES:-"1000 2000"}
DURATION=${DURATION:-10s}
CLIENTS=${CLIENTS:-8}
REPLICAS=${REPLICAS:-4}
BENCH_FLAGS=()
if [ "${PRESIGN:-0}" = 1 ]; then BENCH_FLAGS+=(--presign); fi
[ "$SLOW_RATES" = none ] && SLOW_RATES=""
BUSY_PIDS=()
export TESTNET_DIR=$(mktemp -d /tmp/sbft-bench.XXXXXX)
export BASE_PORT=${BASE_PORT:-27600}
trap 'kill "${BUSY_PIDS[@]}" 2>/dev/null || true; scripts/testnet.sh down >/dev/null 2>&1 || true; rm -rf "$TESTNET_DIR"' EXIT
scripts/testnet.sh up "$REPLICAS"
if [ "${BUSY:-0}" = 1 ]; then
	for _ in $(seq "$(nproc)"); do
		( while :; do :; done ) &
		BUSY_PIDS+=($!)
	done
	echo "== busy machine: ${#BUSY_PIDS[@]} busy-loop processes beside the network"
fi
path() { "$BIN" status --home "$TESTNET_DIR/replica-0" --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print("primary path %s: %d fast, %d slow commits" % (s["commit_path"], s["commits_fast"], s["commits_slow"]))'; }
for r in $RATES; do
	echo "== n=$REPLICAS fast path: offered $r tx/s for $DURATION with $CLIENTS clients"
	"$BIN" bench --network "$TESTNET_DIR/genesis.json" --clients "$CLIENTS" --rate "$r" --duration "$DURATION" "${BENCH_FLAGS[@]}"
	path
done
scripts/testnet.sh check 30
# The slow path: one backup down, the primary's path controller moves to it.
last=$((REPLICAS - 1))
scripts/testnet.sh stop "$last"
for r in $SLOW_RATES; do
	echo "== n=$REPLICAS slow path (replica $last stopped): offered $r tx/s for $DURATION with $CLIENTS clients"
	"$BIN" bench --network "$TESTNET_DIR/genesis.json" --clients "$CLIENTS" --rate "$r" --duration "$DURATION" "${BENCH_FLAGS[@]}"
	path
done
