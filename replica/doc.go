// Package replica is the replica driver: it carries out the consensus core's Ready (ready.go: persist, send,
// hand BLS work to the crypto workers, execute and commit the committed batches, advance), verifies what peers
// send before the core sees it (verify.go), answers clients (replies.go: plain replies to the clients waiting
// in waiters.go, execution proofs in execproof.go), keeps the execution certificates of recent blocks
// (certified.go), installs state transfers (install.go) and keeps the signed mark (mark.go).
//
// Invariants (asserted, assert.go):
//   - a client waiting for a transaction gets its plain reply at most once, with the transaction's first
//     result: when a transaction executes again (ordered twice, refused as a replay) nobody waits for it, and
//     a late copy is answered from the result cache;
//   - at most WaitersMax clients wait for results, and the count held against that bound is the number of
//     waiters kept;
//   - the result cache and the sets of verified hashes hold at most their bounds (limits.go), oldest out first.
package replica
