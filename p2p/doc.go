// Package p2p is sbft's go-libp2p shell: the host (TCP and QUIC, Noise, yamux) with the replica's Ed25519
// identity, the genesis allowlist, and three kinds of stream:
//
//   - the replica mesh ("/sbft/<chain-id>/consensus/1"): one long-lived outbound stream per other replica, fed
//     by a bounded queue that never blocks the caller (a full queue drops the new frame; consensus retransmits),
//     redialled with capped exponential backoff and jitter until Close; inbound streams are read by one
//     goroutine each, which hands frames to the handler;
//   - sessions ("/sbft/<chain-id>/<name>/1"): long-lived bidirectional framed streams, for clients;
//   - request/response ("/sbft/<chain-id>/<name>/1"): one stream per request with deadlines on every phase
//     and an error frame back when the handler fails.
//
// Protocol and topic names, and the ID format, are package wire's, in the leaf wire/proto (protocols.go) that
// p2p imports. p2p never imports wire itself, which imports chain and consensus: the transport does not depend
// on what it carries (scripts/lint-deps.sh checks).
//
// Gossip (gossip.go) runs gossipsub for the chain's topics ("/sbft/<chain-id>/checkpoints/1"): replicas are
// each other's direct peers, messages are signed by their publisher (StrictSign), every topic has a validator,
// and peer scoring penalizes peers that deliver invalid messages.
//
// Invariants: only peer IDs in the genesis may speak replicas-only protocols (checked in every handler, the
// stream is reset and the attempt logged otherwise); an empty replica set is an error, never "allow all";
// every frame is a uvarint length then the payload, and the length is checked against the protocol's cap
// before anything is allocated; every read and write has a deadline; every answer built for a peer (request
// answers, frames queued on served sessions, the info document) holds its bytes in the answer budget
// (answerbudget.go) from before it is built until its last byte is written, so what readers that do not read
// cost is bounded per peer, per kind of peer and in total.
package p2p
