package consensus

import (
	"slices"
	"testing"
	"time"
)

// Networks past the 64 replicas a single machine word once held: certificates whose signers reach above
// replica 63 travel through the codec, verify, and commit.

// TestNormalCaseLargeN commits on both paths at n = 100 (c = 0: the fast path needs all n) and at n = 209
// (f = 68, c = 2): every certificate the replicas execute with is checked by the harness (verifyCert), and
// with n above 64 the certificates must name replicas above 63.
func TestNormalCaseLargeN(t *testing.T) {
	for _, tc := range []struct{ n, f, c, down int }{
		{100, 33, 0, 0},  // fast path: all 100 sign
		{100, 33, 0, 1},  // a backup down: the slow path's 2f+1
		{209, 68, 2, 0},  // fast path with c = 2: 3f+c+1 = 207 of 209
		{209, 68, 2, 10}, // ten down: 199 up, the slow path's 2f+c+1 = 139
	} {
		start := time.Now()
		cl := newClusterC(t, tc.n, tc.f, tc.c, 1)
		for i := range tc.down {
			cl.reps[tc.n-1-i].down = true
		}
		cl.submit(requests("big", 60)...)
		cl.run(60, 400)
		if !cl.allExecuted(60) {
			t.Fatalf("n=%d down=%d: not all executed: %v", tc.n, tc.down, cl.reps[0].core.Status())
		}
		cl.checkAgreement(1)
		high := 0
		for _, b := range cl.reps[0].executed {
			if b.Cert.Signers.Beyond(64) {
				high++
			}
		}
		if high == 0 {
			t.Fatalf("n=%d: no executed certificate names a replica above 63", tc.n)
		}
		// Fast while no more than c replicas are down, slow otherwise.
		st := cl.reps[0].core.Status().Counters
		if fast := tc.down <= tc.c; fast && (st.CommitsFast == 0 || st.CommitsSlow != 0) || !fast && st.CommitsSlow == 0 {
			t.Fatalf("n=%d down=%d: %d fast, %d slow commits", tc.n, tc.down, st.CommitsFast, st.CommitsSlow)
		}
		t.Logf("n=%d f=%d c=%d down=%d: %d batches in %v", tc.n, tc.f, tc.c, tc.down, len(cl.reps[0].executed),
			time.Since(start).Round(time.Millisecond))
	}
}

// TestCertificateSignersAbove64 hands a core at n = 100 Committed messages whose certificates the node's
// checks passed: signers 33..99 commit; a certificate naming replica 100 (no such replica), or one short of the
// quorum, is dropped.
func TestCertificateSignersAbove64(t *testing.T) {
	const n, f = 100, 33
	quorum := 2*f + 1
	var high ReplicaSet
	for id := ReplicaID(n - quorum); id < n; id++ {
		high.Add(id)
	}
	beyond := high
	beyond.Add(n)
	short := ReplicaSetOf(slices.Collect(high.Members())[1:]...)
	for _, tc := range []struct {
		name    string
		signers ReplicaSet
		commits bool
	}{
		{"replicas 33..99", high, true},
		{"and replica 100", beyond, false},
		{"one short of 2f+1", short, false},
	} {
		cl := newCluster(t, n, f, 1)
		c := cl.reps[1].core
		m := &Message{Type: MsgCommitted, From: 2, Seq: 1, Requests: requests("hi", 1)}
		m.Digest = BatchDigest(RequestDigests(m.Requests))
		m.Cert = &Certificate{Kind: CertCommit, Seq: 1, Digest: m.Digest, Signers: tc.signers}
		decoded, err := unmarshalMessage(marshalMessage(m))
		if err != nil || decoded.Cert.Signers != tc.signers {
			t.Fatalf("%s: the codec gave %v, %v", tc.name, decoded, err)
		}
		dropped := c.Status().Counters.DroppedInvalid
		c.Step(decoded)
		rd := c.Ready()
		if got := len(rd.Committed) == 1; got != tc.commits {
			t.Fatalf("%s: committed %v, want %v", tc.name, got, tc.commits)
		}
		if !tc.commits && c.Status().Counters.DroppedInvalid != dropped+1 {
			t.Fatalf("%s: not counted as invalid", tc.name)
		}
	}
}

// TestViewChangeLargeN replaces a silent primary at n = 100: the complaints (a ReplicaSet per view) reach
// f+1 = 34, and the NewView carries ViewChanges from 2f+1 = 67 distinct replicas (replicas 1..67: above 63 too).
func TestViewChangeLargeN(t *testing.T) {
	cl := newCluster(t, 100, 33, 1)
	cl.reps[0].down = true
	reqs := requests("vc", 30)
	cl.submit(reqs...)
	if !cl.runUntilAll(reqs, 3000) {
		t.Fatalf("requests not executed with the primary down: %+v", cl.reps[1].core.Status())
	}
	cl.checkAgreement(1)
	if st := cl.reps[99].core.Status(); st.View != 1 || !st.ViewActive {
		t.Fatalf("replica 99: view %d active %v, want view 1 started", st.View, st.ViewActive)
	}
}
