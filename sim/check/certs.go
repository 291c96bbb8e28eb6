package check

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"crypto/sha256"
	"slices"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/sim/internal/rules"
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
	cfg      *Config
	proposed map[slotKey][][32]byte // digests the view's primary proposed at (view, seq)
	verified map[[32]byte]bool      // aggregate-signature verdicts by certificate hash
	newViews map[[32]byte]bool      // NewViews already planned, by hash of their encoding
	observed []byte                 // the frame seen last (a broadcast is one frame to many)
}

// violate reports a violation unless Config turned this checker off (to show what an attack wins without it).
func (cc *certChecker) violate(format string, args ...any) {
	if !cc.cfg.NoCertificates {
		cc.cfg.Violate(format, args...)
	}
}

func newCertChecker(cfg *Config) *certChecker {
	return &certChecker{cfg: cfg, proposed: map[slotKey][][32]byte{}, verified: map[[32]byte]bool{}, newViews: map[[32]byte]bool{}}
}

func (cfg *Config) quorum(k consensus.CertKind) int { return rules.Quorum(k, cfg.N, cfg.F, cfg.C) }

func (cfg *Config) viewChangeQuorum() int { return rules.ViewChangeQuorum(cfg.F, cfg.C) }

func (cfg *Config) primaryOf(view uint64) uint32 { return rules.Primary(view, cfg.N) }

// certValid checks a certificate's signer count and aggregate signature; "" means valid.
func (cc *certChecker) certValid(c *consensus.Certificate) string {
	cfg := cc.cfg
	if c.Signers.Beyond(cfg.N) {
		return "signers outside the replica set"
	}
	if got, need := c.Signers.Count(), cfg.quorum(c.Kind); got < need {
		return sprintf("%v certificate for seq %d has %d signers, the protocol needs %d", c.Kind, c.Seq, got, need)
	}
	key := sha256.Sum256(wire.MarshalCertificate(*c))
	ok, seen := cc.verified[key]
	if !seen {
		var pks []bls.PublicKey
		for id := range c.Signers.Members() {
			pks = append(pks, cfg.BLSPubs[id])
		}
		sig, err := bls.SignatureFromBytes(c.Sig)
		ok = err == nil && bls.VerifyAggregate(pks, wire.ShareSigningBytes(cfg.ChainID, c.Kind, c.View, c.Seq, c.Digest), sig)
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

// sent looks at a frame `from` put on the wire (before loss: what it sent, whoever receives it), once for
// consecutive copies of one frame.
func (cc *certChecker) sent(from uint32, correct bool, frame []byte) {
	if len(frame) == 0 || (len(cc.observed) == len(frame) && &cc.observed[0] == &frame[0]) {
		return
	}
	cc.observed = frame
	m, err := wire.UnmarshalMessage(frame)
	if err != nil {
		return
	}
	switch m.Type {
	case consensus.MsgPrePrepare:
		if m.From == from && m.From == cc.cfg.primaryOf(m.View) {
			cc.propose(slotKey{m.View, m.Seq}, m.Digest)
		}
	case consensus.MsgNewView:
		cc.observeNewView(m)
	}
	if correct {
		cc.checkCorrectSender(from, m)
	}
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
	cfg := cc.cfg
	var senders consensus.ReplicaSet
	for _, vc := range nv.ViewChanges {
		if vc.Type != consensus.MsgViewChange || vc.View != nv.View || int(vc.From) >= cfg.N ||
			!ed25519.Verify(cfg.Pubs[vc.From], wire.MessageSigningBytes(cfg.ChainID, vc), vc.Sig) {
			return "a ViewChange that is not a signed ViewChange for the view"
		}
		senders.Add(vc.From)
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
	if got := senders.Count(); got < cfg.viewChangeQuorum() {
		return sprintf("ViewChanges from %d distinct replicas, the protocol needs %d", got, cfg.viewChangeQuorum())
	}
	return ""
}

// observeNewView records the batches a valid NewView (signed by its view's primary) proposes.
func (cc *certChecker) observeNewView(nv *consensus.Message) {
	cfg := cc.cfg
	if nv.From != cfg.primaryOf(nv.View) || !ed25519.Verify(cfg.Pubs[nv.From], wire.MessageSigningBytes(cfg.ChainID, nv), nv.Sig) {
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
	cfg := cc.cfg
	for _, vc := range nv.ViewChanges {
		if vc.Stable != nil {
			lo = max(lo, vc.Stable.Seq)
		}
	}
	bySeq := map[uint64][]*consensus.ViewEntry{}
	for _, vc := range nv.ViewChanges {
		for i := range vc.Entries {
			if e := &vc.Entries[i]; e.Seq > lo && e.Seq <= lo+cfg.Window {
				bySeq[e.Seq] = append(bySeq[e.Seq], e)
			}
		}
	}
	hi := lo
	chosen := map[uint64][32]byte{}
	for seq, entries := range bySeq {
		if d, ok := selectBatch(entries, cfg.F, cfg.C); ok {
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
func (cc *certChecker) checkBlockCert(i uint32, store Store, b *chain.Block) {
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
