#!/usr/bin/env bash
# Import rules of the module, each with the reason it exists. Checked on the non-test imports of every package
# (go list .Imports), in every build where tags matter.
#   - consensus/ stays pure: only the standard library (and itself), in every build. Its planted bugs have a
#     switch of their own (consensus/planted*.go) that package mutant sets; mutant stays a leaf.
#   - wire/ (what crosses a process boundary) sits below the network code: it never depends, even indirectly,
#     on node, client, p2p or sync; wire/be, the reader chain uses too, is standard library only.
#   - node does not import client, and client imports neither consensus nor node: both speak the protocol
#     through wire.
#   - the client subcommands of cmd/sbft (files importing client) and e2e get replica addresses from the
#     genesis (genesis.(*Genesis).P2PReplicas), not from node.
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
