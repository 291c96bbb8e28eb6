package sim

import (
	"cmp"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// Client behaviour: up to outstandingMax transactions in flight: puts of unique keys (to check that every
// acknowledged write survives) and puts, gets and conditional puts on a few shared keys (to check
// linearizability). Each call follows the client library's rule (client.Route): to the primary as the last
// proven answer named it, to every replica when that one refuses, fails, answers unproven or not within
// resendTicks, and again to a replica it could not reach once that one is up; decided on one proven result
// (client.ProofVerifier) or f+1 matching plain replies. A call
// undecided after callDeadlineTicks, or busyWaitTicks after a replica answered busy, ends with an unknown
// outcome; the client submits the same signed transaction again (client.Resubmit's rule: to every replica)
// resubmitTicks later, until it learns the outcome. Submissions pass the replicas' intake check
// (replica.IntakeChecker) as raw Submit frames.
const (
	outstandingMax    = 4
	resendTicks       = 50  // the client's ResendTimeout
	busyWaitTicks     = 100 // client.BusyOutcomeWait
	callDeadlineTicks = 300 // the caller's deadline for one call
	resubmitTicks     = 100 // how long a client waits before submitting an unknown outcome's transaction again
	sharedKeys        = 3
)

type pendingTx struct {
	raw    []byte
	hash   [32]byte
	tx     *chain.Tx
	key    string
	val    string
	shared bool
	call   int64 // the logical time of the first call
	// The current call (or the last one, for an unknown outcome): its route and ticks.
	route    *client.Route
	startAt  uint64
	busyAt   uint64 // a replica answered busy (0: none)
	endedAt  uint64
	attempts int
}

type simClient struct {
	w           *world
	id          int
	key         ed25519.PrivateKey
	nonce       uint64
	primary     uint32                  // where new transactions go: BlockReply.Primary of the last proven answer
	pending     map[[32]byte]*pendingTx // calls in flight
	unknown     map[[32]byte]*pendingTx // calls that ended without an outcome, to be submitted again
	submitted   int
	stopped     bool
	versions    map[string]uint64 // last version seen per shared key, for CAS
	sharedAcked int               // acknowledged operations on shared keys
	proofs      *client.ProofVerifier
	provenAcks  int // transactions acknowledged on an execution proof
	outcomes    outcomeCounts
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
		pending: map[[32]byte]*pendingTx{}, unknown: map[[32]byte]*pendingTx{}, versions: map[string]uint64{},
		proofs: client.NewProofVerifier(chainID, w.f, w.blsPubs)}
}

func (c *simClient) stopSubmitting() { c.stopped = true }

// waiting is how many transactions the client has no outcome for: in flight, or unknown.
func (c *simClient) waiting() int { return len(c.pending) + len(c.unknown) }

func (c *simClient) tick() {
	for !c.stopped && len(c.pending) < outstandingMax && c.w.rng.IntN(4) == 0 {
		c.submitNew()
	}
	now := c.w.now
	for _, p := range byNonce(c.pending) {
		switch {
		case now-p.startAt >= callDeadlineTicks:
			p.route.Expire(fmt.Sprintf("within %d ticks", callDeadlineTicks))
			c.finish(p)
		case p.busyAt > 0 && now-p.busyAt >= busyWaitTicks:
			p.route.BusyExpired(fmt.Sprintf("%d ticks later", busyWaitTicks))
			c.finish(p)
		case now-p.startAt >= resendTicks:
			c.toAll(p)
			c.retryUp(p)
		}
	}
	for _, p := range byNonce(c.unknown) {
		if len(c.pending) < outstandingMax && now-p.endedAt >= resubmitTicks {
			delete(c.unknown, p.hash)
			c.start(p, true)
		}
	}
	c.maybeRead()
}

// byNonce lists calls in a deterministic order: by nonce.
func byNonce(m map[[32]byte]*pendingTx) []*pendingTx {
	out := make([]*pendingTx, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *pendingTx) int { return cmp.Compare(a.tx.Nonce, b.tx.Nonce) })
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
	p := &pendingTx{raw: raw, hash: chain.TxHash(raw), tx: tx, key: key, val: val, shared: shared, call: c.w.events}
	c.w.obs.Submitted(p.hash)
	c.submitted++
	c.start(p, false)
}

// start begins a call for p: a new transaction goes to the presumed primary, a resubmission to every replica.
func (c *simClient) start(p *pendingTx, toAll bool) {
	p.route = client.NewRoute(p.raw, c.w.n, c.w.f)
	p.startAt, p.busyAt = c.w.now, 0
	p.attempts++
	c.pending[p.hash] = p
	for _, i := range p.route.Start(c.primary, toAll) {
		c.send(p, i)
	}
}

// toAll sends p to every replica it was not sent to, once.
func (c *simClient) toAll(p *pendingTx) {
	to, _ := p.route.ToAll()
	for _, i := range to {
		c.send(p, i)
	}
}

// retryUp sends p again to the replicas it could not reach that are up now (the client's rule: an unreachable
// replica is asked again until the call's deadline).
func (c *simClient) retryUp(p *pendingTx) {
	for _, i := range p.route.Unreachable() {
		if !c.w.reps[i].down && !p.route.Decided() {
			p.route.Retry(i)
			c.send(p, i)
		}
	}
}

// send submits p's Submit frame to replica i through its intake check, as a replica's client session does; a
// replica that is down fails the call there, as a session that cannot open does.
func (c *simClient) send(p *pendingTx, i uint32) {
	r := c.w.reps[i]
	if r.down {
		c.follow(p, p.route.Fail(i, fmt.Errorf("replica %d down", i)))
		return
	}
	waiter := replyWaiter{c: c, replica: i}
	in, rej := c.w.intake(i, wire.EncodeSubmit(p.raw), waiter)
	if rej != nil {
		waiter.Deliver(rej)
		return
	}
	r.input.Submit(in)
	c.w.process(i)
}

// follow carries out a route's step.
func (c *simClient) follow(p *pendingTx, st client.Step) {
	switch {
	case st.Decided:
		c.finish(p)
	case st.BusyWait:
		p.busyAt = c.w.now
	case st.ToAll:
		c.toAll(p)
	}
}

// sessionBroke fails replica i for every call waiting on it (it crashed: its waiters are gone).
func (c *simClient) sessionBroke(i uint32) {
	for _, p := range byNonce(c.pending) {
		if p.route.Waiting(i) {
			c.follow(p, p.route.Fail(i, fmt.Errorf("replica %d crashed", i)))
		}
	}
}

func (c *simClient) onReply(replica uint32, r *wire.Reply) {
	p, ok := c.pending[r.TxHash]
	if !ok || p.route.Decided() {
		return
	}
	if r.Status != wire.StatusProven {
		c.follow(p, p.route.Reply(replica, r))
		return
	}
	res, err := c.proofs.Verify(r.TxHash, r)
	if err != nil {
		if c.w.reps[replica].adv == nil {
			c.w.violate("execution proof: client %d rejects correct replica %d's proof for tx %x: %v", c.id, replica, r.TxHash[:4], err)
		}
		return
	}
	c.acceptProven(res)
}

// onBlockReply takes replica's answer about one block, as the client library does: the results of undecided
// calls in it whose proofs verify decide them, and the replica's primary becomes where new calls go.
func (c *simClient) onBlockReply(replica uint32, br *wire.BlockReply) {
	results, err := c.proofs.VerifyBlockReply(br, func(h [32]byte) bool {
		p := c.pending[h]
		return p != nil && !p.route.Decided()
	})
	if err != nil && c.w.reps[replica].adv == nil {
		c.w.violate("execution proof: client %d rejects correct replica %d's block reply: %v", c.id, replica, err)
	}
	if len(results) > 0 && int(br.Primary) < c.w.n {
		c.primary = br.Primary
	}
	for _, res := range results {
		c.acceptProven(res)
	}
}

func (c *simClient) acceptProven(res *chain.Result) {
	if p := c.pending[res.TxHash]; p != nil && p.route.Proven(res) {
		c.provenAcks++
		c.finish(p)
	}
}

// replyWaiter routes a replica's reply to its client (a colluder's adversary decorates it): one per client and
// replica, as a session is.
type replyWaiter struct {
	c       *simClient
	replica uint32
}

func (rw replyWaiter) Deliver(r *wire.Reply) { rw.c.onReply(rw.replica, r) }

func (rw replyWaiter) DeliverBlock(b *wire.BlockReply) { rw.c.onBlockReply(rw.replica, b) }

// intake is replica i's check of a client's Submit frame (replica.IntakeChecker), with the world's cache of
// verified signatures.
func (w *world) intake(i uint32, frame []byte, waiter replica.Waiter) (replica.Intake, *wire.Reply) {
	return replica.IntakeChecker{ChainID: chainID, ID: i, Verified: w.txsChecked}.Check(frame, waiter)
}
