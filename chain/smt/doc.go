// Package smt is an in-memory sparse Merkle tree over 256-bit keys, updated in batches.
//
// Hashing (SHA-256, domain separated):
//
//	empty subtree = 32 zero bytes
//	leaf          = H(0x00 || key || valueHash)
//	internal      = H(0x01 || left || right)
//
// Leaf shortcut: a subtree holding exactly one leaf is that leaf, placed at the shallowest depth where it is
// alone; an internal node exists only over two or more leaves. So the tree's shape, and its root, are a pure
// function of the set of (key, valueHash) pairs: the order of insertions and deletions and the way updates
// are split into batches never change the root (history independence; tested against a naive model).
//
// Updates are staged with Set and Delete and applied by Commit as one batch: the staged keys are sorted and
// applied in one walk, so every touched node is rehashed exactly once however many updates pass under it.
package smt
