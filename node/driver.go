package node

import (
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/wire"
)

// Transport carries consensus frames to other replicas without blocking the caller.
type Transport interface {
	Send(to uint32, frame []byte) bool
	Broadcast(frame []byte)
}

// Waiter receives the reply about one transaction (a client session, or a test).
type Waiter interface {
	Deliver(r *wire.Reply)
}

// Intake is a client transaction whose format and signature were checked by the intake goroutine.
type Intake struct {
	Tx     *chain.Tx
	Raw    []byte
	Hash   [32]byte
	Waiter Waiter
}

// DriverConfig is what a Driver is built from.
type DriverConfig struct {
	ChainID      string
	ID           uint32
	N, F, C      int
	Signer       consensus.Signer
	ShareKey     *bls.SecretKey  // this replica's BLS key for certificate shares
	BLSKeys      []bls.PublicKey // every replica's BLS key, by index
	Consensus    ConsensusConfig
	TickInterval time.Duration
	Store        chain.Store
	Transport    Transport
	Logger       *slog.Logger
	Metrics      *Metrics // nil: no metrics
	TxCache      *TxCache // shared with the verifier; nil: a private one
	// CheckpointInterval is the genesis's checkpoint_interval, the same on every replica; it must lie within
	// [consensus.CheckpointIntervalSeqsMin, consensus.CheckpointIntervalSeqsMax].
	CheckpointInterval int
	// OnBlock, if set, is called with every block and its results after it is durable (the simulator's
	// checkers use it).
	OnBlock func(*chain.Block, []chain.Result)
	// Announcer, if set, publishes this replica's checkpoint shares (over gossipsub) instead of the
	// transport's broadcast.
	Announcer Announcer
}

// Driver owns the consensus core and the application; see the package doc for its round.
type Driver struct {
	cfg     DriverConfig
	cc      consensus.Config // the core's config (checkpoint interval, window)
	log     *slog.Logger
	core    *consensus.Core
	app     *chain.App
	waiters waiters
	results resultCache
	exec    execCollector
	status  atomic.Pointer[Status]
	ticks   uint64
	views   viewTracker

	lastExecutedSeen, lastExecutedTick uint64 // for NeedsStateTransfer's stall rule
}

// NewDriver opens the application on the store and restores the core from what was persisted.
func NewDriver(cfg DriverConfig) (*Driver, error) {
	app, err := chain.OpenApp(cfg.Store, cfg.ChainID, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("open application: %w", err)
	}
	cc := cfg.coreConfig()
	if err := cc.Validate(); err != nil {
		return nil, err
	}
	rs, err := loadRestore(cfg.Store, app, cc.RetainExecutedSeqs())
	if err != nil {
		return nil, err
	}
	core, err := consensus.New(cc, rs)
	if err != nil {
		return nil, fmt.Errorf("restore consensus: %w", err)
	}
	if cfg.TxCache == nil {
		cfg.TxCache = NewTxCache(VerifiedTxCacheMax)
	}
	d := &Driver{cfg: cfg, cc: cc, log: cfg.Logger, core: core, app: app}
	d.waiters = newWaiters(ttlTicks(cfg.TickInterval))
	d.results = newResultCache(ResultCacheMax)
	d.exec = newExecCollector()
	d.views.view, d.views.active = core.ViewState()
	d.log.Info("replica restored", "last_executed_seq", rs.LastExecuted, "view", rs.HardState.View,
		"log_records", len(rs.Records), "height", app.LastHeader().Height)
	d.publishStatus()
	return d, nil
}

func (cfg *DriverConfig) coreConfig() consensus.Config {
	cc := consensus.DefaultConfig(cfg.ChainID, cfg.Signer, blsSigner{cfg.ShareKey}, cfg.ID, cfg.N, cfg.F)
	cc.C = cfg.C
	cc.CheckpointIntervalSeqs = cfg.CheckpointInterval
	cfg.Consensus.applyTo(&cc, cfg.TickInterval)
	return cc
}

func ttlTicks(tick time.Duration) uint64 {
	if tick <= 0 {
		return WaiterTTLTicksUntimed
	}
	return uint64(WaiterTTL / tick)
}

// Step feeds a verified consensus message (execution shares are the driver's own business).
func (d *Driver) Step(m *consensus.Message) {
	switch m.Type {
	case consensus.MsgExecShare:
		d.onExecShare(m)
		return
	case consensus.MsgRequest:
		d.onForwarded(m)
		return
	}
	d.core.Step(m)
}

// Tick advances the core's logical time.
func (d *Driver) Tick() {
	d.ticks++
	d.core.Tick()
	d.waiters.expire(d.ticks)
	d.publishStatus()
}

// Submit admits a client transaction: nonce check against the committed state, then the core's queue. The
// waiter hears back either now (rejected) or after execution.
func (d *Driver) Submit(in Intake) {
	reject := func(r wire.Reject, msg string) {
		d.cfg.Metrics.rejected(r)
		in.Waiter.Deliver(&wire.Reply{TxHash: in.Hash, Replica: d.cfg.ID, Status: wire.StatusRejected, Reject: r, Message: msg})
	}
	if r, ok := d.results.get(in.Hash); ok {
		in.Waiter.Deliver(r)
		d.proveLate(in.Waiter, r)
		return
	}
	if err := d.app.CheckNonce(in.Tx.Client, in.Tx.Nonce); err != nil {
		reject(wire.RejectReplayedNonce, err.Error())
		return
	}
	d.cfg.TxCache.add(in.Hash)
	if !d.waiters.add(in.Hash, in.Waiter, d.ticks) {
		reject(wire.RejectBusy, "too many transactions waiting for results")
		return
	}
	err := d.core.Propose(consensus.Request{Digest: in.Hash, Data: in.Raw})
	switch {
	case err == nil, errors.Is(err, consensus.ErrDuplicateRequest):
	case errors.Is(err, consensus.ErrRequestTooLarge):
		d.waiters.remove(in.Hash, in.Waiter)
		reject(wire.RejectTooLarge, err.Error())
	default:
		d.waiters.remove(in.Hash, in.Waiter)
		reject(wire.RejectBusy, err.Error())
	}
}

// onForwarded admits client requests a backup forwarded: each is checked as a direct submission would be
// (format, signature, nonce) and nobody waits for its reply here.
func (d *Driver) onForwarded(m *consensus.Message) {
	for i, raw := range m.Requests {
		h := m.ReqDigests[i]
		if _, done := d.results.get(h); done || !d.cfg.TxCache.has(h) {
			continue // executed already, or the signature did not verify
		}
		tx, err := chain.UnmarshalTx(raw)
		if err != nil || d.app.CheckNonce(tx.Client, tx.Nonce) != nil {
			continue
		}
		_ = d.core.Propose(consensus.Request{Digest: h, Data: raw})
	}
}

// Process carries out every Ready of the core. An error is fatal: the store failed, and the replica must stop
// rather than send or acknowledge what it could not persist.
func (d *Driver) Process() error {
	for rd := d.core.Ready(); !rd.Empty(); rd = d.core.Ready() {
		if err := d.persist(rd); err != nil {
			return err
		}
		d.send(rd)
		for _, req := range rd.Combine {
			d.core.Combined(combineShares(d.cfg.ChainID, d.cfg.BLSKeys, req))
		}
		ckpts, err := d.apply(rd)
		if err != nil {
			return err
		}
		var ap consensus.Applied
		for _, h := range ckpts {
			ap.Checkpoints = append(ap.Checkpoints, consensus.CheckpointDigest{Seq: h.Seq,
				Digest: wire.CheckpointDigest(d.cfg.ChainID, h.Seq, h.Height, h.Hash(), h.StateRoot)})
		}
		d.core.Advance(rd, ap)
		d.observeViews()
		d.observeCheckpoints()
	}
	return nil
}

func (d *Driver) persist(rd consensus.Ready) error {
	if rd.HardState == nil && rd.Stable == nil && len(rd.Records) == 0 && rd.PruneLogBelow == 0 || mutant.On(mutant.SkipPersist) {
		return nil
	}
	start := time.Now()
	b := d.cfg.Store.NewBatch()
	defer b.Close()
	if rd.HardState != nil {
		b.Set(chain.ConsensusHardStateKey(), wire.MarshalHardState(*rd.HardState))
	}
	if rd.Stable != nil {
		b.Set(chain.StableCheckpointKey(), wire.MarshalCertificate(*rd.Stable))
	}
	for _, r := range rd.Records {
		b.Set(chain.ConsensusLogKey(r.Seq, byte(r.Kind)), wire.MarshalMessage(r.Msg))
	}
	if rd.PruneLogBelow > 0 {
		lo, hi := chain.ConsensusLogRange(0, rd.PruneLogBelow)
		b.DeleteRange(lo, hi)
	}
	if err := b.Commit(true); err != nil {
		return fmt.Errorf("persist consensus log: %w", err)
	}
	d.cfg.Metrics.observePersist(time.Since(start))
	return nil
}

func (d *Driver) send(rd consensus.Ready) {
	for _, o := range rd.Messages {
		if d.announce(o) {
			continue
		}
		frame := wire.MarshalMessage(o.Msg)
		if o.To == consensus.Broadcast {
			d.cfg.Transport.Broadcast(frame)
		} else {
			d.cfg.Transport.Send(o.To, frame)
		}
	}
}

// announce publishes this replica's checkpoint share through the announcer; false: send it normally.
func (d *Driver) announce(o consensus.Outbound) bool {
	m := o.Msg
	if d.cfg.Announcer == nil || m.Type != consensus.MsgCheckpoint || m.Cert != nil || m.From != d.cfg.ID {
		return false
	}
	blk, err := d.app.Block(m.Seq) // one block per sequence number: height = seq
	if err != nil || blk.Header.Seq != m.Seq {
		d.log.Warn("checkpoint block not found; sending the share directly", "seq", m.Seq, "err", err)
		return false
	}
	h := blk.Header
	a := &wire.CheckpointAnnouncement{Replica: d.cfg.ID, Seq: m.Seq, Height: h.Height,
		BlockHash: h.Hash(), StateRoot: h.StateRoot, Share: m.Share, Sig: m.Sig}
	d.cfg.Announcer.AnnounceCheckpoint(a)
	return true
}

// apply executes the committed batches, writes blocks, state and certificates in one synced batch, and only
// then answers the waiting clients. It returns the headers of blocks that end a checkpoint interval.
func (d *Driver) apply(rd consensus.Ready) ([]chain.Header, error) {
	if len(rd.Committed) == 0 {
		return nil, nil
	}
	start := time.Now()
	b := d.cfg.Store.NewBatch()
	defer b.Close()
	var replies [][]*wire.Reply // by block
	var blocks []*chain.Block
	var blockResults [][]chain.Result
	txs := 0
	for i := range rd.Committed {
		cb := &rd.Committed[i]
		blk, results, err := d.app.Execute(b, cb.Seq, cb.Requests, d.cfg.TxCache.has)
		if err != nil {
			return nil, fmt.Errorf("execute seq %d: %w", cb.Seq, err)
		}
		d.app.StageCert(b, blk.Header.Height, wire.MarshalCertificate(cb.Cert))
		blocks = append(blocks, blk)
		blockResults = append(blockResults, results)
		rs := make([]*wire.Reply, len(results))
		for j := range results {
			rs[j] = &wire.Reply{TxHash: results[j].TxHash, Replica: d.cfg.ID, Status: wire.StatusCommitted,
				Result: results[j].Marshal()}
		}
		replies = append(replies, rs)
		txs += len(cb.Requests)
	}
	if err := b.Commit(true); err != nil {
		return nil, fmt.Errorf("persist blocks: %w", err)
	}
	d.app.Flushed()
	var ckpts []chain.Header
	for k, blk := range blocks {
		if d.cfg.OnBlock != nil {
			d.cfg.OnBlock(blk, blockResults[k])
		}
		d.afterExecute(blk, blockResults[k]) // before the waiters are answered: the collector keeps them
		if blk.Header.Seq%uint64(d.cc.CheckpointIntervalSeqs) == 0 {
			ckpts = append(ckpts, blk.Header)
		}
		// Answered block by block: a transaction ordered twice (a view change may re-propose it; the second
		// copy is refused as a replay) gets its first result only, on both paths. Answered after all blocks, a
		// later block's execution proof would also take the waiter and prove the replay result.
		for _, r := range replies[k] {
			d.results.add(r)
			d.waiters.deliver(r)
		}
	}
	d.cfg.Metrics.observeApply(time.Since(start), len(rd.Committed), txs, d.app.LastHeader().Height)
	return ckpts, nil
}

// App exposes the application for read-only checks (the simulator's final-state checker).
func (d *Driver) App() *chain.App { return d.app }
