// Package sim is the deterministic simulator: n replicas running the real replica driver (package replica), consensus core, chain
// execution and store code (a MemStore), plus honest clients, on a simulated clock and network, all derived from
// one 64-bit seed. The same seed gives the same trace (Result.Trace). Swarm runs seeds on every core and
// reports them in seed order.
//
// A run has a safety phase with faults drawn from the seed (message delay, loss, duplication and reordering;
// crashes, restarts and partitions; byzantine replicas; never more than f faulty replicas at a time) and a
// liveness phase that heals the network and requires every submitted transaction to be acknowledged and every
// replica to converge. Byzantine replicas stay byzantine.
//
// Adversaries (adversary.go): single byzantine replicas that are silent, corrupt signatures, send garbage,
// replay, equivocate or censor; and, in a third of the runs, a coalition of f colluding replicas (coalition.go)
// that tries to break safety: it equivocates as primary, combines certificates from every share any member
// receives and sends them one share short of the quorum, races the primary with PrePrepares of its own, reports
// stale prepare certificates and hides commit certificates in ViewChanges, sends NewViews one ViewChange short,
// forges checkpoints, serves self-consistent forged chains in state transfer, replays genuine certificates over
// other batches, reports stable checkpoints of f+1 signers, sends NewViews with a ViewChange twice or forged
// (coalition_certs.go), answers clients with lying replies and forged execution proofs (coalition_proofs.go),
// and serves a client node self-consistent blocks of other batches under real certificates
// (coalition_follower.go). Half of the coalitions follow the withholding strategy (withhold.go), which also
// commands the network's delays to attack the new-view rule.
//
// Clients acknowledge a transaction by the client library's code: f+1 matching committed replies
// (client.Tally) or one proven reply whose execution proof their client.ProofVerifier accepts; a correct
// replica's proof that a client rejects is a violation. In runs with a coalition a client node (follower.go)
// keeps blocks by node.AcceptBlock, the production client node's rule.
//
// Safety checkers, independent of the code they check (a planted bug weakens the replica's rules, never these):
//   - agreement: no two correct replicas (nor one before and after a restart or a state transfer) hold
//     different blocks at one height, nor the client node another block than theirs;
//   - linearizability: the client-observed history on shared keys is linearizable, no transaction executes
//     twice or without a client having sent it, every acknowledged write is in every converged replica's state;
//   - certificate validity (certcheck.go): every certificate a correct replica sends or executes a block on has
//     the protocol's quorum and a valid aggregate signature, correct replicas sign shares only for batches the
//     view's primary proposed or a valid NewView selects (the new-view rule recomputed here), and a correct
//     primary's NewView carries 2f+2c+1 ViewChanges;
//   - state equality (statecheck.go): a correct replica's state root is the root, computed here from the spec,
//     of the state it holds.
//
// Planted bugs (package mutant, build tag mutants): HuntMutant runs the swarm against one until a safety checker
// fires; `sbft-sim mutants` and `make mutants` hunt them all.
//
// Replicas checkpoint every CheckpointIntervalDefault (10) sequence numbers unless Options.CheckpointInterval
// says otherwise, so runs reach stable checkpoints, prune their logs and move their windows (two intervals),
// and a replica that falls a window behind needs a state transfer. Production keeps the genesis default of 150.
package sim
