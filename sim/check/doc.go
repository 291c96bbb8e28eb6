// Package check holds the simulator's checkers: what a run must never do (safety) and what it must eventually
// do (liveness). The world (package sim) shows a Checker what happens through the Observer interface: every
// frame put on the wire, every block a correct replica executes or installs, every stable checkpoint it
// stores, what clients submit, acknowledge and read, what the client node keeps, and the correct replicas'
// state at the end of the run. A checker never reaches into the world, a replica or an adversary.
//
// Safety checkers (SafetyCheckers names them, as the prefixes of the violations they report):
//   - agreement (check.go): no two correct replicas (nor one before and after a restart or a state transfer)
//     hold different blocks at one height, nor the client node another block than theirs;
//   - linearizability (linearizability.go): the client-observed history on shared keys is linearizable
//     (porcupine), no transaction executes twice or, unless refused as unsigned or malformed, without a client
//     having sent it, every acknowledged write is in the state of every correct replica at the top height;
//   - certificate validity (certs.go): every certificate a correct replica sends or executes a block on has
//     the protocol's quorum and a valid aggregate signature, correct replicas sign shares only for batches the
//     view's primary proposed or a valid NewView selects (the new-view rule recomputed here), and a correct
//     primary's NewView carries 2f+2c+1 ViewChanges;
//   - state equality (state.go): a correct replica's state root is the root, computed here from the spec, of
//     the state it holds;
//   - read validity (reads.go): a proven read a client accepts says what the client's acknowledged put says;
//   - outcome validity (check.go): a transaction reported failed or refused to a client never executes with
//     CodeOK at a correct replica (an unknown outcome promises nothing: in the linearizability history it has
//     no return, so it may have taken effect or not).
//
// The liveness checker (liveness.go) reports a healed run that does not settle.
//
// Invariants:
//   - independence: the checkers are written from the protocol's rules (the consensus package doc, the
//     chain/smt spec, the KV application's semantics; quorums and primaries in sim/internal/rules), not with
//     the code they check; they import no replica, verifier or client code, so a planted bug (package mutant)
//     weakens the replica's rules, never these;
//   - they judge correct replicas only: the world shows them no byzantine replica's blocks or state, and
//     frames with whether their sender is correct;
//   - they hold no secret key and draw no randomness: observing a run does not change it, and the same run
//     gives the same violations, in the same order;
//   - they report through Config.Violate only, each violation prefixed by its checker's name.
package check
