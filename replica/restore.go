package replica

import (
	"errors"
	"fmt"
	"math"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// loadRestore reads what the core needs to resume: hard state, log records above the last executed sequence
// number and the executed batches of the last retain sequence numbers with their certificates.
func loadRestore(store chain.Store, app *chain.App, retain uint64) (consensus.Restore, error) {
	last := app.LastHeader()
	rs := consensus.Restore{LastExecuted: last.Seq}
	hs, err := store.Get(chain.ConsensusHardStateKey())
	switch {
	case err == nil:
		if rs.HardState, err = wire.UnmarshalHardState(hs); err != nil {
			return rs, fmt.Errorf("consensus hard state: %w", err)
		}
	case !errors.Is(err, chain.ErrNotFound):
		return rs, fmt.Errorf("read consensus hard state: %w", err)
	}
	switch st, err := store.Get(chain.StableCheckpointKey()); {
	case err == nil:
		cert, err := wire.UnmarshalCertificate(st)
		if err != nil {
			return rs, fmt.Errorf("stable checkpoint: %w", err)
		}
		rs.Stable = &cert
	case !errors.Is(err, chain.ErrNotFound):
		return rs, fmt.Errorf("read stable checkpoint: %w", err)
	}
	lo, hi := chain.ConsensusLogRange(last.Seq+1, math.MaxUint64)
	err = store.Iterate(lo, hi, func(k, v []byte) error {
		seq, kind, err := chain.ParseConsensusLogKey(k)
		if err != nil {
			return err
		}
		m, err := wire.UnmarshalMessage(v)
		if err != nil {
			return fmt.Errorf("consensus log record: %w", err)
		}
		rs.Records = append(rs.Records, consensus.Record{Seq: seq, Kind: consensus.RecordKind(kind), Msg: m})
		return nil
	})
	if err != nil {
		return rs, fmt.Errorf("read consensus log: %w", err)
	}
	from := uint64(1)
	if last.Height > retain { // a sequence number has at most one block: older ones are below the range
		from = last.Height - retain + 1
	}
	for h := from; h <= last.Height && last.Height > 0; h++ {
		cb, err := committedBatchAt(app, h)
		if err != nil {
			return rs, err
		}
		if cb.Seq+retain > last.Seq {
			rs.Executed = append(rs.Executed, cb)
		}
	}
	return rs, nil
}

// committedBatchAt rebuilds the committed batch of block h from the store.
func committedBatchAt(app *chain.App, h uint64) (consensus.CommittedBatch, error) {
	blk, err := app.Block(h)
	if err != nil {
		return consensus.CommittedBatch{}, fmt.Errorf("block %d: %w", h, err)
	}
	raw, err := app.CertAt(h)
	if err != nil {
		return consensus.CommittedBatch{}, fmt.Errorf("certificate %d: %w", h, err)
	}
	cert, err := wire.UnmarshalCertificate(raw)
	if err != nil {
		return consensus.CommittedBatch{}, fmt.Errorf("certificate %d: %w", h, err)
	}
	return consensus.CommittedBatch{Seq: blk.Header.Seq, View: cert.View, Digest: cert.Digest,
		Requests: blk.Txs, Cert: cert}, nil
}
