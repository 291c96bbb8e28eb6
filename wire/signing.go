package wire

import (
	"crypto/sha256"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// Signing domains. Every signature and signed digest of the project starts with a domain tag of its own, so no
// signature made for one purpose verifies for another:
//
//	"sbft/tx/v1"          client transactions (chain.Tx.SigningBytes)
//	"sbft/consensus/v1"   consensus messages (MessageSigningBytes below)
//	"sbft/share/v1"       quorum-certificate shares and execution certificates (ShareSigningBytes;
//	                      ExecSigningBytes with kind CertExec)
//	"sbft/checkpoint/v1"  checkpoint digests (CheckpointDigest below)
//
// The core signs nothing itself in these bytes: its Signer gets the message, and BLS shares are Ready
// requests the node answers, so every domain lives here.
const (
	MessageDomain    = "sbft/consensus/v1"
	ShareDomain      = "sbft/share/v1"
	CheckpointDomain = "sbft/checkpoint/v1"
)

// MessageSigningBytes is what the sender of a consensus message signs: the domain, the chain ID (2-byte
// length, then bytes), the type, the fixed fields (as encoded) and the share. Requests are covered by Digest
// (checked against BatchDigest by the verifier); a certificate is a signature of its own. A ViewChange's or
// NewView's evidence is covered through the sha256 of its encoding.
func MessageSigningBytes(chainID string, m *consensus.Message) []byte {
	b := make([]byte, 0, len(MessageDomain)+len(chainID)+80+len(m.Share))
	b = append(b, MessageDomain...)
	b = be.AppendU16(b, uint16(len(chainID)))
	b = append(b, chainID...)
	b = append(b, byte(m.Type))
	b = appendFixedFields(b, m)
	b = append(b, m.Share...)
	if m.Type == consensus.MsgViewChange || m.Type == consensus.MsgNewView {
		d := sha256.Sum256(appendPayload(nil, m))
		b = append(b, d[:]...)
	}
	return b
}

// ShareSigningBytes is what a certificate share signs, and what a certificate's aggregate signature verifies
// against: the domain, the chain ID (2-byte length, then bytes), the kind, view, seq and digest.
func ShareSigningBytes(chainID string, kind consensus.CertKind, view, seq uint64, digest [32]byte) []byte {
	b := make([]byte, 0, len(ShareDomain)+len(chainID)+60)
	b = append(b, ShareDomain...)
	b = be.AppendU16(b, uint16(len(chainID)))
	b = append(b, chainID...)
	b = append(b, byte(kind))
	b = be.AppendU64(b, view)
	b = be.AppendU64(b, seq)
	return append(b, digest[:]...)
}

// CheckpointDigest is what replicas sign at a checkpoint: sha256 over CheckpointDomain, the chain ID (2-byte
// length, then bytes), the sequence number and height (8 bytes each), the hash of the last block and the
// state root after it.
func CheckpointDigest(chainID string, seq, height uint64, blockHash, stateRoot [32]byte) [32]byte {
	b := make([]byte, 0, len(CheckpointDomain)+len(chainID)+82)
	b = append(b, CheckpointDomain...)
	b = be.AppendU16(b, uint16(len(chainID)))
	b = append(b, chainID...)
	b = be.AppendU64(b, seq)
	b = be.AppendU64(b, height)
	b = append(b, blockHash[:]...)
	b = append(b, stateRoot[:]...)
	return sha256.Sum256(b)
}

// ExecSigningBytes is what replicas sign after executing block height with hash blockHash (their shares make
// the execution certificate of an ExecProof).
func ExecSigningBytes(chainID string, height uint64, blockHash [32]byte) []byte {
	return ShareSigningBytes(chainID, consensus.CertExec, 0, height, blockHash)
}
