package wire

import (
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire/be"
)

// ExecProof lets a client accept one replica's reply on its own: a block header, an execution certificate (f+1
// replicas' aggregate BLS signature over ExecSigningBytes(chain ID, height, header hash)), and the Merkle path
// of the result to the header's results root.
//
//	header(chain.HeaderBytes) signers(8) sigLen(1) sig index(4) count(4) nSiblings(1) { sibling(32) }
type ExecProof struct {
	Header   []byte
	Signers  uint64
	Sig      []byte
	Index    uint32
	Count    uint32
	Siblings [][32]byte
}

// Encode frames the proof.
func (p *ExecProof) Encode() []byte {
	b := append([]byte(nil), p.Header...)
	b = be.AppendU64(b, p.Signers)
	b = be.AppendLenBytes8(b, p.Sig)
	b = be.AppendU32(b, p.Index)
	b = be.AppendU32(b, p.Count)
	b = append(b, byte(len(p.Siblings)))
	for _, s := range p.Siblings {
		b = append(b, s[:]...)
	}
	return b
}

// DecodeExecProof parses a proof; it never panics.
func DecodeExecProof(b []byte) (*ExecProof, error) {
	if len(b) < chain.HeaderBytes+8+1 || len(b) > ExecProofBytesMax {
		return nil, errorf(ErrMalformedFrame, "proof of %d bytes", len(b))
	}
	r := be.NewReader(b, ErrMalformedFrame)
	p := &ExecProof{Header: r.BytesCopy(chain.HeaderBytes), Signers: r.U64()}
	// Any signature length a byte holds: the frame cap above bounds the whole proof.
	p.Sig = r.LenBytes8(0xff)
	p.Index, p.Count = r.U32(), r.U32()
	n := int(r.U8())
	if err := r.Err(); err != nil {
		return nil, errorf(ErrMalformedFrame, "truncated proof")
	}
	if r.Left() != 32*n || n > ExecProofSiblingsMax {
		return nil, errorf(ErrMalformedFrame, "proof path")
	}
	p.Siblings = make([][32]byte, n)
	for i := range p.Siblings {
		p.Siblings[i] = r.Hash32()
	}
	return p, r.Err()
}
