#!/usr/bin/env bash
# consensus/ must stay pure: only the standard library (and itself) may be imported by non-test code.
set -euo pipefail
mod=$(awk '/^module /{print $2; exit}' go.mod)
bad=$(go list -f '{{join .Imports "\n"}}' ./consensus/... | grep -E '^[^/]+\.[^/]+/' | grep -v "^$mod/consensus" || true)
if [ -n "$bad" ]; then
	echo "consensus imports outside the standard library: $bad" >&2
	exit 1
fi
