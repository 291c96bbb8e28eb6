// Package adversary holds the simulator's byzantine replicas. Each runs the real replica driver (package
// replica) and store; its Adversary decorates what the driver sends (Transport), what it takes in (Input) and
// what the replica serves others (ServeBlock, ForgeTransfer, ProvenReads).
//
// Roles (roles.go): a byzantine replica is silent, corrupts signatures, sends garbage, replays, equivocates or,
// as primary, censors a client (the node's test-only byzantine mode, byzantine.Mode); or it is one of a
// Coalition of f colluding replicas (coalition.go) that tries to break safety: it equivocates as primary,
// combines certificates from every share any member receives and sends them one share short of the quorum,
// races the primary with PrePrepares of its own, reports stale prepare certificates and hides commit
// certificates in ViewChanges, sends NewViews one ViewChange short, forges checkpoints, serves self-consistent
// forged chains in state transfer (serve.go), replays genuine certificates over other batches, reports stable
// checkpoints of f+1 signers, sends NewViews with a ViewChange twice or forged (coalition_certs.go), answers
// clients with lying replies and forged execution proofs (coalition_proofs.go) and proven reads with forged
// values (coalition_reads.go), and serves a client node self-consistent blocks of other batches under real
// certificates (coalition_follower.go). A withholding coalition (withhold.go) also commands the network's delays
// (Coalition.Delay) to attack the new-view rule.
//
// What an adversary sees of the world is narrow: its own replica's keys (Keys) and node (Node: its executed
// state, its proven reads, its stored blocks), the transactions clients send it and the replies its driver makes,
// and, for the coalition, everything its members receive, the clock and the wire (Network). It never reads a
// correct replica's state.
//
// Invariants:
//   - it signs only with the keys of byzantine replicas (and made-up clients' keys of its own, for made-up
//     blocks): what it forges, a correct replica or client can tell from the genuine only by the protocol's
//     rules;
//   - it draws randomness only from Config.Rand, the world's source, when the world calls it, so the same seed
//     gives the same attacks and the same trace;
//   - it reaches correct replicas only through the wire (Transport, Network.Inject) and clients only through
//     the replies the driver would send them; the world keeps the byzantine replicas at most f, with the
//     crashed and the cut off;
//   - its knowledge of the protocol (quorums, primaries) is the simulator's own arithmetic (sim/internal/rules,
//     which the checkers share), not the core's: a planted bug weakens the replicas, never the attack.
package adversary
