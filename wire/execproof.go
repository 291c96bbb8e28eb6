package wire

import (
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// ExecProof lets a client accept one replica's reply on its own: a block header, an execution certificate (f+1
// replicas' aggregate BLS signature over ExecSigningBytes(chain ID, height, header hash)), and the Merkle path
// of the result to the header's results root.
//
//	header(chain.HeaderBytes) signers sigLen(1) sig index(4) count(4) nSiblings(1) { sibling(32) }
//
// signers is the signer bitmap (signers.go).
type ExecProof struct {
	Header   []byte
	Signers  consensus.ReplicaSet
	Sig      []byte
	Index    uint32
	Count    uint32
	Siblings [][32]byte
}

// Encode frames the proof.
func (p *ExecProof) Encode() []byte {
	b := append([]byte(nil), p.Header...)
	b = AppendSigners(b, p.Signers)
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
	if len(b) < chain.HeaderBytes+SignersBytesMin+1 || len(b) > ExecProofBytesMax {
		return nil, errorf(ErrMalformedFrame, "proof of %d bytes", len(b))
	}
	r := be.NewReader(b, ErrMalformedFrame)
	p := &ExecProof{Header: r.BytesCopy(chain.HeaderBytes), Signers: ReadSigners(r)}
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
