package check

import (
	"bytes"
	"crypto/sha256"
	"slices"
)

// The state-equality checker: a correct replica's state root must be the root of the sparse Merkle tree over
// the state it actually holds, computed here from the chain/smt package doc (not with its code): empty
// subtree = 32 zero bytes, leaf = H(0x00 || key || valueHash), internal = H(0x01 || left || right), a lone
// leaf sits at the shallowest depth where it is alone, keys are read most significant bit first. Equal block
// hashes (the agreement checker) then mean equal states.

type stateLeaf struct{ key, valueHash [32]byte }

// specStateRoot computes the root of the leaves, which must be sorted by key.
func specStateRoot(leaves []stateLeaf, depth int) [32]byte {
	switch len(leaves) {
	case 0:
		return [32]byte{}
	case 1:
		return sha256.Sum256(slices.Concat([]byte{0x00}, leaves[0].key[:], leaves[0].valueHash[:]))
	}
	split, _ := slices.BinarySearchFunc(leaves, 1, func(l stateLeaf, one int) int {
		return int(l.key[depth/8]>>(7-depth%8)&1) - one
	})
	left, right := specStateRoot(leaves[:split], depth+1), specStateRoot(leaves[split:], depth+1)
	return sha256.Sum256(slices.Concat([]byte{0x01}, left[:], right[:]))
}

// checkStateRoot compares correct replica i's state root with the spec's root over its state.
func (k *Checker) checkStateRoot(i int, st State) {
	var leaves []stateLeaf
	if err := st.ForEachStateLeaf(func(key, vh [32]byte) error {
		leaves = append(leaves, stateLeaf{key, vh})
		return nil
	}); err != nil {
		k.violate("state equality: replica %d: reading its state: %v", i, err)
		return
	}
	slices.SortFunc(leaves, func(a, b stateLeaf) int { return bytes.Compare(a.key[:], b.key[:]) })
	want := specStateRoot(leaves, 0)
	if got := st.LastHeader().StateRoot; got != want {
		k.violate("state equality: replica %d at height %d claims state root %x; its %d entries have root %x",
			i, st.LastHeader().Height, got[:4], len(leaves), want[:4])
	}
}
