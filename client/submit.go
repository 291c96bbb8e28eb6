package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// call collects the replicas' replies to one transaction.
type call struct {
	frame   []byte                 // the Submit frame, kept to resend after a session breaks
	resent  map[uint32]int         // resends per replica
	busy    map[uint32]int         // busy answers per replica
	replies map[uint32]*wire.Reply // by replica index of the session it came on
	failed  map[uint32]error
	done    chan struct{}
	outcome *chain.Result
	err     error
}

// Submit sends tx to every replica and waits for f+1 matching replies.
func (c *Client) Submit(ctx context.Context, tx *chain.Tx) (*chain.Result, error) {
	return c.SubmitRaw(ctx, tx.Marshal())
}

// SubmitRaw is Submit for an already encoded transaction (tests use it to send bad ones).
func (c *Client) SubmitRaw(ctx context.Context, raw []byte) (*chain.Result, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	h, cl, err := c.start(ctx, raw)
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
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		c.sendMu.Lock()
		h, cl, err := c.start(ctx, c.NewTx(op, key, value, version).Marshal())
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

// start registers a call for raw and sends it to every replica.
func (c *Client) start(ctx context.Context, raw []byte) ([32]byte, *call, error) {
	h := chain.TxHash(raw)
	if len(raw) > chain.TxBytesMax {
		// Replicas read no Submit frame above wire.SubmitFrameBytesMax: fail here rather than break every session.
		return h, nil, fmt.Errorf("%w: transaction of %d bytes exceeds %d", wire.ErrMalformedFrame, len(raw), chain.TxBytesMax)
	}
	frame := wire.EncodeSubmit(raw)
	cl := &call{frame: frame, resent: map[uint32]int{}, busy: map[uint32]int{}, replies: map[uint32]*wire.Reply{}, failed: map[uint32]error{},
		done: make(chan struct{})}
	c.mu.Lock()
	if _, dup := c.calls[h]; dup {
		c.mu.Unlock()
		return h, nil, fmt.Errorf("transaction %x is already being submitted", h[:8])
	}
	c.calls[h] = cl
	c.mu.Unlock()
	for i := range c.ids {
		c.sendOrQueue(uint32(i), h, frame)
	}
	return h, cl, nil
}

// wait blocks until the call is decided, the context ends or the client closes.
func (c *Client) wait(ctx context.Context, h [32]byte, cl *call) (*chain.Result, error) {
	defer func() {
		c.mu.Lock()
		delete(c.calls, h)
		c.mu.Unlock()
	}()
	select {
	case <-cl.done:
		return cl.outcome, cl.err
	case <-ctx.Done():
		c.mu.Lock()
		n, f := len(cl.replies), len(cl.failed)
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: %d replies, %d replicas unreachable: %v", ErrNoQuorum, n, f, ctx.Err())
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
	if _, seen := cl.replies[replica]; seen {
		return
	}
	if r != nil && r.Status == wire.StatusRejected && r.Reject == wire.RejectBusy {
		// Busy is no outcome: the replica did not take the transaction, others may have. Try it again later,
		// and count the replica out only when it stays busy.
		cl.busy[replica]++
		if cl.busy[replica] <= BusyRetriesMax {
			c.retryLater(h, cl, replica, time.Duration(cl.busy[replica])*BusyRetryDelay)
			return
		}
		r, err = nil, fmt.Errorf("replica %d stayed busy: %s", replica, r.Message)
	}
	if err != nil {
		cl.failed[replica] = err
	} else {
		delete(cl.failed, replica)
		cl.replies[replica] = r
	}
	need := c.g.F + 1
	if r != nil {
		matching := 0
		for _, o := range cl.replies {
			if sameOutcome(o, r) {
				matching++
			}
		}
		if matching >= need {
			cl.outcome, cl.err = decide(r)
			close(cl.done)
			return
		}
	}
	if len(c.ids)-len(cl.failed) < need {
		cl.err = fmt.Errorf("%w: %d of %d replicas unreachable", ErrNoQuorum, len(cl.failed), len(c.ids))
		close(cl.done)
	}
}

// retryLater resends the call's transaction to replica i after delay, if the call is still undecided.
func (c *Client) retryLater(h [32]byte, cl *call, i uint32, delay time.Duration) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.ctx.Done():
			return
		}
		c.mu.Lock()
		live := c.calls[h] == cl && cl.outcome == nil && cl.err == nil
		c.mu.Unlock()
		if live {
			c.sendOrQueue(i, h, cl.frame)
		}
	}()
}

// undecided reports whether a call for transaction h still waits for its outcome.
func (c *Client) undecided(h [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.calls[h]
	return cl != nil && cl.outcome == nil && cl.err == nil
}

// acceptProven decides a call on one verified execution proof.
func (c *Client) acceptProven(r *wire.Reply) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.calls[r.TxHash]
	if cl == nil || cl.outcome != nil || cl.err != nil {
		return
	}
	c.proven++
	cl.outcome, cl.err = decide(&wire.Reply{TxHash: r.TxHash, Status: wire.StatusCommitted, Result: r.Result})
	close(cl.done)
}

func sameOutcome(a, b *wire.Reply) bool {
	if a.Status != b.Status {
		return false
	}
	if a.Status == wire.StatusRejected {
		return a.Reject == b.Reject
	}
	return bytes.Equal(a.Result, b.Result)
}

func decide(r *wire.Reply) (*chain.Result, error) {
	if r.Status == wire.StatusRejected {
		return nil, &RejectedError{Reason: r.Reject, Message: r.Message}
	}
	res, err := chain.UnmarshalResult(r.Result)
	if err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	if res.Code != chain.CodeOK {
		return res, &FailedError{Result: res}
	}
	return res, nil
}
