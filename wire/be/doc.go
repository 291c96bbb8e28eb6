// Package be is the one bounded big-endian reader and the matching append helpers that every codec of the
// project uses (chain, chain/smt, consensus messages through wire, client and node frames).
//
// It is a leaf (standard library only) so that chain, which package wire imports, can use it too without an
// import cycle: wire depends on chain and consensus for the types it encodes; be depends on nothing.
//
// Invariants:
//   - a Reader never panics, whatever its input;
//   - it never allocates more than the bytes it has left (a length is checked against the input before a
//     copy is made), so a lying length prefix costs nothing;
//   - its error is sticky: after the first failure every read returns zero values, and Err reports the
//     first failure only, wrapped in the codec's own sentinel error.
package be
