package smt

import (
	"bytes"
	"crypto/sha256"
	"slices"

	"github.com/sbftnet/sbft/mutant"
)

// Hash is a 32-byte SHA-256 digest, also used for keys.
type Hash = [32]byte

const (
	prefixLeaf     = 0x00
	prefixInternal = 0x01
	// DepthMax is the key length in bits, the deepest a node can sit.
	DepthMax = 256
)

type node struct {
	left, right *node // internal nodes only
	leaf        bool
	key, val    Hash // leaf only
	hash        Hash
}

// Tree is a sparse Merkle tree; see the package doc. It is not safe for concurrent use.
type Tree struct {
	root   *node
	count  int
	staged map[Hash]*Hash // nil value: delete
}

// New returns an empty tree.
func New() *Tree { return &Tree{staged: make(map[Hash]*Hash)} }

// Len is the number of committed leaves.
func (t *Tree) Len() int { return t.count }

// Root is the root hash as of the last Commit; zero for an empty tree.
func (t *Tree) Root() Hash { return hashOf(t.root) }

// Get returns the committed value hash of key.
func (t *Tree) Get(key Hash) (Hash, bool) { return get(t.root, key) }

// Snapshot is the tree as of one Commit: immutable, so it stays valid (and safe to read from any goroutine)
// while the tree goes on. It keeps the nodes it shares with later versions alive: hold few.
type Snapshot struct {
	root  *node
	count int
}

// Snapshot returns the committed tree as it is now.
func (t *Tree) Snapshot() Snapshot { return Snapshot{root: t.root, count: t.count} }

// Root is the snapshot's root hash.
func (s Snapshot) Root() Hash { return hashOf(s.root) }

// Len is the number of leaves in the snapshot.
func (s Snapshot) Len() int { return s.count }

// Get returns the value hash of key in the snapshot.
func (s Snapshot) Get(key Hash) (Hash, bool) { return get(s.root, key) }

// Prove returns a proof for key against the snapshot's Root.
func (s Snapshot) Prove(key Hash) Proof { return prove(s.root, key) }

func get(n *node, key Hash) (Hash, bool) {
	for depth := 0; n != nil; depth++ {
		if n.leaf {
			if n.key == key {
				return n.val, true
			}
			return Hash{}, false
		}
		if bit(&key, depth) == 0 {
			n = n.left
		} else {
			n = n.right
		}
	}
	return Hash{}, false
}

// Set stages key = valueHash; the last staged write of a key wins.
func (t *Tree) Set(key, valueHash Hash) {
	v := valueHash
	t.staged[key] = &v
}

// Delete stages the removal of key (a no-op for an absent key).
func (t *Tree) Delete(key Hash) { t.staged[key] = nil }

// Discard drops the staged updates.
func (t *Tree) Discard() { clear(t.staged) }

type op struct {
	key Hash
	val *Hash // nil: delete
}

// Commit applies the staged updates as one batch and returns the new root.
func (t *Tree) Commit() Hash {
	if len(t.staged) == 0 {
		return t.Root()
	}
	ops := make([]op, 0, len(t.staged))
	for k, v := range t.staged {
		ops = append(ops, op{key: k, val: v})
	}
	clear(t.staged)
	slices.SortFunc(ops, func(a, b op) int { return bytes.Compare(a.key[:], b.key[:]) })
	t.root = t.apply(t.root, 0, ops)
	return t.Root()
}

// apply applies ops (sorted, all under n's position at depth) to n and returns the subtree's new root node.
func (t *Tree) apply(n *node, depth int, ops []op) *node {
	if len(ops) == 0 {
		return n
	}
	if n == nil || n.leaf {
		return t.rebuild(n, depth, ops)
	}
	i := splitIndex(ops, depth)
	// Path copying: a node reachable from an earlier root is never changed, so Snapshots stay valid.
	c := &node{left: t.apply(n.left, depth+1, ops[:i]), right: t.apply(n.right, depth+1, ops[i:])}
	return collapse(c)
}

// rebuild replaces an empty or single-leaf subtree by the canonical subtree of its leaf merged with ops.
func (t *Tree) rebuild(n *node, depth int, ops []op) *node {
	items := make([]op, 0, len(ops)+1)
	kept := n != nil
	for _, o := range ops {
		if kept && o.key == n.key {
			kept = false
			t.count-- // replaced or deleted; a set re-adds it below
		}
		if o.val != nil {
			items = append(items, o)
			t.count++
		}
	}
	if kept {
		v := n.val
		pos, _ := slices.BinarySearchFunc(items, n.key, func(a op, k Hash) int { return bytes.Compare(a.key[:], k[:]) })
		items = slices.Insert(items, pos, op{key: n.key, val: &v})
	}
	return build(depth, items)
}

// build makes the canonical subtree of sorted leaves at depth.
func build(depth int, items []op) *node {
	switch len(items) {
	case 0:
		return nil
	case 1:
		return newLeaf(items[0].key, *items[0].val)
	}
	i := splitIndex(items, depth)
	n := &node{left: build(depth+1, items[:i]), right: build(depth+1, items[i:])}
	n.hash = internalHash(hashOf(n.left), hashOf(n.right))
	return n
}

// collapse keeps the canonical form after an update under an internal node.
func collapse(n *node) *node {
	switch {
	case n.left == nil && n.right == nil:
		return nil
	case n.left == nil && n.right.leaf:
		return n.right
	case n.right == nil && n.left.leaf:
		return n.left
	}
	n.hash = internalHash(hashOf(n.left), hashOf(n.right))
	return n
}

// splitIndex returns the first index whose key has bit 1 at depth (keys sorted, sharing depth bits).
func splitIndex(ops []op, depth int) int {
	lo, hi := 0, len(ops)
	for lo < hi {
		mid := (lo + hi) / 2
		if bit(&ops[mid].key, depth) == 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func newLeaf(key, val Hash) *node {
	return &node{leaf: true, key: key, val: val, hash: LeafHash(key, val)}
}

func hashOf(n *node) Hash {
	if n == nil {
		return Hash{}
	}
	return n.hash
}

func bit(k *Hash, depth int) byte { return (k[depth>>3] >> (7 - uint(depth&7))) & 1 }

// LeafHash is the hash of a leaf node.
func LeafHash(key, valueHash Hash) Hash {
	var buf [1 + 64]byte
	buf[0] = prefixLeaf
	copy(buf[1:], key[:])
	if !mutant.On(mutant.SMTLeafValue) {
		copy(buf[33:], valueHash[:])
	}
	return sha256.Sum256(buf[:])
}

func internalHash(left, right Hash) Hash {
	var buf [1 + 64]byte
	buf[0] = prefixInternal
	copy(buf[1:], left[:])
	copy(buf[33:], right[:])
	return sha256.Sum256(buf[:])
}
