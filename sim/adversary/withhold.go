package adversary

import (
	"slices"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// The withholding strategy: an attack on the new-view rule's choice among prepare certificates of several
// views, which needs two of them for different batches at one sequence number.
//
//  1. A member primary equivocates: the real batch X to f+c+1 correct replicas, another batch Y to the rest
//     (the next view's primary among them). It combines X's prepare certificate and keeps it: it lets no
//     certificate out and sends no fast-path share, so its view commits nothing and is replaced.
//  2. In the next view the members report Y as what they pre-prepared and hide X's certificate; the network
//     slows the ViewChanges that report X, so the NewView has f+c+1 reports of Y and too few of X: Y is
//     chosen and prepared.
//  3. The network slows every commit certificate of the attacked sequence numbers (an asynchronous network
//     may), so the view after that starts too; the ViewChanges reporting commit certificates arrive last.
//     Now the members reveal X's certificate: the NewView holds X's certificate of the older view and Y's
//     of the newer one, and only the highest-view rule keeps Y, which a correct replica may have executed.
const (
	withholdVCDelayTicks   = 60  // ViewChanges that report evidence the coalition hides
	withholdCertDelayTicks = 600 // commit certificates of attacked sequence numbers
)

// withholdMinority reports whether correct replica `to` gets the conflicting batch Y from a member primary of
// view: the next view's primary, and others until f+c+1 correct replicas are left for X.
func (co *Coalition) withholdMinority(to uint32, view uint64) bool {
	cfg := co.cfg
	cs := co.correct()
	next := cfg.primaryOf(view + 1)
	size := len(cs) - (cfg.F + cfg.C + 1)
	if size < 1 || co.member(next) {
		return false
	}
	minority := []uint32{next}
	for _, id := range cs {
		if len(minority) < size && id != next {
			minority = append(minority, id)
		}
	}
	return slices.Contains(minority, to)
}

// attack is a sequence number where a member primary showed the real batch to f+c+1 correct replicas and
// another one to the rest.
type attack struct {
	view      uint64
	real, alt [32]byte
}

// noteAttack records the member primary's equivocation at m's slot, and which correct replicas that saw the
// real batch the network keeps from hearing about the next view (at most f, never the primary of the view
// after it).
func (co *Coalition) noteAttack(m *consensus.Message, alt [32]byte) {
	cfg := co.cfg
	if _, ok := co.attacked[m.Seq]; ok || !co.withholdMinority(cfg.primaryOf(m.View+1), m.View) {
		return
	}
	co.attacked[m.Seq] = attack{view: m.View, real: m.Digest, alt: alt}
	co.hidden[m.Digest] = true
	if _, ok := co.victims[m.View+1]; ok {
		return
	}
	var victims []uint32
	cs := co.correct()
	for k := len(cs) - 1; k >= 0 && len(victims) < cfg.F; k-- {
		if id := cs[k]; !co.withholdMinority(id, m.View) && id != cfg.primaryOf(m.View+2) {
			victims = append(victims, id)
		}
	}
	co.victims[m.View+1] = victims
}

// withholdEntry is what a member's ViewChange for view v reports about an attacked sequence number: in the
// next view, the other batch as pre-prepared and no certificate; later, the real batch's withheld prepare
// certificate, of the attack's view, as its evidence.
func (co *Coalition) withholdEntry(e *consensus.ViewEntry, a attack, v uint64) {
	e.HasPP, e.PPView, e.PPDigest, e.Prepared = true, a.view, a.alt, nil
	if st := co.stale[e.Seq]; st != nil && st.Digest == a.real && st.View == a.view && v >= a.view+2 {
		e.PPDigest, e.Prepared = a.real, st
	}
}

// withholdRewrite is what a member sends under the withholding strategy (ok false: the general rewrite).
func (co *Coalition) withholdRewrite(from, to uint32, m *consensus.Message) (out [][]byte, ok bool) {
	switch m.Type {
	case consensus.MsgNewView:
		if slices.Contains(co.victims[m.View], to) {
			return nil, true // relays nothing the network keeps from a victim
		}
	case consensus.MsgPrepareFull, consensus.MsgCommitFull, consensus.MsgFullCommit, consensus.MsgCommitted,
		consensus.MsgPartialCommit:
		if m.Type == consensus.MsgPrepareFull {
			co.noteStale(m.Cert)
		}
		return nil, true // lets no certificate out, and no fast-path share
	}
	return nil, false
}

// Delay is the extra delay the coalition has the network give a correct replica's message (none unless it
// follows the withholding strategy).
func (co *Coalition) Delay(from, to uint32, frame []byte) uint64 {
	if !co.withhold || len(co.attacked) == 0 {
		return 0
	}
	m, err := wire.UnmarshalMessage(frame)
	if err != nil {
		return 0
	}
	switch m.Type {
	case consensus.MsgViewChange:
		if to == co.cfg.primaryOf(m.View) && co.hurts(m) {
			return withholdVCDelayTicks
		}
	case consensus.MsgCommitFull, consensus.MsgCommitted:
		if _, ok := co.attacked[m.Seq]; ok {
			return withholdCertDelayTicks
		}
	case consensus.MsgNewView:
		if slices.Contains(co.victims[m.View], to) {
			return withholdCertDelayTicks
		}
	}
	return 0
}

// hurts reports whether a ViewChange reports evidence against the attack: in the view after it, any
// evidence of the real batch; later, a commit certificate or a pre-prepared batch other than the real one.
func (co *Coalition) hurts(vc *consensus.Message) bool {
	for i := range vc.Entries {
		e := &vc.Entries[i]
		a, ok := co.attacked[e.Seq]
		switch {
		case !ok:
		case vc.View == a.view+1:
			if (e.HasPP && e.PPDigest == a.real) || (e.Prepared != nil && e.Prepared.Digest == a.real) {
				return true
			}
		case e.Committed != nil || (e.HasPP && e.PPDigest != a.real):
			return true
		}
	}
	return false
}

// revealBatch hands correct replicas the batch of a hidden digest once a later view commits it by digest:
// they never saw it (the coalition showed it to few, and the view change carried only its digest), and it is
// what makes them execute something else than a replica that executed the other batch.
func (co *Coalition) revealBatch(at uint32, m *consensus.Message) {
	reqs, ok := co.batches[m.Digest]
	if !co.withhold || !co.hidden[m.Digest] || !ok || m.Cert == nil {
		return
	}
	co.sendCorrect(at, co.sign(at, &consensus.Message{Type: consensus.MsgCommitted, View: m.Cert.View, Seq: m.Seq,
		Digest: m.Digest, Requests: reqs, Cert: m.Cert}))
}
