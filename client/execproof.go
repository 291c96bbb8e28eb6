package client

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/wire"
)

// ProofVerifier checks proven replies on its own: the result is the transaction's, its Merkle path leads to the
// header's results root, and the header carries an execution certificate of at least f+1 replicas. It caches the
// blocks whose certificate verified (by height, at most ProvenBlocksMax), so later results of a proven block
// cost a path check only. Safe for concurrent use.
type ProofVerifier struct {
	chainID string
	f       int
	pubs    []bls.PublicKey
	mu      sync.Mutex
	blocks  map[uint64][32]byte // height -> block hash whose execution certificate verified
}

// NewProofVerifier checks proofs of the network with this chain ID, fault threshold f and replica BLS keys.
func NewProofVerifier(chainID string, f int, pubs []bls.PublicKey) *ProofVerifier {
	return &ProofVerifier{chainID: chainID, f: f, pubs: pubs, blocks: map[uint64][32]byte{}}
}

// Verify checks a proven reply for transaction txHash and returns its result.
func (v *ProofVerifier) Verify(txHash [32]byte, r *wire.Reply) (*chain.Result, error) {
	p, err := wire.DecodeExecProof(r.Proof)
	if err != nil {
		return nil, err
	}
	hdr, err := chain.UnmarshalHeader(p.Header)
	if err != nil {
		return nil, err
	}
	res, err := chain.UnmarshalResult(r.Result)
	if err != nil {
		return nil, err
	}
	if res.TxHash != txHash || res.Height != hdr.Height {
		return nil, fmt.Errorf("proof is for another transaction or height")
	}
	hash := hdr.Hash()
	if err := v.verifyPath(hdr, hash, res, p.Index, p.Count, p.Siblings); err != nil {
		return nil, err
	}
	if err := v.verifyExecCert(hdr.Height, hash, p.Signers.Members(), p.Sig); err != nil {
		return nil, err
	}
	return res, nil
}

// verifyPath checks that res is the result at index of the count results under hdr's results root.
func (v *ProofVerifier) verifyPath(hdr chain.Header, hash [32]byte, res *chain.Result, index, count uint32, siblings [][32]byte) error {
	if mutant.On(mutant.ResultProof) && v.known(hdr.Height, hash) {
		return nil // planted: a proven block's results are taken without their path
	}
	if !chain.VerifyMerkleProof(hdr.ResultsRoot, chain.ResultLeaf(res), int(index), int(count), siblings) {
		return fmt.Errorf("result is not in the block's results")
	}
	return nil
}

// VerifyBlockReply checks a block reply: the results of the transactions want asks for (nil: all) whose paths
// lead to the header's results root, returned once the block's execution certificate verified (checked once per
// block). The error names the first entry or certificate that failed; the results returned still verified.
func (v *ProofVerifier) VerifyBlockReply(br *wire.BlockReply, want func([32]byte) bool) ([]*chain.Result, error) {
	hdr, err := chain.UnmarshalHeader(br.Header)
	if err != nil {
		return nil, err
	}
	hash := hdr.Hash()
	var out []*chain.Result
	var first error
	for _, e := range br.Entries {
		res, err := chain.UnmarshalResult(e.Result)
		switch {
		case err != nil:
		case want != nil && !want(res.TxHash):
			continue
		case res.Height != hdr.Height:
			err = fmt.Errorf("result of height %d in block %d", res.Height, hdr.Height)
		case mutant.On(mutant.UnprovenResult): // planted: a result taken without its path
		default:
			err = v.verifyPath(hdr, hash, res, e.Index, br.Count, e.Siblings)
		}
		if err != nil {
			first = cmp.Or(first, err)
			continue
		}
		out = append(out, res)
	}
	if len(out) == 0 {
		return nil, first
	}
	if mutant.On(mutant.UnprovenResult) {
		return out, nil // planted: nor the certificate
	}
	if err := v.verifyExecCert(hdr.Height, hash, br.Signers.Members(), br.Sig); err != nil {
		return nil, err
	}
	return out, first
}

// ErrExecCert is returned for an execution certificate that does not certify its block.
var ErrExecCert = errors.New("execution certificate does not verify")

// verifyExecCert checks that f+1 replicas certified block hash at height (cached once it verified); signers are
// the certificate's signer indices, ascending.
func (v *ProofVerifier) verifyExecCert(height uint64, hash [32]byte, signers iter.Seq[uint32], sigBytes []byte) error {
	if v.known(height, hash) {
		return nil
	}
	need := v.f + 1
	if mutant.On(mutant.ExecQuorum) {
		need = v.f // planted: one signer short
	}
	if mutant.On(mutant.ExecSignerRange) { // planted: signers beyond n count
		signers, need = plantedSignersBeyondCount(signers, need, uint32(len(v.pubs)))
	}
	if err := bls.VerifySigners(v.pubs, signers, need, wire.ExecSigningBytes(v.chainID, height, hash), sigBytes); err != nil {
		return fmt.Errorf("%w: %w", ErrExecCert, err)
	}
	v.mu.Lock()
	if len(v.blocks) >= ProvenBlocksMax {
		clear(v.blocks)
	}
	v.blocks[height] = hash
	v.mu.Unlock()
	return nil
}

// plantedSignersBeyondCount is the planted bug mutant.ExecSignerRange: the signers at or beyond n are dropped
// from those checked, yet each counts towards need.
func plantedSignersBeyondCount(signers iter.Seq[uint32], need int, n uint32) (iter.Seq[uint32], int) {
	for id := range signers {
		if id >= n {
			need--
		}
	}
	within := func(yield func(uint32) bool) {
		for id := range signers {
			if id < n && !yield(id) {
				return
			}
		}
	}
	return within, need
}

func (v *ProofVerifier) known(height uint64, hash [32]byte) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.blocks[height] == hash
}
