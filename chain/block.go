package chain

import (
	"crypto/sha256"
	"fmt"

	"github.com/sbftnet/sbft/wire/be"
)

// Header is a block's header; its hash links the chain.
type Header struct {
	Height uint64
	Seq    uint64 // consensus sequence number that ordered the block (not its view: replicas may commit
	// one batch in different views, and the block must be the same everywhere)
	Parent      [32]byte
	TxRoot      [32]byte
	StateRoot   [32]byte // after executing the block
	ResultsRoot [32]byte // Merkle root over the hashes of the block's results, in transaction order
}

// HeaderBytes is the size of an encoded header.
const HeaderBytes = headerBytes

const headerBytes = 8 + 8 + 32 + 32 + 32 + 32

// Marshal encodes h (fixed width).
func (h *Header) Marshal() []byte {
	b := make([]byte, 0, headerBytes)
	b = be.AppendU64(b, h.Height)
	b = be.AppendU64(b, h.Seq)
	b = append(b, h.Parent[:]...)
	b = append(b, h.TxRoot[:]...)
	b = append(b, h.StateRoot[:]...)
	return append(b, h.ResultsRoot[:]...)
}

// UnmarshalHeader decodes b.
func UnmarshalHeader(b []byte) (Header, error) {
	var h Header
	if len(b) != headerBytes {
		return h, fmt.Errorf("%w: header of %d bytes", ErrMalformedBlock, len(b))
	}
	r := be.NewReader(b, ErrMalformedBlock)
	h = Header{Height: r.U64(), Seq: r.U64(), Parent: r.Hash32(), TxRoot: r.Hash32(), StateRoot: r.Hash32(),
		ResultsRoot: r.Hash32()}
	return h, r.Done()
}

// Hash identifies the block.
func (h *Header) Hash() [32]byte { return sha256.Sum256(h.Marshal()) }

// Block is a header and the raw transactions it ordered.
type Block struct {
	Header Header
	Txs    [][]byte
}

// Marshal encodes b: header, count(4), { len(4) tx }.
func (b *Block) Marshal() []byte {
	size := headerBytes + 4
	for _, tx := range b.Txs {
		size += 4 + len(tx)
	}
	out := append(make([]byte, 0, size), b.Header.Marshal()...)
	out = be.AppendU32(out, uint32(len(b.Txs)))
	for _, tx := range b.Txs {
		out = be.AppendLenBytes32(out, tx)
	}
	return out
}

// UnmarshalBlock decodes raw strictly; it never panics.
func UnmarshalBlock(raw []byte) (*Block, error) {
	if len(raw) < headerBytes+4 || len(raw) > BlockBytesMax {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformedBlock, len(raw))
	}
	h, _ := UnmarshalHeader(raw[:headerBytes])
	r := be.NewReader(raw[headerBytes:], ErrMalformedBlock)
	n := int(r.U32())
	// Each transaction needs its 4-byte length: a count the remaining bytes cannot hold is a lie.
	if n > BlockTxsMax || n*4 > r.Left() {
		return nil, fmt.Errorf("%w: %d transactions", ErrMalformedBlock, n)
	}
	blk := &Block{Header: h, Txs: make([][]byte, 0, n)}
	for i := 0; i < n && r.Err() == nil; i++ {
		blk.Txs = append(blk.Txs, r.BytesCopy(int(r.U32())))
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return blk, nil
}

// TxRoot is the binary Merkle root over the transactions' hashes.
func TxRoot(txs [][]byte) [32]byte { return TxRootOf(TxHashes(txs)) }

// TxRootOf is TxRoot from the transactions' hashes (TxHash of each, in order), for a caller that has them.
func TxRootOf(hashes [][32]byte) [32]byte { return MerkleRoot(hashes) }

// ResultLeaf is a result's leaf in the results tree.
func ResultLeaf(r *Result) [32]byte { return sha256.Sum256(r.Marshal()) }

// MerkleRoot is the binary Merkle root over leaves: each leaf enters as sha256(0x00 || leaf) and internal nodes
// are sha256(0x01 || left || right), so no leaf can pose as an inner node (a block may carry a malformed
// 65-byte transaction); a level's odd last node is promoted unchanged, and no leaves give zero.
func MerkleRoot(leaves [][32]byte) [32]byte {
	if len(leaves) == 0 {
		return [32]byte{}
	}
	level := merkleLeaves(leaves)
	for len(level) > 1 {
		next := level[:0]
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				continue
			}
			next = append(next, merkleNode(level[i], level[i+1]))
		}
		level = next
	}
	return level[0]
}

func merkleLeaves(leaves [][32]byte) [][32]byte {
	out := make([][32]byte, len(leaves))
	var buf [33]byte
	for i, l := range leaves {
		copy(buf[1:], l[:])
		out[i] = sha256.Sum256(buf[:])
	}
	return out
}

func merkleNode(l, r [32]byte) [32]byte {
	var buf [65]byte
	buf[0] = 0x01
	copy(buf[1:], l[:])
	copy(buf[33:], r[:])
	return sha256.Sum256(buf[:])
}

// MerkleTree keeps every level of a binary Merkle tree (same rules as MerkleRoot), so that after one O(n)
// build each proof costs O(log n): a block's replies need a proof per transaction.
type MerkleTree struct {
	levels [][][32]byte // levels[0] are the hashed leaves; the last level holds the root
}

// NewMerkleTree builds the tree over leaves.
func NewMerkleTree(leaves [][32]byte) *MerkleTree {
	t := &MerkleTree{}
	if len(leaves) == 0 {
		return t
	}
	level := merkleLeaves(leaves)
	t.levels = append(t.levels, level)
	for len(level) > 1 {
		next := make([][32]byte, 0, (len(level)+1)/2)
		for k := 0; k < len(level); k += 2 {
			if k+1 == len(level) {
				next = append(next, level[k])
			} else {
				next = append(next, merkleNode(level[k], level[k+1]))
			}
		}
		t.levels = append(t.levels, next)
		level = next
	}
	return t
}

// Len is the number of leaves.
func (t *MerkleTree) Len() int {
	if len(t.levels) == 0 {
		return 0
	}
	return len(t.levels[0])
}

// Root is the tree's root (zero without leaves), equal to MerkleRoot of its leaves.
func (t *MerkleTree) Root() [32]byte {
	if len(t.levels) == 0 {
		return [32]byte{}
	}
	return t.levels[len(t.levels)-1][0]
}

// Proof returns the siblings of leaf i, bottom up (promoted levels have none).
func (t *MerkleTree) Proof(i int) [][32]byte {
	var proof [][32]byte
	for _, level := range t.levels[:max(len(t.levels)-1, 0)] {
		if sib := i ^ 1; sib < len(level) {
			proof = append(proof, level[sib])
		}
		i /= 2
	}
	return proof
}

// MerkleProof returns the siblings of leaf i, bottom up; for many proofs over the same leaves build a
// MerkleTree once.
func MerkleProof(leaves [][32]byte, i int) [][32]byte { return NewMerkleTree(leaves).Proof(i) }

// VerifyMerkleProof checks that leaf is leaf i of n under root.
func VerifyMerkleProof(root, leaf [32]byte, i, n int, proof [][32]byte) bool {
	if i < 0 || i >= n || n > BlockTxsMax {
		return false
	}
	h := merkleLeaves([][32]byte{leaf})[0]
	for width := n; width > 1; width = (width + 1) / 2 {
		if sib := i ^ 1; sib < width {
			if len(proof) == 0 {
				return false
			}
			if i%2 == 0 {
				h = merkleNode(h, proof[0])
			} else {
				h = merkleNode(proof[0], h)
			}
			proof = proof[1:]
		}
		i /= 2
	}
	return len(proof) == 0 && h == root
}
