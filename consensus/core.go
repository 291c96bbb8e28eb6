package consensus

import (
	"fmt"
	"slices"
)

// Core is one replica's protocol state machine. It is not safe for concurrent use: one goroutine (the node's
// driver) owns it.
type Core struct {
	cfg Config

	view           uint64
	lastExecuted   uint64 // executed and acknowledged through Advance
	lastDelivered  uint64 // handed out in Ready.Committed (>= lastExecuted)
	lastProposed   uint64 // primary: highest sequence number it assigned in this view
	lastStatusTick uint64 // when this replica last sent its heartbeat (Status)
	statusRounds   uint64 // heartbeats sent: the rotation of their recipients
	tick           uint64

	slots   map[uint64]*slot // (lastExecuted-cfg.RetainExecutedSeqs(), stable.Seq+cfg.WindowSeqs()]
	pending pendingQueue
	admit   admission // admission control of client requests (admission.go)
	peers   []peerState

	// Checkpoints: the last stable one, and shares of those above it (at most CheckpointsAheadMax).
	stable            Certificate
	ckpts             map[uint64]map[ReplicaID]shareRec
	ckptCombining     map[uint64]bool
	divergedAt        uint64     // highest checkpoint where this replica's state differed from the stable one
	lastCheckpoint    uint64     // the last checkpoint this replica signed (or reached)
	badCheckpointFrom ReplicaSet // replicas that sent a checkpoint differing from a stable one
	myCheckpoint      *Message   // this replica's latest checkpoint share, resent until it is stable
	myCheckpointTick  uint64

	// View change (viewchange.go, newview.go).
	viewActive            bool            // the view has started (its NewView installed; view 0 starts at once)
	viewStartTick         uint64          // when this replica entered or started the view
	failedViews           int             // view changes since this replica last executed a batch
	complaint             *Message        // this replica's complaint about the current view, if any
	lastComplaint         ComplaintReason // why this replica last complained (ComplaintReason)
	lastForwardTick       uint64          // when this backup last forwarded requests to the primary
	forwardedAny          bool
	commitGap16           int64                             // EWMA of ticks between commits, in sixteenths
	busyAtLastCommit      bool                              // requests waited when the last slot committed
	lastCommitTick        uint64                            // when a slot last committed here
	latestExecutedArrival uint64                            // the latest arrival tick (here) of a request that executed
	complaints            map[uint64]ReplicaSet             // view -> the replicas that complained about it
	viewChanges           map[uint64]map[ReplicaID]*Message // ViewChanges by view, for views not started
	vcSent                *Message                          // this replica's ViewChange for the current view
	newView               *Message                          // the NewView that started the current view
	viewMsgTick           uint64                            // last (re)transmission of vcSent or complaint

	lastExecutedTick uint64 // when lastExecuted last moved (transfer.go)
	transferAskTick  uint64 // when the core last asked for a state transfer

	out    Ready     // accumulated until Ready()
	soft   SoftState // as last reported (Ready.SoftState), or as New left it
	counts Counters

	path          pathController
	slowPathTicks int   // the adaptive fast-path timer
	fastLatency16 int64 // EWMA of fast-commit latency, in sixteenths of a tick
}

type peerState struct {
	heard           bool // a Status from the peer arrived since this replica started
	lastExecuted    uint64
	view            uint64 // highest view the peer showed
	inViewChange    bool   // ... and it had not started it
	newViewTick     uint64 // when this replica last sent the peer its NewView
	sentNewView     bool
	lastCatchUpTick uint64 // when this replica last sent the peer committed batches
	caughtUp        bool   // lastCatchUpTick is set
}

// Counters are monotonically increasing event counts for metrics.
type Counters struct {
	DroppedOtherView   uint64 // messages of a view other than the current one (or of a view not started)
	DroppedOutOfWindow uint64 // sequence numbers outside the work window
	DroppedInvalid     uint64 // messages that break a protocol rule (wrong sender, bad certificate size)
	Equivocations      uint64 // conflicting PrePrepares or votes for one slot
	Proposed           uint64 // batches proposed as primary
	CatchUpSent        uint64 // committed batches sent to lagging peers
	CatchUpReceived    uint64 // committed batches accepted from peers
	Retransmissions    uint64
	ExpiredRequests    uint64 // queued client requests dropped unordered after PendingExpiryTicks
	RefusedBusy        uint64 // client requests refused by admission control (admission.go)
	DiscardedRequests  uint64 // queued requests the node found can never execute (DiscardQueued)
	CommitsFast        uint64 // slots committed on a fast-path certificate
	CommitsSlow        uint64 // slots committed on a slow-path commit certificate
	CollectorTimeouts  uint64 // slots whose fast path did not finish in time (slow path started)
	BadShares          uint64 // shares that failed verification when combined
	PathSwitches       uint64 // the primary's path controller changed path

	ComplaintsSent       uint64 // complaints this replica broadcast
	ComplaintsStalled    uint64 // ... because nothing committed for a whole timeout (the rest: a request was overtaken)
	RequestsForwarded    uint64 // client requests this backup forwarded to the primary
	ViewChanges          uint64 // views this replica moved to
	NewViews             uint64 // views this replica started (NewView installed)
	ViewChangeConflicts  uint64 // a NewView's plan contradicted a batch this replica had committed (never, if < f faulty)
	StableCheckpoints    uint64
	CheckpointMismatches uint64 // this replica's checkpoint differed from the stable one
	BadCheckpoints       uint64 // other replicas' checkpoints that differed from the stable one
}

// Status is a snapshot for the node's status endpoint and metrics.
type Status struct {
	SoftState
	ID               ReplicaID
	LastExecuted     uint64
	LastProposed     uint64
	PendingRequests  int
	SlotsInWindow    int
	PeerLastExecuted []uint64
	SlowPathMode     bool // this replica, as primary, proposes on the slow path
	SlowPathTicks    int  // the current fast-path timer
	StableSeq        uint64
	StableDigest     [32]byte
	StableSigners    []ReplicaID // the replicas whose shares form the stable checkpoint certificate
	LastCheckpoint   uint64      // the last checkpoint this replica signed
	Counters         Counters
}

// New builds a core from config and what the replica persisted (zero Restore for a fresh replica).
func New(cfg Config, rs Restore) (*Core, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Core{
		cfg:           cfg,
		view:          rs.HardState.View,
		lastExecuted:  rs.LastExecuted,
		lastDelivered: rs.LastExecuted,
		lastProposed:  rs.LastExecuted,
		slots:         make(map[uint64]*slot),
		ckpts:         make(map[uint64]map[ReplicaID]shareRec),
		ckptCombining: make(map[uint64]bool),
		complaints:    make(map[uint64]ReplicaSet),
		viewChanges:   make(map[uint64]map[ReplicaID]*Message),
		viewActive:    true,
		pending:       newPendingQueue(),
		peers:         make([]peerState, cfg.N),
		slowPathTicks: cfg.SlowPathTicks,
		fastLatency16: int64(cfg.SlowPathTicks) * 8,
	}
	if err := c.restore(rs); err != nil {
		return nil, err
	}
	c.soft = c.softState()
	return c, nil
}

func (c *Core) primaryOf(view uint64) ReplicaID { return ReplicaID(view % uint64(c.cfg.N)) }
func (c *Core) isPrimary() bool                 { return c.primaryOf(c.view) == c.cfg.ID }

// inWindow reports whether seq may be worked on now: above what this replica executed and at most a window
// above its last stable checkpoint.
func (c *Core) inWindow(seq uint64) bool {
	return seq > c.lastExecuted && seq <= c.stable.Seq+c.cfg.WindowSeqs()
}

// Propose admits a client request. Every replica queues it (a backup needs it to notice a primary that does
// not order it); only the primary batches it.
// Replays of requests already executed are the application's to reject (by nonce); the core only refuses a
// request it holds already.
// It answers ErrBusy while the queue is at its admission bound (admission.go), unless r.Forwarded.
func (c *Core) Propose(r Request) error {
	if !r.Forwarded && !c.admitting() {
		c.admit.refusedTick, c.admit.refusedAny = c.tick, true
		c.counts.RefusedBusy++
		return ErrBusy
	}
	return c.pending.add(r, c.tick)
}

// OldestQueued returns up to max of the requests waiting longest to be ordered, for the node to check that
// they can still execute (a client's nonce window may have moved past them).
func (c *Core) OldestQueued(max int) []Request { return c.pending.oldest(max) }

// DiscardQueued forgets queued requests the node found can never execute: they must not hold a place in the
// queue nor count as requests the primary failed to order.
func (c *Core) DiscardQueued(digests [][32]byte) {
	for _, d := range digests {
		if e, ok := c.pending.index[d]; ok && e.state == pendingQueued {
			c.pending.remove(d)
			c.counts.DiscardedRequests++
		}
	}
}

// Step feeds a verified message from another replica, or a local message answering one of this replica's
// crypto requests (crypto.go).
func (c *Core) Step(m *Message) {
	if m.Type.Local() {
		c.stepLocal(m)
		return
	}
	if m.From == c.cfg.ID || int(m.From) >= c.cfg.N {
		c.counts.DroppedInvalid++
		return
	}
	switch m.Type {
	case MsgStatus:
		c.onStatus(m)
	case MsgCommitted:
		c.onCommitted(m)
	case MsgCheckpoint:
		c.onCheckpoint(m)
	case MsgComplain:
		c.onComplain(m)
	case MsgViewChange:
		c.onViewChange(m)
	case MsgNewView:
		c.onNewView(m)
	default:
		if (m.View != c.view || !c.viewActive) && !(planted(bugOlderViews) && m.View < c.view) {
			c.counts.DroppedOtherView++
			return
		}
		if !c.inWindow(m.Seq) {
			// A prepare share that arrives after its slot executed still tells the path controller that
			// its sender is answering.
			if s := c.slots[m.Seq]; m.Type == MsgPreparePart && s != nil && s.executed && m.View == c.view {
				c.onPrimaryShare(m, CertPrepare)
				return
			}
			c.counts.DroppedOutOfWindow++
			return
		}
		c.stepSlotMessage(m)
	}
}

// stepSlotMessage dispatches a message about one slot of the current view.
func (c *Core) stepSlotMessage(m *Message) {
	switch m.Type {
	case MsgPrePrepare:
		c.onPrePrepare(m)
	case MsgPartialCommit:
		c.onPartialCommit(m)
	case MsgFullCommit:
		c.onCommitCert(m, CertFast)
	case MsgPreparePart:
		c.onPrimaryShare(m, CertPrepare)
	case MsgPrepareFull:
		c.onPrepareFull(m)
	case MsgCommitPart:
		c.onPrimaryShare(m, CertCommit)
	case MsgCommitFull:
		c.onCommitCert(m, CertCommit)
	default:
		c.counts.DroppedInvalid++
	}
}

// Tick advances logical time: heartbeats and retransmissions.
func (c *Core) Tick() {
	c.tick++
	c.admitSample()
	if c.tick-c.lastStatusTick >= c.statusIntervalTicks() {
		c.broadcastStatus()
	}
	if c.tick%PendingSweepIntervalTicks == 0 {
		c.counts.ExpiredRequests += uint64(c.pending.expire(c.tick, uint64(c.cfg.PendingExpiryTicks)))
	}
	c.checkViewTimers()
	c.retransmitCheckpoint()
	if c.viewActive {
		c.checkSlowPathTimers()
		c.retransmitStale()
	}
	c.checkStateTransfer()
}

// Ready returns what the node must do now, cutting the primary's batches first, and hands over ownership of it.
// The node must handle a non-empty Ready and call Advance before the next Ready; an empty one needs nothing.
func (c *Core) Ready() Ready {
	c.maybePropose()
	rd := c.out
	c.out = Ready{}
	if ss := c.softState(); ss != c.soft {
		c.soft = ss
		rd.SoftState = &ss
	}
	c.checkBounds()
	return rd
}

// checkBounds asserts, after every Ready, that the core's queues and maps are within their bounds (lengths
// only: cheap enough to stay on). The slots span the retained executed sequence numbers and the work window
// above the higher of the last executed one and the stable checkpoint, which is not a constant while a
// replica is behind its stable checkpoint: it asks for a state transfer then.
func (c *Core) checkBounds() {
	c.pending.checkBounds()
	assert(len(c.ckpts) <= CheckpointsAheadMax && len(c.ckptCombining) <= CheckpointsAheadMax,
		"shares of %d checkpoints kept, %d combining", len(c.ckpts), len(c.ckptCombining))
	assert(len(c.complaints) <= ViewsAheadMax+1 && len(c.viewChanges) <= ViewsAheadMax+1,
		"complaints about %d views, view changes for %d", len(c.complaints), len(c.viewChanges))
	ahead := c.stable.Seq - min(c.stable.Seq, c.lastExecuted)
	span := c.cfg.RetainExecutedSeqs() + c.cfg.WindowSeqs() + ahead
	assert(uint64(len(c.slots)) <= span, "%d slots, more than the %d sequence numbers they may span", len(c.slots), span)
}

func (c *Core) softState() SoftState {
	return SoftState{View: c.view, Primary: c.primaryOf(c.view), ViewActive: c.viewActive, Admitting: c.admitting(),
		LastComplaint: c.lastComplaint, DivergedAt: c.divergedAt, BadCheckpointFrom: c.badCheckpointFrom}
}

// Advance tells the core that rd was handled: persisted, sent, and its committed batches executed, with the
// state digests of the checkpoints they reached.
func (c *Core) Advance(rd Ready, ap Applied) {
	for i := range rd.Committed {
		b := &rd.Committed[i]
		c.admitExecuted(len(b.ReqDigests))
		assert(b.Seq == c.lastExecuted+1 && b.Seq <= c.lastDelivered, "executed seq %d after %d (delivered %d)",
			b.Seq, c.lastExecuted, c.lastDelivered)
		c.lastExecuted, c.lastExecutedTick = b.Seq, c.tick
		for _, d := range b.ReqDigests {
			if since, ok := c.pending.remove(d); ok {
				c.latestExecutedArrival = max(c.latestExecutedArrival, since)
			}
		}
		if s := c.slots[b.Seq]; s != nil {
			s.executed = true
		}
		c.failedViews = 0
	}
	if c.lastProposed < c.lastExecuted {
		c.lastProposed = c.lastExecuted
	}
	c.pruneSlots()
	for _, cp := range ap.Checkpoints {
		c.checkpoint(cp.Seq, cp.Digest)
	}
}

func (c *Core) pruneSlots() {
	retain := c.cfg.RetainExecutedSeqs()
	if c.lastExecuted <= retain {
		return
	}
	low := c.lastExecuted - retain
	for seq := range c.slots {
		if seq <= low {
			delete(c.slots, seq)
		}
	}
}

// Status returns a snapshot.
func (c *Core) Status() Status {
	peers := make([]uint64, len(c.peers))
	for i, p := range c.peers {
		peers[i] = p.lastExecuted
	}
	peers[c.cfg.ID] = c.lastExecuted
	return Status{
		SoftState: c.softState(), ID: c.cfg.ID,
		LastExecuted: c.lastExecuted, LastProposed: c.lastProposed,
		PendingRequests: c.pending.len(), SlotsInWindow: len(c.slots),
		PeerLastExecuted: peers, SlowPathMode: c.path.slowMode, SlowPathTicks: c.slowPathTicks,
		StableSeq: c.stable.Seq, StableDigest: c.stable.Digest, StableSigners: slices.Collect(c.stable.Signers.Members()),
		LastCheckpoint: c.lastCheckpoint,
		Counters:       c.counts,
	}
}

// sign fills m.Sig; every message the core creates is signed once, before it is persisted or sent.
func (c *Core) sign(m *Message) *Message {
	m.Sig = c.cfg.Signer.SignMessage(m)
	return m
}

func (c *Core) send(to ReplicaID, m *Message) {
	c.out.Messages = append(c.out.Messages, Outbound{To: to, Msg: m})
}

func (c *Core) persist(kind RecordKind, m *Message) {
	c.out.Records = append(c.out.Records, Record{Seq: m.Seq, Kind: kind, Msg: m})
}

func (c *Core) String() string {
	return fmt.Sprintf("replica %d view %d executed %d delivered %d", c.cfg.ID, c.view, c.lastExecuted, c.lastDelivered)
}
