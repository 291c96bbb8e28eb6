// Package genesis defines a network's genesis file (chain ID, fault threshold and the replica set with peer
// IDs, public keys and multiaddrs) and the replicas' and clients' key files, and derives from it the p2p
// allowlist of replica addresses (P2PReplicas) that replicas, clients and tests dial.
//
// Dependencies: genesis sits below the network code. It is a file format and keys, and what reads one (the
// operator commands, tools, tests) should not link the libp2p host for it; so it speaks libp2p's core types
// (peer.ID, peer.AddrInfo, multiaddrs), which p2p takes as they are, and imports no p2p package
// (scripts/lint-deps.sh checks).
//
// Invariants: a valid genesis has n = len(Replicas) >= 3f+1 replicas, indexes 0..n-1 in order, and each
// replica's peer ID is the one derived from its Ed25519 public key, so the libp2p allowlist and the consensus
// signature keys can never disagree. An empty replica set is invalid (never fail-open).
package genesis
