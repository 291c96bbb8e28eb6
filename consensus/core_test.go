package consensus

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

func TestNormalCaseAllUp(t *testing.T) {
	for _, tc := range []struct{ n, f int }{{4, 1}, {7, 2}, {10, 3}} {
		for seed := uint64(1); seed <= 5; seed++ {
			cl := newCluster(t, tc.n, tc.f, seed)
			cl.submit(requests("a", 95)...)
			cl.run(95, 200)
			if !cl.allExecuted(95) {
				t.Fatalf("n=%d seed %d: not all executed: %v", tc.n, seed, cl.reps[0].core.Status())
			}
			cl.checkAgreement(seed)
			// 95 requests in batches of at most 10.
			if got := len(cl.reps[1].executed); got < 10 {
				t.Fatalf("n=%d seed %d: %d batches, want >= 10", tc.n, seed, got)
			}
		}
	}
}

func TestBackupDownStillCommits(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		cl := newCluster(t, 4, 1, seed)
		cl.reps[3].down = true
		cl.submit(requests("b", 50)...)
		cl.run(50, 200)
		if !cl.allExecuted(50) {
			t.Fatalf("seed %d: writes did not commit with one backup down", seed)
		}
		cl.checkAgreement(seed)
	}
}

func TestTwoDownStalls(t *testing.T) {
	cl := newCluster(t, 4, 1, 1)
	cl.reps[2].down, cl.reps[3].down = true, true
	cl.submit(requests("c", 5)...)
	cl.run(5, 50)
	if countRequests(cl.reps[0].executed) != 0 {
		t.Fatal("committed without a quorum")
	}
}

func TestMessageLossRecoversByRetransmission(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		cl := newCluster(t, 4, 1, seed)
		cl.lossPct = 30
		cl.submit(requests("d", 40)...)
		cl.run(40, 2000)
		if !cl.allExecuted(40) {
			t.Fatalf("seed %d: not all executed under loss: %+v", seed, cl.reps[0].core.Status())
		}
		cl.checkAgreement(seed)
	}
}

func TestLaggingReplicaCatchesUp(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		cl := newCluster(t, 4, 1, seed)
		cl.reps[3].down = true
		cl.submit(requests("e", 60)...)
		cl.run(60, 200)
		cl.reps[3].down = false
		cl.run(60, 200)
		if got := countRequests(cl.reps[3].executed); got != 60 {
			t.Fatalf("seed %d: lagging replica executed %d of 60", seed, got)
		}
		if cl.reps[3].core.Status().Counters.CatchUpReceived == 0 {
			t.Fatalf("seed %d: caught up without catch-up batches", seed)
		}
		cl.checkAgreement(seed)
	}
}

func TestRestartFromLog(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		cl := newCluster(t, 4, 1, seed)
		cl.submit(requests("f", 30)...)
		// Deliver only part of the traffic, then restart every replica from what it persisted.
		for k := 0; k < 40 && cl.step(); k++ {
		}
		for i, r := range cl.reps {
			var recs []Record
			for _, rec := range r.log {
				recs = append(recs, rec)
			}
			var last uint64
			if n := len(r.executed); n > 0 {
				last = r.executed[n-1].Seq
			}
			c, err := New(cl.cfgs[i], Restore{HardState: r.hard, LastExecuted: last, Records: recs, Executed: r.executed})
			if err != nil {
				t.Fatalf("seed %d: restore %d: %v", seed, i, err)
			}
			r.core = c
		}
		cl.inflight = nil // everything in the air is lost
		cl.submit(requests("g", 10)...)
		cl.run(10, 500)
		for i, r := range cl.reps {
			if countRequests(r.executed) < 10 {
				t.Fatalf("seed %d: replica %d stalled after restart: %+v", seed, i, r.core.Status())
			}
		}
		cl.checkAgreement(seed)
	}
}

func TestOldViewMessagesDropped(t *testing.T) {
	cl := newCluster(t, 4, 1, 1)
	c := cl.reps[1].core
	m := &Message{Type: MsgPartialCommit, From: 2, View: 7, Seq: 1}
	c.Step(m)
	if c.Status().Counters.DroppedOtherView != 1 {
		t.Fatal("message of another view was not dropped")
	}
	c.Step(&Message{Type: MsgPartialCommit, From: 2, View: 0, Seq: c.cfg.WindowSeqs() + 1})
	if c.Status().Counters.DroppedOutOfWindow != 1 {
		t.Fatal("message beyond the window was not dropped")
	}
}

// An equivocating primary (equivocator_test.go) sends conflicting PrePrepares to different backups for every
// sequence number it proposes and combines certificates from every share it gets. Batches on which it
// splits the backups 2f+c to the rest commit while it lies (it completes their certificates itself); a split
// into groups of 2f+c-1 stalls the slot, and the backups replace it. Every correct replica must execute every
// request, at least minBatches batches, and exactly the same batch at every sequence number.
func TestEquivocatingPrimaryCannotSplit(t *testing.T) {
	const (
		reqCount   = 300
		minBatches = reqCount / 10 // batches hold at most 10 requests (Config.BatchRequestsMax in the harness)
		ticks      = 20_000
	)
	for _, tc := range []struct{ n, f, c int }{{4, 1, 0}, {7, 2, 0}, {6, 1, 1}} {
		for seed := uint64(1); seed <= 9; seed++ {
			params := fmt.Sprintf("n=%d f=%d c=%d seed %d loss %d%%", tc.n, tc.f, tc.c, seed, seed%3*10)
			cl := newClusterC(t, tc.n, tc.f, tc.c, seed)
			cl.lossPct = int(seed%3) * 10 // lost messages make the liar retransmit its lies
			eq := cl.makeEquivocator(0)   // the primary of view 0
			reqs := requests(fmt.Sprintf("eq%d", seed), reqCount)
			cl.submit(reqs...)
			done := cl.runUntilAll(reqs, ticks)

			correct := []int{}
			for i := range cl.reps {
				if cl.byz[ReplicaID(i)] == nil {
					correct = append(correct, i)
				}
			}
			// Agreement first: a split is the failure this test exists for.
			bySeq := map[uint64]CommittedBatch{}
			for _, i := range correct {
				for _, b := range cl.reps[i].executed {
					if prev, ok := bySeq[b.Seq]; ok && (prev.Digest != b.Digest || !slices.EqualFunc(prev.Requests, b.Requests, bytes.Equal)) {
						t.Fatalf("%s: replica %d executed %x at seq %d, another correct replica %x", params, i, b.Digest[:4], b.Seq, prev.Digest[:4])
					}
					bySeq[b.Seq] = b
				}
			}
			if !done {
				t.Fatalf("%s: not every request executed on every correct replica in %d ticks: %+v", params, ticks, cl.reps[1].core.Status())
			}
			lied := eq.equivocatedSeqs()
			committedWhileLying := 0
			for _, b := range bySeq {
				if lied[[2]uint64{b.View, b.Seq}] {
					committedWhileLying++
				}
			}
			for _, i := range correct {
				r := cl.reps[i]
				if len(r.executed) < minBatches || r.executed[0].Seq != 1 { // gap-free after that (handle checks)
					t.Fatalf("%s: replica %d executed %d batches, want at least %d from seq 1", params, i, len(r.executed), minBatches)
				}
				if st := r.core.Status(); st.View == 0 {
					t.Fatalf("%s: replica %d still in view 0: the equivocating primary was never replaced", params, i)
				}
			}
			// The scenario must really have happened: lies on every sequence number up to the stalling split
			// at least, every batch before it committed from the liar's conflicting PrePrepares, combine
			// attempts refused (too few shares, or shares over another digest) and some granted.
			if len(lied) < stallEvery || committedWhileLying < stallEvery-1 || eq.refused == 0 || eq.certs == 0 {
				t.Fatalf("%s: weak scenario: %d equivocated slots, %d executed batches committed from them, "+
					"%d of %d combine attempts refused, %d certificates", params, len(lied), committedWhileLying, eq.refused, eq.attempts, eq.certs)
			}
			if seed == 1 {
				t.Logf("%s: %d batches executed, %d slots equivocated, %d batches committed from them, view %d, "+
					"equivocator: %d combine attempts, %d refused, %d certificates; messages rejected: %v",
					params, len(cl.reps[correct[0]].executed), len(lied), committedWhileLying, cl.reps[correct[0]].core.Status().View,
					eq.attempts, eq.refused, eq.certs, cl.rejected)
			}
		}
	}
}

func TestStatusFloodDoesNotAmplify(t *testing.T) {
	cl := newCluster(t, 4, 1, 1)
	cl.submit(requests("h", 40)...)
	cl.run(40, 200)
	c := cl.reps[0].core
	c.Ready()
	for i := 0; i < 100; i++ {
		c.Step(&Message{Type: MsgStatus, From: 3, LastExecuted: 0})
	}
	sent := 0
	for _, o := range c.Ready().Messages {
		if o.Msg.Type == MsgCommitted {
			sent++
		}
	}
	if sent == 0 || sent > CatchUpBatchesPerStatus {
		t.Fatalf("100 Status messages made the replica send %d committed batches", sent)
	}
}

func TestUnorderedRequestsExpireOnBackups(t *testing.T) {
	cl := newCluster(t, 4, 1, 1)
	b := cl.reps[1].core
	for _, q := range requests("never-ordered", 10) {
		if err := b.Propose(Request{Digest: RequestDigest(q), Data: q}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < cl.cfgs[1].PendingExpiryTicks+2*PendingSweepIntervalTicks; i++ {
		b.Tick()
		b.Ready()
	}
	if st := b.Status(); st.PendingRequests != 0 || st.Counters.ExpiredRequests != 10 {
		t.Fatalf("pending %d, expired %d: unordered requests stay queued forever", st.PendingRequests, st.Counters.ExpiredRequests)
	}
}

// TestHeartbeatsSlowWhenIdle checks that an idle network sends heartbeats StatusIdleIntervalsMax times as
// seldom as a busy one, and that a request brings the full rate back at once.
func TestHeartbeatsSlowWhenIdle(t *testing.T) {
	cl := newCluster(t, 4, 1, 1)
	cl.submit(requests("h", 40)...)
	cl.run(40, 200)
	interval := cl.cfgs[0].StatusIntervalTicks
	statusesOver := func(ticks int) int {
		before := cl.sent[MsgStatus]
		for range ticks {
			for cl.step() {
			}
			cl.tickAll()
		}
		return cl.sent[MsgStatus] - before
	}
	statusesOver(2 * interval * StatusIdleIntervalsMax) // every replica hears every other in this state
	for i, r := range cl.reps {
		if !r.core.idle() {
			t.Fatalf("replica %d is not idle after the load: %+v", i, r.core.peers)
		}
	}
	window := 3 * interval * StatusIdleIntervalsMax
	idle := statusesOver(window)
	if want := 4 * 3 * (window / (interval * StatusIdleIntervalsMax)); idle != want {
		t.Fatalf("idle: %d heartbeats over %d ticks, want %d", idle, window, want)
	}
	if err := cl.reps[2].core.Propose(Request{Digest: RequestDigest([]byte("wake")), Data: []byte("wake")}); err != nil {
		t.Fatal(err)
	}
	if cl.reps[2].core.idle() {
		t.Fatal("a replica with a pending request is idle")
	}
	busy := 0
	for range 3 * interval { // without delivery: the request stays pending on replica 2
		before := cl.sent[MsgStatus]
		cl.reps[2].core.Tick()
		cl.handle(2)
		busy += cl.sent[MsgStatus] - before
	}
	if busy < 3*3 {
		t.Fatalf("busy: replica 2 sent %d heartbeats over 3 intervals to its 3 peers, want at least 9", busy)
	}
}

// TestPrimaryLeavesFastPathAfterSlowStreak: with c = 0 one replica down makes every fast-path slot wait out its
// timer; the primary moves to the slow path after PathSlowStreakMax such slots, not after an evaluation period
// of PathEvaluationSeqs.
func TestPrimaryLeavesFastPathAfterSlowStreak(t *testing.T) {
	cl := newCluster(t, 4, 1, 1)
	cl.reconfigure(func(c *Config) { c.BatchRequestsMax = 1; c.InFlightSeqsMax = 1 })
	cl.reps[3].down = true
	reqs := requests("s", PathSlowStreakMax+2)
	cl.submit(reqs...)
	cl.run(len(reqs), 5000)
	st := cl.reps[0].core.Status()
	if !cl.allExecuted(len(reqs)) || !st.SlowPathMode {
		t.Fatalf("after %d slots with replica 3 down: slow-path mode %v, executed %d", len(reqs), st.SlowPathMode, st.LastExecuted)
	}
	if st.Counters.CollectorTimeouts > PathSlowStreakMax {
		t.Fatalf("%d fast-path timeouts, want at most %d", st.Counters.CollectorTimeouts, PathSlowStreakMax)
	}
}
