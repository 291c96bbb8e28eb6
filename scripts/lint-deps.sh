#!/usr/bin/env bash
# consensus/ must stay pure: only the standard library (and itself) may be imported by non-test code, plus the
# planted-bug switches of package mutant (stdlib-only, constant false without the mutants build tag).
set -euo pipefail
mod=$(awk '/^module /{print $2; exit}' go.mod)
bad=$(go list -f '{{join .Imports "\n"}}' ./consensus/... | grep -E '^[^/]+\.[^/]+/' | grep -v "^$mod/consensus" | grep -vx "$mod/mutant" || true)
if [ -n "$bad" ]; then
	echo "consensus imports outside the standard library: $bad" >&2
	exit 1
fi
# mutant must stay a leaf of the standard library, in both builds.
for tags in "" mutants; do
	leak=$(go list -tags "$tags" -f '{{join .Imports "\n"}}' ./mutant | grep -E '^[^/]+\.[^/]+/' || true)
	if [ -n "$leak" ]; then
		echo "mutant imports outside the standard library: $leak" >&2
		exit 1
	fi
done
