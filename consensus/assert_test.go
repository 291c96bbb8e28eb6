package consensus

import "testing"

// A replica votes once per (kind, view, seq): the same vote may be cast again (retransmission, a rebuilt
// core), another digest panics, and a new view starts afresh.
func TestCastVoteRefusesASecondDigest(t *testing.T) {
	c := newCluster(t, 4, 1, 1).reps[1].core
	s := c.slotFor(1)
	s.digest = [32]byte{1}
	c.castVote(CertPrepare, s)
	c.castVote(CertPrepare, s)
	s.digest = [32]byte{2}
	c.castVote(CertCommit, s) // another kind
	c.view++
	c.castVote(CertPrepare, s) // another view
	s.digest = [32]byte{3}
	defer func() {
		if recover() == nil {
			t.Fatal("a second prepare vote for another digest in one view did not panic")
		}
	}()
	c.castVote(CertPrepare, s)
}
