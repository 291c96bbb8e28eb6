#!/usr/bin/env bash
# Client node benchmarks on a fresh local network of 4 replicas and one client node (`sbft follow`):
#   1. keep-up: offer RATE tx/s (default 8000: beyond the network's capacity) for DURATION while sampling the
#      client node's height and lag every second; report the network's and the node's blocks/s, the node's
#      largest lag, how long it took to drain after the load stopped, and the node's CPU;
#   2. reads: write KEYS keys, then read them from the client node for READ_DURATION with READ_CONC readers,
#      verifying every proof (bench-reads), then once more without verifying (the node alone).
#   RATE=8000 DURATION=30s KEYS=1000 READ_DURATION=10s READ_CONC=16 scripts/bench-follow.sh
# Results go to $BENCH_OUT (default bench-results/follow-DATE-TIME/).
set -euo pipefail
BIN=${SBFT_BIN:-./bin/sbft}
RATE=${RATE:-8000}
DURATION=${DURATION:-30s}
KEYS=${KEYS:-1000}
READ_DURATION=${READ_DURATION:-10s}
READ_CONC=${READ_CONC:-16}
BENCH_OUT=${BENCH_OUT:-bench-results/follow-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$BENCH_OUT"
export TESTNET_DIR=$(mktemp -d /tmp/sbft-bench-follow.XXXXXX)
export BASE_PORT=${BASE_PORT:-27700}
FOLLOW_HTTP=127.0.0.1:$((BASE_PORT + 90))
FPID=""
cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null || true
	[ -f "$TESTNET_DIR/follower.log" ] && gzip -c "$TESTNET_DIR/follower.log" >"$BENCH_OUT/follower.log.gz" || true
	scripts/testnet.sh down >/dev/null 2>&1 || true
	rm -rf "$TESTNET_DIR"
}
trap cleanup EXIT
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }

scripts/testnet.sh up 4
"$BIN" follow --home "$TESTNET_DIR/follower" --network "$TESTNET_DIR/genesis.json" --http "$FOLLOW_HTTP" \
	>"$TESTNET_DIR/follower.log" 2>&1 &
FPID=$!
until curl -s -m 1 "http://$FOLLOW_HTTP/status" >/dev/null; do sleep 0.2; done
echo "== client node up (pid $FPID, http $FOLLOW_HTTP)"

# 1. Keep-up at capacity: sample every second during the load and until the node has drained.
python3 - "$FOLLOW_HTTP" "$BASE_PORT" "$BENCH_OUT/follow-samples.json" "$TESTNET_DIR/sampler.stop" <<'PY' &
import json, os, sys, time, urllib.request
fol, base, out, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
get = lambda u: json.load(urllib.request.urlopen(u, timeout=2))
samples, t0 = [], time.time()
while not os.path.exists(stop):
    try:
        f, r = get("http://%s/status" % fol), get("http://127.0.0.1:%d/status" % (base + 2))
        samples.append({"t": round(time.time() - t0, 2), "follower": f["height"], "lag": f["lag"], "replica": r["height"]})
    except Exception:
        pass
    time.sleep(1)
json.dump(samples, open(out, "w"))
PY
SAMPLER=$!
cpu0=$(cpu_s "$FPID")
echo "== keep-up: $RATE tx/s offered for $DURATION"
"$BIN" bench --network "$TESTNET_DIR/genesis.json" --clients 8 --rate "$RATE" --duration "$DURATION" \
	--json-out "$BENCH_OUT/keepup-bench.json" >/dev/null
load_end=$(date +%s.%N)
for _ in $(seq 600); do
	f=$(curl -s -m 2 "http://$FOLLOW_HTTP/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])')
	r=$("$BIN" status --home "$TESTNET_DIR/replica-0" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])')
	[ "$f" -ge "$r" ] && break
	sleep 0.1
done
drained=$(date +%s.%N)
cpu1=$(cpu_s "$FPID")
touch "$TESTNET_DIR/sampler.stop"
wait "$SAMPLER"
python3 - "$BENCH_OUT" "$load_end" "$drained" "$cpu0" "$cpu1" <<'PY'
import json, sys
out, load_end, drained, cpu0, cpu1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
s = json.load(open(out + "/follow-samples.json"))
b = json.load(open(out + "/keepup-bench.json"))
busy = [x for x in s if x["replica"] > s[0]["replica"]]
span = (busy[-1]["t"] - busy[0]["t"]) or 1
doc = {"offered_tps": b["offered_rate"] if "offered_rate" in b else None, "committed_tps": b["committed_tps"],
       "network_blocks_per_s": (busy[-1]["replica"] - busy[0]["replica"]) / span,
       "follower_blocks_per_s": (busy[-1]["follower"] - busy[0]["follower"]) / span,
       "lag_max_blocks": max(x["lag"] for x in s), "lag_median_blocks": sorted(x["lag"] for x in busy)[len(busy) // 2],
       "drain_s": round(drained - load_end, 2), "follower_cpu_s": round(cpu1 - cpu0, 2), "samples": len(s)}
json.dump(doc, open(out + "/keepup.json", "w"), indent=1)
print("keep-up:", json.dumps(doc))
PY

# 2. Reads.
echo "== reads: $KEYS keys, $READ_CONC readers for $READ_DURATION"
"$BIN" client fill --home "$TESTNET_DIR/client-0" --network "$TESTNET_DIR/genesis.json" --count "$KEYS" --prefix key- >/dev/null
r=$("$BIN" status --home "$TESTNET_DIR/replica-0" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])')
until [ "$(curl -s -m 2 "http://$FOLLOW_HTTP/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["certified_height"])')" -ge "$r" ]; do sleep 0.2; done
for mode in verify no-verify; do
	flags=()
	[ "$mode" = no-verify ] && flags=(--no-verify)
	c0=$(cpu_s "$FPID")
	"$BIN" bench-reads --node "http://$FOLLOW_HTTP" --network "$TESTNET_DIR/genesis.json" --keys "$KEYS" \
		--concurrency "$READ_CONC" --duration "$READ_DURATION" --json-out "$BENCH_OUT/reads-$mode.json" "${flags[@]}" >/dev/null
	c1=$(cpu_s "$FPID")
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["node_cpu_s"]=round(float(sys.argv[3])-float(sys.argv[2]),2); json.dump(d,open(sys.argv[1],"w")); print("reads (%s):" % sys.argv[4], json.dumps(d))' \
		"$BENCH_OUT/reads-$mode.json" "$c0" "$c1" "$mode"
done
echo "== results in $BENCH_OUT"
