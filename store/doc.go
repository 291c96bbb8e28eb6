// Package store is the production chain.Store: pebble, opened with OpenPebble on a replica's or client node's
// data directory. The Store and Batch interfaces, the key schema (chain/keys.go) and the in-memory store of
// tests and the simulator (chain.MemStore) stay in package chain; this package exists so that the storage
// engine is linked only by the processes that keep a store (node, cmd/sbft, the simulator), never by the
// client library, the p2p layer, genesis or wire (scripts/lint-deps.sh checks).
//
// Invariants:
//   - Commit(true) returns only once the batch is on disk (pebble.Sync: the write-ahead log is fsynced); callers
//     commit synced everything a replica signed or acknowledged (hard state and consensus log before anything
//     is sent, executed blocks before clients are answered), so a restart never forgets it;
//   - Commit(false) may be lost in a crash but never reordered: the log is one sequence, so a later synced
//     commit makes every earlier one durable too (state transfer syncs only its last block);
//   - a batch is atomic: after a crash either all of its writes are there or none;
//   - behaviour as a chain.Store is chain.MemStore's (pebble_test.go checks the two against each other);
//   - errors of damaged files wrap chain.ErrStoreCorrupt, a second process on one directory gets
//     chain.ErrStoreInUse, each with what the operator does about it; pebble's own fatal errors end the process
//     with one line saying the same, not a stack.
package store
