package consensus

import (
	"errors"
	"fmt"
)

// ErrConfig is returned for a configuration the core cannot run with.
var ErrConfig = errors.New("invalid consensus config")

// Config is everything the core needs to know; times are in ticks.
type Config struct {
	ChainID string    // bound into every signature
	Signer  Signer    // signs this replica's messages (deterministic, so the core stays pure)
	ID      ReplicaID // this replica
	N       int       // replicas, n >= 3f+1
	F       int       // faults tolerated

	BatchRequestsMax int // requests per PrePrepare (<= BatchRequestsMax constant)
	BatchBytesMax    int // summed request bytes per PrePrepare (<= BatchBytesMax constant)
	InFlightSeqsMax  int // proposed but not executed sequence numbers the primary allows

	StatusIntervalTicks int // heartbeat period
	RetransmitTicks     int // a slot uncommitted this long has its messages sent again
	PendingExpiryTicks  int // a queued request not ordered this long is dropped

	// Bugs plants known protocol bugs for the simulator's tests; always zero in production.
	Bugs PlantedBugs
}

// PlantedBugs are test-only switches that break the protocol on purpose, so tests can show that the
// simulator's checkers find each one. Nothing outside tests sets them.
type PlantedBugs struct {
	WeakQuorum        bool // prepare with 2f-1 backup votes and commit with 2f, one short of the protocol
	AcceptOlderViews  bool // take messages of older views as if they were current
	ExecuteOutOfOrder bool // hand out two batches that commit together with their contents swapped
}

// Signer signs bytes with this replica's key. Implementations must be deterministic (Ed25519 and BLS are).
type Signer interface {
	Sign(msg []byte) []byte
}

// DefaultConfig returns a config for replica id of n with f faults and defaults for the rest.
func DefaultConfig(chainID string, signer Signer, id ReplicaID, n, f int) Config {
	return Config{
		ChainID: chainID, Signer: signer,
		ID: id, N: n, F: f,
		BatchRequestsMax:    2000,
		BatchBytesMax:       4 << 20,
		InFlightSeqsMax:     8,
		StatusIntervalTicks: 10,
		RetransmitTicks:     20,
		PendingExpiryTicks:  12_000,
	}
}

// Validate checks the config against the protocol's rules and the bounds in limits.go.
func (c Config) Validate() error {
	switch {
	case c.Signer == nil:
		return fmt.Errorf("%w: no signer", ErrConfig)
	case c.F < 0 || c.N < 3*c.F+1:
		return fmt.Errorf("%w: n=%d must be at least 3f+1 with f=%d", ErrConfig, c.N, c.F)
	case c.N > ReplicasMax:
		return fmt.Errorf("%w: n=%d exceeds %d", ErrConfig, c.N, ReplicasMax)
	case int(c.ID) >= c.N:
		return fmt.Errorf("%w: id %d not below n=%d", ErrConfig, c.ID, c.N)
	case c.BatchRequestsMax < 1 || c.BatchRequestsMax > BatchRequestsMax:
		return fmt.Errorf("%w: batch requests %d not in [1,%d]", ErrConfig, c.BatchRequestsMax, BatchRequestsMax)
	case c.BatchBytesMax < RequestBytesMax || c.BatchBytesMax > BatchBytesMax:
		return fmt.Errorf("%w: batch bytes %d not in [%d,%d]", ErrConfig, c.BatchBytesMax, RequestBytesMax, BatchBytesMax)
	case c.InFlightSeqsMax < 1 || c.InFlightSeqsMax > InFlightSeqsMax:
		return fmt.Errorf("%w: in-flight %d not in [1,%d]", ErrConfig, c.InFlightSeqsMax, InFlightSeqsMax)
	case c.StatusIntervalTicks < 1 || c.RetransmitTicks < 1 || c.PendingExpiryTicks < PendingSweepIntervalTicks:
		return fmt.Errorf("%w: tick intervals must be positive", ErrConfig)
	}
	return nil
}

// quorum is the number of matching votes that make a certificate: 2f+1.
func (c Config) quorum() int {
	if c.Bugs.WeakQuorum {
		return 2 * c.F
	}
	return 2*c.F + 1
}

// prepareQuorum is the number of matching backup Prepares that, with the PrePrepare, make a slot prepared.
func (c Config) prepareQuorum() int {
	if c.Bugs.WeakQuorum {
		return max(1, 2*c.F-1)
	}
	return 2 * c.F
}
