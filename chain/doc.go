// Package chain is sbft's deterministic application layer and its persistence: signed client transactions
// with replay protection, the key-value application, hash-chained blocks, the Merkle state root (chain/smt),
// the key schema, and the Store interface everything is kept in (store.go). The production Store, pebble, is
// package store (store.OpenPebble); here is only the in-memory one of tests and the simulator (MemStore), so
// that the client library and the network code, which use chain's types and codecs, never link a storage
// engine.
//
// Invariants (asserted):
//   - Execute is deterministic: replicas that execute the same batches in the same order produce identical
//     blocks, results and state roots;
//   - block heights grow by one and every block's Parent is the hash of the block before it;
//   - the state root in a block's header is the root of the state after executing that block, and the root
//     rebuilt from the store on open equals the last header's;
//   - ExecuteHashed's hashes are TxHash of its transactions, in order (the caller hashed them once: results,
//     the verified lookup and TxRoot use them): their count and one of them a block are checked.
//
// State: a KV key k is stored under KeyKV(sha256(0x01||k)) and is the SMT leaf of that hash with value hash
// sha256(version||value); a client's nonce state is stored under KeyNonce(pub) and is the SMT leaf
// sha256(0x02||pub) with value hash sha256(encoded state). keys.go is the whole project's key schema.
package chain
