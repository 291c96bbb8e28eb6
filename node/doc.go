// Package node wires one replica process together, and does nothing else of its own: the store, the replica
// driver (package replica) and its loop goroutine, the libp2p host (package p2p) and the services around the
// driver, each of which registers its own protocols on the host:
//
//   - intake.go: client transaction sessions, with per-peer budgets (peerbudget.go) and batched signature
//     checks off the loop;
//   - reads.go: proven reads and heads for clients and client nodes;
//   - subscribe.go: block subscriptions for client nodes;
//   - announce.go: checkpoint announcements over gossipsub (publish this replica's, validate and hand on the
//     others') and the checkpoint protocol;
//   - transfer.go: state transfer (package sync) when the core says catch-up cannot close the gap, fetched on
//     its own goroutine and installed on the loop; sync also serves the blocks protocol;
//   - identity.go: the alarm for another process using this replica's key;
//   - api.go: the HTTP status, health and metrics endpoints.
//
// config.go and configfile.go are the replica's config.toml.
//
// What the replica sends, takes in and serves passes through its seams (node.go), wired honest. Only a test
// build (tag byzantine) decorates them with a misbehaviour of package node/byzantine, in one hook
// (byzantine_on.go); the production build has no byzantine code, which scripts/lint-deps.sh checks on the
// binary's symbols.
package node
