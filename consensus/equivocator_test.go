package consensus

import (
	"fmt"
	"slices"
)

// equivocator makes a replica byzantine in the harness. Its core runs as usual (it takes part in view
// changes and, as a backup, votes honestly), but:
//   - as primary it tells different backups different things: each PrePrepare it sends goes out to some
//     backups as proposed and to others as a conflicting batch (the same requests plus a made-up one, so
//     another digest), properly signed, the same lie again on every retransmission;
//   - it tries to combine a certificate from every share it receives, adding its own share for whatever
//     digest the shares are over, and also from all the shares of a slot whatever their digests; every
//     certificate the harness grants it, it broadcasts.
//
// Split of the backups for sequence number s (rotating with s so every backup gets every role):
//   - s % stallEvery != 0: a majority split: 2f+c backups get one batch (with the equivocator's share,
//     exactly the 2f+c+1 of a prepare or commit certificate) and the rest another;
//   - s % stallEvery == 0: a stalling split into groups of 2f+c-1 backups, one batch each: with the
//     equivocator's share a group has 2f+c, one short of a certificate, so the slot stalls and the backups
//     must replace the primary; with a quorum one smaller, two groups would each commit their own batch.
type equivocator struct {
	cl *cluster
	id ReplicaID

	sentDigests map[[2]uint64]map[[32]byte]bool                 // (view, seq) -> digests of the PrePrepares it sent
	pool        map[shareSlot]map[[32]byte]map[ReplicaID][]byte // shares received, by slot and digest
	certSent    map[shareSlot]map[[32]byte][]byte               // certificates it broadcast (encoded messages)
	attempts    int                                             // combine attempts
	refused     int                                             // ... refused by the harness
	certs       int                                             // ... that gave a certificate
}

type shareSlot struct {
	kind      CertKind
	view, seq uint64
}

const stallEvery = 12

func (cl *cluster) makeEquivocator(id ReplicaID) *equivocator {
	eq := &equivocator{cl: cl, id: id, sentDigests: map[[2]uint64]map[[32]byte]bool{},
		pool: map[shareSlot]map[[32]byte]map[ReplicaID][]byte{}, certSent: map[shareSlot]map[[32]byte][]byte{}}
	cl.byz[id] = eq
	return eq
}

// variant is which batch backup `to` gets at seq: 0 is the one the core proposed.
func (eq *equivocator) variant(to ReplicaID, seq uint64) int {
	var backups []ReplicaID
	for i := 0; i < eq.cl.n; i++ {
		if ReplicaID(i) != eq.id {
			backups = append(backups, ReplicaID(i))
		}
	}
	r := (slices.Index(backups, to) + int(seq)) % len(backups)
	if seq%stallEvery == 0 {
		return r / max(2*eq.cl.f+eq.cl.c-1, 1)
	}
	majority := int(seq % 2) // the made-up batch is the majority's half of the time
	if r < 2*eq.cl.f+eq.cl.c {
		return majority
	}
	return 1 - majority
}

// outgoing returns what the equivocator really sends to `to` in place of m (wire is m's encoding).
func (eq *equivocator) outgoing(to ReplicaID, m *Message, wire []byte) []byte {
	if m.Type != MsgPrePrepare || m.From != eq.id {
		return wire
	}
	out := m
	if v := eq.variant(to, m.Seq); v > 0 {
		reqs := append(slices.Clone(m.Requests), []byte(fmt.Sprintf("byz-view%d-seq%d-variant%d", m.View, m.Seq, v)))
		out = &Message{Type: MsgPrePrepare, From: eq.id, View: m.View, Seq: m.Seq, Flags: m.Flags, Requests: reqs}
		out.Digest = BatchDigest(RequestDigests(reqs))
		out.Sig = eq.cl.cfgs[eq.id].Signer.SignMessage(out)
		wire = marshalMessage(out)
	}
	k := [2]uint64{m.View, m.Seq}
	if eq.sentDigests[k] == nil {
		eq.sentDigests[k] = map[[32]byte]bool{}
	}
	eq.sentDigests[k][out.Digest] = true
	return wire
}

// equivocatedSeqs returns the (view, seq) slots for which it sent PrePrepares with different digests.
func (eq *equivocator) equivocatedSeqs() map[[2]uint64]bool {
	out := map[[2]uint64]bool{}
	for k, ds := range eq.sentDigests {
		if len(ds) > 1 {
			out[k] = true
		}
	}
	return out
}

var shareKinds = map[MsgType]CertKind{MsgPartialCommit: CertFast, MsgPreparePart: CertPrepare, MsgCommitPart: CertCommit}
var certMsgTypes = map[CertKind]MsgType{CertFast: MsgFullCommit, CertPrepare: MsgPrepareFull, CertCommit: MsgCommitFull}

// received sees every message delivered to the equivocator and tries to turn shares into certificates.
func (eq *equivocator) received(m *Message) {
	kind, ok := shareKinds[m.Type]
	if !ok {
		return
	}
	slot := shareSlot{kind, m.View, m.Seq}
	if wire, ok := eq.certSent[slot][m.Digest]; ok {
		// A replica sends its share again: it missed the certificate (as a primary would, answer it).
		eq.cl.inflight = append(eq.cl.inflight, envelope{from: eq.id, to: m.From, wire: wire})
		return
	}
	if eq.pool[slot] == nil {
		eq.pool[slot] = map[[32]byte]map[ReplicaID][]byte{}
	}
	byDigest := eq.pool[slot]
	if byDigest[m.Digest] == nil {
		byDigest[m.Digest] = map[ReplicaID][]byte{}
	}
	byDigest[m.Digest][m.From] = m.Share
	// Honest-looking attempt: the shares over this digest plus its own.
	eq.tryCombine(slot, m.Digest, byDigest[m.Digest])
	// Dishonest attempt: every share of the slot, whatever its digest, passed off as shares over this one.
	if len(byDigest) > 1 {
		all := map[ReplicaID][]byte{}
		for _, shares := range byDigest {
			for from, sig := range shares {
				all[from] = sig
			}
		}
		eq.tryCombine(slot, m.Digest, all)
	}
}

func (eq *equivocator) tryCombine(slot shareSlot, digest [32]byte, shares map[ReplicaID][]byte) {
	if eq.certSent[slot][digest] != nil {
		return
	}
	req := CombineRequest{Kind: slot.kind, View: slot.view, Seq: slot.seq, Digest: digest}
	own := shareSigner{eq.cl, eq.id}.Sign(shareSigningBytes(testChainID, slot.kind, slot.view, slot.seq, digest))
	req.Shares = append(req.Shares, Share{From: eq.id, Sig: own})
	for from, sig := range shares {
		if from != eq.id {
			req.Shares = append(req.Shares, Share{From: from, Sig: sig})
		}
	}
	slices.SortFunc(req.Shares, func(a, b Share) int { return int(a.From) - int(b.From) })
	eq.attempts++
	res := eq.cl.combine(req)
	if res.Cert == nil {
		eq.refused++
		return
	}
	eq.certs++
	m := &Message{Type: certMsgTypes[slot.kind], From: eq.id, View: slot.view, Seq: slot.seq, Digest: digest, Cert: res.Cert}
	m.Sig = eq.cl.cfgs[eq.id].Signer.SignMessage(m)
	wire := marshalMessage(m)
	if eq.certSent[slot] == nil {
		eq.certSent[slot] = map[[32]byte][]byte{}
	}
	eq.certSent[slot][digest] = wire
	for to := range eq.cl.reps {
		if ReplicaID(to) != eq.id {
			eq.cl.inflight = append(eq.cl.inflight, envelope{from: eq.id, to: ReplicaID(to), wire: wire})
			eq.cl.sent[m.Type]++
		}
	}
}
