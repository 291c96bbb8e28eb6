package node

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/p2p"
)

// CheckpointAnnouncement is what a replica publishes on the gossipsub topic /sbft/<chain-id>/checkpoints/1
// after executing a checkpoint's sequence number. Wire format (big-endian, fixed width):
//
//	version(1)=1 replica(4) seq(8) height(8) block_hash(32) state_root(32) share_len(1) share sig_len(1) sig
//
// share is the replica's BLS12-381 signature share over the checkpoint digest (2f+c+1 of them make the stable
// checkpoint certificate); sig is its Ed25519 signature over the signing bytes of the consensus message
// {type 13 (checkpoint), from replica, view 0, seq, digest, share} (consensus.Message.SigningBytes), where
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

// ErrAnnouncement is returned for bytes that are not a valid announcement.
var ErrAnnouncement = errors.New("malformed checkpoint announcement")

const announcementVersion = 1

// Marshal encodes a.
func (a *CheckpointAnnouncement) Marshal() []byte {
	b := make([]byte, 0, 1+4+16+64+2+len(a.Share)+len(a.Sig))
	b = append(b, announcementVersion)
	b = binary.BigEndian.AppendUint32(b, a.Replica)
	b = binary.BigEndian.AppendUint64(b, a.Seq)
	b = binary.BigEndian.AppendUint64(b, a.Height)
	b = append(b, a.BlockHash[:]...)
	b = append(b, a.StateRoot[:]...)
	b = append(b, byte(len(a.Share)))
	b = append(b, a.Share...)
	b = append(b, byte(len(a.Sig)))
	return append(b, a.Sig...)
}

// UnmarshalCheckpointAnnouncement decodes b strictly; it never panics.
func UnmarshalCheckpointAnnouncement(b []byte) (*CheckpointAnnouncement, error) {
	const fixed = 1 + 4 + 8 + 8 + 32 + 32
	if len(b) < fixed+2 || len(b) > p2p.GossipMessageBytesMax || b[0] != announcementVersion {
		return nil, fmt.Errorf("%w: %d bytes", ErrAnnouncement, len(b))
	}
	a := &CheckpointAnnouncement{Replica: binary.BigEndian.Uint32(b[1:]), Seq: binary.BigEndian.Uint64(b[5:]),
		Height: binary.BigEndian.Uint64(b[13:])}
	copy(a.BlockHash[:], b[21:53])
	copy(a.StateRoot[:], b[53:85])
	rest := b[fixed:]
	var ok bool
	if a.Share, rest, ok = lenPrefixed(rest); !ok {
		return nil, fmt.Errorf("%w: share", ErrAnnouncement)
	}
	if a.Sig, rest, ok = lenPrefixed(rest); !ok || len(rest) != 0 {
		return nil, fmt.Errorf("%w: signature", ErrAnnouncement)
	}
	return a, nil
}

func lenPrefixed(b []byte) (field, rest []byte, ok bool) {
	if len(b) < 1 || int(b[0]) > len(b)-1 || int(b[0]) > consensus.SigBytesMax {
		return nil, nil, false
	}
	n := int(b[0])
	return append([]byte(nil), b[1:1+n]...), b[1+n:], true
}

// Message is the consensus checkpoint message the announcement carries.
func (a *CheckpointAnnouncement) Message(chainID string) *consensus.Message {
	return &consensus.Message{Type: consensus.MsgCheckpoint, From: a.Replica, Seq: a.Seq,
		Digest: CheckpointDigest(chainID, a.Seq, a.Height, a.BlockHash, a.StateRoot), Share: a.Share, Sig: a.Sig}
}

// announcer publishes this replica's checkpoint announcements from its own goroutine, so the driver never
// waits on gossip.
type announcer struct {
	topic *p2p.Topic
	queue chan []byte
}

func (a *announcer) run(ctx context.Context, log interface{ Warn(string, ...any) }) {
	for {
		select {
		case <-ctx.Done():
			return
		case data := <-a.queue:
			if err := a.topic.Publish(ctx, data); err != nil {
				log.Warn("checkpoint announcement not published", "err", err)
			}
		}
	}
}

// AnnounceCheckpoint queues an announcement (dropped if the queue is full: the core resends until stable).
func (a *announcer) AnnounceCheckpoint(ann *CheckpointAnnouncement) {
	select {
	case a.queue <- ann.Marshal():
	default:
	}
}

// validateCheckpoint is the topic validator: the publisher must be the replica the announcement names, and
// the announcement well-formed and signed by it; checkpoints at or below this replica's stable one are
// ignored (stale, no penalty).
func (n *Node) validateCheckpoint(from peer.ID, data []byte) pubsub.ValidationResult {
	idx, ok := n.host.ReplicaIndex(from)
	if !ok {
		return pubsub.ValidationReject
	}
	a, err := UnmarshalCheckpointAnnouncement(data)
	if err != nil || a.Replica != idx || a.Seq == 0 || a.Seq%n.opts.Genesis.CheckpointInterval != 0 {
		return pubsub.ValidationReject
	}
	if err := n.verifier.Verify(idx, a.Message(n.opts.Genesis.ChainID)); err != nil {
		return pubsub.ValidationReject
	}
	if a.Seq <= n.driver.Status().LastStableCheckpoint {
		return pubsub.ValidationIgnore
	}
	return pubsub.ValidationAccept
}

// onCheckpointGossip hands a validated announcement to the core (dropped when the inbound queue is full: the
// sender resends until the checkpoint is stable).
func (n *Node) onCheckpointGossip(_ peer.ID, data []byte) {
	a, err := UnmarshalCheckpointAnnouncement(data)
	if err != nil {
		return
	}
	select {
	case n.inbound <- a.Message(n.opts.Genesis.ChainID):
	default:
	}
}

// StableCheckpointProof is the answer of the checkpoint protocol (/sbft/<chain-id>/checkpoint/1): the
// replica's last stable checkpoint with the block fields its digest covers and the certificate of 2f+c+1
// replicas. Wire format: version(1)=1 seq(8) height(8) block_hash(32) state_root(32) signers(8) sig_len(1) sig.
type StableCheckpointProof struct {
	Seq, Height          uint64
	BlockHash, StateRoot [32]byte
	Signers              uint64
	Sig                  []byte
}

// CheckpointProtocol is the request/response protocol that serves stable checkpoints (an empty request asks
// for the latest).
const CheckpointProtocol = "checkpoint"

// Marshal encodes p.
func (p *StableCheckpointProof) Marshal() []byte {
	b := append([]byte{announcementVersion}, binary.BigEndian.AppendUint64(nil, p.Seq)...)
	b = binary.BigEndian.AppendUint64(b, p.Height)
	b = append(b, p.BlockHash[:]...)
	b = append(b, p.StateRoot[:]...)
	b = binary.BigEndian.AppendUint64(b, p.Signers)
	b = append(b, byte(len(p.Sig)))
	return append(b, p.Sig...)
}

// UnmarshalStableCheckpointProof decodes b strictly.
func UnmarshalStableCheckpointProof(b []byte) (*StableCheckpointProof, error) {
	const fixed = 1 + 8 + 8 + 32 + 32 + 8
	if len(b) < fixed+1 || b[0] != announcementVersion {
		return nil, fmt.Errorf("%w: checkpoint proof of %d bytes", ErrAnnouncement, len(b))
	}
	p := &StableCheckpointProof{Seq: binary.BigEndian.Uint64(b[1:]), Height: binary.BigEndian.Uint64(b[9:])}
	copy(p.BlockHash[:], b[17:49])
	copy(p.StateRoot[:], b[49:81])
	p.Signers = binary.BigEndian.Uint64(b[81:])
	sig, rest, ok := lenPrefixed(b[fixed:])
	if !ok || len(rest) != 0 {
		return nil, fmt.Errorf("%w: checkpoint proof signature", ErrAnnouncement)
	}
	p.Sig = sig
	return p, nil
}

// Certificate is the stable checkpoint certificate the proof carries.
func (p *StableCheckpointProof) Certificate(chainID string) consensus.Certificate {
	return consensus.Certificate{Kind: consensus.CertCheckpoint, Seq: p.Seq,
		Digest: CheckpointDigest(chainID, p.Seq, p.Height, p.BlockHash, p.StateRoot), Signers: p.Signers, Sig: p.Sig}
}

// VerifyStableCheckpoint checks a proof against the genesis keys: 2f+c+1 replicas signed its digest.
func (v *Verifier) VerifyStableCheckpoint(p *StableCheckpointProof) error {
	cert := p.Certificate(v.chainID)
	return v.verifyCert(&cert, []consensus.CertKind{consensus.CertCheckpoint})
}

// serveCheckpoint answers the checkpoint protocol from the store (safe beside the driver: pebble reads are).
func (n *Node) serveCheckpoint(_ peer.ID, _ []byte) ([]byte, error) {
	p, err := ReadStableCheckpoint(n.store)
	if err != nil {
		return nil, err
	}
	return p.Marshal(), nil
}

// ReadStableCheckpoint reads the last stable checkpoint and the block fields its digest covers from store.
func ReadStableCheckpoint(store chain.Store) (*StableCheckpointProof, error) {
	raw, err := store.Get(chain.StableCheckpointKey())
	if errors.Is(err, chain.ErrNotFound) {
		return nil, errors.New("no stable checkpoint yet")
	}
	if err != nil {
		return nil, fmt.Errorf("read stable checkpoint: %w", err)
	}
	cert, err := consensus.UnmarshalCertificate(raw)
	if err != nil {
		return nil, err
	}
	b, err := store.Get(chain.BlockKey(cert.Seq))
	if err != nil {
		return nil, fmt.Errorf("block %d of the stable checkpoint: %w", cert.Seq, err)
	}
	blk, err := chain.UnmarshalBlock(b)
	if err != nil {
		return nil, err
	}
	return &StableCheckpointProof{Seq: cert.Seq, Height: blk.Header.Height, BlockHash: blk.Header.Hash(),
		StateRoot: blk.Header.StateRoot, Signers: cert.Signers, Sig: cert.Sig}, nil
}
