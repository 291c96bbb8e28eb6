package client

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
)

// ExecProof lets a client accept one replica's reply on its own: a block header, an execution certificate (f+1
// replicas' aggregate BLS signature over (exec, height, header hash)), and the Merkle path of the result to the
// header's results root.
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
	b = binary.BigEndian.AppendUint64(b, p.Signers)
	b = append(b, byte(len(p.Sig)))
	b = append(b, p.Sig...)
	b = binary.BigEndian.AppendUint32(b, p.Index)
	b = binary.BigEndian.AppendUint32(b, p.Count)
	b = append(b, byte(len(p.Siblings)))
	for _, s := range p.Siblings {
		b = append(b, s[:]...)
	}
	return b
}

// DecodeExecProof parses a proof; it never panics.
func DecodeExecProof(b []byte) (*ExecProof, error) {
	h := chain.HeaderBytes
	if len(b) < h+8+1 || len(b) > ExecProofBytesMax {
		return nil, fmt.Errorf("%w: proof of %d bytes", ErrMalformedFrame, len(b))
	}
	p := &ExecProof{Header: append([]byte(nil), b[:h]...), Signers: binary.BigEndian.Uint64(b[h:])}
	rest := b[h+8:]
	sl := int(rest[0])
	if len(rest) < 1+sl+9 {
		return nil, fmt.Errorf("%w: truncated proof", ErrMalformedFrame)
	}
	p.Sig = append([]byte(nil), rest[1:1+sl]...)
	rest = rest[1+sl:]
	p.Index, p.Count = binary.BigEndian.Uint32(rest), binary.BigEndian.Uint32(rest[4:])
	n := int(rest[8])
	rest = rest[9:]
	if len(rest) != 32*n || n > 16 {
		return nil, fmt.Errorf("%w: proof path", ErrMalformedFrame)
	}
	p.Siblings = make([][32]byte, n)
	for i := range p.Siblings {
		copy(p.Siblings[i][:], rest[32*i:])
	}
	return p, nil
}

// ExecSigningBytes is what replicas sign after executing block height with hash blockHash.
func ExecSigningBytes(chainID string, height uint64, blockHash [32]byte) []byte {
	return consensus.ShareSigningBytes(chainID, consensus.CertExec, 0, height, blockHash)
}

// verifyProven checks a proven reply for transaction h: the result is in the certified block.
func (c *Client) verifyProven(h [32]byte, r *Reply) error {
	p, err := DecodeExecProof(r.Proof)
	if err != nil {
		return err
	}
	hdr, err := chain.UnmarshalHeader(p.Header)
	if err != nil {
		return err
	}
	res, err := chain.UnmarshalResult(r.Result)
	if err != nil {
		return err
	}
	if res.TxHash != h || res.Height != hdr.Height {
		return fmt.Errorf("proof is for another transaction or height")
	}
	if !chain.VerifyMerkleProof(hdr.ResultsRoot, chain.ResultLeaf(res), int(p.Index), int(p.Count), p.Siblings) {
		return fmt.Errorf("result is not in the block's results")
	}
	hash := hdr.Hash()
	c.mu.Lock()
	known := c.provenBlocks[hdr.Height] == hash
	c.mu.Unlock()
	if known {
		return nil
	}
	n := len(c.blsPubs)
	if p.Signers>>uint(n) != 0 || bits.OnesCount64(p.Signers) < c.g.F+1 {
		return fmt.Errorf("execution certificate has too few signers")
	}
	var pks []bls.PublicKey
	for i := 0; i < n; i++ {
		if p.Signers&(1<<uint(i)) != 0 {
			pks = append(pks, c.blsPubs[i])
		}
	}
	sig, err := bls.SignatureFromBytes(p.Sig)
	if err != nil || !bls.VerifyAggregate(pks, ExecSigningBytes(c.g.ChainID, hdr.Height, hash), sig) {
		return fmt.Errorf("execution certificate does not verify")
	}
	c.mu.Lock()
	if len(c.provenBlocks) >= ProvenBlocksMax {
		clear(c.provenBlocks)
	}
	c.provenBlocks[hdr.Height] = hash
	c.mu.Unlock()
	return nil
}
