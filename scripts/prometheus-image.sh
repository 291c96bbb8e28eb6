#!/usr/bin/env bash
# The monitoring image: a static Prometheus server in a FROM scratch image (docker/prometheus.Dockerfile), like
# the replica image. No image registry is needed: Prometheus is built from its Go module, pinned in the module
# monitoring/prometheus (its go.mod and go.sum; bump with `go get -tool
# github.com/prometheus/prometheus/cmd/prometheus@VERSION` there, then delete bin/prometheus).
#
#   scripts/prometheus-image.sh IMAGE        build bin/prometheus (only when missing) and the image IMAGE
#   scripts/prometheus-image.sh --binary     build bin/prometheus only (only when missing)
#   scripts/prometheus-image.sh --config [--follower HOST:PORT] HOST:PORT...
#                                            print monitoring/prometheus.yml with these replica targets (job
#                                            sbft) and client node target (job sbft-follower)
#
# Sourced, it only defines prometheus_binary, prometheus_image IMAGE and prometheus_config.
#
# The image runs `prometheus --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/prometheus
# --web.listen-address=0.0.0.0:9090` as uid 65534 (nobody). A container needs the config mounted read-only at
# /etc/prometheus/prometheus.yml (readable by uid 65534) and, optionally, a tmpfs at /prometheus
# (uid=65534,gid=65534 or mode=1777; without one the TSDB is written to the container's own layer). The HTTP
# API (/api/v1/query, /api/v1/targets) answers on port 9090; the web UI's assets are not built in.
#
# Environment: PROMETHEUS_BIN (bin/prometheus, CGO_ENABLED=0, without any service discovery but static, file
# and http: build tag remove_all_sd).
_prom_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROMETHEUS_BIN=${PROMETHEUS_BIN:-$_prom_root/bin/prometheus}

# prometheus_binary builds PROMETHEUS_BIN from the pinned module unless it exists.
prometheus_binary() {
	[ -x "$PROMETHEUS_BIN" ] && return 0
	local out version
	out=$(realpath -m "$PROMETHEUS_BIN")
	mkdir -p "$(dirname "$out")"
	(
		cd "$_prom_root/monitoring/prometheus"
		export GOWORK=off CGO_ENABLED=0
		version=$(go list -m -f '{{.Version}}' github.com/prometheus/prometheus)
		echo "[prometheus-image] building prometheus $version into $out" >&2
		go build -trimpath -tags remove_all_sd \
			-ldflags "-s -w -X github.com/prometheus/common/version.Version=$version" \
			-o "$out.tmp" github.com/prometheus/prometheus/cmd/prometheus
		mv "$out.tmp" "$out"
	)
}

# prometheus_image IMAGE builds the FROM scratch image IMAGE holding PROMETHEUS_BIN.
prometheus_image() {
	local image=$1 ctx
	prometheus_binary
	ctx=$(mktemp -d)
	cp "$PROMETHEUS_BIN" "$ctx/prometheus"
	cp "$_prom_root/docker/prometheus.Dockerfile" "$ctx/Dockerfile"
	mkdir "$ctx/data"
	docker build -q -t "$image" "$ctx" >/dev/null 2>&1 || docker build -t "$image" "$ctx"
	rm -rf "$ctx"
	echo "[prometheus-image] built image $image from $PROMETHEUS_BIN" >&2
}

# prometheus_config [--follower HOST:PORT] HOST:PORT... prints the scrape config with these targets.
prometheus_config() {
	local follower="" replicas=""
	if [ "${1:-}" = --follower ]; then
		follower="\"$2\""
		shift 2
	fi
	for t in "$@"; do replicas+="${replicas:+, }\"$t\""; done
	sed -e "s|targets: \[\] # replicas|targets: [$replicas]|" \
		-e "s|targets: \[\] # client node|targets: [$follower]|" "$_prom_root/monitoring/prometheus.yml"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	case "${1:-}" in
	"" | -h | --help)
		sed -n '2,22p' "$0"
		exit 2
		;;
	--binary) prometheus_binary ;;
	--config)
		shift
		prometheus_config "$@"
		;;
	*) prometheus_image "$1" ;;
	esac
fi
