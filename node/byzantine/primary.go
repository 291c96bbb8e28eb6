package byzantine

import (
	"slices"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// The primary modes: a silent or equivocating primary (a transport decorator) and a censoring one (an input
// decorator).

// Transport returns t, decorated if m misbehaves as primary: the PrePrepares this replica sends are dropped
// (silent) or, to replicas with an odd index, reordered and signed again (equivocating).
func (m Mode) Transport(t replica.Transport, chainID string, id uint32, n int, signer consensus.Signer) replica.Transport {
	if !m.SilentPrimary && !m.EquivocatingPrimary {
		return t
	}
	return &primaryTransport{Transport: t, silent: m.SilentPrimary, id: id, n: n, signer: signer}
}

type primaryTransport struct {
	replica.Transport
	silent bool // else equivocating
	id     uint32
	n      int
	signer consensus.Signer
}

func (t *primaryTransport) Send(to uint32, frame []byte) bool {
	if out := t.rewrite(to, frame); out != nil {
		return t.Transport.Send(to, out)
	}
	return true
}

// Broadcast goes through Send, so that each replica can be sent its own PrePrepare.
func (t *primaryTransport) Broadcast(frame []byte) {
	for to := uint32(0); int(to) < t.n; to++ {
		if to != t.id {
			t.Send(to, frame)
		}
	}
}

// rewrite returns what goes to `to` instead of frame (nil: nothing). Only a primary sends PrePrepares, so a
// PrePrepare of this replica's is sent while it leads.
func (t *primaryTransport) rewrite(to uint32, frame []byte) []byte {
	m, err := wire.UnmarshalMessage(frame)
	if err != nil || m.Type != consensus.MsgPrePrepare || m.From != t.id {
		return frame
	}
	switch {
	case t.silent:
		return nil
	case to%2 == 1 && len(m.Requests) >= 2:
		alt := *m
		alt.Requests = slices.Clone(m.Requests)
		slices.Reverse(alt.Requests)
		alt.Digest = consensus.BatchDigest(consensus.RequestDigests(alt.Requests))
		alt.Sig = t.signer.SignMessage(&alt)
		return wire.MarshalMessage(&alt)
	}
	return frame
}

// Input returns d, or in the censoring modes a decorator that drops the censored client's transactions (or
// every client's), submitted or forwarded by backups, while the replica is primary.
func (m Mode) Input(d *replica.Driver) replica.Input {
	switch {
	case m.DropClientTxs:
		return &censoringInput{d: d, all: true}
	case m.CensorClient != nil:
		return &censoringInput{d: d, client: *m.CensorClient}
	}
	return d
}

type censoringInput struct {
	d      *replica.Driver
	client [32]byte
	all    bool // every client's
}

func (c *censoringInput) censored(client [32]byte) bool { return c.all || client == c.client }

func (c *censoringInput) Submit(in replica.Intake) {
	if c.isPrimaryNow() && c.censored(in.Tx.Client) {
		return // the client never hears back from this primary
	}
	c.d.Submit(in)
}

func (c *censoringInput) Step(m *consensus.Message) {
	if m.Type == wire.FrameRequest && c.isPrimaryNow() {
		kept := *m
		kept.Requests, kept.ReqDigests = nil, nil
		for i, raw := range m.Requests {
			if tx, err := chain.UnmarshalTx(raw); err == nil && c.censored(tx.Client) {
				continue
			}
			kept.Requests, kept.ReqDigests = append(kept.Requests, raw), append(kept.ReqDigests, m.ReqDigests[i])
		}
		m = &kept
	}
	c.d.Step(m)
}

func (c *censoringInput) isPrimaryNow() bool {
	st := c.d.Status()
	return st.Primary == st.Replica
}
