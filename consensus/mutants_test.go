//go:build mutants

package consensus

import "testing"

// The planted bug OlderViews bites: after a view change, a PrePrepare of the old view that reaches a
// replica makes it vote, in the new view, for a batch the new view never proposed. Without the bug the message
// is dropped and counted.
func TestAcceptOlderViewsBugBites(t *testing.T) {
	defer PlantBug("")
	for _, bug := range []bool{false, true} {
		PlantBug("")
		if bug {
			PlantBug(bugOlderViews)
		}
		cl := newCluster(t, 4, 1, 1)
		cl.reconfigure(func(*Config) {})
		// The primary's PrePrepare for seq 1 is lost; the primary dies; the others move to view 1.
		cl.reps[0].core.Propose(Request{Digest: RequestDigest([]byte("old")), Data: []byte("old")})
		rd := cl.reps[0].core.Ready()
		var stale *Message
		for _, o := range rd.Messages {
			if o.Msg.Type == MsgPrePrepare {
				stale = o.Msg
			}
		}
		cl.reps[0].core.Advance(rd, Applied{})
		cl.reps[0].down = true
		// Backups 2 and 3 hold a request (they complain); the next primary, 1, has nothing to propose.
		cl.reps[2].core.Propose(Request{Digest: RequestDigest([]byte("waits")), Data: []byte("waits")})
		cl.reps[3].core.Propose(Request{Digest: RequestDigest([]byte("waits")), Data: []byte("waits")})
		for i := 0; i < 2000 && cl.reps[2].core.Status().View == 0; i++ {
			cl.tickAll()
			for n := 0; n < 100 && cl.step(); n++ {
			}
		}
		if st := cl.reps[2].core.Status(); st.View != 1 || !st.ViewActive {
			t.Fatalf("bug %v: no view change: %+v", bug, st)
		}
		cl.inflight = nil
		c := cl.reps[2].core
		before := c.Status().Counters.DroppedOtherView
		c.Step(stale)
		// A vote: a share sent, or kept (this replica collects the slot's shares itself).
		s1 := c.slots[1]
		voted := s1 != nil && s1.digest == stale.Digest && (s1.sentFast || s1.slowStarted)
		for _, o := range c.Ready().Messages {
			if (o.Msg.Type == MsgPartialCommit || o.Msg.Type == MsgPreparePart) && o.Msg.Digest == stale.Digest && o.Msg.View == 1 {
				voted = true
			}
		}
		switch {
		case bug && !voted:
			t.Fatal("with OlderViews the stale PrePrepare did not lead to a vote: the planted bug does not bite")
		case !bug && (voted || c.Status().Counters.DroppedOtherView != before+1):
			t.Fatal("a PrePrepare of an older view was not dropped")
		}
	}
}
