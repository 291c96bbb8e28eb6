package consensus

import (
	"errors"
	"fmt"
	"testing"
)

// executedSet returns the distinct requests replica i executed and how many it executed twice.
func (cl *cluster) executedSet(i int) (map[string]bool, int) {
	set, dups := map[string]bool{}, 0
	for _, b := range cl.reps[i].executed {
		for _, r := range b.Requests {
			if set[string(r)] {
				dups++
			}
			set[string(r)] = true
		}
	}
	return set, dups
}

// allExecutedSet reports whether every up replica executed every request in reqs (at least once).
func (cl *cluster) allExecutedSet(reqs [][]byte) bool {
	for i, r := range cl.reps {
		if r.down {
			continue
		}
		set, _ := cl.executedSet(i)
		for _, q := range reqs {
			if !set[string(q)] {
				return false
			}
		}
	}
	return true
}

// runUntilAll runs until every up replica executed every request in reqs (at least once).
func (cl *cluster) runUntilAll(reqs [][]byte, ticks int) bool {
	done := func() bool { return cl.allExecutedSet(reqs) }
	perTick := cl.perTick
	if perTick == 0 {
		perTick = 10_000
	}
	for t := 0; t < ticks; t++ {
		for n := 0; n < perTick && cl.step(); n++ {
		}
		if done() {
			return true
		}
		cl.tickAll()
	}
	return done()
}

func TestSilentPrimaryIsReplaced(t *testing.T) {
	for _, tc := range []struct{ n, f int }{{4, 1}, {7, 2}} {
		for seed := uint64(1); seed <= 5; seed++ {
			cl := newCluster(t, tc.n, tc.f, seed)
			cl.reps[0].down = true
			reqs := requests("s", 30)
			cl.submit(reqs...)
			if !cl.runUntilAll(reqs, 3000) {
				t.Fatalf("n=%d seed %d: requests not executed with the primary down: %+v", tc.n, seed, cl.reps[1].core.Status())
			}
			cl.checkAgreement(seed)
			if st := cl.reps[1].core.Status(); st.View != 1 || !st.ViewActive {
				t.Fatalf("n=%d seed %d: view %d active %v, want view 1 started", tc.n, seed, st.View, st.ViewActive)
			}
			// The complaint says why: nothing committed while requests waited.
			if r := cl.reps[1].core.Status().LastComplaint; r.Seq == 0 || r.View != 0 || !r.Stalled || r.OldestWaitTicks == 0 {
				t.Fatalf("n=%d seed %d: last complaint %+v, want a stall in view 0", tc.n, seed, r)
			}
		}
	}
}

func TestTwoPrimariesDownInARow(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		cl := newCluster(t, 7, 2, seed)
		cl.reps[0].down, cl.reps[1].down = true, true
		reqs := requests("t", 20)
		cl.submit(reqs...)
		if !cl.runUntilAll(reqs, 5000) {
			t.Fatalf("seed %d: requests not executed with two primaries down: %+v", seed, cl.reps[2].core.Status())
		}
		cl.checkAgreement(seed)
		if st := cl.reps[2].core.Status(); st.View != 2 {
			t.Fatalf("seed %d: view %d, want 2", seed, st.View)
		}
	}
}

// The primary crashes with batches in every stage of agreement; the next view keeps whatever may have
// committed, and every request executes exactly once on every replica.
func TestPrimaryCrashMidFlightKeepsCommitted(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		cl := newCluster(t, 4, 1, seed)
		cl.lossPct = int(seed % 3 * 10)
		crashPrimaryMidFlight(t, cl, seed, 40, 10)
	}
}

// crashPrimaryMidFlight submits `before` requests, crashes the primary after a seed-chosen number of
// deliveries, checks they all execute, restarts the primary and checks `after` more execute too.
func crashPrimaryMidFlight(t *testing.T, cl *cluster, seed uint64, before, after int) {
	t.Helper()
	reqs := requests("m", before)
	cl.submit(reqs...)
	for k := 0; k < int(seed*7%90) && cl.step(); k++ {
	}
	cl.reps[0].down = true // crashed: what it held in memory (crypto answers too) is lost
	if !cl.runUntilAll(reqs, 5000) {
		t.Fatalf("seed %d: requests lost in the view change: %+v", seed, cl.reps[1].core.Status())
	}
	cl.checkAgreement(seed)
	cl.reps[0].down = false
	cl.restart(0)
	more := requests("after", after)
	cl.submit(more...)
	if !cl.runUntilAll(more, 5000) {
		t.Fatalf("seed %d: old primary did not rejoin: %+v", seed, cl.reps[0].core.Status())
	}
	cl.checkAgreement(seed)
}

func TestPartitionedPrimaryIsReplacedAndRejoins(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		cl := newCluster(t, 4, 1, seed)
		cl.cut[0] = true
		reqs := requests("p", 20)
		cl.submit(reqs...)
		if !cl.runUntilAll(reqs[:0], 1) || cl.reps[1].core.Status().View != 0 {
			t.Fatal("setup")
		}
		cl.reps[0].down = true // only to let runUntilAll ignore it while cut off
		if !cl.runUntilAll(reqs, 3000) {
			t.Fatalf("seed %d: backups did not replace the partitioned primary: %+v", seed, cl.reps[1].core.Status())
		}
		cl.reps[0].down = false
		delete(cl.cut, 0)
		more := requests("healed", 5)
		cl.submit(more...)
		if !cl.runUntilAll(append(reqs, more...), 3000) {
			t.Fatalf("seed %d: healed primary did not catch up: %+v", seed, cl.reps[0].core.Status())
		}
		// It may have caught up by its peers' committed batches before a NewView reached it (the new view's
		// slow path does not need it): its heartbeats, flagged in view change, bring one.
		for i := 0; i < 10*cl.cfgs[0].StatusIntervalTicks && !cl.reps[0].core.Status().ViewActive; i++ {
			for cl.step() {
			}
			cl.tickAll()
		}
		if st := cl.reps[0].core.Status(); st.View != cl.reps[1].core.Status().View || !st.ViewActive {
			t.Fatalf("seed %d: healed primary in view %d (active %v)", seed, st.View, st.ViewActive)
		}
		cl.checkAgreement(seed)
	}
}

func TestRestartDuringViewChangeResendsSameViewChange(t *testing.T) {
	cl := newCluster(t, 4, 1, 3)
	cl.reps[0].down = true
	cl.cut[1] = true // the next primary: view 1 cannot start
	cl.submit(requests("r", 5)...)
	for i := 0; i < 400 && cl.reps[2].core.Status().ViewActive; i++ {
		cl.tickAll()
		for cl.step() {
		}
	}
	before := cl.reps[2].hard
	if !before.InViewChange || before.ViewChange == nil || before.View != 1 {
		t.Fatalf("hard state %+v: view change not persisted", before)
	}
	cl.restart(2)
	st := cl.reps[2].core.Status()
	if st.View != before.View || st.ViewActive {
		t.Fatalf("restarted in view %d active %v, want view %d not started", st.View, st.ViewActive, before.View)
	}
	resent := 0
	for i := 0; i < 50; i++ {
		cl.tickAll()
	}
	for _, e := range cl.inflight {
		m, _ := unmarshalMessage(e.wire)
		if m.Type == MsgViewChange && e.from == 2 && m.View == before.View {
			resent++
			if string(marshalMessage(m)) != string(marshalMessage(before.ViewChange)) {
				t.Fatal("restarted replica sent a different view change for the same view")
			}
		}
	}
	if resent == 0 {
		t.Fatal("restarted replica did not resend its view change")
	}
}

// The primary of a view that restarts while it waits for the view's ViewChanges counts its own (persisted in its
// hard state) once the others' arrive, and starts the view. It used to build its NewView around a missing
// ViewChange of its own and crash once the quorum came from the others (found by the simulator swarm, seed 113).
func TestNewPrimaryRestartedDuringViewChangeStartsTheView(t *testing.T) {
	cl := newCluster(t, 4, 1, 5)
	reqs := requests("r", 3)
	for _, q := range reqs {
		cl.censored[string(q)] = true // the primary of view 0 censors them: every replica moves to view 1
	}
	cl.submit(reqs...)
	for i := 0; i < 100_000; i++ {
		if st := cl.reps[1].core.Status(); st.View == 1 && !st.ViewActive {
			break
		}
		if !cl.step() {
			cl.tickAll()
		}
	}
	if st := cl.reps[1].core.Status(); st.View != 1 || st.ViewActive || !cl.reps[1].hard.InViewChange {
		t.Fatalf("replica 1 in view %d active %v: want it waiting for view 1's ViewChanges", st.View, st.ViewActive)
	}
	cl.restart(1)
	if !cl.runUntilAll(reqs, 2000) {
		t.Fatalf("requests not executed after the new primary restarted: %+v", cl.reps[1].core.Status())
	}
	if st := cl.reps[1].core.Status(); st.View != 1 || !st.ViewActive {
		t.Fatalf("replica 1 in view %d active %v: want view 1 started", st.View, st.ViewActive)
	}
}

func TestViewChangeRejectsForgedEvidence(t *testing.T) {
	cl := newCluster(t, 4, 1, 1)
	c := cl.reps[1].core
	bad := []*Message{
		{Type: MsgViewChange, From: 2, View: 1, Entries: []ViewEntry{{Seq: 5, HasPP: true, PPView: 1}}},
		{Type: MsgViewChange, From: 2, View: 1, Entries: []ViewEntry{{Seq: c.cfg.WindowSeqs() + 1, HasPP: true}}},
		{Type: MsgViewChange, From: 2, View: 1, Entries: []ViewEntry{{Seq: 3}, {Seq: 2}}},
		{Type: MsgViewChange, From: 2, View: 1, Entries: []ViewEntry{{Seq: 3, Prepared: &Certificate{Kind: CertPrepare, Seq: 3, Signers: ReplicaSetOf(0)}}}},
		{Type: MsgViewChange, From: 2, View: 1, Entries: []ViewEntry{{Seq: 3, Committed: &Certificate{Kind: CertPrepare, Seq: 3, Signers: firstReplicas(4)}}}},
		{Type: MsgViewChange, From: 2, View: 1, Stable: &Certificate{Kind: CertCheckpoint, Seq: 7}},
	}
	for i, m := range bad {
		before := c.Status().Counters.DroppedInvalid
		c.Step(m)
		if c.Status().Counters.DroppedInvalid != before+1 {
			t.Fatalf("forged view change %d accepted", i)
		}
	}
}

// A commit certificate in any one ViewChange decides its slot; otherwise the highest prepare certificate,
// unless f+c+1 replicas pre-prepared another digest in a higher view (judged by the (f+1)-th highest of its
// reports). Each case names the rule it pins; the certificates are shaped as checkViewChange accepts them.
func TestChooseBatch(t *testing.T) {
	type cfg struct{ n, f, c int }
	n4, n7, n6c1 := cfg{4, 1, 0}, cfg{7, 2, 0}, cfg{6, 1, 1}
	cores := map[cfg]*Core{}
	core := func(k cfg) *Core {
		if cores[k] == nil {
			cores[k] = newClusterC(t, k.n, k.f, k.c, 1).reps[0].core
		}
		return cores[k]
	}
	d := func(b byte) [32]byte { return [32]byte{b} }
	pp := func(view uint64, b byte) *ViewEntry {
		return &ViewEntry{Seq: 1, HasPP: true, PPView: view, PPDigest: d(b)}
	}
	// prep: a replica that holds a prepare certificate of view `view` (it also pre-prepared that digest then).
	prep := func(k cfg, view uint64, b byte) *ViewEntry {
		return &ViewEntry{Seq: 1, HasPP: true, PPView: view, PPDigest: d(b),
			Prepared: &Certificate{Kind: CertPrepare, View: view, Seq: 1, Digest: d(b), Signers: firstReplicas(2*k.f + k.c + 1)}}
	}
	// prepOnly: a prepare certificate without a PrePrepare report (the rule must not depend on the report).
	prepOnly := func(k cfg, view uint64, b byte) *ViewEntry {
		e := prep(k, view, b)
		e.HasPP = false
		return e
	}
	committed := func(k cfg, kind CertKind, view uint64, b byte) *ViewEntry {
		q := 2*k.f + k.c + 1
		if kind == CertFast {
			q = k.n
			if k.c > 0 {
				q = 3*k.f + k.c + 1
			}
		}
		return &ViewEntry{Seq: 1, HasPP: true, PPView: view, PPDigest: d(b),
			Committed: &Certificate{Kind: kind, View: view, Seq: 1, Digest: d(b), Signers: firstReplicas(q)}}
	}
	for _, tc := range []struct {
		cfg
		rule    string
		entries []*ViewEntry
		want    byte
		ok      bool
	}{
		{n4, "no evidence: no batch", nil, 0, false},
		{n4, "one PrePrepare report is fewer than f+c+1: no batch", []*ViewEntry{pp(0, 1)}, 0, false},
		{n4, "f+c+1 PrePrepare reports of one digest choose it", []*ViewEntry{pp(0, 1), pp(0, 1)}, 1, true},
		{n4, "prepare certificate wins over fast evidence of equal view", []*ViewEntry{pp(2, 1), pp(2, 1), prepOnly(n4, 2, 2)}, 2, true},
		{n4, "fast evidence of a higher view wins over a prepare certificate", []*ViewEntry{pp(3, 1), pp(3, 1), prepOnly(n4, 2, 2)}, 1, true},
		{n4, "one high report does not lift a digest: the (f+1)-th highest counts", []*ViewEntry{pp(9, 1), pp(1, 1), prepOnly(n4, 2, 2)}, 2, true},
		{n4, "a commit certificate decides over fast evidence", []*ViewEntry{pp(3, 1), pp(3, 1), committed(n4, CertFast, 0, 3)}, 3, true},

		// Prepare certificates of different digests from several views for one sequence number.
		{n4, "highest-view prepare certificate wins (ascending order)",
			[]*ViewEntry{prep(n4, 1, 1), prep(n4, 2, 2), prep(n4, 3, 3)}, 3, true},
		{n4, "highest-view prepare certificate wins (descending order)",
			[]*ViewEntry{prep(n4, 3, 3), prep(n4, 2, 2), prep(n4, 1, 1)}, 3, true},
		{n4, "highest-view prepare certificate wins (highest in the middle, no PrePrepare reports)",
			[]*ViewEntry{prepOnly(n4, 1, 1), prepOnly(n4, 5, 5), prepOnly(n4, 2, 2)}, 5, true},
		{n4, "highest prepare certificate beats fast evidence whose (f+1)-th highest view is below it but above the lowest certificate",
			[]*ViewEntry{pp(4, 7), pp(2, 7), prep(n4, 1, 1), prep(n4, 3, 3)}, 3, true},
		{n4, "highest prepare certificate wins a tie in view with fast evidence",
			[]*ViewEntry{pp(3, 7), pp(3, 7), prep(n4, 1, 1), prep(n4, 3, 3)}, 3, true},
		{n4, "fast evidence whose (f+1)-th highest view exceeds every prepare certificate wins",
			[]*ViewEntry{pp(5, 7), pp(4, 7), prep(n4, 1, 1), prep(n4, 3, 3)}, 7, true},
		{n4, "a slow-path commit certificate of a low view decides over higher-view prepare certificates",
			[]*ViewEntry{prep(n4, 5, 5), committed(n4, CertCommit, 1, 9), prep(n4, 6, 6)}, 9, true},

		{n7, "n=7: highest-view prepare certificate wins over lower ones",
			[]*ViewEntry{prep(n7, 2, 2), prep(n7, 6, 6), prep(n7, 4, 4)}, 6, true},
		{n7, "n=7: two PrePrepare reports are fewer than f+c+1=3, the highest prepare certificate wins",
			[]*ViewEntry{prep(n7, 2, 2), prep(n7, 6, 6), prep(n7, 4, 4), pp(9, 8), pp(9, 8)}, 6, true},
		{n7, "n=7: highest prepare certificate beats fast evidence whose 3rd-highest view is lower",
			[]*ViewEntry{prep(n7, 2, 2), prep(n7, 6, 6), prep(n7, 4, 4), pp(9, 8), pp(9, 8), pp(5, 8)}, 6, true},
		{n7, "n=7: fast evidence whose 3rd-highest view exceeds the highest prepare certificate wins",
			[]*ViewEntry{pp(9, 8), pp(9, 8), pp(7, 8), prep(n7, 6, 6), prep(n7, 2, 2)}, 8, true},
		{n7, "n=7: a commit certificate decides over higher-view prepare certificates",
			[]*ViewEntry{prep(n7, 6, 6), prep(n7, 5, 5), committed(n7, CertCommit, 3, 9)}, 9, true},

		{n6c1, "n=6 c=1: highest-view prepare certificate wins over lower ones",
			[]*ViewEntry{prep(n6c1, 1, 1), prep(n6c1, 4, 4), prep(n6c1, 3, 3)}, 4, true},
		{n6c1, "n=6 c=1: two PrePrepare reports are fewer than f+c+1=3, the highest prepare certificate wins",
			[]*ViewEntry{pp(6, 8), pp(6, 8), prep(n6c1, 2, 2), prep(n6c1, 4, 4)}, 4, true},
		{n6c1, "n=6 c=1: highest prepare certificate beats fast evidence whose 2nd-highest (f+1-th) view is lower",
			[]*ViewEntry{pp(6, 8), pp(3, 8), pp(0, 8), prep(n6c1, 2, 2), prep(n6c1, 4, 4)}, 4, true},
		{n6c1, "n=6 c=1: fast evidence whose 2nd-highest (f+1-th) view exceeds every prepare certificate wins",
			[]*ViewEntry{pp(6, 8), pp(5, 8), pp(0, 8), prep(n6c1, 1, 1), prep(n6c1, 4, 4)}, 8, true},
		{n6c1, "n=6 c=1: a fast commit certificate of 3f+c+1 decides over higher-view prepare certificates",
			[]*ViewEntry{prep(n6c1, 4, 4), committed(n6c1, CertFast, 2, 9), prep(n6c1, 5, 5)}, 9, true},
	} {
		// The evidence must be what a valid ViewChange for a later view may carry.
		vc := &Message{Type: MsgViewChange, View: 10}
		for _, e := range tc.entries {
			vc.Entries = []ViewEntry{*e}
			if err := core(tc.cfg).checkViewChange(vc, 10); err != nil {
				t.Fatalf("%s: entry not valid evidence: %v", tc.rule, err)
			}
		}
		got, ok := core(tc.cfg).chooseBatch(tc.entries)
		if ok != tc.ok || (ok && got != d(tc.want)) {
			t.Errorf("n=%d f=%d c=%d: %s: got %x %v, want %x %v", tc.n, tc.f, tc.c, tc.rule, got[:1], ok, tc.want, tc.ok)
		}
	}
}

// Checkpoints become stable at every interval and bound the log, with the production interval and a short
// one (the simulator's): the window moves two intervals at a time either way.
func TestCheckpointsBecomeStableAndBoundTheLog(t *testing.T) {
	for _, interval := range []int{CheckpointIntervalSeqsDefault, 10, CheckpointIntervalSeqsMin} {
		t.Run(fmt.Sprint(interval), func(t *testing.T) { testCheckpointsBoundTheLog(t, interval) })
	}
}

func testCheckpointsBoundTheLog(t *testing.T, interval int) {
	cl := newCluster(t, 4, 1, 1)
	cl.reconfigure(func(c *Config) {
		c.BatchRequestsMax = 1
		c.CheckpointIntervalSeqs = interval
	})
	// The harness has no state transfer: a replica that falls a window behind its peers stays there, so
	// requests come in chunks of at most an interval.
	batches, chunk := min(10_000, 100*interval), min(100, interval)
	reqs := requests("k", batches)
	maxLog := 0
	for k := 0; k < len(reqs); k += chunk {
		cl.submit(reqs[k : k+chunk]...)
		cl.run(k+chunk, 2000)
		for _, r := range cl.reps {
			maxLog = max(maxLog, len(r.log))
		}
	}
	if !cl.allExecuted(batches) {
		t.Fatalf("not all executed: %+v", cl.reps[0].core.Status())
	}
	for i, r := range cl.reps {
		st := r.core.Status()
		if want := uint64(batches / interval * interval); st.StableSeq != want || r.stable == nil || r.stable.Seq != want {
			t.Fatalf("replica %d: stable checkpoint %d, want %d", i, st.StableSeq, want)
		}
		if st.StableDigest != cl.reps[0].core.Status().StableDigest || st.DivergedAt != 0 {
			t.Fatalf("replica %d: stable digest differs", i)
		}
	}
	// Two records (PrePrepare, prepare certificate) at most per sequence number in the window.
	if maxLog > 2*int(cl.cfgs[0].WindowSeqs()) {
		t.Fatalf("consensus log grew to %d records over %d batches", maxLog, batches)
	}
	if c := cl.reps[0].core.Status().Counters.StableCheckpoints; c != uint64(batches/interval) {
		t.Fatalf("%d stable checkpoints over %d batches, want one per interval of %d", c, batches, interval)
	}
	t.Logf("%d batches: at most %d consensus log records at any time", batches, maxLog)
}

// Requests that reach only the backups are forwarded to the primary and execute without a view change.
func TestBackupsForwardRequestsThePrimaryMissed(t *testing.T) {
	cl := newCluster(t, 4, 1, 1)
	reqs := requests("fwd", 12)
	for i := 1; i < 4; i++ {
		for _, q := range reqs {
			_ = cl.reps[i].core.Propose(Request{Digest: RequestDigest(q), Data: q})
		}
	}
	if !cl.runUntilAll(reqs, 1000) {
		t.Fatalf("forwarded requests not executed: %+v", cl.reps[0].core.Status())
	}
	st := cl.reps[1].core.Status()
	if st.View != 0 || st.Counters.RequestsForwarded == 0 {
		t.Fatalf("view %d, %d forwarded: want the primary kept and requests forwarded", st.View, st.Counters.RequestsForwarded)
	}
}

// A primary that orders first come, first served is not complained about under overload, however long the
// queue; one that censors a request while ordering later ones is replaced.
func TestComplaintsTellOverloadFromCensorship(t *testing.T) {
	newSlow := func() *cluster {
		cl := newCluster(t, 4, 1, 1)
		cl.reconfigure(func(c *Config) {
			c.BatchRequestsMax, c.InFlightSeqsMax = 1, 1
			c.ViewChangeTicks, c.RetransmitTicks = 40, 20
		})
		cl.perTick = 12 // about one sequence number per tick
		return cl
	}
	cl := newSlow()
	reqs := requests("load", 300) // one per tick: the last waits ~300 ticks, far beyond the timeout of 40
	cl.submit(reqs...)
	if !cl.runUntilAll(reqs, 2000) {
		t.Fatal("overload: requests not executed")
	}
	if st := cl.reps[1].core.Status(); st.View != 0 || st.Counters.ComplaintsSent != 0 {
		t.Fatalf("overload: view %d after %d complaints: a fair primary was complained about", st.View, st.Counters.ComplaintsSent)
	}

	cl = newSlow()
	cl.censored["victim"] = true
	cl.submit([]byte("victim"))
	later := requests("later", 100)
	cl.submit(later...)
	if !cl.runUntilAll(append(later, []byte("victim")), 3000) {
		t.Fatalf("censorship: the censored request never executed: %+v", cl.reps[1].core.Status())
	}
	if st := cl.reps[1].core.Status(); st.View == 0 {
		t.Fatal("censorship: the censoring primary was not replaced")
	}
}

// A restarted primary that learns a sequence number's batch by catch-up before it proposes again skips that
// sequence number instead of proposing over it (found by the docker testnet: "primary reuses seq").
func TestPrimarySkipsSeqsDecidedByCatchUp(t *testing.T) {
	cl := newCluster(t, 4, 1, 1)
	c := cl.reps[0].core
	reqs := requests("cu", 2)
	_ = c.Propose(Request{Digest: RequestDigest(reqs[1]), Data: reqs[1]})
	m := &Message{Type: MsgCommitted, From: 1, Seq: 1, Requests: reqs[:1]}
	m.Digest = BatchDigest(RequestDigests(m.Requests))
	m.Cert = &Certificate{Kind: CertFast, Seq: 1, Digest: m.Digest, Signers: firstReplicas(4)}
	c.Step(m)
	rd := c.Ready()
	proposed := false
	for _, o := range rd.Messages {
		if o.Msg.Type == MsgPrePrepare {
			proposed = o.Msg.Seq == 2
		}
	}
	if len(rd.Committed) != 1 || !proposed {
		t.Fatalf("committed %d batches, proposed seq 2: %v", len(rd.Committed), proposed)
	}
}

// A replica that executed up to a checkpoint but missed every share of it (and the peers stop sending them
// once it is stable for them) gets the stable certificate from a peer's catch-up (its Status says its stable
// checkpoint is older), so its window moves on. Without that it stayed at the end of its window for good.
func TestLaggingReplicaGetsTheStableCheckpoint(t *testing.T) {
	cl := newCluster(t, 4, 1, 1)
	const interval = 10
	cl.reconfigure(func(c *Config) {
		c.BatchRequestsMax = 1
		c.CheckpointIntervalSeqs = interval
	})
	cl.drop = func(e envelope, m *Message) bool { return e.to == 3 && m.Type == MsgCheckpoint }
	first := requests("a", 2*interval)
	cl.submit(first...)
	cl.run(len(first), 2000)
	if !cl.allExecuted(len(first)) || cl.reps[3].core.Status().StableSeq != 0 || cl.reps[0].core.Status().StableSeq != 2*interval {
		t.Fatalf("setup: replica 3 %+v, replica 0 %+v", cl.reps[3].core.Status(), cl.reps[0].core.Status())
	}
	cl.drop = nil
	more := requests("b", 3)
	cl.submit(more...)
	cl.run(len(first)+len(more), 2000)
	if !cl.allExecuted(len(first) + len(more)) {
		t.Fatalf("replica 3 stuck: %+v", cl.reps[3].core.Status())
	}
}

// The node answers crypto requests on other goroutines: late, out of order, after a view change, or never
// (a crash). Whatever the order, every request executes once on every replica and replicas agree.
func TestCryptoAnswersLateAndOutOfOrder(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		cl := newCluster(t, 4, 1, seed)
		cl.lateCrypto = true
		// Short checkpoints, but a window that retains what the restarted primary missed: this harness has no
		// state transfer (the simulator's replicas do).
		cl.reconfigure(func(c *Config) { c.CheckpointIntervalSeqs = 2 * CheckpointIntervalSeqsMin })
		cl.lossPct = int(seed % 3 * 10)
		crashPrimaryMidFlight(t, cl, seed, 40, 60)
		cl.run(1<<30, 300) // the answers still held arrive
		if st := cl.reps[1].core.Status(); st.StableSeq == 0 {
			t.Fatalf("seed %d: no checkpoint became stable with late answers (executed %d)", seed, st.LastExecuted)
		}
	}
}

// Admission control: a primary at its queue bound refuses new requests as busy while backups, whose queues
// are shorter, take them. The backups forward what the primary never had (more than one forwarding period
// allows), new requests keep executing meanwhile, everything executes, and nobody complains: execution out
// of arrival order is no evidence against a primary that refused requests and orders what it is forwarded.
func TestAdmissionRefusalsCostNoViewChange(t *testing.T) {
	cl := newCluster(t, 4, 1, 1)
	cl.reconfigure(func(c *Config) {
		c.BatchRequestsMax, c.InFlightSeqsMax = 100, 1
		c.ViewChangeTicks, c.RetransmitTicks = 40, 20
		c.AdmitWindowTicks, c.AdmitQueueMin = 10_000, 1000
		if c.ID == 0 {
			c.AdmitQueueMin = 5
		}
	})
	burst := requests("burst", ForwardRequestsMax+50)
	refused := 0
	for i, r := range cl.reps {
		for _, q := range burst {
			err := r.core.Propose(Request{Digest: RequestDigest(q), Data: q})
			switch {
			case errors.Is(err, ErrBusy) && i == 0:
				refused++
			case err != nil:
				t.Fatalf("replica %d refused %q: %v", i, q, err)
			}
		}
		cl.handle(i)
	}
	if want := len(burst) - 5; refused != want || cl.reps[0].core.Status().Admitting {
		t.Fatalf("primary refused %d with a bound of 5 (admitting now: %v), want %d", refused, cl.reps[0].core.Status().Admitting, want)
	}
	trickle := requests("trickle", 80) // one new request per tick, taken by every replica
	all := append(burst, trickle...)
	for tick := 0; tick < 3000 && !cl.allExecutedSet(all); tick++ {
		if tick < len(trickle) {
			cl.submit(trickle[tick])
		}
		for n := 0; n < 10_000 && cl.step(); n++ {
		}
		cl.tickAll()
	}
	if !cl.allExecutedSet(all) {
		t.Fatalf("refused requests never executed: %+v", cl.reps[1].core.Status())
	}
	for i := len(cl.reps) - 1; i >= 0; i-- {
		st := cl.reps[i].core.Status()
		if st.View != 0 || st.Counters.ComplaintsSent != 0 {
			t.Fatalf("replica %d: view %d after %d complaints (%d stalled): refusing requests cost a view change", i, st.View, st.Counters.ComplaintsSent, st.Counters.ComplaintsStalled)
		}
	}
	if st := cl.reps[1].core.Status(); st.Counters.RequestsForwarded < uint64(refused) {
		t.Fatalf("forwarded %d of %d refused requests", st.Counters.RequestsForwarded, refused)
	}
}

// Requests the node discards (their nonce can no longer execute) leave the queue and cost no complaint: a
// primary cannot be blamed for not ordering what never reached it and can never execute.
func TestDiscardedRequestsCostNoComplaint(t *testing.T) {
	for _, discard := range []bool{false, true} {
		cl := newCluster(t, 4, 1, 1)
		cl.reconfigure(func(c *Config) { c.ViewChangeTicks, c.RetransmitTicks = 40, 20 })
		cl.censored["dead"] = true // the primary never takes it, not even forwarded
		cl.submit([]byte("dead"))
		if discard {
			for _, r := range cl.reps[1:] {
				if q := r.core.OldestQueued(10); len(q) != 1 || string(q[0].Data) != "dead" {
					t.Fatalf("oldest queued at a backup: %v, want the dead request", q)
				}
				r.core.DiscardQueued([][32]byte{RequestDigest([]byte("dead"))})
			}
		}
		live := requests("live", 50)
		cl.submit(live...)
		if !cl.runUntilAll(live, 2000) {
			t.Fatalf("discard=%v: live requests not executed", discard)
		}
		for tick := 0; tick < 300; tick++ { // idle: nothing left to order but the dead request
			for n := 0; n < 10_000 && cl.step(); n++ {
			}
			cl.tickAll()
		}
		st := cl.reps[1].core.Status()
		if complained := st.Counters.ComplaintsSent > 0; complained == discard {
			t.Fatalf("discard=%v: %d complaints, %d queued", discard, st.Counters.ComplaintsSent, st.PendingRequests)
		}
		if discard && (st.PendingRequests != 0 || st.Counters.DiscardedRequests != 1) {
			t.Fatalf("%d queued, %d discarded after discarding the dead request", st.PendingRequests, st.Counters.DiscardedRequests)
		}
	}
}

// A NewView re-proposes a batch that only replicas 0 and 1 saw; replicas 2 and 3 vote on its digest alone, and
// the fast-path certificate (collected by replica 2) reaches only them. Replicas that committed a digest
// without its batch cannot execute it, and catch-up only sends executed batches, so until they send the
// certificate on its own to the replicas holding the batch, no replica executes again: no later view helps,
// since 2 and 3 never vote on a slot they committed (simulator seeds 60001665 and 60001708 stalled so).
func TestCertificateReachesTheReplicasHoldingTheBatch(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		cl := newCluster(t, 4, 1, seed)
		cl.drop = func(e envelope, m *Message) bool {
			switch m.Type {
			case MsgPrePrepare:
				return m.View == 0 && e.to >= 2 // only 0 and 1 see the batch
			case MsgViewChange:
				return e.from == 3 && e.to == 1 // view 1's NewView holds 0's and 1's reports: the batch is kept
			case MsgFullCommit:
				return e.to <= 1 // the certificate reaches only 2 and 3
			case MsgPreparePart:
				return true // and the slow path, which the primary (holding the batch) would finish, never does
			}
			return false
		}
		reqs := requests("m", 1)
		cl.submit(reqs...)
		if !cl.runUntilAll(reqs, 3000) {
			t.Fatalf("seed %d: stalled: %+v", seed, cl.reps[1].core.Status())
		}
		for i, r := range cl.reps {
			if b := r.executed[0]; b.Seq != 1 || b.Cert.Kind != CertFast || b.Cert.View != 1 {
				t.Fatalf("seed %d: replica %d executed seq %d on a %v certificate of view %d, want the fast one of view 1",
					seed, i, b.Seq, b.Cert.Kind, b.Cert.View)
			}
		}
		if cl.reps[2].core.Status().Counters.CatchUpReceived == 0 {
			t.Fatalf("seed %d: replica 2 got the batch other than by catch-up", seed)
		}
		cl.checkAgreement(seed)
	}
}

// A primary that dies after its PrePrepares went out, holding the only copies of the clients' requests (clients
// send to the primary first), is replaced: the backups' timer runs from the PrePrepare they accepted, not from
// a request they never got. Before, such backups waited for the clients to give up on the primary.
func TestPrimaryDeadAfterPrePrepareIsReplaced(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		cl := newCluster(t, 4, 1, seed)
		for _, q := range requests("only-primary", 3) {
			if err := cl.reps[0].core.Propose(Request{Digest: RequestDigest(q), Data: q}); err != nil {
				t.Fatal(err)
			}
		}
		cl.handle(0)
		// The PrePrepares reach the backups; then the primary is gone, with every share for it.
		cl.drop = func(e envelope, m *Message) bool { return m.Type != MsgPrePrepare }
		for cl.step() {
		}
		cl.reps[0].down, cl.drop = true, nil
		for i := 0; i < 3*cl.cfgs[1].ViewChangeTicks; i++ {
			for cl.step() {
			}
			cl.tickAll()
		}
		for i := 1; i < 4; i++ {
			if st := cl.reps[i].core.Status(); st.View == 0 {
				t.Fatalf("seed %d: replica %d still in view %d: %+v", seed, i, st.View, st.SoftState)
			}
		}
	}
}
