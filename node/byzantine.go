package node

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/sbftnet/sbft/consensus"
)

// Byzantine is a test-only misbehaviour of a replica, for end-to-end tests; the zero value is an honest
// replica. The primary modes misbehave only while the replica is primary.
type Byzantine struct {
	// SilentPrimary: as primary, the replica never sends a PrePrepare (it stays connected and answers
	// everything else, so only the request timers can find it out).
	SilentPrimary bool
	// EquivocatingPrimary: as primary, the replica sends replicas with an odd index a PrePrepare whose batch
	// is in another order (properly signed), so no digest can gather a quorum.
	EquivocatingPrimary bool
	// CensorClient: as primary, the replica drops the transactions of this client (an Ed25519 public key).
	CensorClient *[32]byte
	// CorruptCheckpoints: the replica announces checkpoints over a wrong state root (properly signed).
	CorruptCheckpoints bool
	// CorruptBlocks and StallBlocks: as a state transfer source, the replica serves blocks whose
	// transactions do not match their headers, or answers too late.
	CorruptBlocks, StallBlocks bool
}

// ErrByzantineRefused is returned when a byzantine mode is asked for without the environment opt-in.
var ErrByzantineRefused = errors.New("byzantine test mode refused")

// ByzantineEnv must be set to 1 for ParseByzantine to accept a mode: a misbehaving replica is never one flag
// away from production.
const ByzantineEnv = "SBFT_ALLOW_BYZANTINE_TEST_MODE"

// ByzantineModes lists what ParseByzantine accepts.
var ByzantineModes = []string{"silent-primary", "equivocating-primary", "censor:<client public key, hex>", "corrupt-checkpoints", "corrupt-blocks", "stall-blocks"}

// ParseByzantine reads a mode; "" is honest.
func ParseByzantine(mode string) (Byzantine, error) {
	var b Byzantine
	if mode == "" {
		return b, nil
	}
	if os.Getenv(ByzantineEnv) != "1" {
		return b, fmt.Errorf("%w: set %s=1 to run a replica in byzantine mode %q (tests only)", ErrByzantineRefused, ByzantineEnv, mode)
	}
	switch {
	case mode == "silent-primary":
		b.SilentPrimary = true
	case mode == "equivocating-primary":
		b.EquivocatingPrimary = true
	case mode == "corrupt-checkpoints":
		b.CorruptCheckpoints = true
	case mode == "corrupt-blocks":
		b.CorruptBlocks = true
	case mode == "stall-blocks":
		b.StallBlocks = true
	case strings.HasPrefix(mode, "censor:"):
		raw, err := hex.DecodeString(strings.TrimPrefix(mode, "censor:"))
		if err != nil || len(raw) != 32 {
			return b, fmt.Errorf("%w: censor needs a 32-byte hex client key", ErrConfig)
		}
		b.CensorClient = (*[32]byte)(raw)
	default:
		return b, fmt.Errorf("%w: byzantine mode %q (one of %v)", ErrConfig, mode, ByzantineModes)
	}
	return b, nil
}

// Honest reports whether b asks for no misbehaviour.
func (b Byzantine) Honest() bool {
	return !b.SilentPrimary && !b.EquivocatingPrimary && b.CensorClient == nil && !b.CorruptCheckpoints &&
		!b.CorruptBlocks && !b.StallBlocks
}

// corruptAnnouncement rewrites a checkpoint announcement over another state root, signed with this replica's
// keys: only the comparison with the stable checkpoint can tell.
func (d *Driver) corruptAnnouncement(a *CheckpointAnnouncement) {
	a.StateRoot[0] ^= 0xff
	m := a.Message(d.cfg.ChainID)
	a.Share = blsSigner{d.cfg.ShareKey}.Sign(consensus.ShareSigningBytes(d.cfg.ChainID, consensus.CertCheckpoint, 0, a.Seq, m.Digest))
	m.Share = a.Share
	a.Sig = d.cfg.Signer.Sign(m.SigningBytes(d.cfg.ChainID))
}

// isPrimaryNow reports whether this replica leads the current view.
func (d *Driver) isPrimaryNow() bool {
	view, _ := d.core.ViewState()
	return view%uint64(d.cfg.N) == uint64(d.cfg.ID)
}

// censors reports whether the byzantine mode drops this client's transaction here.
func (d *Driver) censors(in Intake) bool {
	c := d.cfg.Byzantine.CensorClient
	return c != nil && in.Tx.Client == *c && d.isPrimaryNow()
}

// sendByzantine carries out an outbound message in byzantine mode; false: send it normally.
func (d *Driver) sendByzantine(o consensus.Outbound) bool {
	b := d.cfg.Byzantine
	if o.Msg.Type != consensus.MsgPrePrepare || b.Honest() {
		return false
	}
	switch {
	case b.SilentPrimary:
		return true
	case b.EquivocatingPrimary && len(o.Msg.Requests) >= 2:
		alt := *o.Msg
		alt.Requests = slices.Clone(o.Msg.Requests)
		slices.Reverse(alt.Requests)
		alt.Digest = consensus.BatchDigest(consensus.RequestDigests(alt.Requests))
		alt.ReqDigests = nil
		alt.Sig = d.cfg.Signer.Sign(alt.SigningBytes(d.cfg.ChainID))
		orig, other := o.Msg.Marshal(), alt.Marshal()
		for to := 0; to < d.cfg.N; to++ {
			switch {
			case uint32(to) == d.cfg.ID:
			case to%2 == 1:
				d.cfg.Transport.Send(uint32(to), other)
			default:
				d.cfg.Transport.Send(uint32(to), orig)
			}
		}
		return true
	}
	return false
}
