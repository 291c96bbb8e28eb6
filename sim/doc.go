// Package sim is the deterministic simulator: n replicas running the real replica driver (package replica),
// consensus core, chain execution and store code (a MemStore), plus honest clients and a client node, on a
// simulated clock and network, all derived from one 64-bit seed. The same seed gives the same trace
// (Result.Trace). Swarm runs seeds on every core and reports them in seed order; HuntMutant hunts a planted bug
// with it.
//
// The simulator is three packages:
//   - sim (this one): the world (world.go: replicas, keys, setup, boot), the network (network.go: delay, loss,
//     duplication, reordering, partitions, crashes, the scripted outage), the phases of a run (phases.go), the
//     simulated clients (client.go, reads.go), the client node (follower.go), state transfer (statesync.go),
//     the swarm (swarm.go) and the planted-bug hunt (mutants.go);
//   - sim/adversary: the byzantine replicas, single roles and the coalition of f colluders that tries to win;
//     each decorates its replica's transport, input and what it serves others;
//   - sim/check: the safety and liveness checkers, which see the run only through check.Observer.
//
// A run has a safety phase with faults drawn from the seed (message delay, loss, duplication and reordering;
// crashes, restarts and partitions; byzantine replicas; never more than f faulty replicas at a time) and a
// liveness phase that heals the network and requires every submitted transaction's outcome to be learned and
// every replica to converge. Byzantine replicas stay byzantine. In a third of the runs the byzantine replicas are a
// coalition (half of them withholding); in the others each has a role of its own.
//
// Clients send and decide by the client library's code (client.Route): a raw Submit frame through the
// replica's intake check (replica.IntakeChecker, the node's), to the primary as the last BlockReply named it,
// to every replica on a refusal, a failure, an unproven reply or resendTicks without an answer; decided on one
// proven result their client.ProofVerifier accepts (BlockReply or proven reply) or f+1 matching plain replies
// (client.Tally). A call undecided after its deadline in ticks, or busy, ends with an unknown outcome: the
// checkers take it as maybe executed, and the client submits the same signed transaction again until it learns
// the outcome (outcomes.go). A failure or refusal is a promise the checkers hold it to. A correct replica's
// proof (or proven read) that a client rejects is a violation. In runs with a coalition a client node
// (follower.go) keeps blocks by clientnode.AcceptBlock, the production client node's rule.
//
// Invariants:
//   - determinism: every random draw comes from the run's one generator (the adversaries draw from it too,
//     when the world calls them), in an order fixed by the seed; maps are never iterated where the order
//     could reach the trace, the network or a draw;
//   - the world reports to the checkers everything they judge, and nothing of what it reports depends on them;
//     its own violations (a replica that fails or cannot restart, a correct replica's message the verifier
//     refuses, a correct source blamed in state transfer, a correct proof a client refuses, a panic) are not
//     safety violations and catch no planted bug;
//   - faults: byzantine, crashed and cut-off replicas are never more than f at a time.
//
// Planted bugs (package mutant, build tag mutants): HuntMutant runs the swarm against one until a safety checker
// fires; `sbft-sim mutants` and `make mutants` hunt them all.
//
// Replicas checkpoint every CheckpointIntervalDefault (10) sequence numbers unless Options.CheckpointInterval
// says otherwise, so runs reach stable checkpoints, prune their logs and move their windows (two intervals),
// and a replica that falls a window behind needs a state transfer. Production keeps the genesis default of 150.
package sim
