package adversary

import (
	"crypto/ed25519"
	"slices"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/sim/internal/rules"
	"github.com/sbftnet/sbft/wire"
)

// A Coalition is f byzantine replicas that collude to break safety: they share their keys and everything any
// of them receives, and each runs the real driver whose output they rewrite. What they try:
//   - as primary, equivocate: a conflicting batch (the real one reordered or cut) to part of the correct
//     replicas, the real one to the rest;
//   - combine certificates from every share any of them receives plus their own shares for every batch, and
//     send each certificate as soon as it is at most one share short of the quorum (a correct replica must
//     refuse it), as FullCommit, PrepareFull, CommitFull and Committed (with the batch) to every correct
//     replica;
//   - as backups, send PrePrepares of their own for the next sequence number, racing the primary's;
//   - in ViewChanges, report the lowest-view prepare certificates they have seen instead of their own
//     evidence, hide commit certificates and claim to have pre-prepared conflicting batches;
//   - as the new primary, first send NewViews one ViewChange short of the quorum, without the ViewChange that
//     reports the most evidence (as is, with a ViewChange in twice, with a ViewChange forged in the name of
//     the replica left out), then the real one;
//   - announce checkpoints with a forged state digest to half the correct replicas;
//   - replay genuine commit certificates over other batches, and report stable checkpoints of f+1 signers
//     (coalition_certs.go);
//   - as state-transfer sources, serve self-consistent forged blocks (recomputed links, wrong parents);
//   - answer clients with forged execution proofs, block replies and lying plain replies (coalition_proofs.go),
//     and proven reads with forged values (coalition_reads.go);
//   - as primary, propose transactions in a client's name under a signature the client never made
//     (coalition_txs.go);
//   - serve the client node self-consistent blocks of other batches under real certificates
//     (coalition_follower.go).
type Coalition struct {
	cfg      *Config
	net      Network
	members  []uint32
	keys     map[uint32]Keys                   // the members' keys, as they join
	forged   Forgeries                         // what it forged for clients and the client node
	batches  map[[32]byte][][]byte             // batch requests by digest, for Committed messages
	variants map[slotKey][][32]byte            // digests the coalition proposed or saw at a slot
	shares   map[shareKey]map[uint32][]byte    // shares gathered, by what they sign
	sent     map[shareKey]int                  // signers in the last certificate sent for a key
	stale    map[uint64]*consensus.Certificate // seq -> lowest-view prepare certificate seen
	forgedVC map[slotKey]*consensus.Message    // (view, sender) -> the ViewChange it sends, so resends agree
	backupPP map[slotKey]bool                  // slots a backup member already raced
	proofs   *proofAttack                      // forged execution proofs for clients (coalition_proofs.go)
	// a client transaction a member primary proposed, to propose again, and the last batch forged (coalition_txs.go)
	replayTx   []byte
	lastForged *forgedBatch
	// replayed and weak checkpoints (coalition_certs.go)
	follower  *followerAttack // forged blocks for the client node (coalition_follower.go)
	replayed  map[replayKey]bool
	ckptShare map[uint64]*checkpointShare // a correct replica's checkpoint share by seq

	// withhold: the withholding strategy (withhold.go) instead of sending every certificate it can make.
	withhold bool
	attacked map[uint64]attack   // sequence numbers a member primary equivocated on, withholding
	hidden   map[[32]byte]bool   // batches whose evidence the coalition hides until it reveals a stale certificate
	victims  map[uint64][]uint32 // view -> correct replicas whose copy of its NewView the network slows
}

type shareKey struct {
	kind   consensus.CertKind
	view   uint64
	seq    uint64
	digest [32]byte
}

// NewCoalition is the coalition of members (sorted), which join it as New makes them byzantine; withhold: it
// follows the withholding strategy (withhold.go).
func NewCoalition(cfg *Config, net Network, members []uint32, withhold bool) *Coalition {
	return &Coalition{cfg: cfg, net: net, members: members, keys: map[uint32]Keys{}, withhold: withhold,
		attacked: map[uint64]attack{}, hidden: map[[32]byte]bool{}, victims: map[uint64][]uint32{}, batches: map[[32]byte][][]byte{}, variants: map[slotKey][][32]byte{},
		shares: map[shareKey]map[uint32][]byte{}, sent: map[shareKey]int{}, stale: map[uint64]*consensus.Certificate{},
		forgedVC: map[slotKey]*consensus.Message{}, backupPP: map[slotKey]bool{}, proofs: newProofAttack(),
		replayed: map[replayKey]bool{}, ckptShare: map[uint64]*checkpointShare{}, follower: newFollowerAttack(cfg.ChainID)}
}

// Forgeries counts what the coalition forged for clients and the client node.
type Forgeries struct {
	Proofs int // forged proven replies sent to clients
	Reads  int // forged proven reads given to clients
	Blocks int // blocks of other batches served to the client node
}

// Forged is what the coalition forged so far.
func (co *Coalition) Forged() Forgeries { return co.forged }

// Withholding reports whether the coalition follows the withholding strategy.
func (co *Coalition) Withholding() bool { return co.withhold }

func (co *Coalition) member(id uint32) bool { return slices.Contains(co.members, id) }

// The protocol as the coalition knows it (package rules: a planted bug in the core's quorums does not change
// the attack).

func (cfg *Config) quorum(k consensus.CertKind) int { return rules.Quorum(k, cfg.N, cfg.F, cfg.C) }

func (cfg *Config) primaryOf(view uint64) uint32 { return rules.Primary(view, cfg.N) }

type slotKey struct{ view, seq uint64 }

// correct lists the replicas outside the coalition.
func (co *Coalition) correct() []uint32 {
	var out []uint32
	for i := 0; i < co.cfg.N; i++ {
		if !co.member(uint32(i)) {
			out = append(out, uint32(i))
		}
	}
	return out
}

// minority reports whether correct replica `to` belongs to the smaller group the coalition shows a conflicting
// batch at seq (the groups rotate with seq).
func (co *Coalition) minority(to uint32, seq uint64) bool {
	cs := co.correct()
	p := slices.Index(cs, to)
	return p >= 0 && (p+int(seq))%len(cs) < len(cs)/2
}

func (co *Coalition) sign(from uint32, m *consensus.Message) []byte {
	m.From = from
	m.Sig = ed25519.Sign(co.keys[from].Sign, wire.MessageSigningBytes(co.cfg.ChainID, m))
	return wire.MarshalMessage(m)
}

// sendCorrect puts a coalition member's message on the wire to every correct replica.
func (co *Coalition) sendCorrect(from uint32, frame []byte) {
	for _, to := range co.correct() {
		co.net.Inject(from, to, frame)
	}
}

// rewrite returns what member `from` puts on the wire to `to` instead of frame.
func (co *Coalition) rewrite(from, to uint32, frame []byte) [][]byte {
	m, err := wire.UnmarshalMessage(frame)
	if err != nil {
		return [][]byte{frame}
	}
	if m.Type == consensus.MsgPrePrepare {
		if fm, f, ok := co.forgeBatch(from, m); ok {
			m, frame = fm, f
		}
	}
	if co.withhold {
		if out, ok := co.withholdRewrite(from, to, m); ok {
			return out
		}
	}
	switch m.Type {
	case consensus.MsgPrePrepare:
		return [][]byte{co.equivocate(from, to, m, frame)}
	case consensus.MsgViewChange:
		vc := co.forgeViewChange(from, m)
		out := [][]byte{vc}
		if co.withhold {
			out = append(out, vc) // the coalition's ViewChange must reach the new primary first
		}
		if weak := co.weakViewChange(from, co.forgedVC[slotKey{m.View, uint64(from)}]); weak != nil {
			out = append([][]byte{weak}, out...)
		}
		return out
	case consensus.MsgNewView:
		if shorts := co.shortNewViews(from, m); shorts != nil && !co.member(to) {
			return append(shorts, frame)
		}
	case consensus.MsgCheckpoint:
		if len(m.Share) > 0 && co.minority(to, m.Seq) {
			m.Digest[0] ^= 0xff
			m.Share = co.keys[from].Share.Sign(wire.ShareSigningBytes(co.cfg.ChainID, consensus.CertCheckpoint, 0, m.Seq, m.Digest)).Bytes()
			return [][]byte{co.sign(from, m)}
		}
	}
	return [][]byte{frame}
}

// equivocate sends the minority a conflicting version of the member primary's PrePrepare.
func (co *Coalition) equivocate(from, to uint32, m *consensus.Message, frame []byte) []byte {
	k := slotKey{m.View, m.Seq}
	co.learnBatch(k, m.Digest, m.Requests)
	alt, ok := conflictingBatch(m.Requests)
	if !ok {
		return frame
	}
	altDigest := consensus.BatchDigest(consensus.RequestDigests(alt))
	co.learnBatch(k, altDigest, alt)
	minority := co.minority(to, m.Seq)
	if co.withhold {
		minority = co.withholdMinority(to, m.View)
		co.noteAttack(m, altDigest)
	}
	if co.member(to) || !minority {
		return frame
	}
	fm := *m
	fm.Requests, fm.ReqDigests, fm.Digest = alt, nil, altDigest
	return co.sign(from, &fm)
}

// conflictingBatch is another batch of the same requests: reversed, or with the last one left out.
func conflictingBatch(reqs [][]byte) ([][]byte, bool) {
	switch len(reqs) {
	case 0:
		return nil, false
	case 1:
		return [][]byte{}, true
	}
	alt := slices.Clone(reqs)
	slices.Reverse(alt)
	return alt, true
}

// learnBatch records a batch at a slot and adds every member's shares for it.
func (co *Coalition) learnBatch(k slotKey, d [32]byte, reqs [][]byte) {
	if _, ok := co.batches[d]; !ok {
		co.batches[d] = reqs
	}
	if slices.Contains(co.variants[k], d) {
		return
	}
	co.variants[k] = append(co.variants[k], d)
	for _, kind := range []consensus.CertKind{consensus.CertFast, consensus.CertPrepare, consensus.CertCommit} {
		sk := shareKey{kind, k.view, k.seq, d}
		for _, id := range co.members {
			co.addShare(sk, id, co.keys[id].Share.Sign(wire.ShareSigningBytes(co.cfg.ChainID, kind, k.view, k.seq, d)).Bytes())
		}
		co.tryCombine(sk)
	}
}

func (co *Coalition) addShare(k shareKey, from uint32, sig []byte) {
	if co.shares[k] == nil {
		co.shares[k] = map[uint32][]byte{}
	}
	if _, ok := co.shares[k][from]; !ok {
		co.shares[k][from] = sig
	}
}

// observe takes a verified message delivered to member `at`.
func (co *Coalition) observe(at uint32, m *consensus.Message) {
	switch m.Type {
	case consensus.MsgPrePrepare:
		k := slotKey{m.View, m.Seq}
		co.learnBatch(k, m.Digest, m.Requests)
		co.raceNextPrePrepare(at, m)
	case consensus.MsgPartialCommit, consensus.MsgPreparePart, consensus.MsgCommitPart:
		kind := map[consensus.MsgType]consensus.CertKind{consensus.MsgPartialCommit: consensus.CertFast,
			consensus.MsgPreparePart: consensus.CertPrepare, consensus.MsgCommitPart: consensus.CertCommit}[m.Type]
		sk := shareKey{kind, m.View, m.Seq, m.Digest}
		co.addShare(sk, m.From, m.Share)
		co.tryCombine(sk)
	case consensus.MsgPrepareFull:
		co.noteStale(m.Cert)
	case consensus.MsgCommitFull, consensus.MsgFullCommit:
		co.revealBatch(at, m)
		co.replayCert(at, m)
	case consensus.MsgCommitted:
		co.replayCert(at, m)
	case consensus.MsgCheckpoint:
		co.noteCheckpointShare(m)
	case consensus.MsgViewChange:
		for i := range m.Entries {
			co.noteStale(m.Entries[i].Prepared)
		}
	}
}

func (co *Coalition) noteStale(c *consensus.Certificate) {
	if c == nil || c.Kind != consensus.CertPrepare {
		return
	}
	if old := co.stale[c.Seq]; old == nil || c.View < old.View {
		co.stale[c.Seq] = c
	}
}

// raceNextPrePrepare lets a backup member propose, for the next sequence number, the batch it just saw
// reordered, before the primary does.
func (co *Coalition) raceNextPrePrepare(at uint32, m *consensus.Message) {
	next := slotKey{m.View, m.Seq + 1}
	if co.cfg.primaryOf(m.View) == at || co.backupPP[next] {
		return
	}
	alt, ok := conflictingBatch(m.Requests)
	if !ok {
		return
	}
	co.backupPP[next] = true
	d := consensus.BatchDigest(consensus.RequestDigests(alt))
	co.learnBatch(next, d, alt)
	co.sendCorrect(at, co.sign(at, &consensus.Message{Type: consensus.MsgPrePrepare, View: next.view, Seq: next.seq,
		Digest: d, Requests: alt}))
}

// tryCombine sends the certificate of k once the coalition holds at most one share fewer than its quorum,
// and again whenever it holds more.
func (co *Coalition) tryCombine(k shareKey) {
	got := co.shares[k]
	if len(got) < co.cfg.quorum(k.kind)-1 || len(got) <= co.sent[k] || (co.withhold && len(got) < co.cfg.quorum(k.kind)) {
		return
	}
	co.sent[k] = len(got)
	var signers consensus.ReplicaSet
	var sigs []bls.Signature
	for id, raw := range got {
		sig, err := bls.SignatureFromBytes(raw)
		if err != nil {
			continue
		}
		signers.Add(id)
		sigs = append(sigs, sig)
	}
	cert := &consensus.Certificate{Kind: k.kind, View: k.view, Seq: k.seq, Digest: k.digest, Signers: signers,
		Sig: bls.Aggregate(sigs).Bytes()}
	if co.withhold {
		co.noteStale(cert) // kept, to be revealed in a later view change
		return
	}
	from := co.members[0]
	switch k.kind {
	case consensus.CertPrepare:
		if p := co.cfg.primaryOf(k.view); co.member(p) {
			co.sendCorrect(p, co.sign(p, &consensus.Message{Type: consensus.MsgPrepareFull, View: k.view, Seq: k.seq,
				Digest: k.digest, Cert: cert}))
		}
		return
	case consensus.CertFast:
		co.sendCorrect(from, co.sign(from, &consensus.Message{Type: consensus.MsgFullCommit, View: k.view, Seq: k.seq,
			Digest: k.digest, Cert: cert}))
	case consensus.CertCommit:
		co.sendCorrect(from, co.sign(from, &consensus.Message{Type: consensus.MsgCommitFull, View: k.view, Seq: k.seq,
			Digest: k.digest, Cert: cert}))
	}
	if reqs, ok := co.batches[k.digest]; ok {
		co.sendCorrect(from, co.sign(from, &consensus.Message{Type: consensus.MsgCommitted, View: k.view, Seq: k.seq,
			Digest: k.digest, Requests: reqs, Cert: cert}))
	}
}

// forgeViewChange reports stale prepare certificates, hides commit certificates and claims conflicting
// pre-prepared batches.
func (co *Coalition) forgeViewChange(from uint32, m *consensus.Message) []byte {
	key := slotKey{m.View, uint64(from)}
	if vc := co.forgedVC[key]; vc != nil {
		return wire.MarshalMessage(vc)
	}
	vc := *m
	vc.Entries = slices.Clone(m.Entries)
	for i := range vc.Entries {
		e := &vc.Entries[i]
		e.Committed = nil
		if a, ok := co.attacked[e.Seq]; ok && co.withhold {
			co.withholdEntry(e, a, m.View)
			continue
		}
		if st := co.stale[e.Seq]; st != nil && st.View < m.View {
			e.Prepared = st
		}
		if !e.HasPP {
			continue
		}
		for _, d := range co.variants[slotKey{e.PPView, e.Seq}] {
			if d != e.PPDigest {
				e.PPDigest = d
				break
			}
		}
	}
	co.sign(from, &vc)
	co.forgedVC[key] = &vc
	return wire.MarshalMessage(&vc)
}

// shortNewViews are the member primary's NewViews one ViewChange short of the quorum, without the ViewChange
// that reports the most evidence: as is, with another ViewChange (a member's, if any) in it twice, and with
// that ViewChange's contents forged in the name of the replica left out (so not its signature). Nil if none
// can be made.
func (co *Coalition) shortNewViews(from uint32, m *consensus.Message) [][]byte {
	if len(m.ViewChanges) < 2 || m.From != from {
		return nil
	}
	vcs := slices.Clone(m.ViewChanges)
	drop := 0
	for i, vc := range vcs {
		if !co.member(vc.From) && evidence(vc) >= evidence(vcs[drop]) {
			drop = i
		}
	}
	dropped := vcs[drop].From
	vcs = slices.Delete(vcs, drop, drop+1)
	twice := vcs[0] // a member's forged ViewChange if there is one: its claims then count twice
	if k := slices.IndexFunc(vcs, func(vc *consensus.Message) bool { return co.member(vc.From) }); k >= 0 {
		twice = vcs[k]
	}
	forged := *twice
	forged.From = dropped
	var out [][]byte
	for _, extra := range []*consensus.Message{nil, twice, &forged} {
		nv := *m
		nv.ViewChanges = vcs
		if extra != nil {
			nv.ViewChanges = append(slices.Clone(vcs), extra)
		}
		out = append(out, co.sign(from, &nv))
	}
	return out
}

// evidence counts the certificates a ViewChange reports.
func evidence(vc *consensus.Message) int {
	n := 0
	for i := range vc.Entries {
		if vc.Entries[i].Prepared != nil || vc.Entries[i].Committed != nil {
			n++
		}
	}
	return n
}
