package sim

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"crypto/sha256"
	"math/bits"
	"slices"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// The certificate-validity checker. It watches every frame put on the wire and every block a correct replica
// stores, and checks them against the protocol's rules as written in the consensus package doc, computed here
// independently of the core's and the verifier's code (a planted bug weakens those, never this):
//   - every certificate a correct replica sends or executes a block on has at least the kind's quorum of
//     distinct signers (fast: n, or 3f+c+1 with c > 0; prepare, commit, checkpoint: 2f+c+1) and an aggregate
//     signature by exactly them;
//   - a correct replica signs a share for (view, seq, digest) only if the view's primary proposed that digest
//     there: in a PrePrepare it signed, or in a NewView whose 2f+2c+1 ViewChanges select it by the new-view
//     rule (recomputed here);
//   - a NewView a correct primary sends carries 2f+2c+1 ViewChanges from distinct replicas.
//
// Memory is bounded by the run: one entry per (view, seq) proposed and per distinct certificate.

type slotKey struct{ view, seq uint64 }

type certChecker struct {
	w        *world
	proposed map[slotKey][][32]byte // digests the view's primary proposed at (view, seq)
	verified map[[32]byte]bool      // aggregate-signature verdicts by certificate hash
	newViews map[[32]byte]bool      // NewViews already planned, by hash of their encoding
}

// violate reports a violation unless Options turned this checker off (to show what an attack wins without it).
func (cc *certChecker) violate(format string, args ...any) {
	if !cc.w.opts.NoCertificateChecker {
		cc.w.violate(format, args...)
	}
}

func newCertChecker(w *world) *certChecker {
	return &certChecker{w: w, proposed: map[slotKey][][32]byte{}, verified: map[[32]byte]bool{}, newViews: map[[32]byte]bool{}}
}

// quorum is the protocol's quorum for a certificate kind.
func (w *world) quorum(k consensus.CertKind) int {
	switch k {
	case consensus.CertFast:
		if w.c > 0 {
			return 3*w.f + w.c + 1
		}
		return w.n
	case consensus.CertExec:
		return w.f + 1
	}
	return 2*w.f + w.c + 1
}

func (w *world) viewChangeQuorum() int { return 2*w.f + 2*w.c + 1 }

func (w *world) primaryOf(view uint64) uint32 { return uint32(view % uint64(w.n)) }

// certValid checks a certificate's signer count and aggregate signature; "" means valid.
func (cc *certChecker) certValid(c *consensus.Certificate) string {
	w := cc.w
	if c.Signers>>uint(w.n) != 0 {
		return "signers outside the replica set"
	}
	if got, need := bits.OnesCount64(c.Signers), w.quorum(c.Kind); got < need {
		return sprintf("%v certificate for seq %d has %d signers, the protocol needs %d", c.Kind, c.Seq, got, need)
	}
	key := sha256.Sum256(wire.MarshalCertificate(*c))
	ok, seen := cc.verified[key]
	if !seen {
		var pks []bls.PublicKey
		for i := 0; i < w.n; i++ {
			if c.Signers&(1<<uint(i)) != 0 {
				pks = append(pks, w.blsPubs[i])
			}
		}
		sig, err := bls.SignatureFromBytes(c.Sig)
		ok = err == nil && bls.VerifyAggregate(pks, wire.ShareSigningBytes(chainID, c.Kind, c.View, c.Seq, c.Digest), sig)
		cc.verified[key] = ok
	}
	if !ok {
		return sprintf("%v certificate for seq %d does not verify", c.Kind, c.Seq)
	}
	return ""
}

func (cc *certChecker) requireValid(who uint32, what string, c *consensus.Certificate) {
	if c == nil {
		return
	}
	if bad := cc.certValid(c); bad != "" {
		cc.violate("certificate validity: correct replica %d %s: %s", who, what, bad)
	}
}

// observe looks at a frame `from` put on the wire (before loss: what it sent, whoever receives it).
func (cc *certChecker) observe(from uint32, frame []byte) {
	m, err := wire.UnmarshalMessage(frame)
	if err != nil {
		return
	}
	w := cc.w
	switch m.Type {
	case consensus.MsgPrePrepare:
		if m.From == from && m.From == w.primaryOf(m.View) {
			cc.propose(slotKey{m.View, m.Seq}, m.Digest)
		}
	case consensus.MsgNewView:
		cc.observeNewView(from, m)
	}
	if w.reps[from].adv != nil {
		return
	}
	cc.checkCorrectSender(from, m)
}

func (cc *certChecker) propose(k slotKey, d [32]byte) {
	if !slices.Contains(cc.proposed[k], d) {
		cc.proposed[k] = append(cc.proposed[k], d)
	}
}

// checkCorrectSender applies the rules to a message a correct replica sent.
func (cc *certChecker) checkCorrectSender(from uint32, m *consensus.Message) {
	switch m.Type {
	case consensus.MsgPartialCommit, consensus.MsgPreparePart, consensus.MsgCommitPart:
		if !slices.Contains(cc.proposed[slotKey{m.View, m.Seq}], m.Digest) {
			cc.violate("certificate validity: correct replica %d signed a %v share for (view %d, seq %d, %x) that the view's primary never proposed",
				from, m.Type, m.View, m.Seq, m.Digest[:4])
		}
	case consensus.MsgFullCommit, consensus.MsgPrepareFull, consensus.MsgCommitFull, consensus.MsgCommitted, consensus.MsgCheckpoint:
		cc.requireValid(from, "sent a "+m.Type.String(), m.Cert)
	case consensus.MsgViewChange:
		cc.checkViewChangeCerts(from, m)
	case consensus.MsgNewView:
		if m.From == from {
			if bad := cc.newViewQuorum(m); bad != "" {
				cc.violate("certificate validity: correct primary %d sent a NewView for view %d: %s", from, m.View, bad)
			}
		}
	}
}

func (cc *certChecker) checkViewChangeCerts(from uint32, vc *consensus.Message) {
	cc.requireValid(from, "reported a stable checkpoint", vc.Stable)
	for i := range vc.Entries {
		cc.requireValid(from, "reported a prepare certificate", vc.Entries[i].Prepared)
		cc.requireValid(from, "reported a commit certificate", vc.Entries[i].Committed)
	}
}

// newViewQuorum checks that a NewView carries 2f+2c+1 correctly signed ViewChanges for its view from distinct
// replicas, with valid certificates; "" means it does.
func (cc *certChecker) newViewQuorum(nv *consensus.Message) string {
	w := cc.w
	var senders uint64
	for _, vc := range nv.ViewChanges {
		if vc.Type != consensus.MsgViewChange || vc.View != nv.View || int(vc.From) >= w.n ||
			!ed25519.Verify(w.pubs[vc.From], wire.MessageSigningBytes(chainID, vc), vc.Sig) {
			return "a ViewChange that is not a signed ViewChange for the view"
		}
		senders |= 1 << vc.From
		if vc.Stable != nil && cc.certValid(vc.Stable) != "" {
			return "an invalid stable checkpoint"
		}
		for i := range vc.Entries {
			e := &vc.Entries[i]
			for _, c := range []*consensus.Certificate{e.Prepared, e.Committed} {
				if c != nil && (c.Seq != e.Seq || c.View >= nv.View || cc.certValid(c) != "") {
					return sprintf("an invalid certificate for seq %d", e.Seq)
				}
			}
		}
	}
	if got := bits.OnesCount64(senders); got < w.viewChangeQuorum() {
		return sprintf("ViewChanges from %d distinct replicas, the protocol needs %d", got, w.viewChangeQuorum())
	}
	return ""
}

// observeNewView records the batches a valid NewView (signed by its view's primary) proposes.
func (cc *certChecker) observeNewView(from uint32, nv *consensus.Message) {
	w := cc.w
	if nv.From != w.primaryOf(nv.View) || !ed25519.Verify(w.pubs[nv.From], wire.MessageSigningBytes(chainID, nv), nv.Sig) {
		return
	}
	key := sha256.Sum256(wire.MarshalMessage(nv))
	if cc.newViews[key] {
		return
	}
	cc.newViews[key] = true
	if cc.newViewQuorum(nv) != "" {
		return // proposes nothing a correct replica may vote for
	}
	lo, digests := cc.plan(nv)
	for i, d := range digests {
		cc.propose(slotKey{nv.View, lo + 1 + uint64(i)}, d)
	}
}

// plan is the new-view rule, written from the consensus package doc: lo is the highest stable checkpoint
// reported; each sequence number above it carries the digest of a commit certificate if any, else of the
// highest-view prepare certificate unless a digest that f+c+1 replicas report as pre-prepared has a higher
// (f+1)-th highest report view (ties: the lower digest), else that digest; up to the highest sequence number
// with a choice, gaps carry the empty batch.
func (cc *certChecker) plan(nv *consensus.Message) (lo uint64, digests [][32]byte) {
	w := cc.w
	for _, vc := range nv.ViewChanges {
		if vc.Stable != nil {
			lo = max(lo, vc.Stable.Seq)
		}
	}
	bySeq := map[uint64][]*consensus.ViewEntry{}
	for _, vc := range nv.ViewChanges {
		for i := range vc.Entries {
			if e := &vc.Entries[i]; e.Seq > lo && e.Seq <= lo+w.windowSeqs() {
				bySeq[e.Seq] = append(bySeq[e.Seq], e)
			}
		}
	}
	hi := lo
	chosen := map[uint64][32]byte{}
	for seq, entries := range bySeq {
		if d, ok := selectBatch(entries, w.f, w.c); ok {
			chosen[seq], hi = d, max(hi, seq)
		}
	}
	for seq := lo + 1; seq <= hi; seq++ {
		d, ok := chosen[seq]
		if !ok {
			d = consensus.BatchDigest(nil)
		}
		digests = append(digests, d)
	}
	return lo, digests
}

func selectBatch(entries []*consensus.ViewEntry, f, c int) ([32]byte, bool) {
	var best *consensus.Certificate
	reports := map[[32]byte][]uint64{}
	for _, e := range entries {
		if e.Committed != nil {
			return e.Committed.Digest, true
		}
		if e.Prepared != nil && (best == nil || e.Prepared.View > best.View) {
			best = e.Prepared
		}
		if e.HasPP {
			reports[e.PPDigest] = append(reports[e.PPDigest], e.PPView)
		}
	}
	var fast [32]byte
	fastView, haveFast := uint64(0), false
	for d, views := range reports {
		if len(views) < f+c+1 {
			continue
		}
		slices.SortFunc(views, func(a, b uint64) int { return cmp.Compare(b, a) })
		if v := views[f]; !haveFast || v > fastView || (v == fastView && bytes.Compare(d[:], fast[:]) < 0) {
			fast, fastView, haveFast = d, v, true
		}
	}
	if best != nil && (!haveFast || best.View >= fastView) {
		return best.Digest, true
	}
	return fast, haveFast
}

// checkBlockCert checks the commit certificate a correct replica stored with block b.
func (cc *certChecker) checkBlockCert(i uint32, store chain.Store, b *chain.Block) {
	raw, err := store.Get(chain.CertKey(b.Header.Height))
	if err != nil {
		cc.violate("certificate validity: replica %d stored block %d without a certificate: %v", i, b.Header.Height, err)
		return
	}
	cert, err := wire.UnmarshalCertificate(raw)
	if err != nil {
		cc.violate("certificate validity: replica %d stored block %d with an undecodable certificate: %v", i, b.Header.Height, err)
		return
	}
	digest := consensus.BatchDigest(consensus.RequestDigests(b.Txs))
	switch {
	case cert.Kind != consensus.CertFast && cert.Kind != consensus.CertCommit:
		cc.violate("certificate validity: replica %d executed block %d on a %v certificate", i, b.Header.Height, cert.Kind)
	case cert.Seq != b.Header.Seq || cert.Digest != digest:
		cc.violate("certificate validity: replica %d executed block %d (seq %d, batch %x) on a certificate for seq %d, batch %x",
			i, b.Header.Height, b.Header.Seq, digest[:4], cert.Seq, cert.Digest[:4])
	default:
		cc.requireValid(i, sprintf("executed block %d on a certificate that", b.Header.Height), &cert)
	}
}
