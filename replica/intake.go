package replica

import (
	"time"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// IntakeChecker is the check every client submission passes before Driver.Submit: its Submit frame holds a
// well-formed transaction whose client signature verifies. The node runs it on its client sessions (batching
// signatures across cores, node/intake.go), the simulator on every submission of its clients, so both admit by
// one rule; Driver.Submit trusts it.
type IntakeChecker struct {
	ChainID string
	ID      uint32 // the replica that answers: its rejections carry it
	// Verified, if set, holds the transactions whose signature verified before: Check skips them, and adds
	// those it verifies (the check is deterministic).
	Verified *FIFOSet
}

// Decode reads a Submit frame for waiter w into an Intake whose signature is still unchecked, or returns the
// rejection that answers it.
func (c IntakeChecker) Decode(frame []byte, w Waiter, arrived time.Time) (Intake, *wire.Reply) {
	raw, err := wire.DecodeSubmit(frame)
	if err != nil {
		return Intake{}, c.Reject([32]byte{}, wire.RejectMalformed, err.Error())
	}
	hash := chain.TxHash(raw)
	tx, err := chain.UnmarshalTx(raw)
	if err != nil {
		return Intake{}, c.Reject(hash, wire.RejectMalformed, err.Error())
	}
	return Intake{Tx: tx, Raw: raw, Hash: hash, Waiter: w, Arrived: arrived}, nil
}

// Verify checks the client signatures of batch in batch verifications across the cores
// (chain.VerifyTxsOnCores): rejects[i] answers batch[i] when its signature does not verify (nil when it does).
func (c IntakeChecker) Verify(batch []Intake) (rejects []*wire.Reply) {
	txs := make([]*chain.Tx, len(batch))
	for i := range batch {
		txs[i] = batch[i].Tx
	}
	rejects = make([]*wire.Reply, len(batch))
	for i, err := range chain.VerifyTxsOnCores(c.ChainID, txs) {
		if err != nil {
			rejects[i] = c.Reject(batch[i].Hash, wire.RejectBadSignature, err.Error())
		}
	}
	return rejects
}

// Check is Decode and Verify of one frame: the Intake to hand Driver.Submit, or the rejection.
func (c IntakeChecker) Check(frame []byte, w Waiter) (Intake, *wire.Reply) {
	in, rej := c.Decode(frame, w, time.Time{})
	if rej != nil {
		return Intake{}, rej
	}
	if c.Verified != nil && c.Verified.Has(in.Hash) {
		return in, nil
	}
	if rej = c.Verify([]Intake{in})[0]; rej != nil {
		return Intake{}, rej
	}
	if c.Verified != nil {
		c.Verified.Add(in.Hash)
	}
	return in, nil
}

// Reject is this replica's refusal of transaction h.
func (c IntakeChecker) Reject(h [32]byte, r wire.Reject, msg string) *wire.Reply {
	return &wire.Reply{TxHash: h, Replica: c.ID, Status: wire.StatusRejected, Reject: r, Message: msg}
}
