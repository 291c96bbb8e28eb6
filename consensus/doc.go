// Package consensus is the sbft replication protocol as a pure, deterministic state machine.
//
// It has no goroutines, no clock, no randomness and no I/O, and imports nothing from the project: the node
// feeds it events and carries out what it asks for, in the style of etcd raft's RawNode/Ready.
//
// Events in:
//   - Step(m): a protocol message from another replica whose signature (and, for a PrePrepare or Committed
//     message, whose batch digest and commit certificate) the caller has already verified; or a local message
//     (MsgSigned, MsgCombined) answering one of this replica's crypto requests (crypto.go);
//   - Propose(r): a client request admitted by the node (already checked for format and client signature), or
//     with r.Forwarded one that another replica's Ready.Forward handed over (admission control does not
//     apply to it: that replica vouches it waited);
//   - Tick(): one unit of logical time (the node decides how long a tick is). While Idle() (view started,
//     nothing pending or under way, every peer heard at this view and height) no timeout of the core needs
//     precision: the node may deliver ticks in bursts, and heartbeats go out StatusIdleIntervalsMax times as
//     seldom;
//   - DiscardQueued(digests): queued requests the node found can never execute (their client's nonce window
//     moved past them). The node looks at the longest-waiting ones, OldestQueued(max), as often as it likes;
//     both only touch the queue of requests not yet ordered.
//
// Ready out (Core.Ready; the primary cuts its batches there). It is the whole contract: the core never waits
// for the node, and calls nothing of it but Config.Signer, a pure function that signs each message the core
// creates before it goes into a Ready (config.go says what it must not do). Field by field, what the node
// does and when:
//   - HardState, Stable, Records, PruneLogBelow: persist in one synced write before anything of this Ready
//     is sent. Persisting before sending is what makes a restarted replica unable to sign two different
//     things for the same (view, seq) slot.
//   - Messages: send after that write (already signed with Config.Signer: Ed25519 is deterministic and cheap,
//     and the core's own ViewChange must be signed before it is persisted). Sending never blocks the node.
//   - Announce: this replica's checkpoint shares (signed Checkpoint messages), for every other replica, sent
//     after the write as Messages are; the node may gossip them instead.
//   - Forward: client requests for the primary of a view, sent after the write in the node's own frame,
//     which the node signs (the core never receives it: the primary's node checks the requests as client
//     submissions and proposes them with Request.Forwarded set).
//   - Sign: this replica's BLS certificate shares. Any goroutine may sign them, at any time after the write;
//     each answer comes back as Step(SignedShare(...)), in any order. The core decided its vote when it
//     asked, so a late answer is sent or dropped but never doubles a vote.
//   - Combine: shares to aggregate into certificates (check the aggregate; if it fails, name the bad shares).
//     Any goroutine, any order; answered with Step(result.Message(...)).
//   - Committed: execute in order and make the blocks durable before answering clients; then call
//     Advance(rd, Applied) with the state digest of every checkpoint the batches reached. Advance must come
//     before the next Ready, and no other input may come between them.
//   - NeedStateTransfer: the replica fell behind what catch-up can close; start a state transfer unless one
//     runs (repeated every Config.TransferAskTicks while it holds). Once installed, rebuild the core.
//   - SoftState: the view, its primary, whether it started, whether Propose admits requests, the last
//     complaint and the checkpoint health, set only when one of them changed since the last Ready (a node
//     starts from Status().SoftState). The node reads the core through it, Status and OldestQueued, never
//     through other accessors (but Idle).
//
// An empty Ready needs nothing; the node loops on Ready until it is empty (and its crypto answers are in).
// Executing before Advance is what lets the core drop requests and slots it no longer needs.
//
// Invariants, asserted (assert.go: a replica that breaks one panics rather than sign or execute something
// wrong):
//   - batches are executed in strictly increasing, gap-free sequence order, each one delivered first (Advance);
//   - a slot never commits two different digests (markCommitted);
//   - a core never asks for nor sends two different fast-path, prepare or commit votes for one (view, seq)
//     (castVote); across a restart, persisting the PrePrepare before voting keeps the rebuilt core to the
//     votes of its log;
//   - after every Ready, the pending queue, the checkpoint shares, complaints and view changes kept are within
//     constants of limits.go, and the slots within the retained executed sequence numbers and the work window
//     above the higher of the last executed one and the stable checkpoint (checkBounds; a replica far behind
//     its stable checkpoint asks for a state transfer).
//
// The normal case is SBFT's: the primary of view v (v mod n) orders client requests into a PrePrepare per
// sequence number. Fast path: every replica signs a share for the slot's collector(s), which combine all n
// (3f+c+1 with c > 0) into one commit certificate (collector.go). Slow path, when the fast path times out or
// the primary asks for it: prepare shares to the primary, a prepare certificate of 2f+c+1, commit shares, a
// commit certificate of 2f+c+1 (slowpath.go). Committed batches are delivered in sequence order (commit.go).
// Replicas exchange Status heartbeats; a replica that learns a peer is behind sends it committed batches with
// their certificates (status.go), and every replica retransmits its messages for slots that stay uncommitted
// (and, for a slot it committed by digest without the batch, the certificate alone, to those holding the batch).
//
// Every Config.CheckpointIntervalSeqs sequence numbers (150 in production, CheckpointIntervalSeqsDefault; the
// simulator uses a shorter interval) replicas sign the node's state digest; 2f+c+1 matching shares make a
// stable checkpoint, which bounds the work window (Config.WindowSeqs, two intervals, above it) and the log
// (checkpoint.go).
// A primary that is down, slow, equivocating or censoring is replaced by a view change (viewchange.go,
// newview.go) that never loses a batch that may have committed.
package consensus
