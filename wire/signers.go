package wire

import (
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// The signer bitmap: every certificate on the wire names its signers this way (docs/wire-format.md §7.3).
//
//	L(1) byte(L)   with 0 < L <= SignersBitmapBytesMax; replica i is bit i%8 (least significant first) of byte i/8
//
// The encoding is canonical, so a decoded certificate re-encodes to the same bytes: the last byte is non-zero
// (L is as short as the highest signer allows). A network of n replicas sends at most 1 + ceil(n/8) bytes. An
// empty set has no encoding (no certificate is signed by nobody): AppendSigners writes L = 0, which
// ReadSigners refuses.

// SignersBytes is the length of s's encoding: 1 + ceil((highest signer + 1) / 8), 1 for the empty set.
func SignersBytes(s consensus.ReplicaSet) int {
	l := 0
	for id := range s.Members() {
		l = int(id/8) + 1
	}
	return 1 + l
}

// AppendSigners appends the encoding of s.
func AppendSigners(b []byte, s consensus.ReplicaSet) []byte {
	var bitmap [SignersBitmapBytesMax]byte
	l := 0
	for id := range s.Members() {
		bitmap[id/8] |= 1 << (id % 8)
		l = int(id/8) + 1 // members ascend: the last one sets the length
	}
	return append(append(b, byte(l)), bitmap[:l]...)
}

// ReadSigners reads what AppendSigners wrote; a length of 0 or over SignersBitmapBytesMax, or a last byte of
// zero, fails r as malformed (with r's codec sentinel, which wraps ErrMalformed).
func ReadSigners(r *be.Reader) consensus.ReplicaSet {
	var s consensus.ReplicaSet
	l := int(r.U8())
	if r.Err() != nil {
		return s
	}
	if l == 0 || l > SignersBitmapBytesMax {
		r.Failf("signer bitmap of %d bytes (1..%d)", l, SignersBitmapBytesMax)
		return s
	}
	bitmap := r.Bytes(l)
	if bitmap == nil {
		return s
	}
	if bitmap[l-1] == 0 {
		r.Failf("signer bitmap of %d bytes ends in a zero byte", l)
		return s
	}
	for i, byt := range bitmap {
		for bit := range 8 {
			if byt&(1<<bit) != 0 {
				s.Add(consensus.ReplicaID(8*i + bit))
			}
		}
	}
	return s
}
