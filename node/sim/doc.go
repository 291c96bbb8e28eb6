// Package sim is the deterministic simulator: n replicas running the real node Driver, consensus core, chain
// execution and store code (a MemStore), plus honest clients, on a simulated clock and network, all derived from
// one 64-bit seed. The same seed gives the same trace (Result.Trace).
//
// A run has a safety phase with faults drawn from the seed (message delay, loss, duplication and reordering;
// crashes and restarts of at most f replicas at a time) and a liveness phase that heals everything and requires
// every submitted transaction to be acknowledged and every replica to converge.
//
// Checkers: no two replicas (nor one replica before and after a restart) hold different blocks at one height;
// equal heights have equal state roots (part of the block hash); a transaction executes at most once; every
// acknowledged write is in every replica's final state.
//
// Replicas checkpoint every CheckpointIntervalDefault (10) sequence numbers unless Options.CheckpointInterval
// says otherwise, so runs reach stable checkpoints, prune their logs and move their windows (two intervals),
// and a replica that falls a window behind needs a state transfer. Production keeps the genesis default of 150.
package sim
