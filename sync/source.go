package sync

import (
	"context"
	"errors"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/wire"
)

// P2PSource fetches blocks from replicas (by index in Peers) over the blocks protocol.
type P2PSource struct {
	Host  *p2p.Host
	Peers []peer.ID
}

// Blocks asks replica src for blocks from..to.
func (s P2PSource) Blocks(ctx context.Context, src SourceID, from, to uint64) ([]Block, error) {
	req := wire.BlocksRequest{From: from, To: to}.Marshal()
	resp, err := s.Host.Request(ctx, s.Peers[src], wire.BlocksProtocol, req, wire.BlocksAnswerReadBytesMax)
	if err != nil {
		return nil, err
	}
	return DecodeBlocks(resp)
}

// ErrNoCheckpoint is returned when no replica answered with a stable checkpoint whose certificate verifies.
var ErrNoCheckpoint = errors.New("no replica answered with a valid stable checkpoint")

// BestCheckpoint asks every replica but skip (-1: none) for its stable checkpoint and returns the highest one
// whose certificate verifies, with the replicas that answered (the sources).
func BestCheckpoint(ctx context.Context, host *p2p.Host, verify func(*wire.StableCheckpointProof) error, peers []peer.ID, skip int) (*wire.StableCheckpointProof, []SourceID, error) {
	type answer struct {
		from  uint32
		proof *wire.StableCheckpointProof
	}
	qctx, cancel := context.WithTimeout(ctx, CheckpointQueryTimeout)
	defer cancel()
	ch := make(chan answer, len(peers))
	asked := 0
	for i := range peers {
		if i == skip {
			continue
		}
		asked++
		go func() {
			a := answer{from: uint32(i)}
			if resp, err := host.Request(qctx, peers[i], wire.CheckpointProtocol, nil, wire.CheckpointProofBytesMax); err == nil {
				if p, err := wire.UnmarshalStableCheckpointProof(resp); err == nil && verify(p) == nil {
					a.proof = p
				}
			}
			ch <- a
		}()
	}
	var best *wire.StableCheckpointProof
	var sources []SourceID
	for k := 0; k < asked; k++ {
		a := <-ch
		if a.proof == nil {
			continue
		}
		sources = append(sources, a.from)
		if best == nil || a.proof.Seq > best.Seq {
			best = a.proof
		}
	}
	if best == nil {
		return nil, nil, ErrNoCheckpoint
	}
	return best, sources, nil
}
