package sync

import (
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/wire"
)

// BlocksBounds are the blocks protocol's bounds on a server: open to client nodes too (they catch up by fetching
// from several replicas, as a replica does), an answer of at most a chunk's bytes.
var BlocksBounds = p2p.RequestBounds{RequestBytesMax: wire.BlocksRequestBytes, AnswerBytesMax: wire.BlocksAnswerBytesMax}

// BlocksHandler answers blocks requests from store (pebble reads are safe beside the driver); the answer's
// memory is bounded by the host's answer budget (p2p/answerbudget.go).
func BlocksHandler(store chain.Store) func(peer.ID, []byte) ([][]byte, error) {
	return func(_ peer.ID, req []byte) ([][]byte, error) {
		q, err := wire.UnmarshalBlocksRequest(req)
		if err != nil {
			return nil, err
		}
		return BlocksAnswer(store, q.From, q.To)
	}
}

// BlocksAnswer encodes blocks from..to with their certificates from store, as the parts of one answer (the
// blocks as read, not copied again).
func BlocksAnswer(store chain.Store, from, to uint64) ([][]byte, error) {
	parts := [][]byte{wire.AppendBlocksAnswerCount(nil, int(to-from+1))}
	size := len(parts[0])
	for h := from; h <= to; h++ {
		b, err := store.Get(chain.BlockKey(h))
		if errors.Is(err, chain.ErrNotFound) {
			return nil, fmt.Errorf("block %d is not here", h)
		}
		if err != nil {
			return nil, err
		}
		cert, err := store.Get(chain.CertKey(h))
		if err != nil && !errors.Is(err, chain.ErrNotFound) {
			return nil, err
		}
		if size += wire.BlockWithCertBytes(b, cert); size > wire.BlocksAnswerBytesMax {
			return nil, fmt.Errorf("blocks %d..%d exceed %d bytes", from, to, wire.BlocksAnswerBytesMax)
		}
		parts = wire.AppendBlockWithCertParts(parts, b, cert)
	}
	return parts, nil
}

// DecodeBlocks parses a blocks answer and the blocks in it.
func DecodeBlocks(b []byte) ([]Block, error) {
	entries, err := wire.UnmarshalBlocksAnswer(b)
	if err != nil {
		return nil, err
	}
	out := make([]Block, 0, len(entries))
	for _, e := range entries {
		blk, err := chain.UnmarshalBlock(e.Block)
		if err != nil {
			return nil, err
		}
		out = append(out, Block{Block: blk, Cert: e.Cert})
	}
	return out, nil
}

// ReadStableCheckpoint reads the last stable checkpoint and the block fields its digest covers from store.
func ReadStableCheckpoint(store chain.Store) (*wire.StableCheckpointProof, error) {
	raw, err := store.Get(chain.StableCheckpointKey())
	if errors.Is(err, chain.ErrNotFound) {
		return nil, errors.New("no stable checkpoint yet")
	}
	if err != nil {
		return nil, fmt.Errorf("read stable checkpoint: %w", err)
	}
	cert, err := wire.UnmarshalCertificate(raw)
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
	return &wire.StableCheckpointProof{Seq: cert.Seq, Height: blk.Header.Height, BlockHash: blk.Header.Hash(),
		StateRoot: blk.Header.StateRoot, Signers: cert.Signers, Sig: cert.Sig}, nil
}
