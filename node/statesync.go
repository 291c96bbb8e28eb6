package node

import (
	"context"
	"errors"
	"fmt"
	"math"
	gosync "sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/p2p"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// serveBlocks answers the blocks protocol from the store (pebble reads are safe beside the driver); its
// memory is bounded by the host's answer budget (p2p/answerbudget.go).
func (n *Node) serveBlocks(_ peer.ID, req []byte) ([][]byte, error) {
	q, err := wire.UnmarshalBlocksRequest(req)
	if err != nil {
		return nil, err
	}
	return BlocksAnswer(n.store, q.From, q.To, false)
}

// BlocksAnswer encodes blocks from..to with their certificates from store, as the parts of one answer (the
// blocks as read, not copied again; corrupt: test-only byzantine source).
func BlocksAnswer(store chain.Store, from, to uint64, corrupt bool) ([][]byte, error) {
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
		if corrupt {
			b = corruptBlock(b)
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

// corruptBlock replaces a block's transactions (test-only byzantine source): its header no longer matches.
func corruptBlock(raw []byte) []byte {
	blk, err := chain.UnmarshalBlock(raw)
	if err != nil {
		return raw
	}
	blk.Txs = append(blk.Txs, []byte("forged by a byzantine source"))
	return blk.Marshal()
}

// DecodeBlocks parses a blocks answer and the blocks in it.
func DecodeBlocks(b []byte) ([]bsync.Block, error) {
	entries, err := wire.UnmarshalBlocksAnswer(b)
	if err != nil {
		return nil, err
	}
	out := make([]bsync.Block, 0, len(entries))
	for _, e := range entries {
		blk, err := chain.UnmarshalBlock(e.Block)
		if err != nil {
			return nil, err
		}
		out = append(out, bsync.Block{Block: blk, Cert: e.Cert})
	}
	return out, nil
}

// p2pSource fetches blocks from replicas (by index in peers) over the blocks protocol.
type p2pSource struct {
	host  *p2p.Host
	peers []peer.ID
}

func (s p2pSource) Blocks(ctx context.Context, src bsync.SourceID, from, to uint64) ([]bsync.Block, error) {
	req := wire.BlocksRequest{From: from, To: to}.Marshal()
	resp, err := s.host.Request(ctx, s.peers[src], wire.BlocksProtocol, req, wire.BlocksAnswerReadBytesMax)
	if err != nil {
		return nil, err
	}
	return DecodeBlocks(resp)
}

// transfer is a completed fetch, handed to the driver's goroutine to execute.
type transfer struct {
	proof  *wire.StableCheckpointProof
	blocks []bsync.Block
	took   time.Duration
}

// stateTransfer finds the highest stable checkpoint f+1... (any valid certificate) among the replicas, fetches
// the blocks up to it from all of them, and hands them over for execution.
func (n *Node) stateTransfer(ctx context.Context, base uint64) (*transfer, error) {
	start := time.Now()
	proof, sources, err := bestCheckpoint(ctx, n.host, n.verifier, n.peers, int(n.id))
	if err != nil {
		return nil, err
	}
	if proof.Height <= base {
		return nil, fmt.Errorf("%w: best stable checkpoint %d is not above height %d", errNothingToTransfer, proof.Height, base)
	}
	n.log.Info("state transfer started", "from_height", base, "to_height", proof.Height, "sources", sources)
	target := bsync.Target{Height: proof.Height, BlockHash: proof.BlockHash}
	blocks, err := bsync.Fetch(ctx, bsync.DefaultConfig(), target, base, sources, p2pSource{n.host, n.peers}, time.Second, func(p bsync.Progress) {
		n.syncProgress.Store(&p)
		n.metrics.observeSync(&p, false)
		elapsed := time.Since(start).Seconds()
		rate := float64(p.Verified+p.Buffered) / max(elapsed, 0.001)
		left := float64(p.Target-p.Base) - float64(p.Verified+p.Buffered)
		n.log.Info("state transfer progress", "fetched", p.Verified+p.Buffered, "of", p.Target-p.Base,
			"blocks_per_s", math.Round(rate), "eta_s", math.Round(left/max(rate, 0.001)), "per_source", p.PerSource)
	})
	if err != nil {
		return nil, err
	}
	return &transfer{proof: proof, blocks: blocks, took: time.Since(start)}, nil
}

var errNothingToTransfer = errors.New("nothing to transfer")

// bestCheckpoint asks every replica but skip (-1: none) for its stable checkpoint and returns the highest one
// whose certificate verifies, with the replicas that answered (the sources).
func bestCheckpoint(ctx context.Context, host *p2p.Host, v *Verifier, peers []peer.ID, skip int) (*wire.StableCheckpointProof, []bsync.SourceID, error) {
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
				if p, err := wire.UnmarshalStableCheckpointProof(resp); err == nil && v.VerifyStableCheckpoint(p) == nil {
					a.proof = p
				}
			}
			ch <- a
		}()
	}
	var best *wire.StableCheckpointProof
	var sources []bsync.SourceID
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
		return nil, nil, errors.New("no replica answered with a valid stable checkpoint")
	}
	return best, sources, nil
}

// InstallTransfer executes fetched blocks forward on the driver's goroutine, checks that each reproduces the
// fetched block (same state root, same hash), stores the stable checkpoint and restarts the core from the
// store: the replica rejoins consensus at the checkpoint. If a block does not reproduce, the blocks before it
// stay installed (each reproduced) and the application is reloaded from the store, since executing the bad
// block advanced it in memory.
func (d *Driver) InstallTransfer(proof *wire.StableCheckpointProof, blocks []bsync.Block) error {
	if err := d.installBlocks(proof, blocks); err != nil {
		app, rerr := chain.OpenApp(d.cfg.Store, d.cfg.ChainID, d.cfg.Logger)
		if rerr != nil {
			return errors.Join(err, fmt.Errorf("reload application: %w", rerr))
		}
		d.app = app
		return errors.Join(err, d.restartCore())
	}
	return d.restartCore()
}

func (d *Driver) installBlocks(proof *wire.StableCheckpointProof, blocks []bsync.Block) error {
	last := d.app.LastHeader().Height
	for _, fb := range blocks {
		h := fb.Block.Header
		if h.Height <= last {
			continue // executed meanwhile by catch-up
		}
		if h.Height != last+1 {
			return fmt.Errorf("state transfer: block %d after height %d", h.Height, last)
		}
		b := d.cfg.Store.NewBatch()
		if _, err := executeFetched(b, d.app, fb.Block, d.cfg.TxCache.has); err != nil {
			b.Close()
			return fmt.Errorf("state transfer: %w", err)
		}
		d.app.StageCert(b, h.Height, fb.Cert)
		if h.Height == proof.Height {
			b.Set(chain.StableCheckpointKey(), wire.MarshalCertificate(proof.Certificate(d.cfg.ChainID)))
		}
		err := b.Commit(h.Height == proof.Height)
		b.Close()
		if err != nil {
			return fmt.Errorf("state transfer: persist block %d: %w", h.Height, err)
		}
		d.app.Flushed()
		last = h.Height
	}
	return nil
}

// executeFetched executes a block another node sent as the next block of app, staging it into b, and checks
// that it reproduces the block sent. On an error the app has advanced in memory: the caller reloads it.
func executeFetched(b chain.Batch, app *chain.App, fetched *chain.Block, verified func([32]byte) bool) ([]chain.Result, error) {
	h := fetched.Header
	blk, results, err := app.Execute(b, h.Seq, fetched.Txs, verified)
	if err != nil {
		return nil, err
	}
	if !reproduces(blk.Header, h) {
		return nil, fmt.Errorf("%w: executing block %d gave block %x (state root %x), the one sent is %x (state root %x)",
			ErrNotReproduced, h.Height, hashPrefix(blk.Header.Hash()), blk.Header.StateRoot[:4], hashPrefix(h.Hash()), h.StateRoot[:4])
	}
	return results, nil
}

// ErrNotReproduced is returned for a block whose execution here gave another block than the one sent.
var ErrNotReproduced = errors.New("block not reproduced")

func hashPrefix(h [32]byte) []byte { return h[:4] }

// reproduces reports whether executing a fetched block gave the same block: same hash, so same parent too.
func reproduces(executed, fetched chain.Header) bool {
	if mutant.On(mutant.TransferHashChain) {
		return executed.StateRoot == fetched.StateRoot
	}
	return executed.Hash() == fetched.Hash()
}

// restartCore rebuilds the consensus core from the store, as a restarted process would.
func (d *Driver) restartCore() error {
	rs, err := loadRestore(d.cfg.Store, d.app, d.cc.RetainExecutedSeqs())
	if err != nil {
		return err
	}
	core, err := consensus.New(d.cc, rs)
	if err != nil {
		return fmt.Errorf("restart consensus after state transfer: %w", err)
	}
	d.core = core
	d.resetSoftState(core.Status().SoftState)
	d.publishStatus()
	return nil
}

// maybeStartTransfer starts a state transfer on its own goroutine (the core asked for one: the replica fell
// behind what its peers can still send it); at most one at a time.
func (n *Node) maybeStartTransfer(ctx context.Context, workers *gosync.WaitGroup) {
	if n.syncing.Load() {
		return
	}
	n.syncing.Store(true)
	base := n.driver.Status().Height
	workers.Add(1)
	go func() {
		defer workers.Done()
		tr, err := n.stateTransfer(ctx, base)
		if err != nil {
			if !errors.Is(err, errNothingToTransfer) && ctx.Err() == nil {
				n.log.Warn("state transfer failed; will retry", "err", err)
			}
			n.metrics.observeSync(nil, false)
			n.syncing.Store(false)
			return
		}
		select {
		case n.transfers <- tr:
		case <-ctx.Done():
		}
	}()
}

// installTransfer runs on the loop goroutine.
func (n *Node) installTransfer(tr *transfer) {
	defer n.syncing.Store(false)
	start := time.Now()
	if err := n.driver.InstallTransfer(tr.proof, tr.blocks); err != nil {
		n.log.Error("state transfer could not be installed", "err", err)
		n.metrics.observeSync(nil, false)
		return
	}
	n.stateTransfers.Add(1)
	if p := n.syncProgress.Load(); p != nil {
		n.lastTransfer.Store(&SyncStatus{TargetHeight: p.Target, BaseHeight: p.Base, Fetched: p.Verified + p.Buffered,
			Total: p.Target - p.Base, PerSource: p.PerSource, TookMs: tr.took.Milliseconds()})
	}
	n.syncProgress.Store(nil)
	n.metrics.observeSync(nil, true)
	n.log.Info("state transfer complete", "height", tr.proof.Height, "blocks", len(tr.blocks),
		"fetch", tr.took.Round(time.Millisecond), "execute", time.Since(start).Round(time.Millisecond),
		"blocks_per_s", math.Round(float64(len(tr.blocks))/tr.took.Seconds()))
}
