package wire

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/chain/smt"
)

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
func NewReadJSON(p *ProvenRead) *ReadJSON {
	root := p.KV.Header.StateRoot
	return &ReadJSON{Key: string(p.KV.Key), Value: string(p.KV.Value), ValueBase64: p.KV.Value,
		Version: p.KV.Version, Height: p.KV.Header.Height, Found: p.KV.Found,
		StateRoot: hex.EncodeToString(root[:]), BlockHash: hex.EncodeToString(p.Exec.BlockHash[:]),
		Header: hex.EncodeToString(p.KV.Header.Marshal()), ExecSigners: p.Exec.Signers,
		ExecSig: hex.EncodeToString(p.Exec.Sig), Proof: hex.EncodeToString(p.KV.Proof.Marshal())}
}

// ProvenRead parses j back; the result still has to be verified (VerifyRead).
func (j *ReadJSON) ProvenRead() (*ProvenRead, error) {
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
	p := &ProvenRead{KV: chain.KVProof{Key: []byte(j.Key), Found: j.Found, Version: j.Version,
		Value: j.ValueBase64, Header: hdr, Proof: proof},
		Exec: ExecCert{Height: hdr.Height, BlockHash: hdr.Hash(), Signers: j.ExecSigners, Sig: sig}}
	return p, nil
}
