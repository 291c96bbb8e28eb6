#!/usr/bin/env bash
# A local network of N replica processes under a steady load and faults, measured (issue 27's real-network
# runs): time to start and agree; idle CPU and RSS per replica; a steady load (RATE tx/s for DURATION) during
# which the first primary is SIGKILLed halfway; how long the survivors took to move to a new view and commit
# again; agreement of every replica (the killed one restarted) on height, block hash and state root; then one
# backup wiped (`sbft reset`) and restarted, and how long state transfer took to bring it back.
#   N=16 RATE=500 DURATION=60s scripts/scale.sh
# Writes $SCALE_OUT/scale-N.json (default bench-results/scale-DATE-TIME/) and prints one summary line.
set -euo pipefail
BIN=${SBFT_BIN:-./bin/sbft}
N=${N:-16}
RATE=${RATE:-500}
DURATION=${DURATION:-60s}
CLIENTS=${CLIENTS:-8}
IDLE_SECS=${IDLE_SECS:-20}
# Idle is measured once the replicas settled: past their first minute, in which each checks every 5 s that no
# other process uses its key (node.InstanceCheckFastFor), not every 30 s.
IDLE_SETTLE_SECS=${IDLE_SETTLE_SECS:-65}
SCALE_OUT=${SCALE_OUT:-bench-results/scale-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$SCALE_OUT"
export TESTNET_DIR=$(mktemp -d /tmp/sbft-scale.XXXXXX)
export BASE_PORT=${BASE_PORT:-28600}
# The replicas' logs are kept in $SCALE_OUT/logs for a look afterwards.
trap 'scripts/testnet.sh down >/dev/null 2>&1 || true; mkdir -p "$SCALE_OUT/logs"
	for d in "$TESTNET_DIR"/replica-*; do cp "$d/replica.log" "$SCALE_OUT/logs/$(basename "$d").log" 2>/dev/null || true; done
	rm -rf "$TESTNET_DIR"' EXIT
say() { printf 'scale: %s\n' "$*" >&2; }
pid_of() { cat "$TESTNET_DIR/replica-$1/pid" 2>/dev/null || echo 0; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_mb() { awk '/^VmRSS/ { print $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }
all_cpu() { for i in $(seq 0 $((N - 1))); do cpu_s "$(pid_of "$i")"; done | tr '\n' ' '; }
all_rss() { for i in $(seq 0 $((N - 1))); do rss_mb "$(pid_of "$i")"; done | tr '\n' ' '; }
# stats "v1 v2 ...": mean and max
stats() { python3 -c 'import sys; v=[float(x) for x in sys.argv[1].split()]; print("%.1f %.1f" % (sum(v)/len(v), max(v)))' "$1"; }
# field I NAME: a field of replica I's /status (curl, not `sbft status`: a process start per poll under load
# made the view change look seconds longer than it was).
field() {
	curl -s --max-time 1 "http://$(sed -n 's/^http_addr = "\(.*\)"/\1/p' "$TESTNET_DIR/replica-$1/config.toml")/status" |
		python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])" 2>/dev/null || echo -1
}

t0=$SECONDS
scripts/testnet.sh up "$N" 2>"$SCALE_OUT/testnet.log"
scripts/testnet.sh check 120 >/dev/null
start_s=$((SECONDS - t0))
say "$N replicas started and agree after ${start_s}s; measuring ${IDLE_SECS}s idle after ${IDLE_SETTLE_SECS}s"
sleep "$IDLE_SETTLE_SECS" # letting the start-up checks end, not synchronisation

c0=$(all_cpu)
sleep "$IDLE_SECS" # measuring an idle network over a fixed time, not synchronisation
c1=$(all_cpu)
idle_cpu=$(python3 -c 'import sys; a=sys.argv[1].split(); b=sys.argv[2].split(); print(" ".join("%.2f" % (100*(float(y)-float(x))/float(sys.argv[3])) for x, y in zip(a, b)))' "$c0" "$c1" "$IDLE_SECS")
read -r idle_cpu_mean idle_cpu_max <<<"$(stats "$idle_cpu")"
read -r idle_rss_mean idle_rss_max <<<"$(stats "$(all_rss)")"
say "idle: CPU ${idle_cpu_mean}% of a core per replica (max ${idle_cpu_max}%), RSS ${idle_rss_mean} MB (max ${idle_rss_max} MB)"

say "load: $RATE tx/s for $DURATION with $CLIENTS clients; the primary (replica 0) is SIGKILLed halfway"
"$BIN" bench --network "$TESTNET_DIR/genesis.json" --clients "$CLIENTS" --rate "$RATE" --duration "$DURATION" \
	--json-out "$SCALE_OUT/bench-$N.json" >"$SCALE_OUT/bench-$N.txt" 2>&1 &
bench=$!
sleep $(( ${DURATION%s} / 2 )) # the fault's place in the run, not synchronisation
h_kill=$(field 1 height)
scripts/testnet.sh kill 0 2>>"$SCALE_OUT/testnet.log"
killed=$SECONDS
vc_s=-1
for _ in $(seq 600); do
	v=$(field 1 view) h=$(field 1 height)
	if [ "$v" -gt 0 ] 2>/dev/null && [ "$h" -gt $((h_kill + 1)) ] 2>/dev/null; then vc_s=$((SECONDS - killed)); break; fi
	sleep 0.1
done
say "after the primary was killed, replica 1 reached view $(field 1 view) and committed again after ${vc_s}s"
wait "$bench" || true
# The commit stall, from the load generator's per-second progress: the seconds after the kill in which fewer
# than a tenth of the offered load committed (a second's resolution, independent of polling a busy replica).
stall_s=$(python3 - "$SCALE_OUT/bench-$N.txt" "$RATE" "${DURATION%s}" <<'PY'
import re, sys
rate, dur = int(sys.argv[2]), int(sys.argv[3])
prev, deltas = 0, []
for line in open(sys.argv[1]):
    m = re.search(r"committed (\d+) \(", line)
    if m:
        deltas.append(int(m.group(1)) - prev)
        prev = int(m.group(1))
slow = [i for i, d in enumerate(deltas[:dur]) if i >= dur // 2 - 3 and d < rate / 10]
print(len(slow))
PY
)
say "commits stalled for ${stall_s}s around the kill (per-second progress of the load)"
read -r load_rss_mean load_rss_max <<<"$(stats "$(for i in $(seq 1 $((N - 1))); do rss_mb "$(pid_of "$i")"; done | tr '\n' ' ')")"
scripts/testnet.sh start 0 2>>"$SCALE_OUT/testnet.log"
scripts/testnet.sh check 120 >/dev/null
say "all $N replicas agree after the restart of replica 0"

last=$((N - 1))
scripts/testnet.sh stop "$last" 2>>"$SCALE_OUT/testnet.log"
"$BIN" reset --home "$TESTNET_DIR/replica-$last" --yes >/dev/null
h_before=$(field 0 height)
wiped=$SECONDS
scripts/testnet.sh start "$last" 2>>"$SCALE_OUT/testnet.log"
scripts/testnet.sh check 300 >/dev/null
transfer_s=$((SECONDS - wiped))
say "wiped replica $last is back at height >= $h_before after ${transfer_s}s"
scripts/testnet.sh status >"$SCALE_OUT/status-$N.txt" 2>&1

python3 - "$SCALE_OUT/bench-$N.json" "$SCALE_OUT/scale-$N.json" <<PY
import json, sys
b = json.load(open(sys.argv[1]))
doc = {"replicas": $N, "start_agree_s": $start_s, "idle_cpu_pct_mean": $idle_cpu_mean, "idle_cpu_pct_max": $idle_cpu_max,
       "idle_rss_mb_mean": $idle_rss_mean, "idle_rss_mb_max": $idle_rss_max, "load_rss_mb_mean": $load_rss_mean,
       "load_rss_mb_max": $load_rss_max, "offered": $RATE, "committed_tps": b["committed_tps"], "p50_ms": b["p50_ms"],
       "p99_ms": b["p99_ms"], "errors": b["errors"], "errors_by_kind": b.get("errors_by_kind"),
       "primary_killed_view_change_s": $vc_s, "primary_killed_commit_stall_s": $stall_s,
       "wiped_replica_back_s": $transfer_s}
json.dump(doc, open(sys.argv[2], "w"), indent=1)
print("n=%(replicas)d: started and agreed in %(start_agree_s)ds; idle CPU %(idle_cpu_pct_mean).1f%% (max %(idle_cpu_pct_max).1f%%) of a core, RSS %(idle_rss_mb_mean).0f MB (max %(idle_rss_mb_max).0f); "
      "%(offered)d tx/s offered: %(committed_tps).0f committed, p50/p99 %(p50_ms).0f/%(p99_ms).0f ms, %(errors)d errors, RSS %(load_rss_mb_mean).0f MB (max %(load_rss_mb_max).0f); "
      "primary killed: new view committing after %(primary_killed_view_change_s)ds, commits stalled %(primary_killed_commit_stall_s)ds; wiped replica back in %(wiped_replica_back_s)ds" % doc)
PY
