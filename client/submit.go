package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// call is one transaction in flight: its Route, and what the client needs to carry it out.
type call struct {
	route  *Route
	frame  []byte         // the Submit frame, kept to resend after a session breaks
	resent map[uint32]int // resends per replica after a session broke
	timer  *time.Timer    // sends to every replica after the client's ResendTimeout
	retry  *time.Timer    // sends again to unreachable replicas (nil: none scheduled)
	done   chan struct{}  // closed when the route is decided
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
	cl := &call{route: NewRoute(raw, len(c.ids), c.g.F), frame: wire.EncodeSubmit(raw), resent: map[uint32]int{},
		done: make(chan struct{})}
	c.mu.Lock()
	if _, dup := c.calls[h]; dup {
		c.mu.Unlock()
		return h, nil, fmt.Errorf("transaction %x is already being submitted", h[:8])
	}
	c.calls[h] = cl
	to := cl.route.Start(c.primary, toAll)
	if toAll {
		c.resentToAll++
	} else {
		cl.timer = time.AfterFunc(c.resendAfter, func() { c.sendToAll(h, cl, "no answer in time") })
	}
	c.mu.Unlock()
	for _, i := range to {
		c.sendOrQueue(i, h, cl.frame)
	}
	return h, cl, nil
}

// sendToAll sends an undecided call to every replica it was not sent to (once): PBFT's rule for a client whose
// primary did not answer, so a faulty or censoring primary costs one timeout (and a view change: the backups
// now hold the request), never liveness.
func (c *Client) sendToAll(h [32]byte, cl *call, why string) {
	c.mu.Lock()
	if c.calls[h] != cl {
		c.mu.Unlock()
		return
	}
	to, ok := cl.route.ToAll()
	if ok {
		c.resentToAll++
	}
	c.mu.Unlock()
	if !ok {
		return
	}
	c.log.Debug("sending a transaction to every replica", "tx", fmt.Sprintf("%x", h[:8]), "why", why)
	for _, i := range to {
		c.sendOrQueue(i, h, cl.frame)
	}
}

// wait blocks until the call is decided, the context ends or the client closes.
func (c *Client) wait(ctx context.Context, h [32]byte, cl *call) (*chain.Result, error) {
	defer func() {
		c.mu.Lock()
		delete(c.calls, h)
		if cl.retry != nil {
			cl.retry.Stop()
		}
		c.mu.Unlock()
		if cl.timer != nil {
			cl.timer.Stop()
		}
	}()
	select {
	case <-cl.done:
	case <-ctx.Done():
		// Replicas still being dialled count neither as answered nor as unreachable.
		c.mu.Lock()
		cl.route.Expire(fmt.Sprintf("before %v", ctx.Err()))
		c.mu.Unlock()
	case <-c.ctx.Done():
		return nil, ErrClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return cl.route.Outcome()
}

// record notes one replica's reply (or failure) on the call's route and carries out what the route asks.
func (c *Client) record(h [32]byte, replica uint32, r *wire.Reply, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.calls[h]
	if cl == nil {
		return
	}
	if err != nil {
		c.follow(h, cl, cl.route.Fail(replica, err))
	} else {
		c.follow(h, cl, cl.route.Reply(replica, r))
	}
}

// follow carries out a route's step (c.mu held): ends the wait, starts the busy deadline, or sends the
// transaction to every replica (after the lock is released).
func (c *Client) follow(h [32]byte, cl *call, st Step) {
	if st.Decided {
		close(cl.done)
		return
	}
	if st.BusyWait {
		c.busyDeadline(h, cl)
	}
	if cl.retry == nil && len(cl.route.Unreachable()) > 0 {
		cl.retry = time.AfterFunc(SessionRetryBackoff, func() { c.retryUnreachable(h, cl) })
	}
	if st.ToAll {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.sendToAll(h, cl, "the replica asked first failed or refused")
		}()
	}
}

// retryUnreachable sends an undecided call again to the replicas it could not reach, once each is no longer
// backing off, and schedules itself again for those that still are: the call ends at its deadline, not when
// the replicas are down, so a network that restarts as a whole still answers.
func (c *Client) retryUnreachable(h [32]byte, cl *call) {
	c.mu.Lock()
	cl.retry = nil
	if c.calls[h] != cl {
		c.mu.Unlock()
		return
	}
	var to []uint32
	now, later := time.Now(), false
	for _, i := range cl.route.Unreachable() {
		if now.Before(c.downUntil[i]) {
			later = true
			continue
		}
		cl.route.Retry(i)
		to = append(to, i)
	}
	if later {
		cl.retry = time.AfterFunc(SessionRetryBackoff, func() { c.retryUnreachable(h, cl) })
	}
	c.mu.Unlock()
	for _, i := range to {
		c.sendOrQueue(i, h, cl.frame)
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
		if c.calls[h] == cl && !cl.route.Decided() {
			cl.route.BusyExpired(fmt.Sprintf("%v later", BusyOutcomeWait))
			close(cl.done)
		}
	}()
}

// undecided reports whether a call for transaction h still waits for its outcome.
func (c *Client) undecided(h [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.calls[h]
	return cl != nil && !cl.route.Decided()
}

// acceptProven decides a call on one verified result (from an execution proof).
func (c *Client) acceptProven(res *chain.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.calls[res.TxHash]
	if cl != nil && cl.route.Proven(res) {
		c.proven++
		close(cl.done)
	}
}
