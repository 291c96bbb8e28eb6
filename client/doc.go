// Package client submits signed transactions to an sbft network over libp2p and accepts a result only when it
// is proven (an execution certificate of f+1 replicas and the result's Merkle path) or when f+1 replicas
// reported the same one, so no single faulty replica can lie to it.
//
// Frames and their bounds: package wire (wire/txsession.go, wire/blockreply.go, wire/execproof.go). A Client
// keeps one session per replica it talks to, opened lazily and reopened after a failure. A transaction goes to
// one replica, the primary as the last answer named it; that replica answers with one BlockReply per block
// for all of this client's transactions in it. When it refuses, fails, answers without a proof or not within
// ResendTimeout, the transaction goes to every replica (a faulty primary costs one timeout, never liveness).
// Nonces are time-based and strictly increasing per Client, so separate invocations with the same key keep
// working without shared state.
package client
