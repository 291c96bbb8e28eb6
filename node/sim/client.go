package sim

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/node"
)

// Client behaviour: up to outstandingMax transactions in flight, each a put of a unique key; a transaction
// is acknowledged on f+1 identical committed replies and resent to every live replica every resendTicks.
const (
	outstandingMax = 4
	resendTicks    = 50
)

type pendingTx struct {
	raw    []byte
	tx     *chain.Tx
	key    string
	val    string
	sentAt uint64
	votes  map[uint32][]byte
}

type simClient struct {
	w         *world
	id        int
	key       ed25519.PrivateKey
	nonce     uint64
	pending   map[[32]byte]*pendingTx
	acked     map[string]string
	submitted int
	stopped   bool
}

func newSimClient(w *world, id int) *simClient {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("client"), w.opts.Seed+uint64(id)))
	return &simClient{w: w, id: id, key: ed25519.NewKeyFromSeed(seed[:]),
		pending: map[[32]byte]*pendingTx{}, acked: map[string]string{}}
}

func (c *simClient) stopSubmitting() { c.stopped = true }

func (c *simClient) tick() {
	for !c.stopped && len(c.pending) < outstandingMax && c.w.rng.IntN(4) == 0 {
		c.submitNew()
	}
	for _, p := range c.sortedPending() {
		if c.w.now-p.sentAt >= resendTicks {
			c.send(p)
		}
	}
}

func (c *simClient) sortedPending() []*pendingTx {
	out := make([]*pendingTx, 0, len(c.pending))
	for _, p := range c.pending {
		out = append(out, p)
	}
	// Deterministic order: by nonce.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].tx.Nonce < out[j-1].tx.Nonce; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (c *simClient) submitNew() {
	c.nonce++
	key := fmt.Sprintf("c%d-k%d", c.id, c.nonce)
	val := fmt.Sprintf("v%d", c.w.rng.IntN(1000))
	tx := &chain.Tx{Nonce: c.nonce, Op: chain.OpPut, Key: []byte(key), Value: []byte(val)}
	copy(tx.Client[:], c.key.Public().(ed25519.PublicKey))
	tx.Sign(chainID, c.key)
	raw := tx.Marshal()
	p := &pendingTx{raw: raw, tx: tx, key: key, val: val, votes: map[uint32][]byte{}}
	c.pending[chain.TxHash(raw)] = p
	c.submitted++
	c.send(p)
}

func (c *simClient) send(p *pendingTx) {
	p.sentAt = c.w.now
	h := chain.TxHash(p.raw)
	for i, r := range c.w.reps {
		if r.down {
			continue
		}
		r.driver.Submit(node.Intake{Tx: p.tx, Raw: p.raw, Hash: h, Waiter: replyWaiter{c: c, replica: uint32(i)}})
		c.w.process(uint32(i))
	}
}

func (c *simClient) onReply(replica uint32, r *client.Reply) {
	p, ok := c.pending[r.TxHash]
	if !ok {
		return
	}
	if r.Status != client.StatusCommitted {
		return // busy or similar: the resend handles it
	}
	p.votes[replica] = r.Result
	matching := 0
	for _, v := range p.votes {
		if bytes.Equal(v, r.Result) {
			matching++
		}
	}
	if matching < c.w.f+1 {
		return
	}
	res, err := chain.UnmarshalResult(r.Result)
	if err != nil || res.Code != chain.CodeOK {
		c.w.violate("client %d: f+1 replicas agree that put %s failed: %v %v", c.id, p.key, res, err)
	} else {
		c.acked[p.key] = p.val
	}
	delete(c.pending, r.TxHash)
}
