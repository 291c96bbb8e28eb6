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
//	"sbft/consensus/v1"   consensus messages (consensus.Message.SigningBytes)
//	"sbft/share/v1"       quorum-certificate shares and execution certificates (consensus.ShareSigningBytes;
//	                      ExecSigningBytes below with kind CertExec)
//	"sbft/checkpoint/v1"  checkpoint digests (CheckpointDigest below)
//
// The consensus domains still live in consensus/messages.go; they move here with the signer interface.
const CheckpointDomain = "sbft/checkpoint/v1"

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
	return consensus.ShareSigningBytes(chainID, consensus.CertExec, 0, height, blockHash)
}
