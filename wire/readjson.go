package wire

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/chain/smt"
	"github.com/sbftnet/sbft/consensus"
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
	Header      string `json:"header"` // the encoded block header of Height
	// ExecSigners are the indices of the replicas that signed the execution certificate, ascending: a list of
	// numbers rather than the binary bitmap, which any JSON reader takes whatever the network's size.
	ExecSigners []uint32 `json:"exec_signers"`
	ExecSig     string   `json:"exec_sig"` // and their aggregate BLS signature
	Proof       string   `json:"proof"`    // the key's state-tree proof (smt.Proof encoding)
	Verified    *bool    `json:"verified,omitempty"`
}

// NewReadJSON renders p.
func NewReadJSON(p *ProvenRead) *ReadJSON {
	root := p.KV.Header.StateRoot
	return &ReadJSON{Key: string(p.KV.Key), Value: string(p.KV.Value), ValueBase64: p.KV.Value,
		Version: p.KV.Version, Height: p.KV.Header.Height, Found: p.KV.Found,
		StateRoot: hex.EncodeToString(root[:]), BlockHash: hex.EncodeToString(p.Exec.BlockHash[:]),
		Header: hex.EncodeToString(p.KV.Header.Marshal()), ExecSigners: slices.Collect(p.Exec.Signers.Members()),
		ExecSig: hex.EncodeToString(p.Exec.Sig), Proof: hex.EncodeToString(p.KV.Proof.Marshal())}
}

// ProvenRead parses j back; the result still has to be verified (VerifyRead).
func (j *ReadJSON) ProvenRead() (*ProvenRead, error) {
	rawHdr, err1 := hex.DecodeString(j.Header)
	sig, err2 := hex.DecodeString(j.ExecSig)
	rawProof, err3 := hex.DecodeString(j.Proof)
	signers, err4 := signerSetOf(j.ExecSigners)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
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
		Exec: ExecCert{Height: hdr.Height, BlockHash: hdr.Hash(), Signers: signers, Sig: sig}}
	return p, nil
}

// signerSetOf is the set of the replica indices ids, which must be ascending, non-empty and below
// consensus.ReplicasMax, as the binary bitmap could carry them.
func signerSetOf(ids []uint32) (consensus.ReplicaSet, error) {
	var s consensus.ReplicaSet
	if len(ids) == 0 {
		return s, errors.New("exec_signers: none")
	}
	for i, id := range ids {
		if id >= consensus.ReplicasMax || (i > 0 && id <= ids[i-1]) {
			return s, fmt.Errorf("exec_signers: %v is not ascending indices below %d", ids, consensus.ReplicasMax)
		}
		s.Add(id)
	}
	return s, nil
}
