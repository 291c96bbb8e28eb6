// Package node wires a replica together: the pebble store and the KV application (chain), the consensus core,
// the libp2p host (p2p), the client transaction protocol and the HTTP status/metrics API.
//
// The replica.Driver owns the consensus core and the application and is driven by one goroutine, the loop (node.go;
// in the simulator, the simulation loop). Each round it handles queued events (verified messages, admitted
// client transactions, ticks, answers of the crypto workers), then carries out the core's Ready (ready.go) in
// the order consensus/doc.go gives field by field:
//
//   - persist: hard state and consensus log records in one synced pebble batch, before anything is sent, so a
//     restarted replica cannot sign two different things for one slot;
//   - send: messages to the transport (bounded per-peer queues, never blocking the driver);
//   - crypto: the core's BLS requests (shares to sign, shares to combine) go to the crypto workers
//     (crypto.go), which run them on other cores; their answers come back to the loop as completions that
//     step the core with local messages. The simulator has no workers: it runs them in order, deterministic;
//   - apply: committed batches executed in order; blocks, state, certificates in one synced batch; then the
//     replies component (replies.go: waiters, result cache, execution proofs in execproof.go) answers the
//     waiting clients;
//   - advance: the core learns what was executed and the state digests of the checkpoints reached.
//
// Message signatures, batch digests, certificates and client signatures are verified before the driver sees
// them, on the transport's reader goroutines (in parallel across peers and clients).
//
// Around the driver the Node runs: checkpoint announcements over gossipsub (announce.go: publish this
// replica's, validate and hand on the others'); the checkpoint and blocks request/response protocols; state
// transfer (statesync.go: when the core's Ready says catch-up cannot close the gap, fetch blocks with package sync
// on a separate goroutine, then execute them on the driver's goroutine and restart the core at the
// checkpoint).
//
// Each service registers the protocols it answers (registerProtocols in node.go calls them): intake.go the
// client transaction sessions, subscribe.go block subscriptions, announce.go the checkpoint gossip and proof,
// reads.go proven reads and the certified head, transfer.go the blocks of state transfer, api.go the genesis.
//
// What the replica sends, takes in and serves passes through its seams (node.go), wired honest. Only a test
// build (tag byzantine) decorates them with a misbehaviour of package node/byzantine, in one hook
// (byzantine_on.go); the production build has no byzantine code, which scripts/lint-deps.sh checks on the
// binary's symbols.
package node
