package replica

import (
	"encoding/hex"
	"time"

	"github.com/sbftnet/sbft/buildinfo"

	"github.com/sbftnet/sbft/consensus"
	bsync "github.com/sbftnet/sbft/sync"
)

// Status is the replica's status document (GET /status, `sbft status --json`). Field names are a contract
// with scripts and tests: add fields, never rename them.
type Status struct {
	Replica                     uint32         `json:"replica"`
	ChainID                     string         `json:"chain_id"`
	PeerID                      string         `json:"peer_id"`
	ListenAddrs                 []string       `json:"listen_addrs"` // with /p2p/PEER-ID
	Build                       buildinfo.Info `json:"build"`
	View                        uint64         `json:"view"`
	Primary                     uint32         `json:"primary"`
	LastExecutedSeq             uint64         `json:"last_executed_seq"`
	Height                      uint64         `json:"height"`
	LastBlockHash               string         `json:"last_block_hash"`
	StateRoot                   string         `json:"state_root"`
	Peers                       int            `json:"peers"`
	PendingRequests             int            `json:"pending_requests"`
	PeerExecuted                []uint64       `json:"peer_last_executed"`
	CommitsFast                 uint64         `json:"commits_fast"`
	CommitsSlow                 uint64         `json:"commits_slow"`
	CommitPath                  string         `json:"commit_path"` // the path this replica proposes on as primary: fast or slow
	SlowPathTimerMs             int            `json:"slow_path_timer_ms"`
	ViewActive                  bool           `json:"view_active"`         // false while the replica waits for its view's NewView
	ViewChanges                 uint64         `json:"view_changes"`        // views this replica moved to since start
	LastViewChangeMs            int64          `json:"last_view_change_ms"` // how long the last view change took here
	LastStableCheckpoint        uint64         `json:"last_stable_checkpoint"`
	LastStableCheckpointHash    string         `json:"last_stable_checkpoint_hash"` // the checkpoint digest its certificate signs
	Healthy                     bool           `json:"healthy"`                     // false once a checkpoint of this replica differed from a stable one, or while another process uses its key
	DuplicateIdentity           bool           `json:"duplicate_identity"`          // another process opened consensus streams with this replica's key
	LastStableCheckpointSigners []uint32       `json:"last_stable_checkpoint_signers"`
	LastCheckpoint              uint64         `json:"last_checkpoint"`              // the last checkpoint this replica signed
	CheckpointMismatchReplicas  []uint32       `json:"checkpoint_mismatch_replicas"` // replicas whose checkpoints differed from stable ones

	Gossip *GossipStatus `json:"gossip,omitempty"`
	// Syncing: a state transfer is under way (Sync shows how far); StateTransfers: completed since start.
	Syncing        bool        `json:"syncing"`
	StateTransfers uint64      `json:"state_transfers"`
	Sync           *SyncStatus `json:"sync,omitempty"`
	LastTransfer   *SyncStatus `json:"last_state_transfer,omitempty"`

	Counters consensus.Counters `json:"counters"`
}

// SyncStatus is a state transfer's progress.
type SyncStatus struct {
	TargetHeight uint64                          `json:"target_height"`
	BaseHeight   uint64                          `json:"base_height"`
	Fetched      uint64                          `json:"fetched_blocks"` // verified or buffered
	Total        uint64                          `json:"total_blocks"`
	InFlight     int                             `json:"requests_in_flight"`
	PerSource    map[uint32]bsync.SourceProgress `json:"per_source"`
	TookMs       int64                           `json:"took_ms,omitempty"` // a completed transfer: fetch time
}

// GossipStatus counts the checkpoint topic's validation verdicts and shows the lowest gossipsub peer score
// (negative: some peer sent invalid messages).
type GossipStatus struct {
	Accepted        uint64  `json:"accepted"`
	Rejected        uint64  `json:"rejected"`
	Ignored         uint64  `json:"ignored"`
	LowestPeerScore float64 `json:"lowest_peer_score"`
}

func (d *Driver) publishStatus() {
	d.statusStale = false
	cs := d.core.Status()
	h := d.app.LastHeader()
	bh := h.Hash()
	if h.Height == 0 {
		bh = [32]byte{}
	}
	sr := d.app.StateRoot()
	path := "fast"
	if cs.SlowPathMode {
		path = "slow"
	}
	d.status.Store(&Status{
		Replica: d.cfg.ID, ChainID: d.cfg.ChainID, View: cs.View, Primary: cs.Primary,
		LastExecutedSeq: cs.LastExecuted, Height: h.Height,
		LastBlockHash: hex.EncodeToString(bh[:]), StateRoot: hex.EncodeToString(sr[:]),
		PendingRequests: cs.PendingRequests, PeerExecuted: cs.PeerLastExecuted, Counters: cs.Counters,
		CommitsFast: cs.Counters.CommitsFast, CommitsSlow: cs.Counters.CommitsSlow, CommitPath: path,
		SlowPathTimerMs: cs.SlowPathTicks * int(d.cfg.TickInterval/time.Millisecond),
		ViewActive:      cs.ViewActive, ViewChanges: cs.Counters.ViewChanges,
		LastViewChangeMs: d.views.lastTaken.Milliseconds(), LastStableCheckpoint: cs.StableSeq,
		LastStableCheckpointHash: hex.EncodeToString(cs.StableDigest[:]), Healthy: cs.DivergedAt == 0,
		LastStableCheckpointSigners: cs.StableSigners, LastCheckpoint: cs.LastCheckpoint,
		CheckpointMismatchReplicas: cs.BadCheckpointReplicas(),
	})
	d.cfg.Metrics.observeStatus(cs)
	if h.Height != d.published {
		d.published = h.Height
		d.notify()
	}
}

// notify wakes everyone waiting on HeightChanged.
func (d *Driver) notify() {
	ch := make(chan struct{})
	close(*d.heightCh.Swap(&ch))
}

// Status returns the latest published snapshot; safe from any goroutine.
func (d *Driver) Status() Status { return *d.status.Load() }
