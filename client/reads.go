package client

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/chain/smt"
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
	return v.verifyExecCert(hdr.Height, p.Exec.BlockHash, p.Exec.Signers, p.Exec.Sig)
}

// ReadProven asks the replicas one after another for key's value with a proof and returns the first answer
// that verifies, with the index of the replica that gave it.
func (c *Client) ReadProven(ctx context.Context, key []byte) (*wire.ProvenRead, uint32, error) {
	if len(key) == 0 || len(key) > chain.KeyBytesMax {
		return nil, 0, fmt.Errorf("key of %d bytes: want 1..%d", len(key), chain.KeyBytesMax)
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

// ReadJSON is a proven read as JSON: a client node's GET /kv/KEY and `sbft client get --json` with a proof.
// Field names are a contract: add fields, never rename them. Binary fields are hex, except value_base64.
type ReadJSON struct {
	Key         string `json:"key"`
	Value       string `json:"value"`
	ValueBase64 []byte `json:"value_base64"` // the exact bytes (value is them as a string)
	Version     uint64 `json:"version"`
	Height      uint64 `json:"height"`
	Found       bool   `json:"found"`
	StateRoot   string `json:"state_root"`
	BlockHash   string `json:"block_hash"`
	Header      string `json:"header"`       // the encoded block header of Height
	ExecSigners uint64 `json:"exec_signers"` // execution certificate: bitmap of the replicas that signed
	ExecSig     string `json:"exec_sig"`     // and their aggregate BLS signature
	Proof       string `json:"proof"`        // the key's state-tree proof (smt.Proof encoding)
	Verified    *bool  `json:"verified,omitempty"`
}

// NewReadJSON renders p.
func NewReadJSON(p *wire.ProvenRead) *ReadJSON {
	root := p.KV.Header.StateRoot
	return &ReadJSON{Key: string(p.KV.Key), Value: string(p.KV.Value), ValueBase64: p.KV.Value,
		Version: p.KV.Version, Height: p.KV.Header.Height, Found: p.KV.Found,
		StateRoot: hex.EncodeToString(root[:]), BlockHash: hex.EncodeToString(p.Exec.BlockHash[:]),
		Header: hex.EncodeToString(p.KV.Header.Marshal()), ExecSigners: p.Exec.Signers,
		ExecSig: hex.EncodeToString(p.Exec.Sig), Proof: hex.EncodeToString(p.KV.Proof.Marshal())}
}

// ProvenRead parses j back; the result still has to be verified (VerifyRead).
func (j *ReadJSON) ProvenRead() (*wire.ProvenRead, error) {
	rawHdr, err1 := hex.DecodeString(j.Header)
	sig, err2 := hex.DecodeString(j.ExecSig)
	rawProof, err3 := hex.DecodeString(j.Proof)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	hdr, err := chain.UnmarshalHeader(rawHdr)
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	proof, err := smt.UnmarshalProof(rawProof)
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if hdr.Height != j.Height {
		return nil, fmt.Errorf("read answer: height %d, header of %d", j.Height, hdr.Height)
	}
	p := &wire.ProvenRead{KV: chain.KVProof{Key: []byte(j.Key), Found: j.Found, Version: j.Version,
		Value: j.ValueBase64, Header: hdr, Proof: proof},
		Exec: wire.ExecCert{Height: hdr.Height, BlockHash: hdr.Hash(), Signers: j.ExecSigners, Sig: sig}}
	return p, nil
}
