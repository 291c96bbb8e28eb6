package consensus

import (
	"errors"
	"fmt"
)

// ErrConfig is returned for a configuration the core cannot run with.
var ErrConfig = errors.New("invalid consensus config")

// Config is everything the core needs to know; times are in ticks.
type Config struct {
	Signer Signer    // signs this replica's messages: a pure function the core calls synchronously (Signer)
	ID     ReplicaID // this replica
	N      int       // replicas, n >= 3f+2c+1
	F      int       // faults tolerated
	C      int       // extra slow or crashed replicas the fast path tolerates (0 by default)

	BatchRequestsMax int // requests per PrePrepare (<= BatchRequestsCap)
	BatchBytesMax    int // summed request bytes per PrePrepare (<= BatchBytesCap)
	InFlightSeqsMax  int // proposed but not executed sequence numbers the primary allows (<= InFlightSeqsCap)

	StatusIntervalTicks int // heartbeat period
	RetransmitTicks     int // a slot uncommitted this long has its messages sent again
	PendingExpiryTicks  int // a queued request not ordered this long is dropped
	SlowPathTicks       int // initial fast-path timer; adapts within [SlowPathTicksMin, SlowPathTicksMax]
	ViewChangeTicks     int // a request waiting this long, or a view not started this long, is complained about
	TransferStallTicks  int // executing nothing this long while f+1 peers are ahead asks for a state transfer
	TransferAskTicks    int // how often the need for a state transfer is repeated while it holds
	AdmitWindowTicks    int // admission: the queue may hold what executed in this many ticks (admission.go)
	AdmitQueueMin       int // admission: the queue may always hold this many requests

	// CheckpointIntervalSeqs: a checkpoint at every multiple of it (CheckpointIntervalSeqsDefault in
	// production, where the genesis fixes it for the whole network; the simulator uses a shorter one).
	CheckpointIntervalSeqs int
}

// Signer signs this replica's messages with its key, over the message's signing bytes (the node's: package
// wire owns every signing domain, and binds the chain ID). It is the one part of the node the core calls:
// synchronously, on the core's goroutine, once for every message the core creates, before the message goes
// into a Ready (its own ViewChange must carry its signature when it is persisted). So SignMessage must be a
// pure function of the message and the key: deterministic (Ed25519 is), so that the core stays a pure
// function of its inputs and replays give the same bytes; it must not block, fail, keep or change m, nor call
// into the core.
type Signer interface {
	SignMessage(m *Message) []byte
}

// DefaultConfig returns a config for replica id of n with f faults and defaults for the rest.
func DefaultConfig(signer Signer, id ReplicaID, n, f int) Config {
	return Config{
		Signer: signer,
		ID:     id, N: n, F: f,
		BatchRequestsMax:    BatchRequestsDefault,
		BatchBytesMax:       BatchBytesDefault,
		InFlightSeqsMax:     8,
		StatusIntervalTicks: 10,
		RetransmitTicks:     20,
		PendingExpiryTicks:  12_000,
		SlowPathTicks:       15,
		ViewChangeTicks:     200,
		TransferStallTicks:  500,
		TransferAskTicks:    50,
		AdmitWindowTicks:    100,
		AdmitQueueMin:       AdmitQueueMinDefault,

		CheckpointIntervalSeqs: CheckpointIntervalSeqsDefault,
	}
}

// Validate checks the config against the protocol's rules and the bounds in limits.go.
func (c Config) Validate() error {
	switch {
	case c.Signer == nil:
		return fmt.Errorf("%w: no signer", ErrConfig)
	case c.F < 0 || c.C < 0 || c.N < 3*c.F+2*c.C+1:
		return fmt.Errorf("%w: n=%d must be at least 3f+2c+1 with f=%d c=%d", ErrConfig, c.N, c.F, c.C)
	case c.N > ReplicasMax:
		return fmt.Errorf("%w: n=%d exceeds %d", ErrConfig, c.N, ReplicasMax)
	case int(c.ID) >= c.N:
		return fmt.Errorf("%w: id %d not below n=%d", ErrConfig, c.ID, c.N)
	case c.BatchRequestsMax < 1 || c.BatchRequestsMax > BatchRequestsCap:
		return fmt.Errorf("%w: batch requests %d not in [1,%d]", ErrConfig, c.BatchRequestsMax, BatchRequestsCap)
	case c.BatchBytesMax < RequestBytesMax || c.BatchBytesMax > BatchBytesCap:
		return fmt.Errorf("%w: batch bytes %d not in [%d,%d]", ErrConfig, c.BatchBytesMax, RequestBytesMax, BatchBytesCap)
	case c.InFlightSeqsMax < 1 || c.InFlightSeqsMax > InFlightSeqsCap:
		return fmt.Errorf("%w: in-flight %d not in [1,%d]", ErrConfig, c.InFlightSeqsMax, InFlightSeqsCap)
	case c.SlowPathTicks < SlowPathTicksMin || c.SlowPathTicks > SlowPathTicksMax:
		return fmt.Errorf("%w: slow path ticks %d not in [%d,%d]", ErrConfig, c.SlowPathTicks, SlowPathTicksMin, SlowPathTicksMax)
	case c.ViewChangeTicks < c.RetransmitTicks || c.ViewChangeTicks > c.PendingExpiryTicks:
		// Below the retransmission period a lost message would cost a view change.
		return fmt.Errorf("%w: view change ticks %d not in [%d,%d]", ErrConfig, c.ViewChangeTicks, c.RetransmitTicks, c.PendingExpiryTicks)
	case c.CheckpointIntervalSeqs < CheckpointIntervalSeqsMin || c.CheckpointIntervalSeqs > CheckpointIntervalSeqsMax:
		return fmt.Errorf("%w: checkpoint interval %d not in [%d,%d]", ErrConfig, c.CheckpointIntervalSeqs, CheckpointIntervalSeqsMin, CheckpointIntervalSeqsMax)
	case c.StatusIntervalTicks < 1 || c.RetransmitTicks < 1 || c.PendingExpiryTicks < PendingSweepIntervalTicks ||
		c.TransferStallTicks < 1 || c.TransferAskTicks < 1 || c.AdmitWindowTicks < 1:
		return fmt.Errorf("%w: tick intervals must be positive", ErrConfig)
	case c.AdmitQueueMin < 1 || c.AdmitQueueMin > PendingRequestsMax:
		return fmt.Errorf("%w: admission queue minimum %d not in [1,%d]", ErrConfig, c.AdmitQueueMin, PendingRequestsMax)
	}
	return nil
}

// checkpointInterval is CheckpointIntervalSeqs as a sequence number distance.
func (c Config) checkpointInterval() uint64 { return uint64(c.CheckpointIntervalSeqs) }

// WindowSeqs is the work window: a replica accepts sequence numbers in (stable, stable+WindowSeqs()], where
// stable is its last stable checkpoint. Two intervals, so a replica keeps ordering while the next checkpoint
// becomes stable; at most WindowSeqsMax for a valid config.
func (c Config) WindowSeqs() uint64 { return 2 * c.checkpointInterval() }

// RetainExecutedSeqs bounds the executed batches kept (with certificates) to help lagging peers: a window.
// A peer further behind needs a state transfer.
func (c Config) RetainExecutedSeqs() uint64 { return c.WindowSeqs() }

// fastQuorum is the number of fast-path shares that commit: all n, or 3f+c+1 when c > 0.
func (c Config) fastQuorum() int {
	q := c.N
	if c.C > 0 {
		q = 3*c.F + c.C + 1
	}
	if planted(bugFastQuorum) {
		q--
	}
	return q
}

// slowQuorum is the number of shares of a prepare or commit certificate: 2f+c+1.
func (c Config) slowQuorum() int {
	if planted(bugSlowQuorum) {
		return 2*c.F + c.C
	}
	return 2*c.F + c.C + 1
}

// checkpointQuorum is the number of shares of a stable checkpoint certificate: 2f+c+1.
func (c Config) checkpointQuorum() int {
	if planted(bugCheckpointQuorum) {
		return c.F + 1
	}
	return 2*c.F + c.C + 1
}

// quorumFor is the number of signers a certificate of kind k needs.
func (c Config) quorumFor(k CertKind) int {
	switch k {
	case CertFast:
		return c.fastQuorum()
	case CertExec:
		return c.F + 1
	case CertCheckpoint:
		return c.checkpointQuorum()
	}
	return c.slowQuorum()
}

// QuorumFor is quorumFor for verifiers outside the core (a planted quorum bug weakens them too: one rule).
func QuorumFor(k CertKind, n, f, extra int) int {
	cfg := Config{N: n, F: f, C: extra}
	return cfg.quorumFor(k)
}
