#!/usr/bin/env bash
# Local testnet of sbft replicas as processes on 127.0.0.1.
#   scripts/testnet.sh up [N]        generate (if needed) and start N replicas (default 4)
#   scripts/testnet.sh down          stop every replica (SIGTERM, then SIGKILL after 10 s)
#   scripts/testnet.sh status        one line per replica from `sbft status --json`
#   scripts/testnet.sh check [SECS]  wait until all replicas report the same height, block hash and state root
#   scripts/testnet.sh kill I [SIG]  send SIG (default KILL) to replica I
#   scripts/testnet.sh stop I        SIGTERM replica I and wait for it to exit
#   scripts/testnet.sh start I       start replica I
#   scripts/testnet.sh restart I     stop then start replica I
# Environment: TESTNET_DIR (default ./testnet), SBFT_BIN (default ./bin/sbft), BASE_PORT (default 26600).
set -euo pipefail

DIR=${TESTNET_DIR:-./testnet}
BIN=${SBFT_BIN:-./bin/sbft}
BASE_PORT=${BASE_PORT:-26600}

say() { printf 'testnet: %s\n' "$*" >&2; }
replicas() { ls -d "$DIR"/replica-* 2>/dev/null | sed 's/.*replica-//' | sort -n; }
pidof_replica() { cat "$DIR/replica-$1/pid" 2>/dev/null || true; }
alive() { local p; p=$(pidof_replica "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

start_one() {
	local i=$1 home="$DIR/replica-$1"
	if alive "$i"; then say "replica $i already running (pid $(pidof_replica "$i"))"; return; fi
	nohup "$BIN" start --home "$home" >>"$home/replica.log" 2>&1 &
	echo $! >"$home/pid"
	say "started replica $i (pid $!, log $home/replica.log)"
}

wait_up() {
	local i=$1 deadline=$((SECONDS + 30))
	until "$BIN" status --home "$DIR/replica-$i" --json >/dev/null 2>&1; do
		if ! alive "$i"; then say "replica $i exited; last log lines:"; tail -n 20 "$DIR/replica-$i/replica.log" >&2; exit 1; fi
		if ((SECONDS > deadline)); then say "replica $i not answering after 30 s"; exit 1; fi
		sleep 0.2
	done
}

stop_one() {
	local i=$1 p
	p=$(pidof_replica "$i")
	[ -n "$p" ] || return 0
	if kill -TERM "$p" 2>/dev/null; then
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$p" 2>/dev/null; then say "replica $i did not stop in 10 s; killing"; kill -KILL "$p" 2>/dev/null || true; fi
	fi
	rm -f "$DIR/replica-$i/pid"
	say "stopped replica $i"
}

status_line() {
	"$BIN" status --home "$DIR/replica-$1" --json 2>/dev/null |
		python3 -c 'import json,sys; s=json.load(sys.stdin); print("replica %d view %d primary %d seq %d height %d block %s root %s peers %d" % (s["replica"], s["view"], s["primary"], s["last_executed_seq"], s["height"], s["last_block_hash"][:16], s["state_root"][:16], s["peers"]))' ||
		echo "replica $1 down"
}

check() {
	local secs=${1:-30} deadline
	deadline=$((SECONDS + secs))
	while :; do
		local seen=() line
		for i in $(replicas); do
			line=$("$BIN" status --home "$DIR/replica-$i" --json 2>/dev/null | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["height"], s["last_block_hash"], s["state_root"])' 2>/dev/null || echo down)
			seen+=("$line")
		done
		if [ "$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)" = 1 ] && [ "${seen[0]}" != down ]; then
			for i in $(replicas); do status_line "$i"; done
			say "all $(replicas | wc -l) replicas agree: height ${seen[0]%% *}"
			return 0
		fi
		if ((SECONDS > deadline)); then
			for i in $(replicas); do status_line "$i"; done
			say "replicas do not agree after $secs s"
			return 1
		fi
		sleep 0.5
	done
}

cmd=${1:-}
shift || true
case "$cmd" in
up)
	n=${1:-4}
	if [ ! -f "$DIR/genesis.json" ]; then
		"$BIN" testnet --replicas "$n" --dir "$DIR" --base-port "$BASE_PORT" --clients 2 >&2
	fi
	for i in $(replicas); do start_one "$i"; done
	for i in $(replicas); do wait_up "$i"; done
	say "$(replicas | wc -l) replicas up in $DIR"
	;;
down) for i in $(replicas); do stop_one "$i"; done ;;
status) for i in $(replicas); do status_line "$i"; done ;;
check) check "${1:-30}" ;;
kill)
	sig=${2:-KILL}
	p=$(pidof_replica "$1")
	[ -n "$p" ] && kill "-$sig" "$p" && say "sent SIG$sig to replica $1 (pid $p)"
	if [ "$sig" = KILL ]; then rm -f "$DIR/replica-$1/pid"; fi
	;;
stop) stop_one "$1" ;;
start) start_one "$1"; wait_up "$1" ;;
restart) stop_one "$1"; start_one "$1"; wait_up "$1" ;;
*) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
