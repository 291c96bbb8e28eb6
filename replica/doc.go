// Package replica is the replica driver: it owns one consensus core (package consensus) and the KV application
// (package chain) on a store, carries out every Ready the core emits, and answers clients. It opens no network
// connection and starts no goroutine of its own apart from the crypto workers it is given: a replica process
// (package node) or the simulator (package sim) feeds it events and hands it a Transport.
//
// The Driver is driven by one goroutine, the loop. Each round it handles queued events (verified messages,
// admitted client transactions, ticks, answers of the crypto workers), then carries out the core's Ready
// (ready.go) in the order consensus/doc.go gives field by field:
//
//   - persist: hard state and consensus log records in one synced batch, before anything is sent, so a
//     restarted replica cannot sign two different things for one slot; then the signed mark (mark.go) beside
//     the store, so a store that lost a synced write is refused at start (ErrRolledBack);
//   - send: forwarded client requests (framed and signed here), messages, and this replica's checkpoint
//     shares (to the Announcer, gossipsub in a process, when there is one) to the Transport (bounded per-peer
//     queues, never blocking the driver);
//   - crypto: the core's BLS requests (shares to sign, shares to combine) go to the crypto workers
//     (crypto.go), whose answers come back to the loop as completions that step the core. Without workers
//     (the simulator) they run in order on the loop: deterministic;
//   - apply: committed batches executed in order; blocks, state and certificates in one synced batch; then the
//     replies (replies.go: waiters and the result cache) hand the waiting clients to the block's execution
//     certificate (execproof.go: shares to the collector, the primary; certified.go: the certificate to every
//     replica), and each client session gets one BlockReply per block once it comes (proofreplies.go), or
//     plain replies after ExecProofWait;
//   - advance: the core learns what was executed and the state digests of the checkpoints reached;
//   - soft state, when the Ready carries it: whether intake may take transactions, and the view changes,
//     complaints and checkpoint divergences to log. Process reports whether the Ready asked for a state
//     transfer.
//
// Verifier (verify.go) checks message signatures, batch digests, certificates and client signatures before
// the driver sees them, on the caller's goroutines (in parallel across peers and clients). A state transfer
// fetched by package sync is installed on the loop (install.go) and restarts the core at the checkpoint.
//
// Invariants: nothing is sent before the write that covers it is synced (the order of Process). Asserted
// (assert.go):
//   - a client waiting for a transaction is answered at most once, with the transaction's first result: when a
//     transaction executes again (ordered twice, refused as a replay) nobody waits for it, and a late copy is
//     answered from the result cache;
//   - at most WaitersMax clients wait for results, and the count held against that bound is the number of
//     waiters kept;
//   - the result cache and the sets of verified hashes hold at most their bounds (limits.go), oldest out first
//     (a set of verified hashes drops the older generation of a shard at once);
//   - a transaction is hashed once on each path into a batch (intake, or the verifier for a peer's message),
//     and execution takes those hashes as they are (a committed batch's ReqDigests: chain.ExecuteHashed), so
//     each must be the hash of exactly its bytes. The verifier computes them from the bytes and checks them
//     against the batch digest the certificate signs; the intake and the core pass them on untouched.
//     chain asserts the count and one hash per block.
package replica
