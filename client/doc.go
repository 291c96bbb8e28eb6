// Package client submits signed transactions to an sbft network over libp2p and accepts a result only when
// f+1 replicas reported the same one, so no single faulty replica can lie to it.
//
// Frames and their bounds: package wire (wire/txsession.go, wire/execproof.go). A Client keeps one session per replica, opened lazily and reopened after a failure;
// every transaction is sent to every replica (any of them may be or become the primary, and each answers once
// the transaction executed). Nonces are time-based and strictly increasing per Client, so separate
// invocations with the same key keep working without shared state.
package client
