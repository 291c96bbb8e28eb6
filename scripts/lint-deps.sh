#!/usr/bin/env bash
# consensus/ must stay pure: only the standard library (and itself) may be imported by non-test code, in every
# build. Its planted bugs have a switch of their own (consensus/planted*.go) that package mutant sets.
set -euo pipefail
mod=$(awk '/^module /{print $2; exit}' go.mod)
for tags in "" mutants; do
	bad=$(go list -tags "$tags" -f '{{join .Imports "\n"}}' ./consensus/... | grep -E '^[^/]+\.[^/]+/' | grep -v "^$mod/consensus" || true)
	if [ -n "$bad" ]; then
		echo "consensus imports outside the standard library (tags '$tags'): $bad" >&2
		exit 1
	fi
	# mutant stays a leaf: the standard library, and the core whose switch it sets.
	leak=$(go list -tags "$tags" -f '{{join .Imports "\n"}}' ./mutant | grep -E '^[^/]+\.[^/]+/' | grep -vx "$mod/consensus" || true)
	if [ -n "$leak" ]; then
		echo "mutant imports outside the standard library and consensus (tags '$tags'): $leak" >&2
		exit 1
	fi
done
