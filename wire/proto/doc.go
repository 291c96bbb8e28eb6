// Package proto is the part of the wire format that the transport (package p2p) needs: the libp2p protocol
// names and IDs, the gossipsub topics, the process-instance frames of the replica mesh (instance.go) and the
// bounds p2p derives its own from (limits.go). It is a package of its own so that p2p, and the client library
// through it, link none of what wire encodes (chain, consensus): p2p imports this package, never wire.
//
// Each ID, frame and bound is defined here once; package wire re-exports the names its callers use beside its
// frames (wire/protocols.go, wire/limits.go), and wire.ErrMalformed is ErrMalformed.
//
// Dependencies: the standard library and wire/be only (scripts/lint-deps.sh checks). The invariants of wire
// hold here too: decoders are strict and total, and the bytes are the format (docs/wire-format.md §1, §11.2).
package proto
