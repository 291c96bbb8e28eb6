package sim

import (
	"errors"
	"math"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/sim/check"
	"github.com/sbftnet/sbft/wire"
)

// What a client makes of a call's end, as an application using the client library would: a result is an
// outcome (acknowledged; a failed result also promises that the transaction never executes with CodeOK), a
// rejection or any other error but an unknown outcome promises it never executes, and an unknown outcome
// (client.ErrOutcomeUnknown) promises nothing: the transaction is submitted again until its outcome is learned.

// outcomeCounts counts how clients' calls ended.
type outcomeCounts struct {
	unknown int // calls that ended without an outcome
	failed  int // calls reported failed or refused
}

// finish ends p's call with its route's outcome.
func (c *simClient) finish(p *pendingTx) {
	delete(c.pending, p.hash)
	p.endedAt = c.w.now
	res, err := p.route.Outcome()
	switch {
	case errors.Is(err, client.ErrOutcomeUnknown):
		c.outcomes.unknown++
		c.unknown[p.hash] = p
		return
	case nonceVerdict(err):
		c.never(p)
		return
	case err != nil:
		c.outcomes.failed++
		c.w.obs.Failed(p.hash)
	}
	if res != nil {
		c.accept(p, res)
	}
}

// nonceVerdict reports whether err says only that the transaction's nonce was spent or fell below the client's
// window. The transaction itself may have spent it (a replica that restarted lost the result it would answer a
// copy with), so this is no outcome of it, and the client will never learn one.
func nonceVerdict(err error) bool {
	var rej *client.RejectedError
	var failed *client.FailedError
	return errors.As(err, &rej) && (rej.Reason == wire.RejectReplayedNonce || rej.Reason == wire.RejectStaleNonce) ||
		errors.As(err, &failed) && (failed.Result.Code == chain.CodeReplayedNonce || failed.Result.Code == chain.CodeStaleNonce)
}

// op is p as the checkers see it.
func (c *simClient) op(p *pendingTx) check.Op {
	return check.Op{Client: c.id, Shared: p.shared, Op: p.tx.Op, Key: p.key, Value: p.val, Version: p.tx.Version,
		Call: p.call}
}

// accept acknowledges a transaction with its result (on f+1 matching replies or one verified execution proof)
// and shows it to the checkers.
func (c *simClient) accept(p *pendingTx, res *chain.Result) {
	c.w.events++
	op := c.op(p)
	op.Return, op.Result = c.w.events, res
	c.w.obs.Acknowledged(op)
	if p.shared {
		c.sharedAcked++
		c.versions[p.key] = res.Version
		return
	}
	if res.Code == chain.CodeOK { // else the linearizability checker reported it
		c.ackedKeys = append(c.ackedKeys, p.key)
	}
}

// never shows the checkers an operation whose outcome the client will not learn: it may have happened or not.
func (c *simClient) never(p *pendingTx) {
	op := c.op(p)
	op.Return = math.MaxInt64
	c.w.obs.Unknown(op)
}

// endUnknown shows the checkers the operations still without an outcome at the end of the run.
func (c *simClient) endUnknown() {
	for _, p := range byNonce(c.pending) {
		c.never(p)
	}
	for _, p := range byNonce(c.unknown) {
		c.never(p)
	}
}
