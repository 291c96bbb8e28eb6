package consensus

import "slices"

// HardState is the part of the core's state that must survive a restart besides the log: the view, whether
// it has started, and the view change message this replica signed for it or the NewView that started it.
type HardState struct {
	View         uint64
	InViewChange bool
	ViewChange   *Message // InViewChange: the ViewChange this replica sent for View
	NewView      *Message // !InViewChange: the NewView that started View (nil for view 0)
}

// RecordKind tells what a log Record holds.
type RecordKind uint8

// Record kinds; part of the on-disk format.
const (
	RecordPrePrepare RecordKind = 1 // the accepted PrePrepare (a Message)
	RecordPrepared   RecordKind = 2 // the prepare certificate of the slot (a PrepareFull Message)
)

// Record is one entry of the consensus log, keyed by (Seq, Kind): a later record of the same key replaces
// the earlier one.
type Record struct {
	Seq  uint64
	Kind RecordKind
	Msg  *Message
}

// Outbound is a message to send; To may be Broadcast.
type Outbound struct {
	To  ReplicaID
	Msg *Message
}

// Ready is what the core asks the node to do; see the package doc for the order.
type Ready struct {
	HardState     *HardState   // nil when unchanged
	Stable        *Certificate // a new stable checkpoint certificate to persist; nil when unchanged
	Records       []Record
	PruneLogBelow uint64 // delete log records with Seq < PruneLogBelow; 0 means none
	Messages      []Outbound
	// Announce: this replica's signed checkpoint shares (Checkpoint messages without a certificate), for every
	// other replica, sent after the write as Messages are: the node may gossip them instead of sending them.
	Announce []*Message
	// Forward: client requests this backup hands to a primary, sent after the write in a frame of the node's
	// own (the core never receives them: the receiving node checks them as client submissions and proposes
	// them with Request.Forwarded set).
	Forward   []Forward
	Committed []CommittedBatch
	// Sign asks for this replica's certificate shares; each is answered by Step(SignedShare(...)).
	Sign []SignRequest
	// Combine asks the node to aggregate shares into certificates; each is answered by
	// Step(result.Message(...)).
	Combine []CombineRequest
	// NeedStateTransfer: this replica fell behind what catch-up can close (transfer.go); the node starts a
	// state transfer unless one is running. Asked again every Config.TransferAskTicks while it holds.
	NeedStateTransfer bool
	// SoftState is the core's volatile state as of this Ready; nil when unchanged since the last Ready that
	// carried it (or since New: a node starts from Status().SoftState).
	SoftState *SoftState
}

// SoftState is what the node reads of the core to run its own parts (intake, logs, metrics): never persisted,
// and reported in Ready.SoftState whenever it changes, so the node never has to ask.
type SoftState struct {
	View          uint64
	Primary       ReplicaID
	ViewActive    bool            // false while waiting for the current view's NewView
	Admitting     bool            // Propose would take one more client request now (admission.go)
	LastComplaint ComplaintReason // why this replica last complained about a primary (zero: never)
	// DivergedAt is the highest checkpoint at which this replica's state differed from the stable one (0:
	// never); BadCheckpointFrom the replicas whose checkpoints differed.
	DivergedAt        uint64
	BadCheckpointFrom ReplicaSet
}

// BadCheckpointReplicas lists the replicas of BadCheckpointFrom in ascending order.
func (s SoftState) BadCheckpointReplicas() []ReplicaID {
	return slices.Collect(s.BadCheckpointFrom.Members())
}

// Forward is client requests that waited here for the primary of View to order them (its client may not reach
// the primary).
type Forward struct {
	To       ReplicaID // the primary of View
	View     uint64
	Requests [][]byte
}

// CombineRequest asks for the certificate of Kind over (View, Seq, Digest) from Shares (unverified: the node
// checks the aggregate first and the shares one by one only if it fails).
type CombineRequest struct {
	Kind   CertKind
	View   uint64
	Seq    uint64
	Digest [32]byte
	Shares []Share
}

// CombineResult answers a CombineRequest: Cert when the aggregate verified, else the replicas whose shares
// did not verify.
type CombineResult struct {
	Request CombineRequest
	Cert    *Certificate
	Bad     []ReplicaID
}

// Applied is what the node reports with Advance besides having handled the Ready: the state digest at every
// checkpoint the executed batches reached, which the core signs and announces.
type Applied struct {
	Checkpoints []CheckpointDigest // ascending, one per executed seq that is a multiple of the interval
}

// CheckpointDigest is the node's summary of its state after executing Seq (opaque to the core).
type CheckpointDigest struct {
	Seq    uint64
	Digest [32]byte
}

// Empty reports whether rd asks for nothing.
func (rd *Ready) Empty() bool {
	return rd.HardState == nil && rd.Stable == nil && len(rd.Records) == 0 && rd.PruneLogBelow == 0 &&
		len(rd.Messages) == 0 && len(rd.Announce) == 0 && len(rd.Forward) == 0 && len(rd.Committed) == 0 &&
		len(rd.Sign) == 0 && len(rd.Combine) == 0 && !rd.NeedStateTransfer && rd.SoftState == nil
}

// Restore is what a restarting replica gives New: its hard state, the log records above its last executed
// sequence number, and the most recent executed batches (to help lagging peers).
type Restore struct {
	HardState    HardState
	Stable       *Certificate // the last stable checkpoint certificate persisted (nil: none)
	LastExecuted uint64
	Records      []Record
	Executed     []CommittedBatch // ascending, ending at LastExecuted; at most Config.RetainExecutedSeqs()
}
