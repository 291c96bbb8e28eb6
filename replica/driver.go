package replica

import (
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// Transport carries consensus frames to other replicas without blocking the caller.
type Transport interface {
	Send(to uint32, frame []byte) bool
	Broadcast(frame []byte)
}

// Announcer publishes this replica's checkpoint announcements (over gossipsub in a Node).
type Announcer interface {
	AnnounceCheckpoint(*wire.CheckpointAnnouncement)
}

// Input is what feeds a replica's driver: client transactions and verified messages.
type Input interface {
	Submit(Intake)
	Step(*consensus.Message)
}

// Waiter receives a replica's answers for one client session (or a test): a Reply about one transaction, or a
// BlockReply with the session's results in one block. Implementations compare by ==: one per session.
type Waiter interface {
	Deliver(r *wire.Reply)
	DeliverBlock(b *wire.BlockReply)
}

// Intake is a client transaction whose format and signature were checked (IntakeChecker).
type Intake struct {
	Tx     *chain.Tx
	Raw    []byte
	Hash   [32]byte
	Waiter Waiter
	// Arrived is when the frame was read (zero: unknown); only the commit latency metric reads it.
	Arrived time.Time
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
	VerifiedTxs  *FIFOSet // shared with the verifier; nil: a private one
	// CheckpointInterval is the genesis's checkpoint_interval, the same on every replica; it must lie within
	// [consensus.CheckpointIntervalSeqsMin, consensus.CheckpointIntervalSeqsMax].
	CheckpointInterval int
	// OnBlock, if set, is called with every block and its results after it is durable (the simulator's
	// checkers use it).
	OnBlock func(*chain.Block, []chain.Result)
	// Announcer, if set, publishes this replica's checkpoint shares (over gossipsub) instead of the
	// transport's broadcast.
	Announcer Announcer
	// Crypto, if set, runs BLS work on its workers (the node's loop hands completions to Finish); nil runs it
	// on the driver's goroutine, in request order (the simulator: deterministic).
	Crypto *CryptoPool
	// Mark, if set, records how far this replica promised, apart from the store (mark.go): NewDriver refuses a
	// store restored below it (ErrRolledBack) unless Recover is set, and the driver advances it after every
	// synced write, before what the write covers is sent.
	Mark    *SignedMark
	Recover bool
	// DecodedShares, if set, keeps BLS shares decoded by any driver of the process (the simulator's replicas
	// all decode the same broadcast shares); nil: each share is decoded where it is combined.
	DecodedShares *bls.DecodedSignatures
	// Traffic, if set, is the account this driver adds its frames to (the simulator keeps one per replica
	// across restarts); nil: its own.
	Traffic *Traffic
}

// checkMark compares what the store restored with the mark: below it, the replica refuses to start, or with
// Recover starts anyway, loudly, and catches up from the others.
func checkMark(cfg DriverConfig, rs consensus.Restore) error {
	if cfg.Mark == nil {
		return nil
	}
	restored := MarkRecord{View: rs.HardState.View, Signed: rs.LastExecuted, Executed: rs.LastExecuted}
	for _, r := range rs.Records {
		restored.Signed = max(restored.Signed, r.Seq)
	}
	lost := cfg.Mark.Record().lostBy(restored)
	switch {
	case lost == "":
		return nil
	case cfg.Recover:
		cfg.Logger.Warn("starting on a store that lost what this replica signed and acknowledged, as told (--recover): it counts as one of the f faulty replicas until it has caught up from the others",
			"lost", lost, "mark", cfg.Mark.path)
		return nil
	}
	return fmt.Errorf("%w (%s; a truncated write-ahead log or a disk that lied about a flush): it may have forgotten votes it sent, so it does not start. "+
		"Start it with --recover to rejoin and catch up from the others by state transfer (it counts as faulty until then), or wipe it with sbft reset",
		ErrRolledBack, lost)
}

// Driver owns the consensus core and the application; see the package doc for its round.
type Driver struct {
	cfg     DriverConfig
	cc      consensus.Config // the core's config (checkpoint interval, window)
	log     *slog.Logger
	core    *consensus.Core
	app     *chain.App
	replies *replies // waiters, result cache, execution proofs
	status  atomic.Pointer[Status]
	// heightCh is closed (and replaced) when the published height or certified height changes: subscriptions
	// wait on it.
	heightCh    atomic.Pointer[chan struct{}]
	certified   atomic.Pointer[wire.ExecCert] // LatestExecCert
	published   uint64                        // the height heightCh was made for
	statusStale bool                          // a Ready executed or changed state since the last publishStatus
	ticks       uint64
	views       viewTracker
	busy        atomic.Bool // the core refuses new client requests (admission control), for intake goroutines
	traffic     *Traffic    // frames to and from other replicas, by role and type

	completions []func() // of crypto jobs run on this goroutine, for this Process round
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
	if err := checkMark(cfg, rs); err != nil {
		return nil, err
	}
	core, err := consensus.New(cc, rs)
	if err != nil {
		return nil, fmt.Errorf("restore consensus: %w", err)
	}
	if cfg.VerifiedTxs == nil {
		cfg.VerifiedTxs = NewFIFOSet(VerifiedTxCacheMax)
	}
	if cfg.Traffic == nil {
		cfg.Traffic = NewTraffic(cfg.ID, cfg.N, cfg.C, cfg.Metrics)
	}
	d := &Driver{cfg: cfg, cc: cc, log: cfg.Logger, core: core, app: app, traffic: cfg.Traffic}
	d.cfg.Transport = countingTransport{Transport: cfg.Transport, t: d.traffic}
	d.replies = newReplies(&d.cfg, func() uint64 { return d.app.LastHeader().Height }, func() uint64 { return d.ticks },
		func() uint32 { return uint32(d.views.view % uint64(d.cfg.N)) }, d.runCrypto)
	d.replies.certified = d.onExecCert
	d.resetSoftState(core.Status().SoftState)
	d.log.Info("replica restored", "last_executed_seq", rs.LastExecuted, "view", rs.HardState.View,
		"log_records", len(rs.Records), "height", app.LastHeader().Height)
	ch := make(chan struct{})
	d.heightCh.Store(&ch)
	d.loadExecCert()
	d.publishStatus()
	return d, nil
}

func (cfg *DriverConfig) coreConfig() consensus.Config {
	cc := consensus.DefaultConfig(cfg.Signer, cfg.ID, cfg.N, cfg.F)
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

// Traffic is this replica's account of frames sent to and received from other replicas (its owner counts what
// it receives: Traffic.Received).
func (d *Driver) Traffic() *Traffic { return d.traffic }

// Step feeds a verified consensus message to the core, or handles a replica frame the core never sees
// (execution shares, forwarded requests).
func (d *Driver) Step(m *consensus.Message) {
	switch m.Type {
	case wire.FrameExecShare:
		if s := wire.ExecShareOf(m); s.Cert != nil {
			d.replies.onExecCert(s.Cert)
		} else {
			d.replies.onExecShare(s)
		}
		return
	case wire.FrameRequest:
		d.onForwarded(m)
		return
	}
	d.core.Step(m)
}

// Tick advances the core's logical time.
func (d *Driver) Tick() {
	d.ticks++
	d.core.Tick()
	if d.ticks%QueueCheckIntervalTicks == 0 {
		d.discardDeadRequests()
	}
	d.replies.waiters.expire(d.ticks)
	d.replies.expireProofWaits(d.ticks)
	if d.statusStale || d.ticks%StatusPublishIntervalTicks == 0 {
		d.publishStatus()
	}
}

// Idle reports that the core is idle (consensus.Core.Idle) and the driver holds nothing to publish or finish:
// the node may then tick it IdleTicksPerWake ticks at a time.
func (d *Driver) Idle() bool { return d.core.Idle() && len(d.completions) == 0 && !d.statusStale }

// Submit admits a client transaction: nonce check against the committed state, then the core's queue. The
// waiter hears back either now (rejected) or after execution. Precondition: in passed IntakeChecker (format and
// client signature): Submit marks its hash verified, and execution does not check its signature again.
func (d *Driver) Submit(in Intake) {
	reject := func(r wire.Reject, msg string) {
		d.cfg.Metrics.Rejected(r)
		in.Waiter.Deliver(&wire.Reply{TxHash: in.Hash, Replica: d.cfg.ID, Status: wire.StatusRejected, Reject: r, Message: msg})
	}
	if d.replies.answered(in.Hash, in.Waiter) {
		return
	}
	if err := d.app.CheckNonce(in.Tx.Client, in.Tx.Nonce); err != nil {
		r := wire.RejectReplayedNonce
		if errors.Is(err, chain.ErrStaleNonce) {
			r = wire.RejectStaleNonce
		}
		reject(r, err.Error())
		return
	}
	d.cfg.VerifiedTxs.Add(in.Hash)
	if !d.replies.waiters.add(in.Hash, in.Waiter, d.ticks, in.Arrived) {
		reject(wire.RejectBusy, "too many transactions waiting for results")
		return
	}
	err := d.core.Propose(consensus.Request{Digest: in.Hash, Data: in.Raw})
	switch {
	case err == nil, errors.Is(err, consensus.ErrDuplicateRequest):
	case errors.Is(err, consensus.ErrBusy):
		d.replies.waiters.remove(in.Hash, in.Waiter)
		d.busy.Store(true)
		reject(wire.RejectBusy, "network busy: replica queue full; try again later")
	case errors.Is(err, consensus.ErrRequestTooLarge):
		d.replies.waiters.remove(in.Hash, in.Waiter)
		reject(wire.RejectTooLarge, err.Error())
	default:
		d.replies.waiters.remove(in.Hash, in.Waiter)
		reject(wire.RejectBusy, err.Error())
	}
}

// discardDeadRequests drops the oldest queued requests that can no longer execute here: their client's
// nonce window moved past them while they waited (the primary refused them under load, and the client went
// on). Kept, they would hold their place and make this backup complain about a primary that has nothing to
// order.
func (d *Driver) discardDeadRequests() {
	var dead [][32]byte
	checks := d.app.NonceChecks()
	for _, r := range d.core.OldestQueued(QueueCheckRequestsMax) {
		client, nonce, ok := chain.TxOrigin(r.Data)
		if !ok || !checks.Executable(client, nonce) {
			dead = append(dead, r.Digest)
		}
	}
	if len(dead) > 0 {
		d.core.DiscardQueued(dead)
	}
}

// onForwarded admits client requests a backup forwarded: each is checked as a direct submission would be
// (format, signature, nonce) and nobody waits for its reply here.
func (d *Driver) onForwarded(m *consensus.Message) {
	var executed, unverified, dead, held, refused int
	for i, raw := range m.Requests {
		h := m.ReqDigests[i]
		switch {
		case d.replies.executed(h):
			executed++
		case !d.cfg.VerifiedTxs.Has(h):
			unverified++ // its signature did not verify
		case !d.forwardedExecutable(raw):
			dead++
		default:
			err := d.core.Propose(consensus.Request{Digest: h, Data: raw, Forwarded: true})
			if errors.Is(err, consensus.ErrDuplicateRequest) {
				held++ // queued here already
			} else if err != nil {
				refused++
			}
		}
	}
	mt := d.cfg.Metrics
	mt.forwarded("queued", len(m.Requests)-executed-unverified-dead-held-refused)
	mt.forwarded("held", held)
	mt.forwarded("executed", executed)
	mt.forwarded("unverified", unverified)
	mt.forwarded("dead", dead)
	mt.forwarded("refused", refused)
}

// forwardedExecutable reports whether a forwarded request's nonce can still execute; only its header is read
// (its signature verified already).
func (d *Driver) forwardedExecutable(raw []byte) bool {
	client, nonce, ok := chain.TxOrigin(raw)
	return ok && d.app.CheckNonce(client, nonce) == nil
}

// HeightChanged is closed once the published height, or the certified one, moves past the current one; safe
// from any goroutine.
func (d *Driver) HeightChanged() <-chan struct{} { return *d.heightCh.Load() }

// Busy reports whether the replica refuses new client transactions now (admission.go); safe from any
// goroutine, so intake can refuse before checking signatures.
func (d *Driver) Busy() bool { return d.busy.Load() }

// App exposes the application for read-only checks (the simulator's final-state checker).
func (d *Driver) App() *chain.App { return d.app }
