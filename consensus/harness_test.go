package consensus

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// testSigner is a deterministic stand-in for Ed25519: the harness does not verify, the node does.
type testSigner struct{ id ReplicaID }

func (s testSigner) Sign(msg []byte) []byte {
	h := sha256.New()
	binary.Write(h, binary.BigEndian, s.id)
	h.Write(msg)
	return h.Sum(nil)
}

// replica is one core plus what it persisted, as the node would keep it.
type replica struct {
	core     *Core
	hard     HardState
	log      map[[2]uint64]Record
	executed []CommittedBatch
	stable   *Certificate
	state    [32]byte // running hash of the executed digests: the "state" checkpoints sign
	down     bool
}

// cluster runs n cores over an in-memory network with seeded delivery order and loss.
type cluster struct {
	t        *testing.T
	cfgs     []Config
	reps     []*replica
	inflight []envelope
	rng      *rand.Rand
	lossPct  int
	badShare map[ReplicaID]bool // replicas whose certificate shares do not verify
	sent     map[MsgType]int    // messages put on the wire, by type (each destination counts)
	cut      map[ReplicaID]bool // replicas cut off from the others (they still tick)
	censored map[string]bool    // requests replica 0 never admits (a censoring primary)
	perTick  int                // messages delivered per tick by runUntilAll (0: 10,000)
}

type envelope struct {
	from, to ReplicaID
	wire     []byte
}

func newCluster(t *testing.T, n, f int, seed uint64) *cluster { return newClusterC(t, n, f, 0, seed) }

func newClusterC(t *testing.T, n, f, c int, seed uint64) *cluster {
	t.Helper()
	cl := &cluster{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		badShare: map[ReplicaID]bool{}, sent: map[MsgType]int{}, cut: map[ReplicaID]bool{}, censored: map[string]bool{}}
	for i := 0; i < n; i++ {
		cfg := DefaultConfig("test-chain", testSigner{ReplicaID(i)}, testSigner{ReplicaID(i) + 100}, ReplicaID(i), n, f)
		cfg.BatchRequestsMax = 10
		cfg.C = c
		cl.cfgs = append(cl.cfgs, cfg)
		c, err := New(cfg, Restore{})
		if err != nil {
			t.Fatalf("seed %d: new: %v", seed, err)
		}
		cl.reps = append(cl.reps, &replica{core: c, log: map[[2]uint64]Record{}})
	}
	return cl
}

// handle runs the node's Ready contract for one replica: persist, send, execute, advance.
func (cl *cluster) handle(i int) {
	r := cl.reps[i]
	for r.core.HasReady() {
		rd := r.core.Ready()
		if rd.HardState != nil {
			r.hard = *rd.HardState
		}
		if rd.Stable != nil {
			r.stable = rd.Stable
		}
		for _, rec := range rd.Records {
			r.log[[2]uint64{rec.Seq, uint64(rec.Kind)}] = rec
		}
		if rd.PruneLogBelow > 0 {
			for k := range r.log {
				if k[0] < rd.PruneLogBelow {
					delete(r.log, k)
				}
			}
		}
		for _, o := range rd.Messages {
			wire := o.Msg.Marshal() // through the codec, as on the network
			for to := range cl.reps {
				if ReplicaID(to) == ReplicaID(i) || (o.To != Broadcast && o.To != ReplicaID(to)) {
					continue
				}
				cl.inflight = append(cl.inflight, envelope{from: ReplicaID(i), to: ReplicaID(to), wire: wire})
				cl.sent[o.Msg.Type]++
			}
		}
		for _, req := range rd.Combine {
			r.core.Combined(cl.combine(req))
		}
		for _, b := range rd.Committed {
			if n := len(r.executed); n > 0 && r.executed[n-1].Seq+1 != b.Seq {
				cl.t.Fatalf("replica %d executed %d after %d", i, b.Seq, r.executed[n-1].Seq)
			}
			r.executed = append(r.executed, b)
		}
		r.core.Advance(rd)
		for _, b := range rd.Committed {
			r.state = sha256.Sum256(append(r.state[:], b.Digest[:]...))
			if b.Seq%r.core.cfg.checkpointInterval() == 0 {
				r.core.Checkpoint(b.Seq, r.state)
			}
		}
	}
}

// restart rebuilds replica i's core from what it persisted; everything in the air to or from it is lost.
func (cl *cluster) restart(i int) {
	r := cl.reps[i]
	var recs []Record
	for _, rec := range r.log {
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b Record) int {
		if a.Seq != b.Seq {
			return cmp.Compare(a.Seq, b.Seq)
		}
		return cmp.Compare(a.Kind, b.Kind)
	})
	var last uint64
	if n := len(r.executed); n > 0 {
		last = r.executed[n-1].Seq
	}
	var recent []CommittedBatch
	for _, b := range r.executed {
		if b.Seq+cl.cfgs[i].RetainExecutedSeqs() > last {
			recent = append(recent, b)
		}
	}
	c, err := New(cl.cfgs[i], Restore{HardState: r.hard, Stable: r.stable, LastExecuted: last, Records: recs, Executed: recent})
	if err != nil {
		cl.t.Fatalf("restore %d: %v", i, err)
	}
	r.core = c
	kept := cl.inflight[:0]
	for _, e := range cl.inflight {
		if int(e.to) != i && int(e.from) != i {
			kept = append(kept, e)
		}
	}
	cl.inflight = kept
}

// combine stands in for the node's BLS aggregation: the "aggregate" is a hash of the shares, and shares of
// replicas in badShare fail.
func (cl *cluster) combine(req CombineRequest) CombineResult {
	var bad []ReplicaID
	h := sha256.New()
	var signers uint64
	for _, sh := range req.Shares {
		if cl.badShare[sh.From] {
			bad = append(bad, sh.From)
		}
		signers |= 1 << sh.From
		h.Write(sh.Sig)
	}
	if len(bad) > 0 {
		return CombineResult{Request: req, Bad: bad}
	}
	return CombineResult{Request: req, Cert: &Certificate{Kind: req.Kind, View: req.View, Seq: req.Seq,
		Digest: req.Digest, Signers: signers, Sig: h.Sum(nil)}}
}

// step delivers one random in-flight message; false when none is left.
func (cl *cluster) step() bool {
	if len(cl.inflight) == 0 {
		return false
	}
	k := cl.rng.IntN(len(cl.inflight))
	e := cl.inflight[k]
	cl.inflight[k] = cl.inflight[len(cl.inflight)-1]
	cl.inflight = cl.inflight[:len(cl.inflight)-1]
	if cl.reps[e.to].down || cl.reps[e.from].down || cl.cut[e.to] != cl.cut[e.from] || cl.rng.IntN(100) < cl.lossPct {
		return true
	}
	m, err := UnmarshalMessage(e.wire)
	if err != nil {
		cl.t.Fatalf("decode: %v", err)
	}
	if m.Type == MsgRequest { // the node's part: forwarded requests are admitted like submissions
		for _, q := range m.Requests {
			if e.to != 0 || !cl.censored[string(q)] {
				_ = cl.reps[e.to].core.Propose(Request{Digest: RequestDigest(q), Data: q})
			}
		}
	} else {
		cl.reps[e.to].core.Step(m)
	}
	cl.handle(int(e.to))
	return true
}

func (cl *cluster) tickAll() {
	for i, r := range cl.reps {
		if !r.down {
			r.core.Tick()
			cl.handle(i)
		}
	}
}

func (cl *cluster) submit(reqs ...[]byte) {
	for i, r := range cl.reps {
		if r.down {
			continue
		}
		for _, q := range reqs {
			if i != 0 || !cl.censored[string(q)] {
				_ = r.core.Propose(Request{Digest: RequestDigest(q), Data: q})
			}
		}
		cl.handle(i)
	}
}

// run delivers messages and ticks until every up replica executed want requests or the budget ends.
func (cl *cluster) run(want int, ticks int) {
	for t := 0; t < ticks; t++ {
		for n := 0; n < 10_000 && cl.step(); n++ {
		}
		if cl.allExecuted(want) {
			return
		}
		cl.tickAll()
	}
}

func (cl *cluster) allExecuted(want int) bool {
	for _, r := range cl.reps {
		if !r.down && countRequests(r.executed) < want {
			return false
		}
	}
	return true
}

func countRequests(bs []CommittedBatch) int {
	n := 0
	for _, b := range bs {
		n += len(b.Requests)
	}
	return n
}

// checkAgreement fails if two replicas executed different batches at one sequence number.
func (cl *cluster) checkAgreement(seed uint64) {
	cl.t.Helper()
	bySeq := map[uint64][32]byte{}
	for i, r := range cl.reps {
		for _, b := range r.executed {
			if d, ok := bySeq[b.Seq]; ok && d != b.Digest {
				cl.t.Fatalf("seed %d: replica %d executed %x at seq %d, another %x", seed, i, b.Digest[:4], b.Seq, d[:4])
			}
			bySeq[b.Seq] = b.Digest
		}
	}
}

func requests(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}
