package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// call collects the replicas' replies to one transaction.
type call struct {
	raw     []byte          // the signed transaction, to submit again unchanged when its outcome stays unknown
	frame   []byte          // the Submit frame, kept to resend after a session breaks
	resent  map[uint32]int  // resends per replica after a session broke
	sentTo  []bool          // by replica index: the transaction was sent (or queued) to it
	sentAll bool            // sent to every replica: the first one did not answer in time, or refused it
	timer   *time.Timer     // sends to every replica after the client's ResendTimeout
	busy    map[uint32]bool // replicas that answered busy
	replies *Tally          // by replica index of the session it came on
	failed  map[uint32]error
	done    chan struct{}
	outcome *chain.Result
	err     error
}

// Submit sends tx to the replica the client believes is the primary and waits for its proven answer; without
// one within the client's ResendTimeout, or on a refusal, it sends tx to every replica and takes one proven
// answer or f+1 matching plain ones. Without them in time it returns an *UnknownOutcomeError (errors.Is
// ErrOutcomeUnknown): the transaction may still commit.
func (c *Client) Submit(ctx context.Context, tx *chain.Tx) (*chain.Result, error) {
	return c.submit(ctx, tx.Marshal(), false)
}

// SubmitRaw is Submit for an already encoded transaction (presigned ones, and tests that send bad ones).
func (c *Client) SubmitRaw(ctx context.Context, raw []byte) (*chain.Result, error) {
	return c.submit(ctx, raw, false)
}

// Resubmit submits again, unchanged, a signed transaction whose outcome was unknown, to every replica at once
// (the replica asked first may be why no answer came); it executes at most once, and the answer is its outcome.
func (c *Client) Resubmit(ctx context.Context, raw []byte) (*chain.Result, error) {
	return c.submit(ctx, raw, true)
}

func (c *Client) submit(ctx context.Context, raw []byte, toAll bool) (*chain.Result, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	h, cl, err := c.start(ctx, raw, toAll)
	if err != nil {
		return nil, err
	}
	return c.wait(ctx, h, cl)
}

// submitNew builds, signs and sends a transaction while holding sendMu, so that one client's transactions
// leave, and reach each replica, in nonce order however many goroutines submit at once. A transaction whose
// nonce went stale (NonceWindow later ones of this client executed first: pipelined submissions reordered on
// the way) provably never applied and never will, so it is signed again with a fresh nonce, up to
// StaleNonceRetriesMax times, rather than reported failed.
func (c *Client) submitNew(ctx context.Context, op chain.Op, key, value []byte, version uint64) (*chain.Result, error) {
	if err := chain.CheckSizes(key, value); err != nil {
		return nil, err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		c.sendMu.Lock()
		h, cl, err := c.start(ctx, c.NewTx(op, key, value, version).Marshal(), false)
		c.sendMu.Unlock()
		if err != nil {
			return nil, err
		}
		res, err := c.wait(ctx, h, cl)
		if !staleNonce(err) || attempt >= StaleNonceRetriesMax {
			return res, err
		}
		c.log.Debug("nonce went stale before the transaction executed; signing it again", "attempt", attempt+1)
	}
}

// staleNonce reports whether err says f+1 replicas found the nonce below the client's window, at intake or at
// execution: the transaction did not apply.
func staleNonce(err error) bool {
	var rej *RejectedError
	var failed *FailedError
	return errors.As(err, &rej) && rej.Reason == wire.RejectStaleNonce ||
		errors.As(err, &failed) && failed.Result.Code == chain.CodeStaleNonce
}

func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

// start registers a call for raw and sends it to the presumed primary (to every replica with toAll).
func (c *Client) start(ctx context.Context, raw []byte, toAll bool) ([32]byte, *call, error) {
	h := chain.TxHash(raw)
	if len(raw) > chain.TxBytesMax {
		// Replicas read no Submit frame above wire.SubmitFrameBytesMax: fail here rather than break every session.
		return h, nil, fmt.Errorf("%w: transaction of %d bytes exceeds %d", wire.ErrMalformedFrame, len(raw), chain.TxBytesMax)
	}
	frame := wire.EncodeSubmit(raw)
	cl := &call{raw: raw, frame: frame, resent: map[uint32]int{}, busy: map[uint32]bool{}, replies: NewTally(c.g.F), failed: map[uint32]error{},
		sentTo: make([]bool, len(c.ids)), done: make(chan struct{})}
	c.mu.Lock()
	if _, dup := c.calls[h]; dup {
		c.mu.Unlock()
		return h, nil, fmt.Errorf("transaction %x is already being submitted", h[:8])
	}
	c.calls[h] = cl
	first := c.primary
	if !toAll {
		cl.sentTo[first] = true
		cl.timer = time.AfterFunc(c.resendAfter, func() { c.sendToAll(h, cl, "no answer in time") })
	}
	c.mu.Unlock()
	if toAll {
		c.sendToAll(h, cl, "")
	} else {
		c.sendOrQueue(first, h, frame)
	}
	return h, cl, nil
}

// sendToAll sends an undecided call to every replica it was not sent to (once): PBFT's rule for a client whose
// primary did not answer, so a faulty or censoring primary costs one timeout (and a view change: the backups
// now hold the request), never liveness.
func (c *Client) sendToAll(h [32]byte, cl *call, why string) {
	c.mu.Lock()
	if cl.sentAll || cl.outcome != nil || cl.err != nil || c.calls[h] != cl {
		c.mu.Unlock()
		return
	}
	cl.sentAll = true
	var to []uint32
	for i, sent := range cl.sentTo {
		if !sent {
			cl.sentTo[i] = true
			to = append(to, uint32(i))
		}
	}
	c.resentToAll++
	c.mu.Unlock()
	if why != "" {
		c.log.Debug("sending a transaction to every replica", "tx", fmt.Sprintf("%x", h[:8]), "why", why)
	}
	for _, i := range to {
		c.sendOrQueue(i, h, cl.frame)
	}
}

// wait blocks until the call is decided, the context ends or the client closes.
func (c *Client) wait(ctx context.Context, h [32]byte, cl *call) (*chain.Result, error) {
	defer func() {
		c.mu.Lock()
		delete(c.calls, h)
		c.mu.Unlock()
		if cl.timer != nil {
			cl.timer.Stop()
		}
	}()
	select {
	case <-cl.done:
		return cl.outcome, outcomeOf(h, cl.raw, cl.err)
	case <-ctx.Done():
		c.mu.Lock()
		n, f := cl.replies.Len(), len(cl.failed)
		c.mu.Unlock()
		// Replicas still being dialled count neither as answered nor as unreachable.
		err := fmt.Errorf("%w: %d of %d replicas answered before %v, %d known unreachable", ErrNoQuorum, n, len(c.ids), ctx.Err(), f)
		return nil, outcomeOf(h, cl.raw, err)
	case <-c.ctx.Done():
		return nil, ErrClosed
	}
}

// record notes one replica's reply (or failure) and decides the call once f+1 replies match, or once no
// result can reach f+1 anymore.
func (c *Client) record(h [32]byte, replica uint32, r *wire.Reply, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.calls[h]
	if cl == nil || cl.outcome != nil || cl.err != nil {
		return
	}
	if cl.replies.Has(replica) {
		return
	}
	if r != nil && r.Status == wire.StatusRejected && r.Reject == wire.RejectBusy {
		if !cl.sentAll {
			// The only replica asked did not take it: say busy now (an unknown outcome all the same), rather
			// than add the transaction to every replica's load.
			cl.err = fmt.Errorf("%w: replica %d at capacity: %s", ErrBusy, replica, r.Message)
			close(cl.done)
			return
		}
		// Busy is no outcome: this replica did not take the transaction, others may have. It counts out, and
		// the call ends in ErrBusy unless a result comes soon.
		cl.busy[replica] = true
		r, err = nil, fmt.Errorf("replica %d busy: %s", replica, r.Message)
		c.busyDeadline(h, cl)
	}
	if !cl.sentAll {
		// One replica's failure, refusal or unproven result decides nothing: ask them all (after this lock is
		// released).
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.sendToAll(h, cl, "the replica asked first failed or refused")
		}()
	}
	if err != nil {
		cl.failed[replica] = err
	} else {
		delete(cl.failed, replica)
		if cl.replies.Add(replica, r) {
			cl.outcome, cl.err = Decide(r)
			close(cl.done)
			return
		}
	}
	need := cl.replies.Need()
	if cl.sentAll && len(c.ids)-len(cl.failed) < need {
		cl.err = fmt.Errorf("%w: %d of %d replicas unreachable", ErrNoQuorum, len(cl.failed), len(c.ids))
		if busy := cl.stayedBusy(); busy > 0 {
			cl.err = fmt.Errorf("%w: %d of %d replicas at capacity, %d unreachable", ErrBusy, busy, len(c.ids), len(cl.failed)-busy)
		}
		close(cl.done)
	}
}

// busyDeadline ends the call with ErrBusy if it is still undecided BusyOutcomeWait after a replica refused
// it as busy: the replicas that took the transaction may never get it ordered (the primary may be one that refused
// it), and a prompt "busy" is better than a timeout.
func (c *Client) busyDeadline(h [32]byte, cl *call) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTimer(BusyOutcomeWait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-cl.done:
			return
		case <-c.ctx.Done():
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.calls[h] == cl && cl.outcome == nil && cl.err == nil {
			cl.err = fmt.Errorf("%w: %d of %d replicas at capacity and no result %v later", ErrBusy, cl.stayedBusy(), len(c.ids), BusyOutcomeWait)
			close(cl.done)
		}
	}()
}

// stayedBusy counts the replicas that refused the call as busy.
func (cl *call) stayedBusy() int {
	n := 0
	for i := range cl.failed {
		if cl.busy[i] {
			n++
		}
	}
	return n
}

// undecided reports whether a call for transaction h still waits for its outcome.
func (c *Client) undecided(h [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.calls[h]
	return cl != nil && cl.outcome == nil && cl.err == nil
}

// acceptProven decides a call on one verified result (from an execution proof).
func (c *Client) acceptProven(res *chain.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.calls[res.TxHash]
	if cl == nil || cl.outcome != nil || cl.err != nil {
		return
	}
	c.proven++
	cl.outcome, cl.err = res, nil
	if res.Code != chain.CodeOK {
		cl.err = &FailedError{Result: res}
	}
	close(cl.done)
}
