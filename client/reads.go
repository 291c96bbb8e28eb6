package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/wire"
)

// Proven reads: a key's value at a recent height, answered by one replica or client node and checked here
// against the genesis keys: the execution certificate (f+1 replicas) certifies the block header, and the key's
// Merkle proof leads to that header's state root. Consistency: a certified recent state, with its height; not
// linearizable (a write acknowledged a moment ago may not show yet). Reads through consensus (Get) are.

// ErrStateProof is returned for a read whose value is not proven against its header's state root.
var ErrStateProof = errors.New("state proof does not verify")

// VerifyRead checks a proven read; nil means the value (or absence) at p's height is certified.
func (v *ProofVerifier) VerifyRead(p *wire.ProvenRead) error {
	hdr := &p.KV.Header
	if !mutant.On(mutant.ReadProof) && !p.KV.Verify() { // planted: the value is taken unproven
		return fmt.Errorf("%w: key %q at height %d", ErrStateProof, p.KV.Key, hdr.Height)
	}
	if p.Exec.Height != hdr.Height || p.Exec.BlockHash != hdr.Hash() {
		return fmt.Errorf("%w: certificate of another block", ErrExecCert)
	}
	return v.verifyExecCert(hdr.Height, p.Exec.BlockHash, p.Exec.Signers.Members(), p.Exec.Sig)
}

// ReadProven asks the replicas one after another for key's value with a proof and returns the first answer
// that verifies, with the index of the replica that gave it.
func (c *Client) ReadProven(ctx context.Context, key []byte) (*wire.ProvenRead, uint32, error) {
	if err := chain.CheckSizes(key, nil); err != nil {
		return nil, 0, err
	}
	var errs []error
	for i, r := range c.ids {
		resp, err := c.host.Request(ctx, r.ID, wire.ReadProtocol, key, wire.ProvenReadBytesMax)
		var p *wire.ProvenRead
		if err == nil {
			p, err = wire.UnmarshalProvenRead(resp)
		}
		if err == nil && string(p.KV.Key) != string(key) {
			err = fmt.Errorf("answer for another key")
		}
		if err == nil {
			err = c.proofs.VerifyRead(p)
		}
		if err == nil {
			return p, uint32(i), nil
		}
		errs = append(errs, fmt.Errorf("replica %d: %w", i, err))
		if ctx.Err() != nil {
			break
		}
	}
	return nil, 0, fmt.Errorf("no replica gave a proven read: %w", errors.Join(errs...))
}
