package node

import (
	"context"
	"errors"
	"fmt"
	"math"
	gosync "sync"
	"time"

	"github.com/sbftnet/sbft/replica"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// registerBlocks makes this replica a state transfer source (the server is a seam: a test build may decorate
// it; honest, it is sync.BlocksHandler on the store).
func (n *Node) registerBlocks() {
	n.host.HandleRequestParts(wire.BlocksProtocol, bsync.BlocksBounds, n.seams.blocks)
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
	proof, sources, err := bsync.BestCheckpoint(ctx, n.host, n.verifier.VerifyStableCheckpoint, n.peers, int(n.id))
	if err != nil {
		return nil, err
	}
	if proof.Height <= base {
		return nil, fmt.Errorf("%w: best stable checkpoint %d is not above height %d", errNothingToTransfer, proof.Height, base)
	}
	n.log.Info("state transfer started", "from_height", base, "to_height", proof.Height, "sources", sources)
	target := bsync.Target{Height: proof.Height, BlockHash: proof.BlockHash}
	blocks, err := bsync.Fetch(ctx, bsync.DefaultConfig(), target, base, sources, bsync.P2PSource{Host: n.host, Peers: n.peers}, time.Second, func(p bsync.Progress) {
		n.syncProgress.Store(&p)
		n.metrics.ObserveSync(&p, false)
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
			n.metrics.ObserveSync(nil, false)
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
		n.metrics.ObserveSync(nil, false)
		return
	}
	n.stateTransfers.Add(1)
	if p := n.syncProgress.Load(); p != nil {
		n.lastTransfer.Store(&replica.SyncStatus{TargetHeight: p.Target, BaseHeight: p.Base, Fetched: p.Verified + p.Buffered,
			Total: p.Target - p.Base, PerSource: p.PerSource, TookMs: tr.took.Milliseconds()})
	}
	n.syncProgress.Store(nil)
	n.metrics.ObserveSync(nil, true)
	n.log.Info("state transfer complete", "height", tr.proof.Height, "blocks", len(tr.blocks),
		"fetch", tr.took.Round(time.Millisecond), "execute", time.Since(start).Round(time.Millisecond),
		"blocks_per_s", math.Round(float64(len(tr.blocks))/tr.took.Seconds()))
}
