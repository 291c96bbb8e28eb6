// Package byzantine holds the test-only misbehaviours of a replica, for end-to-end tests and the simulator: each
// mode is a decorator of a part a replica talks to the others through (its transport, checkpoint announcer,
// input, blocks server, subscription sessions).
//
// Only a build with the tag byzantine imports this package into a replica (node/byzantine_on.go, which decorates
// the replica's seams in the mode Env names): the production binary carries none of it, and
// scripts/lint-deps.sh proves so on its symbols.
package byzantine

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Env names the mode a replica of a byzantine build misbehaves in ("" or unset: honest).
const Env = "SBFT_BYZANTINE"

// ErrMode is a mode Parse does not know.
var ErrMode = errors.New("byzantine mode")

// Modes lists what Parse accepts.
var Modes = []string{"silent-primary", "equivocating-primary", "censor:<client public key, hex>", "drop-client-txs", "corrupt-checkpoints",
	"corrupt-blocks", "stall-blocks", "forge-subscription", "stall-subscription"}

// Mode is a misbehaviour of a replica; the zero value is an honest replica. The primary modes misbehave only
// while the replica is primary.
type Mode struct {
	// SilentPrimary: as primary, the replica never sends a PrePrepare (it stays connected and answers
	// everything else, so only the request timers can find it out).
	SilentPrimary bool
	// EquivocatingPrimary: as primary, the replica sends replicas with an odd index a PrePrepare whose batch
	// is in another order (properly signed), so no digest can gather a quorum.
	EquivocatingPrimary bool
	// CensorClient: as primary, the replica drops the transactions of this client (an Ed25519 public key).
	CensorClient *[32]byte
	// DropClientTxs: as primary, the replica drops every client transaction, submitted or forwarded.
	DropClientTxs bool
	// CorruptCheckpoints: the replica announces checkpoints over a wrong state root (properly signed).
	CorruptCheckpoints bool
	// CorruptBlocks and StallBlocks: as a state transfer source, the replica serves blocks whose
	// transactions do not match their headers, or answers too late.
	CorruptBlocks, StallBlocks bool
	// ForgeSubscription: the replica pushes its subscribers (client nodes) blocks from height 3 on whose
	// header claims another state root (the transactions and commit certificate stay genuine).
	ForgeSubscription bool
	// StallSubscription: the replica takes subscriptions and never pushes a block (withholding).
	StallSubscription bool
}

// Parse reads a mode; "" is honest.
func Parse(mode string) (Mode, error) {
	var m Mode
	switch {
	case mode == "":
	case mode == "silent-primary":
		m.SilentPrimary = true
	case mode == "equivocating-primary":
		m.EquivocatingPrimary = true
	case mode == "drop-client-txs":
		m.DropClientTxs = true
	case mode == "corrupt-checkpoints":
		m.CorruptCheckpoints = true
	case mode == "corrupt-blocks":
		m.CorruptBlocks = true
	case mode == "stall-blocks":
		m.StallBlocks = true
	case mode == "forge-subscription":
		m.ForgeSubscription = true
	case mode == "stall-subscription":
		m.StallSubscription = true
	case strings.HasPrefix(mode, "censor:"):
		raw, err := hex.DecodeString(strings.TrimPrefix(mode, "censor:"))
		if err != nil || len(raw) != 32 {
			return m, fmt.Errorf("%w: censor needs a 32-byte hex client key", ErrMode)
		}
		m.CensorClient = (*[32]byte)(raw)
	default:
		return m, fmt.Errorf("%w %q unknown (one of %v)", ErrMode, mode, Modes)
	}
	return m, nil
}

// Honest reports whether m asks for no misbehaviour.
func (m Mode) Honest() bool { return m == Mode{} }
