#!/usr/bin/env bash
# Start a fresh local 4-replica network on its own ports, offer constant loads, print the results, clean up.
#   RATES="5000 20000" DURATION=15s CLIENTS=8 scripts/bench.sh
set -euo pipefail
BIN=${SBFT_BIN:-./bin/sbft}
RATES=${RATES:-"1000 2000 5000"}
DURATION=${DURATION:-10s}
CLIENTS=${CLIENTS:-8}
REPLICAS=${REPLICAS:-4}
export TESTNET_DIR=$(mktemp -d /tmp/sbft-bench.XXXXXX)
export BASE_PORT=${BASE_PORT:-27600}
trap 'scripts/testnet.sh down >/dev/null 2>&1 || true; rm -rf "$TESTNET_DIR"' EXIT
scripts/testnet.sh up "$REPLICAS"
for r in $RATES; do
	echo "== n=$REPLICAS offered $r tx/s for $DURATION with $CLIENTS clients"
	"$BIN" bench --network "$TESTNET_DIR/genesis.json" --clients "$CLIENTS" --rate "$r" --duration "$DURATION"
done
scripts/testnet.sh check 30
