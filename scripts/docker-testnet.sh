#!/usr/bin/env bash
# A testnet of N replicas, each its own container with its own address on a private (internal) compose
# network, plus fault injection. Nothing reaches outside that network; `down` removes everything `up` made.
#
#   scripts/docker-testnet.sh up [N]          build the image, generate configs, start, wait, run a workload
#   scripts/docker-testnet.sh down            remove containers, network, image and the testnet directory
#   scripts/docker-testnet.sh status          one line per replica; check: exit 1 unless all agree
#   scripts/docker-testnet.sh stop|kill|start|restart|pause|unpause I
#   scripts/docker-testnet.sh isolate I       cut replica I off the network (docker network disconnect)
#   scripts/docker-testnet.sh heal I          reconnect it with its address
#   scripts/docker-testnet.sh split "A..." "B..."  cut the replicas of group B off from group A (each B replica is
#                                             disconnected: with one bridge network, B members lose each other too)
#   scripts/docker-testnet.sh heal-all        reconnect every replica
#   scripts/docker-testnet.sh restart-all     restart every replica at once
#   scripts/docker-testnet.sh workload [COUNT] write COUNT keys from a client container
#   scripts/docker-testnet.sh prometheus      with MONITOR=1: the Prometheus container's API address
#   scripts/docker-testnet.sh follower        the client node's status (a container beside the replicas, `sbft
#                                             follow`, HTTP API at FOLLOWER_HTTP); check compares it too
#
# Environment: DOCKER_TESTNET_DIR (docker-testnet), DOCKER_TESTNET_PROJECT (sbftnet), DOCKER_TESTNET_SUBNET
# (172.28.7: replica i at .10+i, the client node at .200, the client at .250), SBFT_BIN (bin/sbft, built with
# CGO_ENABLED=0), CHAIN_ID (sbft-testnet), MONITOR (1: also a Prometheus container at .5, port 9090, scraping
# every replica and the client node every 2 s; scripts/prometheus-image.sh builds it; monitoring/grafana holds
# the dashboard).
#
# Each container mounts only its own home (DIR/replica-i, DIR/follower, DIR/client-0) and the genesis: each
# replica made its key itself (`sbft init` in its container), and only public.json files left the homes.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$(realpath -m "${DOCKER_TESTNET_DIR:-docker-testnet}")
PROJECT=${DOCKER_TESTNET_PROJECT:-sbftnet}
SUBNET=${DOCKER_TESTNET_SUBNET:-172.28.7}
BIN=${SBFT_BIN:-bin/sbft}
IMAGE=${PROJECT}-sbft:local
NET=${PROJECT}-net
BASE_PORT=26600
# The containers' user: 10001 when this script runs as root (it chowns the homes to it), else the caller, so
# that the files the containers make stay the caller's to read and remove.
if [ "$(id -u)" = 0 ]; then RUN_AS=10001:10001; else RUN_AS="$(id -u):$(id -g)"; fi
compose() { docker-compose -p "$PROJECT" -f "$DIR/docker-compose.yml" "$@"; }
ip_of() { echo "$SUBNET.$((10 + $1))"; }
container() { echo "$PROJECT-replica-$1"; }
count() { ls -d "$DIR"/replica-* 2>/dev/null | wc -l; }
FOLLOWER_HTTP="$SUBNET.200:8090"
PROMETHEUS_IMAGE=${PROJECT}-prometheus:local
PROMETHEUS_HTTP="$SUBNET.5:9090"
say() { echo "[docker-testnet $(date +%H:%M:%S)] $*"; }

build_image() {
	if [ ! -x "$BIN" ] || { command -v file >/dev/null && ! file "$BIN" | grep -q 'statically linked'; }; then
		CGO_ENABLED=0 go build -trimpath -ldflags "${SBFT_LDFLAGS:--s -w}" -o "$BIN" ./cmd/sbft
	fi
	ctx=$(mktemp -d)
	cp "$BIN" "$ctx/sbft"
	cp docker/Dockerfile "$ctx/"
	docker build -q -t "$IMAGE" "$ctx" >/dev/null 2>&1 || docker build -t "$IMAGE" "$ctx"
	rm -rf "$ctx"
	say "built image $IMAGE from $BIN"
}

write_compose() {
	local n=$1
	{
		echo "version: '2.4'"
		echo "networks:"
		echo "  net:"
		echo "    name: $NET"
		echo "    internal: true"
		echo "    ipam:"
		echo "      config:"
		echo "        - subnet: $SUBNET.0/24"
		echo "services:"
		for i in $(seq 0 $((n - 1))); do
			echo "  replica-$i:"
			echo "    image: $IMAGE"
			echo "    container_name: $(container "$i")"
			echo "    command: [\"start\", \"--home\", \"/home/sbft\"]"
			echo "    user: \"$RUN_AS\""
			echo "    stop_grace_period: 15s"
			echo "    volumes: [\"./replica-$i:/home/sbft\", \"./genesis.json:/net/genesis.json:ro\"]"
			echo "    networks:"
			echo "      net:"
			echo "        ipv4_address: $(ip_of "$i")"
		done
		echo "  follower:"
		echo "    image: $IMAGE"
		echo "    container_name: $PROJECT-follower"
		echo "    command: [\"follow\", \"--home\", \"/home/sbft\", \"--network\", \"/net/genesis.json\", \"--http\", \"0.0.0.0:8090\"]"
		echo "    user: \"$RUN_AS\""
		echo "    stop_grace_period: 15s"
		echo "    volumes: [\"./follower:/home/sbft\", \"./genesis.json:/net/genesis.json:ro\"]"
		echo "    networks:"
		echo "      net:"
		echo "        ipv4_address: $SUBNET.200"
		if [ "${MONITOR:-0}" = 1 ]; then
			echo "  prometheus:"
			echo "    image: $PROMETHEUS_IMAGE"
			echo "    container_name: $PROJECT-prometheus"
			echo "    stop_grace_period: 15s"
			echo "    tmpfs: [\"/prometheus:uid=65534,gid=65534\"]"
			echo "    volumes: [\"./prometheus.yml:/etc/prometheus/prometheus.yml:ro\"]"
			echo "    networks:"
			echo "      net:"
			echo "        ipv4_address: $SUBNET.5"
		fi
	} >"$DIR/docker-compose.yml"
}

# monitor_setup builds the Prometheus image and writes its scrape config: every replica's HTTP address (from
# its config.toml) and the client node.
monitor_setup() {
	local n=$1 targets=()
	# shellcheck source=prometheus-image.sh
	source scripts/prometheus-image.sh
	prometheus_image "$PROMETHEUS_IMAGE"
	for i in $(seq 0 $((n - 1))); do
		targets+=("$(sed -n 's/^http_addr *= *"\(.*\)"/\1/p' "$DIR/replica-$i/config.toml")")
	done
	prometheus_config --follower "$FOLLOWER_HTTP" "${targets[@]}" >"$DIR/prometheus.yml"
	chmod 0644 "$DIR/prometheus.yml"
}

# in_container HOME ARGS...: runs the image once with only HOME (a directory of $DIR) mounted, as the
# containers' user, on no network.
in_container() {
	local home=$1
	shift
	mkdir -p "$DIR/$home"
	chown "$RUN_AS" "$DIR/$home"
	docker run --rm --network none --user "$RUN_AS" -v "$DIR/$home:/home/sbft" "$IMAGE" "$@" >/dev/null
}

# init_homes: as operators on separate machines do, each replica's container makes its own key in its own
# home (sbft init); only the public parts (public.json) are collected to assemble the genesis, the one file
# every container shares (read-only). No container sees another's home.
init_homes() {
	local n=$1 parts=()
	mkdir -p "$DIR"
	for i in $(seq 0 $((n - 1))); do
		in_container "replica-$i" init --home /home/sbft --listen "/ip4/$(ip_of "$i")/tcp/$BASE_PORT" \
			--listen "/ip4/$(ip_of "$i")/udp/$((BASE_PORT + 1))/quic-v1" --http "$(ip_of "$i"):$((BASE_PORT + 2))" \
			--genesis /net/genesis.json
		parts+=("$DIR/replica-$i/public.json")
	done
	"$BIN" genesis --chain-id "${CHAIN_ID:-sbft-testnet}" --out "$DIR/genesis.json" "${parts[@]}"
	for home in client-0 client-1 follower; do in_container "$home" client init --home /home/sbft; done
	say "$n replicas made their own keys; genesis assembled from their public.json"
}

status_line() {
	local i=$1
	"$BIN" status --home "$DIR/replica-$i" --json --timeout 2s 2>/dev/null |
		python3 -c 'import json,sys; s=json.load(sys.stdin); print("replica %d view %d height %d hash %s root %s stable %d peers %d transfers %d" % (s["replica"], s["view"], s["height"], s["last_block_hash"][:16], s["state_root"][:16], s["last_stable_checkpoint"], s["peers"], s["state_transfers"]))' 2>/dev/null ||
		echo "replica $i unreachable"
}

wait_healthy() {
	local n=$1 deadline=$((SECONDS + 90))
	for i in $(seq 0 $((n - 1))); do
		until "$BIN" status --home "$DIR/replica-$i" --json --timeout 2s 2>/dev/null | grep -q "\"peers\": *$((n - 1))"; do
			if [ $SECONDS -ge $deadline ]; then say "replica $i not healthy"; status_line "$i"; exit 1; fi
			sleep 0.5
		done
	done
	say "all $n replicas up and connected"
}

workload() {
	local keys=${1:-1000}
	say "client container writes $keys keys"
	docker run --rm --network "$NET" --ip "$SUBNET.250" --user "$RUN_AS" -v "$DIR/client-0:/home/sbft" \
		-v "$DIR/genesis.json:/net/genesis.json:ro" "$IMAGE" \
		client fill --home /home/sbft --network /net/genesis.json --count "$keys" --prefix key-
}

follower_line() {
	curl -s --max-time 2 "http://$FOLLOWER_HTTP/status" |
		python3 -c 'import json,sys; s=json.load(sys.stdin); print("follower - - - height %d hash %s root %s lag %d refused %d source %d" % (s["height"], s["last_block_hash"][:16], s["state_root"][:16], s["lag"], s["refused_blocks"], s["source"]))' 2>/dev/null ||
		echo "follower unreachable"
}

check() {
	local n lines
	n=$(count)
	lines=$(for i in $(seq 0 $((n - 1))); do status_line "$i"; done; follower_line)
	echo "$lines"
	if [ "$(echo "$lines" | awk '{print $6, $8, $10}' | sort -u | wc -l)" = 1 ] && ! echo "$lines" | grep -q unreachable; then
		say "all replicas and the client node agree"
	else
		say "replicas do not agree (yet)"
		return 1
	fi
}

case "${1:-}" in
up)
	n=${2:-4}
	[ -e "$DIR" ] && { say "$DIR exists; run down first"; exit 1; }
	build_image
	init_homes "$n"
	if [ "${MONITOR:-0}" = 1 ]; then monitor_setup "$n"; fi
	write_compose "$n"
	compose up -d
	wait_healthy "$n"
	workload "${KEYS:-1000}"
	for _ in $(seq 1 30); do check >/dev/null 2>&1 && break; sleep 1; done
	check
	if [ "${MONITOR:-0}" = 1 ]; then say "Prometheus at http://$PROMETHEUS_HTTP (dashboard: monitoring/grafana/sbft-dashboard.json)"; fi
	;;
down)
	if [ -f "$DIR/docker-compose.yml" ]; then compose down -v --remove-orphans -t 5 || true; fi
	docker network rm "$NET" >/dev/null 2>&1 || true
	docker rmi -f "$IMAGE" "$PROMETHEUS_IMAGE" >/dev/null 2>&1 || true
	rm -rf "$DIR"
	say "removed containers, network $NET, image $IMAGE and $DIR"
	;;
status)
	for i in $(seq 0 $(($(count) - 1))); do status_line "$i"; done
	follower_line
	;;
follower) curl -s --max-time 2 "http://$FOLLOWER_HTTP/status" ;;
prometheus) echo "http://$PROMETHEUS_HTTP" ;;
check) check ;;
stop | kill | start | restart | pause | unpause)
	say "$1 replica $2"
	docker "$1" "$(container "$2")" >/dev/null
	;;
isolate)
	say "isolate replica $2 (disconnect from $NET)"
	docker network disconnect "$NET" "$(container "$2")"
	;;
heal)
	say "heal replica $2 (reconnect to $NET at $(ip_of "$2"))"
	docker network connect --ip "$(ip_of "$2")" "$NET" "$(container "$2")"
	;;
split)
	say "split: {$2} | {$3}"
	for i in $3; do docker network disconnect "$NET" "$(container "$i")"; done
	;;
heal-all)
	for i in $(seq 0 $(($(count) - 1))); do
		docker network connect --ip "$(ip_of "$i")" "$NET" "$(container "$i")" 2>/dev/null && say "healed replica $i" || true
	done
	;;
restart-all)
	say "restart all replicas (and the client node) at once"
	services=(follower)
	for i in $(seq 0 $(($(count) - 1))); do services+=("replica-$i"); done
	compose restart -t 10 "${services[@]}" >/dev/null
	;;
workload) workload "${2:-1000}" ;;
*)
	sed -n '2,27p' "$0"
	exit 2
	;;
esac
