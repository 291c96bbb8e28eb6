#!/usr/bin/env bash
# Start a fresh local network (REPLICAS, default 4) on its own ports, offer constant loads on the fast path, then
# stop one backup and offer loads on the slow path; print the results and the commit counters; clean up.
#   RATES="1000 5000" SLOW_RATES="1000" DURATION=15s CLIENTS=8 REPLICAS=7 scripts/bench.sh
# BUSY=1 runs one busy-loop process per core beside the network (a busy machine: it must get slower, never
# leaderless); PRESIGN=1 signs the transactions before each run's clock starts. SLOW_RATES=none skips the slow
# path. Each run prints the replicas' CPU seconds beside the load generator's and writes one JSON file (the
# generator's summary, replica CPU, machine) to $BENCH_OUT (default bench-results/DATE-TIME/), with the replicas' logs.
# IN_FLIGHT=K sets every replica's in_flight_seqs_max (batches proposed before earlier ones commit); BATCH=B its
# batch_requests_max.
# TRANSPORT=tcp|quic sets the transport every replica and the generator dial first (default: the config's).
# PROFILE=1 serves Go profiles on every replica (pprof_addr, port base+10*i+5) and writes a CPU profile of replica 0
# (the primary) and replica 1 (a backup) and of the load generator for each run beside its JSON
# (NAME-RATE-replica-I.pprof, NAME-RATE-generator.pprof).
# COMETBFT=1 then runs CometBFT (../shared/bench/cometbft/run.sh fast-gossip, or $CMT_RUN) at the same fast-path
# rates and durations on the same machine, after stopping sbft, and prints both side by side with ratios.
set -euo pipefail
BIN=${SBFT_BIN:-./bin/sbft}
RATES=${RATES:-"1000 2000 5000"}
SLOW_RATES=${SLOW_RATES:-"1000 2000"}
DURATION=${DURATION:-10s}
CLIENTS=${CLIENTS:-8}
REPLICAS=${REPLICAS:-4}
BENCH_FLAGS=()
if [ "${PRESIGN:-0}" = 1 ]; then BENCH_FLAGS+=(--presign); fi
if [ -n "${TRANSPORT:-}" ]; then BENCH_FLAGS+=(--prefer-transport "$TRANSPORT"); fi
[ "$SLOW_RATES" = none ] && SLOW_RATES=""
BUSY_PIDS=()
BENCH_OUT=${BENCH_OUT:-bench-results/$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$BENCH_OUT"
export TESTNET_DIR=$(mktemp -d /tmp/sbft-bench.XXXXXX)
export BASE_PORT=${BASE_PORT:-27600}
# keep_logs: the replicas' metrics and logs go beside the results (gzipped), so a view change or error can be explained later.
keep_logs() {
	for i in $(seq 0 $((REPLICAS - 1))); do curl -s -m 2 "http://127.0.0.1:$((BASE_PORT + 10 * i + 2))/metrics" > "$BENCH_OUT/replica-$i.metrics" || true; done
	for f in "$TESTNET_DIR"/replica-*/replica.log; do [ -f "$f" ] && gzip -c "$f" > "$BENCH_OUT/$(basename "$(dirname "$f")").log.gz"; done
}
trap 'kill "${BUSY_PIDS[@]}" 2>/dev/null || true; keep_logs || true; scripts/testnet.sh down >/dev/null 2>&1 || true; rm -rf "$TESTNET_DIR"' EXIT
scripts/testnet.sh up "$REPLICAS"
pprof_port() { echo $((BASE_PORT + 10 * $1 + 5)); }
if [ "${PROFILE:-0}" = 1 ] || [ -n "${TRANSPORT:-}" ] || [ -n "${IN_FLIGHT:-}" ] || [ -n "${BATCH:-}" ]; then
	for i in $(seq 0 $((REPLICAS - 1))); do
		scripts/testnet.sh stop "$i"
		cfg="$TESTNET_DIR/replica-$i/config.toml"
		[ "${PROFILE:-0}" = 1 ] && sed -i "s/^pprof_addr = .*/pprof_addr = \"127.0.0.1:$(pprof_port "$i")\"/" "$cfg"
		[ -n "${TRANSPORT:-}" ] && sed -i "s/^prefer_transport = .*/prefer_transport = \"$TRANSPORT\"/" "$cfg"
		[ -n "${IN_FLIGHT:-}" ] && sed -i "s/^in_flight_seqs_max = .*/in_flight_seqs_max = $IN_FLIGHT/" "$cfg"
		[ -n "${BATCH:-}" ] && sed -i "s/^batch_requests_max = .*/batch_requests_max = $BATCH/" "$cfg"
		scripts/testnet.sh start "$i"
	done
	scripts/testnet.sh check 30 >/dev/null
fi
# profile NAME RATE: in the background, CPU profiles of replicas 0 and 1 over the run (but its first and last second).
profile() {
	[ "${PROFILE:-0}" = 1 ] || return 0
	local secs=$(( ${DURATION%s} - 2 ))
	for i in 0 1; do
		( sleep 1; curl -s -m $((secs + 10)) -o "$BENCH_OUT/$1-$2-replica-$i.pprof" \
			"http://127.0.0.1:$(pprof_port "$i")/debug/pprof/profile?seconds=$secs" ) &
		PROF_PIDS+=($!)
	done
}
if [ "${BUSY:-0}" = 1 ]; then
	for _ in $(seq "$(nproc)"); do
		( while :; do :; done ) &
		BUSY_PIDS+=($!)
	done
	echo "== busy machine: ${#BUSY_PIDS[@]} busy-loop processes beside the network"
fi
# cpu_s PID: user+system CPU seconds of a process (0 when it is gone).
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
replica_cpu() { for i in $(seq 0 $((REPLICAS - 1))); do p=$(cat "$TESTNET_DIR/replica-$i/pid" 2>/dev/null || echo 0); cpu_s "$p"; done; }
PROF_PIDS=()
wait_profiles() { for p in "${PROF_PIDS[@]}"; do wait "$p" || true; done; PROF_PIDS=(); }
# run_bench NAME RATE: one bench run; prints replica CPU and writes $BENCH_OUT/NAME-RATE.json.
run_bench() {
	local name=$1 r=$2 before after summary="$BENCH_OUT/.summary.json"
	before=$(replica_cpu | tr '\n' ' ')
	profile "$name" "$r"
	"$BIN" bench --network "$TESTNET_DIR/genesis.json" --clients "$CLIENTS" --rate "$r" --duration "$DURATION" \
		--json-out "$summary" "${BENCH_FLAGS[@]}" $([ "${PROFILE:-0}" = 1 ] && echo --cpuprofile "$BENCH_OUT/$name-$r-generator.pprof")
	after=$(replica_cpu | tr '\n' ' ')
	wait_profiles
	python3 - "$name" "$before" "$after" "$summary" "$BENCH_OUT/$name-$r.json" "${BUSY:-0}" "${PRESIGN:-0}" <<'PY'
import json, os, sys
name, before, after, summary, out, busy, presign = sys.argv[1:]
cpu = [round(float(a) - float(b), 2) for a, b in zip(after.split(), before.split())]
res = json.load(open(summary))
# CPU microseconds per committed transaction: the figure the capacity goal is stated in (per replica, and for
# the generator, which signs as it goes unless PRESIGN=1).
committed = res["committed"] or 1
per_tx = [round(c * 1e6 / committed, 1) for c in cpu]
gen_per_tx = round(res["generator_cpu_s"] * 1e6 / committed, 1)
doc = {"run": name, "replicas": len(cpu), "replica_cpu_s": cpu, "replica_cpu_us_per_tx": per_tx,
       "generator_cpu_us_per_tx": gen_per_tx, "busy_machine": busy == "1",
       "presign": presign == "1", "cores": os.cpu_count(), "bench": res}
json.dump(doc, open(out, "w"), indent=1)
d = res["duration_s"] or 1
print("replica CPU s: %s (%s of one core each); load generator %.1f s; written %s" % (
    " ".join("%.1f" % c for c in cpu), " ".join("%.0f%%" % (100 * c / d) for c in cpu), res["generator_cpu_s"], out))
print("CPU per committed transaction: replicas %s µs; load generator %.0f µs" % (
    " ".join("%.0f" % c for c in per_tx), gen_per_tx))
PY
	rm -f "$summary"
}
path() { "$BIN" status --home "$TESTNET_DIR/replica-0" --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print("primary path %s: %d fast, %d slow commits" % (s["commit_path"], s["commits_fast"], s["commits_slow"]))'; }
for r in $RATES; do
	echo "== n=$REPLICAS fast path: offered $r tx/s for $DURATION with $CLIENTS clients"
	run_bench fast "$r"
	path
done
scripts/testnet.sh check 30
# The slow path: one backup down, the primary's path controller moves to it.
last=$((REPLICAS - 1))
scripts/testnet.sh stop "$last"
for r in $SLOW_RATES; do
	echo "== n=$REPLICAS slow path (replica $last stopped): offered $r tx/s for $DURATION with $CLIENTS clients"
	run_bench slow "$r"
	path
done

# CometBFT at the same rates, after sbft is down, and the side-by-side table.
if [ "${COMETBFT:-0}" = 1 ]; then
	scripts/testnet.sh down >/dev/null 2>&1 || true
	CMT_RUN=${CMT_RUN:-../shared/bench/cometbft/run.sh}
	for r in $RATES; do
		echo "== CometBFT (fast-gossip, unsigned txs): offered $r tx/s for $DURATION"
		"$CMT_RUN" fast-gossip "$r" "${DURATION%s}" | tail -n 1 | tee "$BENCH_OUT/cometbft-$r.txt"
	done
	python3 - "$BENCH_OUT" $RATES <<'PY'
import json, re, sys
out, rates = sys.argv[1], sys.argv[2:]
print("%8s | %-28s | %-28s | %s" % ("offered", "sbft tx/s  p50  p99 (ms)", "CometBFT tx/s  p50  p99 (ms)", "sbft/CometBFT tx/s p50 p99"))
for r in rates:
    b = json.load(open("%s/fast-%s.json" % (out, r)))["bench"]
    m = dict(re.findall(r"(\w+)=([\d.]+)", open("%s/cometbft-%s.txt" % (out, r)).read()))
    c = [float(m.get(k, "nan")) for k in ("committed_tps", "p50_ms", "p99_ms")]
    s = [b["committed_tps"], b["p50_ms"], b["p99_ms"]]
    print("%8s | %8.0f %8.1f %9.1f | %8.0f %8.1f %9.1f | %5.2f %5.2f %5.2f" % (r, *s, *c, *(x / y if y else float("nan") for x, y in zip(s, c))))
PY
fi
