package sim

import (
	"slices"

	"github.com/sbftnet/sbft/consensus"
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
	withholdVCDelayTicks   = 40  // ViewChanges that report evidence the coalition hides
	withholdCertDelayTicks = 600 // commit certificates of attacked sequence numbers
)

// withholdMinority reports whether correct replica `to` gets the conflicting batch Y from a member primary of
// view: the next view's primary, and others until f+c+1 correct replicas are left for X.
func (co *coalition) withholdMinority(to uint32, view uint64) bool {
	w := co.w
	cs := co.correct()
	next := w.primaryOf(view + 1)
	size := len(cs) - (w.f + w.c + 1)
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

// withholdRewrite is what a member sends under the withholding strategy (ok false: the general rewrite).
func (co *coalition) withholdRewrite(from uint32, m *consensus.Message) (out [][]byte, ok bool) {
	switch m.Type {
	case consensus.MsgPrepareFull, consensus.MsgCommitFull, consensus.MsgFullCommit, consensus.MsgCommitted,
		consensus.MsgPartialCommit:
		if m.Type == consensus.MsgPrepareFull {
			co.noteStale(m.Cert)
		}
		return nil, true // lets no certificate out, and no fast-path share
	}
	return nil, false
}

// withholdDelay is the extra delay the network gives a correct replica's message under the withholding
// strategy.
func (co *coalition) withholdDelay(from, to uint32, frame []byte) uint64 {
	if len(co.attacked) == 0 {
		return 0
	}
	m, err := consensus.UnmarshalMessage(frame)
	if err != nil {
		return 0
	}
	switch m.Type {
	case consensus.MsgViewChange:
		if to == co.w.primaryOf(m.View) && co.hurts(m) {
			return withholdVCDelayTicks
		}
	case consensus.MsgCommitFull, consensus.MsgCommitted:
		if co.attacked[m.Seq] {
			return withholdCertDelayTicks
		}
	}
	return 0
}

// hurts reports whether a ViewChange reports evidence of a batch the coalition hides, or a commit certificate
// of an attacked sequence number.
func (co *coalition) hurts(vc *consensus.Message) bool {
	for i := range vc.Entries {
		e := &vc.Entries[i]
		if (e.HasPP && co.hidden[e.PPDigest]) || (e.Prepared != nil && co.hidden[e.Prepared.Digest]) ||
			(e.Committed != nil && co.attacked[e.Seq]) {
			return true
		}
	}
	return false
}
