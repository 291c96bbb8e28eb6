// Package clientnode is the client node (`sbft follow`): a process that holds an identical, verified copy of
// the replicated state outside the replica set. It votes on nothing and trusts no single replica: it takes every committed block from one replica's
// subscription, checks the block's commit certificate against the genesis keys, executes it with the same
// application code and keeps it only if that reproduces the block sent (same hash: same parent, same state
// root). A replica that sends a forged or out-of-order block, or withholds blocks the network has certified, is
// dropped for a while and the node follows another. Far behind, it catches up by the parallel multi-replica
// fetch of state transfer. Its store has the replica's durability rules (synced writes). It serves proven reads
// at the highest height it executed whose execution certificate it holds, and a stream of blocks and updates.
//
// Files: clientnode.go (start-up, status, proven reads), follow.go (choosing a source, applying blocks,
// catching up), http.go (GET /status, /kv/KEY, /blocks, /metrics). One name everywhere: "client node"; its
// metrics keep their published names (sbft_follower_*).
package clientnode
