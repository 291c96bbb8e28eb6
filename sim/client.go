package sim

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/sim/check"
	"github.com/sbftnet/sbft/wire"
)

// Client behaviour: up to outstandingMax transactions in flight: puts of unique keys (to check that every
// acknowledged write survives) and puts, gets and conditional puts on a few shared keys (to check
// linearizability). A transaction is acknowledged as the client library decides: on f+1 identical committed
// replies (client.Tally) or on one proven reply whose execution proof the client's own verifier accepts
// (client.ProofVerifier); it is resent to every live replica every resendTicks.
const (
	outstandingMax = 4
	resendTicks    = 50
	sharedKeys     = 3
)

type pendingTx struct {
	raw    []byte
	tx     *chain.Tx
	key    string
	val    string
	shared bool
	call   int64
	sentAt uint64
	votes  *client.Tally // plain replies, decided by the client library's rule
}

type simClient struct {
	w           *world
	id          int
	key         ed25519.PrivateKey
	nonce       uint64
	pending     map[[32]byte]*pendingTx
	submitted   int
	stopped     bool
	versions    map[string]uint64 // last version seen per shared key, for CAS
	sharedAcked int               // acknowledged operations on shared keys
	proofs      *client.ProofVerifier
	provenAcks  int // transactions acknowledged on an execution proof
	// The keys of its acknowledged puts, in order: what it reads (reads.go).
	ackedKeys   []string
	provenReads int // proven reads from correct replicas accepted
}

func clientKey(w *world, id int) ed25519.PrivateKey {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("client"), w.opts.Seed+uint64(id)))
	return ed25519.NewKeyFromSeed(seed[:])
}

func newSimClient(w *world, id int) *simClient {
	return &simClient{w: w, id: id, key: clientKey(w, id),
		pending: map[[32]byte]*pendingTx{}, versions: map[string]uint64{},
		proofs: client.NewProofVerifier(chainID, w.f, w.blsPubs)}
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
	c.maybeRead()
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
	rng := c.w.rng
	key, op, version, shared := fmt.Sprintf("c%d-k%d", c.id, c.nonce), chain.OpPut, uint64(0), false
	val := fmt.Sprintf("v%d-%d", c.id, c.nonce)
	if rng.IntN(2) == 0 {
		key, shared = fmt.Sprintf("shared-%d", rng.IntN(sharedKeys)), true
		op = []chain.Op{chain.OpPut, chain.OpGet, chain.OpCAS}[rng.IntN(3)]
		version = c.versions[key] + uint64(rng.IntN(2))
	}
	tx := &chain.Tx{Nonce: c.nonce, Op: op, Key: []byte(key), Version: version}
	if op != chain.OpGet {
		tx.Value = []byte(val)
	}
	copy(tx.Client[:], c.key.Public().(ed25519.PublicKey))
	tx.Sign(chainID, c.key)
	raw := tx.Marshal()
	c.w.events++
	p := &pendingTx{raw: raw, tx: tx, key: key, val: val, shared: shared, call: c.w.events, votes: client.NewTally(c.w.f)}
	c.pending[chain.TxHash(raw)] = p
	c.w.obs.Submitted(chain.TxHash(raw))
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
		r.input.Submit(replica.Intake{Tx: p.tx, Raw: p.raw, Hash: h, Waiter: replyWaiter{c: c, replica: uint32(i)}})
		c.w.process(uint32(i))
	}
}

func (c *simClient) onReply(replica uint32, r *wire.Reply) {
	p, ok := c.pending[r.TxHash]
	if !ok {
		return
	}
	switch r.Status {
	case wire.StatusProven:
		res, err := c.proofs.Verify(r.TxHash, r)
		if err != nil {
			if c.w.reps[replica].adv == nil {
				c.w.violate("execution proof: client %d rejects correct replica %d's proof for tx %x: %v", c.id, replica, r.TxHash[:4], err)
			}
			return
		}
		c.provenAcks++
		c.accept(p, res)
	case wire.StatusCommitted:
		if !p.votes.Add(replica, r) {
			return
		}
		res, err := client.Decide(r)
		if res == nil {
			delete(c.pending, r.TxHash)
			c.w.violate("linearizability: client %d: undecodable result: %v", c.id, err)
			return
		}
		c.accept(p, res)
	}
	// Otherwise busy or similar: the resend handles it.
}

// accept acknowledges a pending transaction with its result (on f+1 matching committed replies or one
// verified execution proof) and shows it to the checkers.
func (c *simClient) accept(p *pendingTx, res *chain.Result) {
	delete(c.pending, chain.TxHash(p.raw))
	c.w.events++
	c.w.obs.Acknowledged(check.Op{Client: c.id, Shared: p.shared, Op: p.tx.Op, Key: p.key, Value: p.val,
		Version: p.tx.Version, Call: p.call, Return: c.w.events, Result: res})
	if p.shared {
		c.sharedAcked++
		c.versions[p.key] = res.Version
		return
	}
	if res.Code == chain.CodeOK { // else the linearizability checker reported it
		c.ackedKeys = append(c.ackedKeys, p.key)
	}
}

// replyWaiter routes a replica's reply to its client (a colluder's adversary decorates it).
type replyWaiter struct {
	c       *simClient
	replica uint32
}

func (rw replyWaiter) Deliver(r *wire.Reply) { rw.c.onReply(rw.replica, r) }

func (rw replyWaiter) DeliverBlock(b *wire.BlockReply) {
	for _, r := range b.Replies() {
		rw.c.onReply(rw.replica, r)
	}
}
