#!/usr/bin/env bash
# Import rules of the module, each with the reason it exists. Checked on the non-test imports of every package
# (go list .Imports) or, where a rule says reach or link, on all it builds with (.Deps), in every build where
# tags matter.
#   - consensus/ stays pure: only the standard library (and itself), in every build. Its planted bugs have a
#     switch of their own (consensus/planted*.go) that package mutant sets; mutant stays a leaf.
#   - wire/ (what crosses a process boundary) sits below the network code: it never depends, even indirectly,
#     on node, client, p2p or sync; wire/be, the reader chain uses too, is standard library only.
#   - node does not import client, and client imports neither consensus nor node: both speak the protocol
#     through wire.
#   - the client subcommands of cmd/sbft (files importing client) and e2e get replica addresses from the
#     genesis (genesis.(*Genesis).P2PReplicas), not from node.
#   - the storage engine (pebble) is linked only by the package that wraps it (store) and the packages that
#     wire a process keeping a store (node, cmd/sbft, clientnode, and the simulator through clientnode): a
#     client library, the replica driver, the transport, genesis, wire, chain and sync must
#     not carry a storage engine. Only store imports pebble itself, so its API stays in one package.
#   - genesis reaches no p2p package: it is a file format and keys, and speaks libp2p's core types.
#   - p2p carries frames without reading them: of wire it reaches only leaves (wire/proto, wire/be) that reach
#     neither chain nor consensus; wire/proto imports only the standard library and wire/be.
#   - the rooms of a replica process stay apart: replica (the driver) reaches no process wiring (node,
#     clientnode), the simulator, the client library or the storage engine; sync reaches none of them; node
#     reaches neither clientnode nor the simulator; sim/check reaches only what it checks through its observer.
#   - the production binary (cmd/sbft, no tags) carries no test machinery: not the simulator (cmd/sbft-sim has it)
#     with its adversaries and porcupine, no byzantine mode (tag byzantine: node/byzantine_on.go), no planted-bug
#     switch (tag mutants). Checked on its dependencies and on the symbols of the built binary, which also catch
#     such code moved into a production package; a build with both tags shows the patterns still find it.
set -euo pipefail
# Under pipefail `cmd | grep -q` can fail on a match (grep exits, cmd dies writing): grep what was captured.
mod=$(awk '/^module /{print $2; exit}' go.mod)
fail=0
violation() {
	echo "lint-deps: $*" >&2
	fail=1
}

for tags in "" mutants byzantine; do
	bad=$(go list -tags "$tags" -f '{{join .Imports "\n"}}' ./consensus/... | grep -E '^[^/]+\.[^/]+/' | grep -v "^$mod/consensus" || true)
	if [ -n "$bad" ]; then
		violation "consensus imports outside the standard library (tags '$tags'): $bad"
	fi
	# mutant stays a leaf: the standard library, and the core whose switch it sets.
	leak=$(go list -tags "$tags" -f '{{join .Imports "\n"}}' ./mutant | grep -E '^[^/]+\.[^/]+/' | grep -vx "$mod/consensus" || true)
	if [ -n "$leak" ]; then
		violation "mutant imports outside the standard library and consensus (tags '$tags'): $leak"
	fi
done

# wire never reaches the network code, directly or through another package.
wiredeps=$(go list -deps ./wire/...)
for pkg in node client p2p sync; do
	if grep -qx "$mod/$pkg" <<<"$wiredeps"; then
		violation "wire depends on $mod/$pkg (wire must stay below the network code; move the code into wire or the caller)"
	fi
done
be=$(go list -f '{{join .Imports "\n"}}' ./wire/be | grep -E '^[^/]+\.[^/]+/' || true)
if [ -n "$be" ]; then
	violation "wire/be imports outside the standard library: $be (chain uses it; it must stay a leaf)"
fi

# pebble: linked only where a store is opened, imported only by store.
pebble=github.com/cockroachdb/pebble
storage_linkers="store node cmd/sbft clientnode sim cmd/sbft-sim" # the simulator links it only through clientnode
may_link_storage() {
	local p
	for p in $storage_linkers; do
		[ "$p" = "$1" ] && return 0
	done
	return 1
}
for tags in "" mutants; do
	for pkg in $(go list -tags "$tags" -f '{{.ImportPath}} {{join .Deps " "}}' ./... | grep " $pebble" | cut -d' ' -f1); do
		rel=${pkg#"$mod"/}
		if ! may_link_storage "$rel"; then
			violation "$rel links pebble (tags '$tags'): only store and the packages wiring a process that keeps a store may ($storage_linkers); take chain.Store, not store"
		fi
	done
	direct=$(go list -tags "$tags" -f '{{.ImportPath}} {{join .Imports " "}}' ./... | grep " $pebble" | cut -d' ' -f1 | grep -vx "$mod/store" || true)
	if [ -n "$direct" ]; then
		violation "imports pebble outside store (tags '$tags'): $direct"
	fi
done

for tags in "" mutants; do
	# genesis sits below the network code.
	deps=$(go list -tags "$tags" -deps ./genesis)
	if grep -qE "^$mod/p2p(/|$)" <<<"$deps"; then
		violation "genesis depends on p2p (tags '$tags'): give peer IDs and multiaddrs as libp2p core types"
	fi
	# p2p reaches only wire leaves that reach neither chain nor consensus.
	for w in $(go list -tags "$tags" -deps ./p2p | grep -E "^$mod/wire(/|$)"); do
		deps=$(go list -tags "$tags" -deps "$w")
		if grep -qE "^$mod/(chain|consensus)(/|$)" <<<"$deps"; then
			violation "p2p depends on ${w#"$mod"/}, which reaches chain or consensus (tags '$tags'): protocol IDs, topics and transport bounds belong in wire/proto"
		fi
	done
done
proto=$(go list -f '{{join .Imports "\n"}}' ./wire/proto | grep -E '^[^/]+\.[^/]+/' | grep -vx "$mod/wire/be" || true)
if [ -n "$proto" ]; then
	violation "wire/proto imports outside the standard library and wire/be: $proto (p2p uses it; it must stay a leaf)"
fi

# direct imports: forbidden <importer> <imported> <why>
forbid() {
	if grep -qx "$mod/$2" <<<"$(go list -f '{{join .Imports "\n"}}' "./$1")"; then
		violation "$1 imports $2: $3"
	fi
}
forbid node client "wire types (Reply, Reject, ExecProof, ...) come from package wire"
forbid client consensus "signing domains and limits come from package wire"
forbid client node "replica addresses come from genesis, protocol frames from wire"

# The rooms of a replica process, reached even indirectly: forbid_reach <package> <reached> <why>
forbid_reach() {
	if grep -qE "^$mod/$2(/|$)" <<<"$(go list -deps "./$1")"; then
		violation "$1 reaches $2: $3"
	fi
}
for room in node clientnode sim store client; do
	forbid_reach replica "$room" "the replica driver is driven by a process or the simulator, never the other way; it takes a chain.Store"
done
for room in node sim; do
	forbid_reach clientnode "$room" "a client node is its own process: it shares the driver's verifier and sync, not the replica's wiring"
done
for room in replica node clientnode sim; do
	forbid_reach sync "$room" "state transfer serves, fetches and installs for whoever calls it"
done
for room in clientnode sim; do
	forbid_reach node "$room" "node wires a replica process only"
done
for room in replica node client clientnode sync store sim/adversary; do
	forbid_reach sim/check "$room" "the checkers see a run only through check.Observer, so a bug in the code they check cannot blind them"
done

# Client subcommands and e2e learn replica addresses from the genesis.
for f in cmd/sbft/*.go; do
	if grep -q "\"$mod/client\"" "$f" && grep -q "\"$mod/node\"" "$f"; then
		violation "$f is a client subcommand and imports node: use genesis and wire"
	fi
done
if grep -n 'node\.P2PReplicas' cmd/sbft/*.go e2e/*.go; then
	violation "replica addresses come from genesis.(*Genesis).P2PReplicas, not node"
fi

# The production binary, by packages: each rule is <package regexp> <why>.
deps=$(go list -deps ./cmd/sbft)
nodeps() {
	if grep -E "^$1(/|\$)" <<<"$deps"; then
		violation "cmd/sbft depends on $1: $2"
	fi
}
nodeps "$mod/sim" "the simulator is cmd/sbft-sim's, never the replica binary's"
nodeps "$mod/node/byzantine" "byzantine modes exist only with the tag byzantine (node/byzantine_on.go)"
nodeps github.com/anishathalye/porcupine "the simulator's linearizability checker"
if ! grep -qx "$mod/node/byzantine" <<<"$(go list -tags byzantine -deps ./cmd/sbft)"; then
	violation "the tag byzantine no longer brings node/byzantine into cmd/sbft: its rule above proves nothing"
fi

# The production binary, by symbols (built without -s so that it has them). Each rule: <why>|<regexp over
# `go tool nm` lines>; the symbols of the tags' code must never reach it, through any package.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/sbft" ./cmd/sbft
go build -tags "byzantine mutants" -o "$tmp/sbft-tags" ./cmd/sbft
go tool nm "$tmp/sbft" >"$tmp/sbft.nm"
go tool nm "$tmp/sbft-tags" >"$tmp/sbft-tags.nm"
rules=(
	"the simulator or its adversaries (cmd/sbft-sim)|$mod/sim[./]|[Aa]dversar"
	"porcupine (the simulator's linearizability checker)|porcupine"
	"a byzantine mode (tag byzantine only)|[Bb]yzantin"
	"a planted-bug switch (tag mutants only)|$mod/mutant\\.|$mod/consensus\\.[Pp]lant"
)
for rule in "${rules[@]}"; do
	why=${rule%%|*} re=${rule#*|}
	if hits=$(grep -m 5 -E "$re" "$tmp/sbft.nm"); then
		violation "the sbft binary holds $why:"$'\n'"$hits"
	fi
done
# Control: in a build with both tags the byzantine and planted-bug rules must find their symbols, or a renamed
# symbol would let them pass unseen.
for rule in "${rules[@]:2}"; do
	if ! grep -qE "${rule#*|}" "$tmp/sbft-tags.nm"; then
		violation "the rule for ${rule%%|*} finds nothing in a build with the tags byzantine mutants: fix its pattern"
	fi
done

exit $fail
