// Package sync is catch-up by state transfer: a replica that fell behind the last stable checkpoint fetches
// the missing blocks from several replicas at once and executes them.
//
// The Planner is pure (no clock, goroutines or I/O): it splits the missing range into chunks, assigns them to
// sources by measured rate with a bounded number of requests in flight per source, verifies arrivals against
// the hash chain backwards from the checkpoint's trusted last block (a block is accepted once the block above
// it names its hash as parent and its transactions match its header), buffers out-of-order arrivals within a
// bound, and hands the chunks of sources that time out or lie to the others. Fetcher runs a planner over a
// BlockSource (the node's libp2p request/response protocol, or a test's in-memory one).
//
// Invariants (asserted, assert.go): a block is returned only if it is on the hash chain that ends at the
// target; at most BufferBlocksMax blocks are held unverified; at most InFlightPerSource requests are
// outstanding per source.
package sync
