package replica

import (
	"time"

	"github.com/sbftnet/sbft/consensus"
)

// ConsensusConfig tunes the core; ticks are TickMs long.
type ConsensusConfig struct {
	BatchRequestsMax    int `toml:"batch_requests_max"`
	BatchBytesMax       int `toml:"batch_bytes_max"`
	InFlightSeqsMax     int `toml:"in_flight_seqs_max"`
	StatusIntervalTicks int `toml:"status_interval_ticks"`
	RetransmitTicks     int `toml:"retransmit_ticks"`
	// ViewChangeTimeoutMs: a backup complains about the primary when a client request waited this long; the
	// timeout doubles with each view change that executes nothing (at most 8 times).
	ViewChangeTimeoutMs int `toml:"view_change_timeout_ms"`
}

// DefaultConsensusConfig is what `sbft testnet` writes. One batch in flight, of up to BatchRequestsCap
// requests: on one 2-core machine (4 replicas and a load generator, n=4) one batch gave p50 40-54 ms at 2,000
// tx/s against 60-69 ms with two, and with batches of 4,096 the same capacity (8,230 against 8,220 tx/s at
// 12,000 offered; 7,200 with batches of 2,000). A network with long round trips raises in_flight_seqs_max.
func DefaultConsensusConfig() ConsensusConfig {
	return ConsensusConfig{
		BatchRequestsMax: consensus.BatchRequestsCap, BatchBytesMax: consensus.BatchBytesDefault, InFlightSeqsMax: 1,
		StatusIntervalTicks: 20, RetransmitTicks: 100, ViewChangeTimeoutMs: 3000,
	}
}

// applyTo fills the tunables of a consensus config (ticks of tick long).
func (cc ConsensusConfig) applyTo(c *consensus.Config, tick time.Duration) {
	if cc.ViewChangeTimeoutMs > 0 && tick > 0 {
		c.ViewChangeTicks = int(time.Duration(cc.ViewChangeTimeoutMs) * time.Millisecond / tick)
	}
	c.BatchRequestsMax = cc.BatchRequestsMax
	c.BatchBytesMax = cc.BatchBytesMax
	c.InFlightSeqsMax = cc.InFlightSeqsMax
	c.StatusIntervalTicks = cc.StatusIntervalTicks
	c.RetransmitTicks = cc.RetransmitTicks
	if tick > 0 {
		c.TransferStallTicks = max(1, int(SyncStallTimeout/tick))
		c.TransferAskTicks = max(1, int(SyncCheckInterval/tick))
		c.AdmitWindowTicks = max(1, int(AdmitWindow/tick))
	}
}
