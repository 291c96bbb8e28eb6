package clientnode

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// The client node's following (clientnode.go): one replica's block subscription at a time, every block checked
// and executed here; sources that lie or withhold are dropped for a while.

// Why the node stopped following a source.
var (
	// errBadSource: the source sent a block that is forged, out of order or not proven by its certificate.
	errBadSource = errors.New("source sent a bad block")
	// errWithheld: the network certified blocks above this node's height, and the source sent none for
	// SourceStallTimeout.
	errWithheld = errors.New("source withholds certified blocks")
	// errFarBehind: the node is far enough behind for the parallel fetch to be faster.
	errFarBehind = errors.New("far behind: catching up in parallel")
)

// follow runs until ctx ends or the node's own store fails: catch up when far behind, else follow one source
// after another.
func (f *Node) follow(ctx context.Context) error {
	penalty := make([]time.Time, len(f.peers)) // a source is not followed again before this
	next := FirstSource(f.host.ID(), len(f.peers))
	f.pollHeadsOnce(ctx) // so that a node far behind catches up in parallel at once
	for ctx.Err() == nil {
		if f.certified.Load() >= f.height.Load()+CatchUpBlocks {
			if err := f.catchUp(ctx); err != nil {
				return err
			}
		}
		src, wait := pickSource(penalty, &next, time.Now())
		if wait > 0 {
			sleepCtx(ctx, wait)
			continue
		}
		f.source.Store(int64(src))
		f.sourceTop.Store(0)
		err := f.followSource(ctx, src)
		f.source.Store(-1)
		penalty[src] = time.Now().Add(sourcePenalty(err))
		switch {
		case ctx.Err() != nil:
		case errors.Is(err, errStoreFailed):
			return err
		case errors.Is(err, errBadSource), errors.Is(err, errWithheld):
			f.metrics.dropped.Inc()
			f.log.Warn("dropped a replica as block source", "replica", src, "for", sourcePenalty(err), "err", err)
		default:
			f.log.Debug("block source ended", "replica", src, "err", err)
		}
	}
	return nil
}

func sourcePenalty(err error) time.Duration {
	switch {
	case errors.Is(err, errBadSource):
		return BadSourcePenalty
	case errors.Is(err, errWithheld):
		return WithholdPenalty
	case errors.Is(err, errFarBehind):
		return 0
	}
	return SourceRetryInterval
}

// FirstSource is the replica a client node follows first: spread over the replicas by the node's peer ID, so
// that client nodes do not all start with the same one.
func FirstSource(id peer.ID, n int) int {
	h := sha256.Sum256([]byte(id))
	return int(binary.BigEndian.Uint64(h[:8]) % uint64(n))
}

// pickSource returns the next source (round robin) not under penalty, or how long to wait for one.
func pickSource(penalty []time.Time, next *int, now time.Time) (int, time.Duration) {
	wait := time.Duration(math.MaxInt64)
	for k := 0; k < len(penalty); k++ {
		i := (*next + k) % len(penalty)
		if !penalty[i].After(now) {
			*next = i + 1
			return i, 0
		}
		wait = min(wait, penalty[i].Sub(now))
	}
	return 0, wait
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

type subscribedFrame struct {
	b   []byte
	err error
}

// followSource subscribes to replica src from the next height and applies what it pushes.
func (f *Node) followSource(ctx context.Context, src int) error {
	octx, cancel := context.WithTimeout(ctx, SubscribeOpenTimeout)
	s, err := f.host.OpenSession(octx, f.peers[src], wire.SubscribeProtocol, wire.SubscribedFrameBytesMax, 1)
	cancel()
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Send(wire.EncodeSubscribe(f.height.Load() + 1)); err != nil {
		return err
	}
	frames := make(chan subscribedFrame, FramesQueuedMax)
	done := make(chan struct{})
	defer close(done)
	go readFrames(s, frames, done)
	check := time.NewTicker(SourceStallTimeout / 4)
	defer check.Stop()
	progress := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case fr := <-frames:
			if fr.err != nil {
				return fr.err
			}
			applied, err := f.onSubscribed(fr.b)
			if err != nil {
				return err
			}
			if applied {
				progress = time.Now()
			}
		case <-check.C:
			h, certified := f.height.Load(), f.certified.Load()
			if certified >= h+CatchUpBlocks {
				return errFarBehind
			}
			if certified > h && time.Since(progress) > SourceStallTimeout {
				return fmt.Errorf("%w: the network certified height %d, this node is at %d", errWithheld, certified, h)
			}
		}
	}
}

// readFrames hands a session's frames to the client node until the session fails or done is closed.
func readFrames(s p2p.Session, out chan<- subscribedFrame, done <-chan struct{}) {
	for {
		b, err := s.Recv()
		select {
		case out <- subscribedFrame{b, err}:
		case <-done:
			return
		}
		if err != nil {
			return
		}
	}
}

// onSubscribed takes one pushed frame; applied reports a block executed.
func (f *Node) onSubscribed(frame []byte) (applied bool, err error) {
	sf, err := wire.DecodeSubscribed(frame)
	if err != nil {
		return false, fmt.Errorf("%w: %v", errBadSource, err)
	}
	if sf.Kind == wire.SubscribedExecCert {
		if err := f.verifier.VerifyExecCert(sf.Exec); err != nil {
			return false, fmt.Errorf("%w: execution certificate of height %d: %v", errBadSource, sf.Exec.Height, err)
		}
		f.mu.Lock()
		f.addCert(sf.Exec)
		f.mu.Unlock()
		f.noteCertified(sf.Exec.Height)
		return false, nil
	}
	blk, err := chain.UnmarshalBlock(sf.Block.Block)
	if err == nil {
		err = f.verifier.VerifyBlockCert(blk, sf.Block.Cert)
	}
	if err == nil {
		err = f.applyBlock(blk, sf.Block.Cert, true)
	}
	switch {
	case errors.Is(err, errStoreFailed):
		return false, err
	case err != nil:
		f.refused.Add(1)
		f.metrics.refused.Inc()
		return false, fmt.Errorf("%w: %v", errBadSource, err)
	}
	// The height the source says it reached counts only once it sent a block that checks out.
	f.sourceTop.Store(sf.Top)
	return true, nil
}

// applyBlock executes blk as the next block, keeps it (synced when sync) if it reproduces the block sent, and
// reloads the application from the store if it does not.
func (f *Node) applyBlock(blk *chain.Block, cert []byte, sync bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := commitNext(f.app, blk, cert, sync)
	switch {
	case err == nil:
		f.refreshLatest()
		f.metrics.applied.Inc()
		f.notifyHeight(blk.Header.Height)
		return nil
	case errors.Is(err, errStoreFailed):
		return err
	}
	app, rerr := chain.OpenApp(f.store, f.opts.Genesis.ChainID, f.log)
	if rerr != nil {
		return errors.Join(err, fmt.Errorf("%w: reload application: %v", errStoreFailed, rerr))
	}
	f.app = app
	f.refreshLatest() // the reloaded application keeps no earlier state versions
	return err
}

// commitNext executes blk on app if it is the next block, and commits it with its certificate and the outcomes
// of its transactions (synced when sync) if this reproduces it (chain.App.ExecuteAndCommit). On error app may
// have moved on: the caller reloads it from the store; a failed commit is errStoreFailed.
func commitNext(app *chain.App, blk *chain.Block, cert []byte, sync bool) error {
	_, err := app.ExecuteAndCommit([]chain.Certified{{Sent: blk, Cert: cert}}, nil, sync, func(b chain.Batch, e chain.Executed) {
		b.Set(chain.OutcomesKey(e.Block.Header.Height), chain.Outcomes(e.Results))
	})
	var pe *chain.PersistError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: %v", errStoreFailed, err)
	}
	return err
}

// AcceptBlock is the client node's rule for a block a source pushes, as onSubscribed applies it: the commit
// certificate proves the block (VerifyBlockCert), it is the next one, and executing it here reproduces it; then
// it is committed with its certificate and outcomes. On error app may have moved on and must be reloaded from
// the store. The simulator's client node (sim) follows the coalition through it.
func AcceptBlock(v *replica.Verifier, app *chain.App, blk *chain.Block, cert []byte) error {
	if err := v.VerifyBlockCert(blk, cert); err != nil {
		return err
	}
	return commitNext(app, blk, cert, true)
}

// errStoreFailed: the node could not write or read its own store; it stops rather than go on without it.
var errStoreFailed = errors.New("store failed")

// noteCertified records that the network certified height h.
func (f *Node) noteCertified(h uint64) {
	for {
		old := f.certified.Load()
		if h <= old || f.certified.CompareAndSwap(old, h) {
			return
		}
	}
}

// pollHeads asks every replica for its latest execution certificate every HeadsPollInterval: how far the
// network is, unforgeably (f+1 signatures), to measure lag and find withholding sources.
func (f *Node) pollHeads(ctx context.Context) {
	t := time.NewTicker(HeadsPollInterval)
	defer t.Stop()
	for {
		f.pollHeadsOnce(ctx)
		f.metrics.lag.Set(float64(f.Status().Lag))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (f *Node) pollHeadsOnce(ctx context.Context) {
	qctx, cancel := context.WithTimeout(ctx, HeadsPollInterval)
	defer cancel()
	certs := make(chan *wire.ExecCert, len(f.peers))
	for _, p := range f.peers {
		go func() {
			var c *wire.ExecCert
			if resp, err := f.host.Request(qctx, p, wire.HeadProtocol, nil, wire.ExecCertBytesMax); err == nil {
				if c, err = wire.UnmarshalExecCert(resp); err != nil || f.verifier.VerifyExecCert(c) != nil {
					c = nil
				}
			}
			certs <- c
		}()
	}
	for range f.peers {
		if c := <-certs; c != nil {
			f.noteCertified(c.Height)
			f.mu.Lock()
			f.addCert(c)
			f.mu.Unlock()
		}
	}
}

// catchUp fetches the blocks up to the best stable checkpoint from every replica in parallel (the state
// transfer planner: each chunk linked by hash to the certified checkpoint) and executes them here. It fails
// only when the node's own store does; a failed fetch leaves following a replica to do the rest.
func (f *Node) catchUp(ctx context.Context) error {
	f.catchingUp.Store(true)
	defer f.catchingUp.Store(false)
	start, base := time.Now(), f.height.Load()
	proof, sources, err := bsync.BestCheckpoint(ctx, f.host, f.verifier.VerifyStableCheckpoint, f.peers, -1)
	if err != nil || proof.Height <= base {
		f.log.Debug("no checkpoint to catch up to", "height", base, "err", err)
		return nil
	}
	f.log.Info("catching up", "from_height", base, "to_height", proof.Height, "sources", sources)
	target := bsync.Target{Height: proof.Height, BlockHash: proof.BlockHash}
	blocks, err := bsync.Fetch(ctx, bsync.DefaultConfig(), target, base, sources, bsync.P2PSource{Host: f.host, Peers: f.peers}, time.Second,
		func(p bsync.Progress) {
			f.lastProgress.Store(&p)
			f.log.Info("catch-up progress", "fetched", p.Verified+p.Buffered, "of", p.Target-p.Base, "per_source", p.PerSource)
		})
	if err != nil {
		f.log.Warn("catch-up failed; following a replica instead", "err", err)
		return nil
	}
	for i, fb := range blocks {
		if err := f.applyBlock(fb.Block, fb.Cert, i == len(blocks)-1); err != nil {
			if errors.Is(err, errStoreFailed) {
				return err
			}
			f.log.Error("catch-up block refused", "height", fb.Block.Header.Height, "err", err)
			return nil
		}
	}
	took := time.Since(start)
	p := f.lastProgress.Load()
	cu := &CatchUpStatus{FromHeight: base, ToHeight: proof.Height, Blocks: len(blocks), TookMs: took.Milliseconds()}
	if p != nil {
		cu.PerSource = p.PerSource
	}
	f.lastCatchUp.Store(cu)
	f.log.Info("caught up", "height", f.height.Load(), "blocks", len(blocks), "took", took.Round(time.Millisecond),
		"blocks_per_s", math.Round(float64(len(blocks))/took.Seconds()))
	return nil
}
