// Package bls is BLS12-381 signing for sbft's quorum certificates: public keys in G1 (48 bytes compressed),
// signatures in G2 (96 bytes), so a certificate is one aggregate signature plus the set of its signers,
// whatever the number of replicas. Built on github.com/consensys/gnark-crypto (pure Go, so the static build
// stays static).
//
// Scheme: sig = sk·H(msg) with H = hash-to-G2 (RFC 9380) under a domain separation tag; verification checks
// e(pk, H(msg)) = e(g1, sig). Signatures over the same message aggregate by addition, as do the signers' public
// keys, so a certificate is checked with one pairing check. Rogue-key attacks on aggregation are prevented by
// proofs of possession: every replica's genesis entry carries its signature over its own public key under a
// separate tag, checked before the key is used.
//
// Invariants: decoded points are on the curve and in the prime-order subgroup (otherwise the bytes are
// refused); the identity is never a valid public key or signature.
package bls
