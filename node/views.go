package node

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// checkpointDomain separates checkpoint digests from every other hash.
const checkpointDomain = "sbft/checkpoint/v1"

// CheckpointDigest is what replicas sign at a checkpoint: sha256 over "sbft/checkpoint/v1", the chain ID (2-byte
// length, then bytes), the sequence number and height (8 bytes each), the hash of the last block and the
// state root after it.
func CheckpointDigest(chainID string, seq, height uint64, bh, sr [32]byte) [32]byte {
	b := make([]byte, 0, len(checkpointDomain)+len(chainID)+82)
	b = append(b, checkpointDomain...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(chainID)))
	b = append(b, chainID...)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = binary.BigEndian.AppendUint64(b, height)
	b = append(b, bh[:]...)
	b = append(b, sr[:]...)
	return sha256.Sum256(b)
}

// viewTracker notices view changes in the driver's loop, to log them and time them.
type viewTracker struct {
	view      uint64
	active    bool
	leftAt    time.Time // when the replica left its last started view
	leftView  uint64
	lastTaken time.Duration
}

// observeViews logs and measures the view changes the last Ready made.
func (d *Driver) observeViews() {
	view, active := d.core.ViewState()
	t := &d.views
	if view == t.view && active == t.active {
		return
	}
	now := time.Now()
	if t.active && !active || t.active && view != t.view {
		t.leftAt, t.leftView = now, t.view
		d.log.Warn("leaving view", "view", t.view, "to", view)
	}
	if active {
		t.lastTaken = now.Sub(t.leftAt)
		if t.leftAt.IsZero() {
			t.lastTaken = 0
		}
		d.log.Info("view started", "view", view, "primary", view%uint64(d.cfg.N), "from_view", t.leftView,
			"took", t.lastTaken.Round(time.Millisecond))
		d.cfg.Metrics.observeViewChange(t.lastTaken)
	}
	t.view, t.active = view, active
}
