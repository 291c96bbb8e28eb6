#!/usr/bin/env python3
"""Communication per committed block of a real network, from its replicas' metrics.

Reads replica-*.metrics (Prometheus text, as scripts/bench.sh saves them beside its results) and prints one
markdown row like scripts/comm-table.sh's: n, blocks, bytes per block sent by the primary, a collector (its
collector frames), a backup (each non-primary replica's other frames), all replicas. The roles are the replicas'
own (sbft_peer_bytes_total{direction="sent",role=...}); blocks are the highest sbft_blocks_total.

    scripts/comm-metrics.py bench-results/DATE-TIME
"""
import glob
import re
import sys

LINE = re.compile(r'^sbft_peer_bytes_total\{([^}]*)\} ([0-9.e+]+)$')
BLOCKS = re.compile(r'^sbft_blocks_total(?:\{[^}]*\})? ([0-9.e+]+)$')


def main(folder):
    files = sorted(glob.glob(folder + "/replica-*.metrics"))
    if not files:
        sys.exit("no replica-*.metrics in " + folder)
    n, blocks, sent = len(files), 0.0, {"primary": 0.0, "collector": 0.0, "backup": 0.0}
    for path in files:
        for line in open(path):
            m = BLOCKS.match(line)
            if m:
                blocks = max(blocks, float(m.group(1)))
            m = LINE.match(line)
            if m:
                labels = dict(kv.split("=", 1) for kv in m.group(1).split(","))
                labels = {k: v.strip('"') for k, v in labels.items()}
                if labels.get("direction") == "sent":
                    sent[labels["role"]] += float(m.group(2))
    if blocks == 0:
        sys.exit("no block committed")
    collectors = 1  # c = 0: one collector per sequence number
    total = sum(sent.values())
    print("| %d | %d | %.0f | %.0f | %.0f | %.0f |" % (n, blocks, sent["primary"] / blocks,
          sent["collector"] / (blocks * collectors), sent["backup"] / (blocks * (n - 1)), total / blocks))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
