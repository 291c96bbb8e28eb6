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
#     wire a process keeping a store (node, cmd/sbft, the simulator; replica, clientnode and sim are the
#     packages node is being split into): a client library, the transport, genesis, wire, chain and sync must
#     not carry a storage engine. Only store imports pebble itself, so its API stays in one package.
#   - genesis reaches no p2p package: it is a file format and keys, and speaks libp2p's core types.
#   - p2p carries frames without reading them: of wire it reaches only leaves (wire/proto, wire/be) that reach
#     neither chain nor consensus; wire/proto imports only the standard library and wire/be.
set -euo pipefail
mod=$(awk '/^module /{print $2; exit}' go.mod)
fail=0
violation() {
	echo "lint-deps: $*" >&2
	fail=1
}

for tags in "" mutants; do
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
for pkg in node client p2p sync; do
	if go list -deps ./wire/... | grep -qx "$mod/$pkg"; then
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
	if go list -tags "$tags" -deps ./genesis | grep -qE "^$mod/p2p(/|$)"; then
		violation "genesis depends on p2p (tags '$tags'): give peer IDs and multiaddrs as libp2p core types"
	fi
	# p2p reaches only wire leaves that reach neither chain nor consensus.
	for w in $(go list -tags "$tags" -deps ./p2p | grep -E "^$mod/wire(/|$)"); do
		if go list -tags "$tags" -deps "$w" | grep -qE "^$mod/(chain|consensus)(/|$)"; then
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
	if go list -f '{{join .Imports "\n"}}' "./$1" | grep -qx "$mod/$2"; then
		violation "$1 imports $2: $3"
	fi
}
forbid node client "wire types (Reply, Reject, ExecProof, ...) come from package wire"
forbid client consensus "signing domains and limits come from package wire"
forbid client node "replica addresses come from genesis, protocol frames from wire"

# Client subcommands and e2e learn replica addresses from the genesis.
for f in cmd/sbft/*.go; do
	if grep -q "\"$mod/client\"" "$f" && grep -q "\"$mod/node\"" "$f"; then
		violation "$f is a client subcommand and imports node: use genesis and wire"
	fi
done
if grep -n 'node\.P2PReplicas' cmd/sbft/*.go e2e/*.go; then
	violation "replica addresses come from genesis.(*Genesis).P2PReplicas, not node"
fi

exit $fail
