package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sort"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// The simulated network: frames in flight with their delivery tick, loss, duplication, delay, partitions,
// crashes and the scripted outage.

type envelope struct {
	at       uint64
	id       uint64 // tie-break: send order
	from, to uint32
	frame    []byte
}

// transport is one replica's view of the simulated network (a byzantine replica's adversary decorates it).
type transport struct {
	w    *world
	from uint32
}

func (t transport) Send(to uint32, frame []byte) bool { t.w.enqueue(t.from, to, frame); return true }
func (t transport) Broadcast(frame []byte) {
	for to := 0; to < t.w.n; to++ {
		if uint32(to) != t.from {
			t.w.enqueue(t.from, uint32(to), frame)
		}
	}
}

// Now is the tick (adversary.Network).
func (w *world) Now() uint64 { return w.now }

// Inject puts a frame on the wire as it is (adversary.Network: the coalition sends in its members' names).
func (w *world) Inject(from, to uint32, frame []byte) { w.enqueue(from, to, frame) }

// enqueue puts a frame on the simulated wire: the checkers see it, then the network loses, copies and delays
// it (a withholding coalition adds delays of its own to correct replicas' frames).
func (w *world) enqueue(from, to uint32, frame []byte) {
	w.obs.Sent(from, w.reps[from].adv == nil, frame)
	if w.reps[from].cutOff[0] || w.reps[to].cutOff[1] || w.rng.IntN(100) < w.faults.LossPct {
		return
	}
	copies := 1
	if w.rng.IntN(100) < w.faults.DupPct {
		copies = 2
	}
	for c := 0; c < copies; c++ {
		w.sent++
		at := w.now + 1 + uint64(w.rng.IntN(w.faults.DelayMaxTicks))
		if w.coal != nil && w.reps[from].adv == nil {
			at += w.coal.Delay(from, to, frame)
		}
		if int(from) == w.faults.Slow || int(to) == w.faults.Slow {
			at += uint64(w.rng.IntN(4 * w.faults.DelayMaxTicks))
		}
		w.net = append(w.net, envelope{at: at, id: w.sent, from: from, to: to, frame: frame})
	}
}

// deliver hands every message due now to its replica, in (time, send order) order.
func (w *world) deliver() {
	sort.SliceStable(w.net, func(a, b int) bool {
		if w.net[a].at != w.net[b].at {
			return w.net[a].at < w.net[b].at
		}
		return w.net[a].id < w.net[b].id
	})
	k := 0
	for k < len(w.net) && w.net[k].at <= w.now {
		e := w.net[k]
		k++
		r := w.reps[e.to]
		if r.down {
			continue
		}
		r.traffic.Received(e.frame)
		m, err := w.verify(e.from, e.frame)
		if err != nil {
			if w.reps[e.from].adv == nil {
				w.violate("honest replica %d sent an invalid message: %v", e.from, err)
			}
			continue
		}
		r.input.Step(m)
		w.process(e.to)
	}
	w.net = slices.Delete(w.net, 0, k)
}

// verify decodes and verifies a frame, remembering the verdict for identical frames from the same sender
// (the verifier is deterministic, so this only saves time).
func (w *world) verify(from uint32, frame []byte) (*consensus.Message, error) {
	m, err := wire.UnmarshalMessage(frame)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(binary.BigEndian.AppendUint32(append([]byte(nil), frame...), from))
	if verdict, ok := w.checked[h]; ok {
		if verdict == nil {
			m.ReqDigests = consensus.RequestDigests(m.Requests)
		}
		return m, verdict
	}
	err = w.verifier.Verify(from, m)
	w.checked[h] = err
	return m, err
}

// scriptedOutage takes Options.Outage's replica down and back, and records the first primary's commits on each
// path during the outage and after it.
func (w *world) scriptedOutage() {
	o := w.opts.Outage
	if o.Until == 0 {
		return
	}
	counts := func() (fast, slow uint64) {
		if p := w.reps[0]; p.driver != nil {
			st := p.driver.Status()
			return st.CommitsFast, st.CommitsSlow
		}
		return 0, 0
	}
	switch w.now {
	case o.From:
		r := w.reps[o.Replica]
		r.store.Close()
		r.driver, r.down, r.upAt, r.sync, r.syncAsked = nil, true, o.Until, nil, false
		w.sessionsBroke(uint32(o.Replica))
		w.outageFast, w.outageSlow = counts()
	case o.Until:
		fast, slow := counts()
		w.res.FastDuringOutage, w.res.SlowDuringOutage = fast-w.outageFast, slow-w.outageSlow
		w.outageFast = fast
	}
	if w.now >= o.Until {
		fast, _ := counts()
		w.res.FastAfterOutage = fast - w.outageFast
	}
}

// faulty counts replicas that are byzantine, down or cut off: never more than f at a time.
func (w *world) faulty() int {
	n := 0
	for _, r := range w.reps {
		if r.adv != nil || r.down || r.cutOff[0] || r.cutOff[1] {
			n++
		}
	}
	return n
}

// maybePartition cuts one correct replica off: both ways, or only its outgoing or only its incoming links.
func (w *world) maybePartition() {
	if w.faulty() >= w.f || w.rng.IntN(1000) >= w.faults.PartitionPerMille {
		return
	}
	r := w.reps[w.rng.IntN(w.n)]
	if r.adv != nil || r.down {
		return
	}
	r.cutOff = [][2]bool{{true, true}, {true, false}, {false, true}}[w.rng.IntN(3)]
	r.healAt = w.now + 1 + uint64(w.rng.IntN(w.faults.DownTicksMax))
	w.res.Partitions++
}

// maybeCrash crashes a replica (losing nothing it synced: every write the driver makes is synced) while
// fewer than f are down.
func (w *world) maybeCrash() {
	if w.faulty() >= w.f || w.rng.IntN(1000) >= w.faults.CrashPerMille {
		return
	}
	i := w.rng.IntN(w.n)
	r := w.reps[i]
	if r.down || r.adv != nil {
		return
	}
	r.store.Close()
	r.driver, r.down, r.sync, r.syncAsked = nil, true, nil, false
	r.upAt = w.now + 1 + uint64(w.rng.IntN(w.faults.DownTicksMax))
	w.res.Crashes++
	w.sessionsBroke(uint32(i))
}

// sessionsBroke tells every client that replica i crashed: the calls waiting on it count it failed, as a
// client's broken session does.
func (w *world) sessionsBroke(i uint32) {
	for _, c := range w.clients {
		c.sessionBroke(i)
	}
}
