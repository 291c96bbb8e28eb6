package smt

import (
	"errors"
	"fmt"

	"github.com/sbftnet/sbft/wire/be"
)

// ErrMalformedProof is returned for bytes that do not decode to a proof.
var ErrMalformedProof = errors.New("malformed smt proof")

// Proof shows that a key is in the tree with a value, or is not. Siblings are the hashes beside the path from
// the root down to where the walk ended: at the key's leaf (inclusion), at an empty subtree, or at another
// leaf that shares the path (non-inclusion; its key and value are in Leaf*).
type Proof struct {
	Siblings  []Hash
	HasLeaf   bool // the walk ended at a leaf (the key's own, or another one)
	LeafKey   Hash
	LeafValue Hash
}

// Prove returns a proof for key against Root().
func (t *Tree) Prove(key Hash) Proof { return prove(t.root, key) }

func prove(n *node, key Hash) Proof {
	var p Proof
	for depth := 0; n != nil; depth++ {
		if n.leaf {
			p.HasLeaf, p.LeafKey, p.LeafValue = true, n.key, n.val
			return p
		}
		if bit(&key, depth) == 0 {
			p.Siblings = append(p.Siblings, hashOf(n.right))
			n = n.left
		} else {
			p.Siblings = append(p.Siblings, hashOf(n.left))
			n = n.right
		}
	}
	return p
}

// Verify checks p against root: with valueHash non-nil, that key holds *valueHash; with nil, that key is absent.
func Verify(root Hash, key Hash, valueHash *Hash, p Proof) bool {
	d := len(p.Siblings)
	if d > DepthMax {
		return false
	}
	var h Hash
	switch {
	case valueHash != nil:
		if !p.HasLeaf || p.LeafKey != key || p.LeafValue != *valueHash {
			return false
		}
		h = LeafHash(key, *valueHash)
	case p.HasLeaf:
		// Another leaf on the key's path: it must share the d bits walked, and not be the key.
		if p.LeafKey == key || !sharesPrefix(&p.LeafKey, &key, d) {
			return false
		}
		h = LeafHash(p.LeafKey, p.LeafValue)
	}
	for i := d - 1; i >= 0; i-- {
		if bit(&key, i) == 0 {
			h = internalHash(h, p.Siblings[i])
		} else {
			h = internalHash(p.Siblings[i], h)
		}
	}
	return h == root
}

func sharesPrefix(a, b *Hash, bits int) bool {
	for i := 0; i < bits; i++ {
		if bit(a, i) != bit(b, i) {
			return false
		}
	}
	return true
}

// Marshal encodes p: count(2) siblings(32 each) hasLeaf(1) [leafKey(32) leafValue(32)].
func (p Proof) Marshal() []byte {
	b := make([]byte, 0, 2+32*len(p.Siblings)+65)
	b = be.AppendU16(b, uint16(len(p.Siblings)))
	for _, s := range p.Siblings {
		b = append(b, s[:]...)
	}
	if !p.HasLeaf {
		return append(b, 0)
	}
	b = append(b, 1)
	b = append(b, p.LeafKey[:]...)
	return append(b, p.LeafValue[:]...)
}

// UnmarshalProof decodes a proof; it never panics.
func UnmarshalProof(b []byte) (Proof, error) {
	var p Proof
	r := be.NewReader(b, ErrMalformedProof)
	n := int(r.U16())
	if n > DepthMax {
		return p, fmt.Errorf("%w: %d siblings", ErrMalformedProof, n)
	}
	if r.Err() != nil || r.Left() < 32*n+1 {
		return p, fmt.Errorf("%w: truncated", ErrMalformedProof)
	}
	p.Siblings = make([]Hash, n)
	for i := range p.Siblings {
		p.Siblings[i] = r.Hash32()
	}
	switch hasLeaf := r.U8(); {
	case hasLeaf == 0 && r.Left() == 0:
		return p, nil
	case hasLeaf == 1 && r.Left() == 64:
		p.HasLeaf, p.LeafKey, p.LeafValue = true, r.Hash32(), r.Hash32()
		return p, nil
	}
	return Proof{}, fmt.Errorf("%w: bad leaf section", ErrMalformedProof)
}
