package consensus

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

const testChainID = "test-chain"

// testSigner is a deterministic stand-in for Ed25519 (and for BLS shares): a keyed hash that anyone can
// recompute, so the harness verifies signatures by signing again (verifyMessage below plays the node's part).
type testSigner struct{ id ReplicaID }

// SignMessage implements Signer.
func (s testSigner) SignMessage(m *Message) []byte {
	return s.Sign(messageSigningBytes(testChainID, m))
}

func (s testSigner) Sign(msg []byte) []byte {
	h := sha256.New()
	binary.Write(h, binary.BigEndian, s.id)
	h.Write(msg)
	return h.Sum(nil)
}

// shareKeyOffset separates a replica's share key from its message key.
const shareKeyOffset = 100

// shareSigner signs replica id's certificate shares; while cl.badShare[id] is set the shares it makes do not
// verify (a replica with a broken BLS key).
type shareSigner struct {
	cl *cluster
	id ReplicaID
}

func (s shareSigner) Sign(msg []byte) []byte {
	sig := testSigner{s.id + shareKeyOffset}.Sign(msg)
	if s.cl.badShare[s.id] {
		sig[0] ^= 0xff
	}
	return sig
}

// replica is one core plus what it persisted, as the node would keep it.
type replica struct {
	core     *Core
	hard     HardState
	log      map[[2]uint64]Record
	executed []CommittedBatch
	stable   *Certificate
	state    [32]byte // running hash of the executed digests: the "state" checkpoints sign
	down     bool
	answers  []*Message // crypto answers held back (cluster.lateCrypto)
}

// cluster runs n cores over an in-memory network with seeded delivery order and loss.
type cluster struct {
	t        *testing.T
	seed     uint64
	n, f, c  int
	cfgs     []Config
	reps     []*replica
	inflight []envelope
	rng      *rand.Rand
	lossPct  int
	badShare map[ReplicaID]bool                // replicas whose certificate shares do not verify
	sent     map[MsgType]int                   // messages put on the wire, by type (each destination counts)
	cut      map[ReplicaID]bool                // replicas cut off from the others (they still tick)
	censored map[string]bool                   // requests replica 0 never admits (a censoring primary)
	perTick  int                               // messages delivered per tick by runUntilAll (0: 10,000)
	rejected map[MsgType]int                   // messages the harness's verifier dropped, by type
	refused  int                               // combine requests answered without a certificate
	byz      map[ReplicaID]*equivocator        // byzantine replicas (equivocator_test.go); the others are correct
	drop     func(e envelope, m *Message) bool // if set, messages it returns true for are lost
	onReady  func(i int, rd *Ready)            // if set, sees every Ready before it is handled (golden traces)
	// lateCrypto holds crypto answers back and hands them to the core later, a random part at a time and out
	// of order, as a pool of crypto workers may (a restart loses those held).
	lateCrypto bool
}

type envelope struct {
	from, to ReplicaID
	wire     []byte
}

func newCluster(t *testing.T, n, f int, seed uint64) *cluster { return newClusterC(t, n, f, 0, seed) }

func newClusterC(t *testing.T, n, f, c int, seed uint64) *cluster {
	t.Helper()
	cl := &cluster{t: t, seed: seed, n: n, f: f, c: c, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		badShare: map[ReplicaID]bool{}, sent: map[MsgType]int{}, cut: map[ReplicaID]bool{}, censored: map[string]bool{},
		rejected: map[MsgType]int{}, byz: map[ReplicaID]*equivocator{}}
	for i := 0; i < n; i++ {
		cfg := DefaultConfig(testSigner{ReplicaID(i)}, ReplicaID(i), n, f)
		cfg.BatchRequestsMax = 10
		cfg.C = c
		cl.cfgs = append(cl.cfgs, cfg)
		c, err := New(cfg, Restore{})
		if err != nil {
			t.Fatalf("seed %d: new: %v", seed, err)
		}
		cl.reps = append(cl.reps, &replica{core: c, log: map[[2]uint64]Record{}})
	}
	return cl
}

// reconfigure rebuilds every replica's core, fresh, with its config changed by edit.
func (cl *cluster) reconfigure(edit func(*Config)) {
	for i := range cl.reps {
		edit(&cl.cfgs[i])
		c, err := New(cl.cfgs[i], Restore{})
		if err != nil {
			cl.t.Fatalf("seed %d: new: %v", cl.seed, err)
		}
		cl.reps[i].core = c
	}
}

// handle runs the node's Ready contract for one replica: persist, send, execute, advance.
func (cl *cluster) handle(i int) {
	r := cl.reps[i]
	cl.answerLate(r)
	for rd := r.core.Ready(); !rd.Empty(); rd = r.core.Ready() {
		if cl.onReady != nil {
			cl.onReady(i, &rd)
		}
		if rd.HardState != nil {
			r.hard = *rd.HardState
		}
		if rd.Stable != nil {
			r.stable = rd.Stable
		}
		for _, rec := range rd.Records {
			r.log[[2]uint64{rec.Seq, uint64(rec.Kind)}] = rec
		}
		if rd.PruneLogBelow > 0 {
			for k := range r.log {
				if k[0] < rd.PruneLogBelow {
					delete(r.log, k)
				}
			}
		}
		for _, f := range rd.Forward {
			m := MessageCodecForTests.ForwardMessage(ReplicaID(i), f) // the node's frame, signed by the node
			m.Sig = cl.cfgs[i].Signer.SignMessage(m)
			cl.post(i, f.To, m)
		}
		for _, o := range rd.Messages {
			cl.post(i, o.To, o.Msg)
		}
		for _, m := range rd.Announce {
			cl.post(i, Broadcast, m)
		}
		// The crypto requests are answered once the Ready is handled, in order (the node may answer later and
		// in any order).
		var answers []*Message
		for _, req := range rd.Sign {
			share := shareSigner{cl, ReplicaID(i)}.Sign(shareSigningBytes(testChainID, req.Kind, req.View, req.Seq, req.Digest))
			answers = append(answers, SignedShare(ReplicaID(i), req, share))
		}
		for _, req := range rd.Combine {
			res := cl.combine(req)
			if res.Cert == nil {
				// The core asks only when it holds a quorum: a refusal must name shares that did not verify,
				// and those can only come from a replica with a broken share key or a byzantine one.
				if len(res.Bad) == 0 {
					cl.t.Fatalf("seed %d n=%d f=%d c=%d: replica %d asked to combine %d shares for a %v certificate, quorum %d",
						cl.seed, cl.n, cl.f, cl.c, i, len(req.Shares), req.Kind, cl.quorum(req.Kind))
				}
				for _, b := range res.Bad {
					if !cl.badShare[b] && cl.byz[b] == nil {
						cl.t.Fatalf("seed %d: replica %d's %v share at seq %d view %d did not verify", cl.seed, b, req.Kind, req.Seq, req.View)
					}
				}
			}
			answers = append(answers, res.Message(ReplicaID(i)))
		}
		for _, b := range rd.Committed {
			if n := len(r.executed); n > 0 && r.executed[n-1].Seq+1 != b.Seq {
				cl.t.Fatalf("replica %d executed %d after %d", i, b.Seq, r.executed[n-1].Seq)
			}
			// The node stores each batch's certificate with its block: it must certify this very batch.
			if err := cl.verifyCert(&b.Cert, CertFast, CertCommit); err != nil || b.Cert.Seq != b.Seq || b.Cert.Digest != b.Digest {
				cl.t.Fatalf("seed %d: replica %d executes seq %d (%x) with certificate for seq %d (%x): %v",
					cl.seed, i, b.Seq, b.Digest[:4], b.Cert.Seq, b.Cert.Digest[:4], err)
			}
			r.executed = append(r.executed, b)
		}
		var ap Applied
		for _, b := range rd.Committed {
			r.state = sha256.Sum256(append(r.state[:], b.Digest[:]...))
			if b.Seq%r.core.cfg.checkpointInterval() == 0 {
				ap.Checkpoints = append(ap.Checkpoints, CheckpointDigest{Seq: b.Seq, Digest: r.state})
			}
		}
		r.core.Advance(rd, ap)
		if cl.lateCrypto {
			r.answers = append(r.answers, answers...)
			continue
		}
		for _, m := range answers {
			r.core.Step(m)
		}
	}
}

// post puts m from replica i in flight to `to` (Broadcast: every other replica), through the codec as on the
// network.
func (cl *cluster) post(i int, to ReplicaID, m *Message) {
	wire := marshalMessage(m)
	for r := range cl.reps {
		if r == i || (to != Broadcast && to != ReplicaID(r)) {
			continue
		}
		w := wire
		if eq := cl.byz[ReplicaID(i)]; eq != nil {
			w = eq.outgoing(ReplicaID(r), m, wire) // it may tell each replica something else
		}
		cl.inflight = append(cl.inflight, envelope{from: ReplicaID(i), to: ReplicaID(r), wire: w})
		cl.sent[m.Type]++
	}
}

// answerLate steps a random part of the crypto answers held for r, shuffled.
func (cl *cluster) answerLate(r *replica) {
	if len(r.answers) == 0 {
		return
	}
	cl.rng.Shuffle(len(r.answers), func(a, b int) { r.answers[a], r.answers[b] = r.answers[b], r.answers[a] })
	k := 1 + cl.rng.IntN(len(r.answers))
	now := r.answers[:k]
	r.answers = slices.Clone(r.answers[k:])
	for _, m := range now {
		r.core.Step(m)
	}
}

// restart rebuilds replica i's core from what it persisted; everything in the air to or from it is lost.
func (cl *cluster) restart(i int) {
	r := cl.reps[i]
	var recs []Record
	for _, rec := range r.log {
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b Record) int {
		if a.Seq != b.Seq {
			return cmp.Compare(a.Seq, b.Seq)
		}
		return cmp.Compare(a.Kind, b.Kind)
	})
	var last uint64
	if n := len(r.executed); n > 0 {
		last = r.executed[n-1].Seq
	}
	var recent []CommittedBatch
	for _, b := range r.executed {
		if b.Seq+cl.cfgs[i].RetainExecutedSeqs() > last {
			recent = append(recent, b)
		}
	}
	// What the replica persisted hands certificates back to its core: they must verify as on the wire.
	if r.stable != nil {
		if err := cl.verifyCert(r.stable, CertCheckpoint); err != nil {
			cl.t.Fatalf("seed %d: replica %d persisted a stable checkpoint that does not verify: %v", cl.seed, i, err)
		}
	}
	for _, rec := range recs {
		if rec.Kind == RecordPrepared {
			if err := cl.verifyCert(rec.Msg.Cert, CertPrepare); err != nil {
				cl.t.Fatalf("seed %d: replica %d persisted a prepare certificate that does not verify: %v", cl.seed, i, err)
			}
		}
	}
	c, err := New(cl.cfgs[i], Restore{HardState: r.hard, Stable: r.stable, LastExecuted: last, Records: recs, Executed: recent})
	if err != nil {
		cl.t.Fatalf("restore %d: %v", i, err)
	}
	r.core = c
	r.answers = nil
	kept := cl.inflight[:0]
	for _, e := range cl.inflight {
		if int(e.to) != i && int(e.from) != i {
			kept = append(kept, e)
		}
	}
	cl.inflight = kept
}

// quorum is the true number of distinct signers a certificate of kind k needs, from the protocol's formulas
// (independent of the core's quorum functions): fast all n, or 3f+c+1 when c > 0; prepare, commit and
// checkpoint 2f+c+1; exec f+1.
func (cl *cluster) quorum(k CertKind) int {
	n, f, c := cl.n, cl.f, cl.c
	switch k {
	case CertFast:
		if c > 0 {
			return 3*f + c + 1
		}
		return n
	case CertPrepare, CertCommit, CertCheckpoint:
		return 2*f + c + 1
	case CertExec:
		return f + 1
	}
	panic(fmt.Sprintf("certificate kind %d", k))
}

// expectedShare is replica id's valid share over (kind, view, seq, digest).
func expectedShare(id ReplicaID, kind CertKind, view, seq uint64, digest [32]byte) []byte {
	return testSigner{id + shareKeyOffset}.Sign(shareSigningBytes(testChainID, kind, view, seq, digest))
}

// aggregate stands in for the BLS aggregate of the signers' shares over (kind, view, seq, digest): a hash of
// their valid shares in replica order, which a verifier recomputes from the signer set.
func aggregate(kind CertKind, view, seq uint64, digest [32]byte, signers ReplicaSet) []byte {
	h := sha256.New()
	for id := range signers.Members() {
		h.Write(expectedShare(id, kind, view, seq, digest))
	}
	return h.Sum(nil)
}

// combine stands in for the node's aggregation: every share must be a valid signature by its sender over the
// request's (kind, view, seq, digest), senders distinct and at least the true quorum; otherwise there is no
// certificate, and Bad names the senders of shares that did not verify (or came twice).
func (cl *cluster) combine(req CombineRequest) CombineResult {
	var bad []ReplicaID
	var signers ReplicaSet
	for _, sh := range req.Shares {
		switch {
		case int(sh.From) >= cl.n, signers.Has(sh.From),
			!bytes.Equal(sh.Sig, expectedShare(sh.From, req.Kind, req.View, req.Seq, req.Digest)):
			bad = append(bad, sh.From)
		default:
			signers.Add(sh.From)
		}
	}
	if len(bad) > 0 || signers.Count() < cl.quorum(req.Kind) {
		cl.refused++
		return CombineResult{Request: req, Bad: bad}
	}
	return CombineResult{Request: req, Cert: &Certificate{Kind: req.Kind, View: req.View, Seq: req.Seq,
		Digest: req.Digest, Signers: signers, Sig: aggregate(req.Kind, req.View, req.Seq, req.Digest, signers)}}
}

// verifyCert checks a certificate as the node does: an allowed kind, distinct signers among the n replicas,
// at least the true quorum, and the aggregate of exactly those signers over the certificate's fields.
func (cl *cluster) verifyCert(c *Certificate, kinds ...CertKind) error {
	switch {
	case c == nil || !slices.Contains(kinds, c.Kind):
		return fmt.Errorf("missing certificate or kind not in %v", kinds)
	case c.Signers.Beyond(cl.n):
		return fmt.Errorf("%v certificate signers %v beyond n=%d", c.Kind, c.Signers, cl.n)
	case c.SignerCount() < cl.quorum(c.Kind):
		return fmt.Errorf("%v certificate for seq %d view %d has %d signers, quorum %d", c.Kind, c.Seq, c.View, c.SignerCount(), cl.quorum(c.Kind))
	case !bytes.Equal(c.Sig, aggregate(c.Kind, c.View, c.Seq, c.Digest, c.Signers)):
		return fmt.Errorf("%v certificate for seq %d view %d: aggregate does not verify", c.Kind, c.Seq, c.View)
	}
	return nil
}

// msgCertKinds are the certificate kinds each message type may carry (a Checkpoint only when it is a stable
// checkpoint rather than a share).
var msgCertKinds = map[MsgType][]CertKind{
	MsgFullCommit:  {CertFast},
	MsgPrepareFull: {CertPrepare},
	MsgCommitFull:  {CertCommit},
	MsgCommitted:   {CertFast, CertCommit},
	MsgCheckpoint:  {CertCheckpoint},
}

// verifyMessage plays the node's verifier for a decoded message from replica `from`: the sender's signature,
// every certificate the message carries (NewView: each ViewChange's signature and certificates), and the
// batch digest. The core takes all of this on trust.
func (cl *cluster) verifyMessage(from ReplicaID, m *Message) error {
	if (m.From != from && m.Type != MsgNewView) || int(m.From) >= cl.n {
		return fmt.Errorf("%v from %d claims sender %d", m.Type, from, m.From)
	}
	if !bytes.Equal(m.Sig, testSigner{m.From}.Sign(messageSigningBytes(testChainID, m))) {
		return fmt.Errorf("bad %v signature from %d", m.Type, m.From)
	}
	if kinds, ok := msgCertKinds[m.Type]; ok && (m.Cert != nil || m.Type != MsgCheckpoint) {
		if err := cl.verifyCert(m.Cert, kinds...); err != nil {
			return fmt.Errorf("%v: %w", m.Type, err)
		}
	} else if m.Cert != nil {
		return fmt.Errorf("%v carries a certificate", m.Type)
	}
	switch m.Type {
	case MsgViewChange:
		return cl.verifyViewChangeCerts(m)
	case MsgNewView:
		for _, vc := range m.ViewChanges {
			if int(vc.From) >= cl.n || !bytes.Equal(vc.Sig, testSigner{vc.From}.Sign(messageSigningBytes(testChainID, vc))) {
				return fmt.Errorf("new view %d carries a view change not signed by %d", m.View, vc.From)
			}
			if err := cl.verifyViewChangeCerts(vc); err != nil {
				return fmt.Errorf("new view %d: %w", m.View, err)
			}
		}
	case MsgPrePrepare, MsgCommitted:
		if m.Type == MsgCommitted && m.Flags&FlagBatchMissing != 0 {
			if len(m.Requests) != 0 {
				return fmt.Errorf("certificate-only Committed seq %d carries requests", m.Seq)
			}
			return nil
		}
		if BatchDigest(RequestDigests(m.Requests)) != m.Digest {
			return fmt.Errorf("%v seq %d: batch digest mismatch", m.Type, m.Seq)
		}
	}
	return nil
}

func (cl *cluster) verifyViewChangeCerts(m *Message) error {
	if m.Stable != nil {
		if err := cl.verifyCert(m.Stable, CertCheckpoint); err != nil {
			return fmt.Errorf("view change from %d: stable checkpoint: %w", m.From, err)
		}
	}
	for i := range m.Entries {
		e := &m.Entries[i]
		if e.Prepared != nil {
			if err := cl.verifyCert(e.Prepared, CertPrepare); err != nil {
				return fmt.Errorf("view change from %d: %w", m.From, err)
			}
		}
		if e.Committed != nil {
			if err := cl.verifyCert(e.Committed, CertFast, CertCommit); err != nil {
				return fmt.Errorf("view change from %d: %w", m.From, err)
			}
		}
	}
	return nil
}

// step delivers one random in-flight message; false when none is left.
func (cl *cluster) step() bool {
	if len(cl.inflight) == 0 {
		return false
	}
	k := cl.rng.IntN(len(cl.inflight))
	e := cl.inflight[k]
	cl.inflight[k] = cl.inflight[len(cl.inflight)-1]
	cl.inflight = cl.inflight[:len(cl.inflight)-1]
	if cl.reps[e.to].down || cl.reps[e.from].down || cl.cut[e.to] != cl.cut[e.from] || cl.rng.IntN(100) < cl.lossPct {
		return true
	}
	m, err := unmarshalMessage(e.wire)
	if err != nil {
		cl.t.Fatalf("decode: %v", err)
	}
	if cl.drop != nil && cl.drop(e, m) {
		return true
	}
	if err := cl.verifyMessage(e.from, m); err != nil {
		// The node drops what does not verify; a correct replica never sends it.
		cl.rejected[m.Type]++
		if cl.byz[e.from] == nil {
			cl.t.Fatalf("seed %d n=%d f=%d c=%d: replica %d sent a message that does not verify: %v", cl.seed, cl.n, cl.f, cl.c, e.from, err)
		}
		return true
	}
	if eq := cl.byz[e.to]; eq != nil {
		eq.received(m) // before its core sees it: it combines whatever it can
	}
	if m.Type == requestFrame() { // the node's part: forwarded requests skip admission control
		for _, q := range m.Requests {
			if e.to != 0 || !cl.censored[string(q)] {
				_ = cl.reps[e.to].core.Propose(Request{Digest: RequestDigest(q), Data: q, Forwarded: true})
			}
		}
	} else {
		cl.reps[e.to].core.Step(m)
	}
	cl.handle(int(e.to))
	return true
}

func (cl *cluster) tickAll() {
	for i, r := range cl.reps {
		if !r.down {
			r.core.Tick()
			cl.handle(i)
		}
	}
}

func (cl *cluster) submit(reqs ...[]byte) {
	for i, r := range cl.reps {
		if r.down {
			continue
		}
		for _, q := range reqs {
			if i != 0 || !cl.censored[string(q)] {
				_ = r.core.Propose(Request{Digest: RequestDigest(q), Data: q})
			}
		}
		cl.handle(i)
	}
}

// run delivers messages and ticks until every up replica executed want requests or the budget ends.
func (cl *cluster) run(want int, ticks int) {
	for t := 0; t < ticks; t++ {
		for n := 0; n < 10_000 && cl.step(); n++ {
		}
		if cl.allExecuted(want) {
			return
		}
		cl.tickAll()
	}
}

func (cl *cluster) allExecuted(want int) bool {
	for _, r := range cl.reps {
		if !r.down && countRequests(r.executed) < want {
			return false
		}
	}
	return true
}

func countRequests(bs []CommittedBatch) int {
	n := 0
	for _, b := range bs {
		n += len(b.Requests)
	}
	return n
}

// checkAgreement fails if two replicas executed different batches at one sequence number.
func (cl *cluster) checkAgreement(seed uint64) {
	cl.t.Helper()
	bySeq := map[uint64][32]byte{}
	for i, r := range cl.reps {
		for _, b := range r.executed {
			if d, ok := bySeq[b.Seq]; ok && d != b.Digest {
				cl.t.Fatalf("seed %d: replica %d executed %x at seq %d, another %x", seed, i, b.Digest[:4], b.Seq, d[:4])
			}
			bySeq[b.Seq] = b.Digest
		}
	}
}

func requests(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}
