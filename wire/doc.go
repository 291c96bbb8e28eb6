// Package wire is everything that crosses a process boundary: the libp2p protocol IDs and gossipsub topic
// names, the frames of every protocol (consensus messages, and the replicas' own frames in their format,
// frames.go; the client transaction session, checkpoint announcements and proofs, state-sync blocks) with
// their codecs, every signing domain (signing.go), the encoding of the consensus hard state on disk, and the
// bounds of all of it (limits.go).
//
// Dependencies: wire imports consensus and chain for the types it encodes and the limits it derives from, and
// nothing above them (never node, client, p2p or sync; scripts/lint-deps.sh checks). Its reader lives in the
// leaf sub-package wire/be so that chain, which wire imports, can use the same reader without a cycle. What the
// transport needs (protocol names and IDs, topics, the mesh hello and instances frames, BlocksAnswerBytesMax)
// is defined in the leaf sub-package wire/proto, which p2p imports instead of wire; protocols.go and limits.go
// name it here too.
// consensus stays standard-library only: its message types live there; their encoding and signing bytes here
// (the core's Signer is handed the message and the node signs MessageSigningBytes).
//
// Invariants:
//   - every decoder is strict and total: it never panics, checks every count and length against limits.go (or
//     against the bytes left) before allocating, rejects trailing bytes, and re-encoding what it accepted gives
//     the same bytes (the fuzz tests check this);
//   - the bytes are the format: changing an encoder changes what replicas and clients exchange and what is on
//     disk, so the golden tests and vectors must not change with a refactoring;
//   - every error wraps ErrMalformed (and a codec's own sentinel) so callers can tell bad input from failure.
package wire
