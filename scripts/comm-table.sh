#!/usr/bin/env bash
# The communication table of README "Scaling": quiet simulator runs (no random faults) at each n, on the fast
# path, on the slow path (replica n-1 down for the whole run) and through a view change (the first primary
# down from tick 300), with production's checkpoint interval; one markdown row per run from `sbft-sim --report`.
#   NS="4 7 16 31 64 128 209" STEPS=600 scripts/comm-table.sh     (RUNS="viewchange": those rows only)
set -euo pipefail
SIM=${SBFT_SIM:-./bin/sbft-sim}
NS=${NS:-"4 7 16 31 64 128 209"}
STEPS=${STEPS:-600}
RUNS=${RUNS:-"fast slow viewchange"}
SEED=${SEED:-7}
echo "| run | n | blocks | primary B/block | collector B/block | backup B/block | all replicas B/block | PBFT all-to-all B/block | PBFT/SBFT |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for n in $NS; do
	for run in $RUNS; do
		args=()
		case $run in
		slow) args=(--outage "$((n - 1)):1-1000000") ;;
		viewchange) args=(--outage "0:300-1000000") ;;
		esac
		row=$("$SIM" --seed "$SEED" --replicas "$n" --steps "$STEPS" --quiet --checkpoint-interval 150 --report "${args[@]}" | grep '^| ' || true)
		echo "| $run | ${row#| }"
	done
done
