package wire

import (
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// CheckpointAnnouncement is what a replica publishes on the gossipsub topic CheckpointTopic after executing a
// checkpoint's sequence number. Wire format (big-endian, fixed width):
//
//	version(1)=1 replica(4) seq(8) height(8) block_hash(32) state_root(32) share_len(1) share sig_len(1) sig
//
// share is the replica's BLS12-381 signature share over the checkpoint digest (2f+c+1 of them make the stable
// checkpoint certificate); sig is its Ed25519 signature over the signing bytes of the consensus message
// {type 13 (checkpoint), from replica, view 0, seq, digest, share} (MessageSigningBytes), where
// digest = CheckpointDigest(chain ID, seq, height, block_hash, state_root). A subscriber with the genesis checks
// sig against the replica's public key and trusts a checkpoint that f+1 replicas announce alike.
type CheckpointAnnouncement struct {
	Replica   uint32
	Seq       uint64
	Height    uint64
	BlockHash [32]byte
	StateRoot [32]byte
	Share     []byte
	Sig       []byte
}

// checkpointVersion is the first byte of announcements; checkpointProofVersion that of stable checkpoint
// proofs (2: the signers are the bitmap of signers.go, no longer a u64).
const (
	checkpointVersion      = 1
	checkpointProofVersion = 2
)

// Marshal encodes a.
func (a *CheckpointAnnouncement) Marshal() []byte {
	b := make([]byte, 0, announcementFixedBytes+2+len(a.Share)+len(a.Sig))
	b = be.AppendU32(append(b, checkpointVersion), a.Replica)
	b = appendCheckpointFields(b, a.Seq, a.Height, a.BlockHash, a.StateRoot)
	b = be.AppendLenBytes8(b, a.Share)
	return be.AppendLenBytes8(b, a.Sig)
}

// UnmarshalCheckpointAnnouncement decodes b strictly; it never panics.
func UnmarshalCheckpointAnnouncement(b []byte) (*CheckpointAnnouncement, error) {
	if len(b) < announcementFixedBytes+2 || len(b) > AnnouncementBytesMax || b[0] != checkpointVersion {
		return nil, errorf(ErrMalformedAnnouncement, "%d bytes", len(b))
	}
	r := be.NewReader(b[1:], ErrMalformedAnnouncement)
	a := &CheckpointAnnouncement{Replica: r.U32()}
	a.Seq, a.Height, a.BlockHash, a.StateRoot = readCheckpointFields(r)
	a.Share = r.LenBytes8(consensus.SigBytesMax)
	a.Sig = r.LenBytes8(consensus.SigBytesMax)
	if err := r.Done(); err != nil {
		return nil, err
	}
	return a, nil
}

// Message is the consensus checkpoint message the announcement carries.
func (a *CheckpointAnnouncement) Message(chainID string) *consensus.Message {
	return &consensus.Message{Type: consensus.MsgCheckpoint, From: a.Replica, Seq: a.Seq,
		Digest: CheckpointDigest(chainID, a.Seq, a.Height, a.BlockHash, a.StateRoot), Share: a.Share, Sig: a.Sig}
}

// StableCheckpointProof is the answer of the checkpoint protocol (CheckpointProtocol): the replica's last
// stable checkpoint with the block fields its digest covers and the certificate of 2f+c+1 replicas.
//
//	version(1)=2 seq(8) height(8) block_hash(32) state_root(32) signers sig_len(1) sig
//
// signers is the signer bitmap (signers.go).
type StableCheckpointProof struct {
	Seq, Height          uint64
	BlockHash, StateRoot [32]byte
	Signers              consensus.ReplicaSet
	Sig                  []byte
}

// Marshal encodes p.
func (p *StableCheckpointProof) Marshal() []byte {
	b := make([]byte, 0, checkpointProofFixedBytes+SignersBytesMax+1+len(p.Sig))
	b = appendCheckpointFields(append(b, checkpointProofVersion), p.Seq, p.Height, p.BlockHash, p.StateRoot)
	b = AppendSigners(b, p.Signers)
	return be.AppendLenBytes8(b, p.Sig)
}

// UnmarshalStableCheckpointProof decodes b strictly; it never panics.
func UnmarshalStableCheckpointProof(b []byte) (*StableCheckpointProof, error) {
	if len(b) < checkpointProofFixedBytes+SignersBytesMin+1 || b[0] != checkpointProofVersion {
		return nil, errorf(ErrMalformedAnnouncement, "checkpoint proof of %d bytes", len(b))
	}
	r := be.NewReader(b[1:], ErrMalformedAnnouncement)
	p := &StableCheckpointProof{}
	p.Seq, p.Height, p.BlockHash, p.StateRoot = readCheckpointFields(r)
	p.Signers = ReadSigners(r)
	p.Sig = r.LenBytes8(consensus.SigBytesMax)
	if err := r.Done(); err != nil {
		return nil, err
	}
	return p, nil
}

// Certificate is the stable checkpoint certificate the proof carries.
func (p *StableCheckpointProof) Certificate(chainID string) consensus.Certificate {
	return consensus.Certificate{Kind: consensus.CertCheckpoint, Seq: p.Seq,
		Digest: CheckpointDigest(chainID, p.Seq, p.Height, p.BlockHash, p.StateRoot), Signers: p.Signers, Sig: p.Sig}
}

// appendCheckpointFields appends what a checkpoint digest covers (but the chain ID): seq(8) height(8)
// block_hash(32) state_root(32), as both checkpoint frames carry it.
func appendCheckpointFields(b []byte, seq, height uint64, blockHash, stateRoot [32]byte) []byte {
	b = be.AppendU64(be.AppendU64(b, seq), height)
	return append(append(b, blockHash[:]...), stateRoot[:]...)
}

// readCheckpointFields reads what appendCheckpointFields wrote.
func readCheckpointFields(r *be.Reader) (seq, height uint64, blockHash, stateRoot [32]byte) {
	return r.U64(), r.U64(), r.Hash32(), r.Hash32()
}
