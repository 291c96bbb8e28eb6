package sim

import (
	"bytes"
	"errors"
	"time"

	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// State transfer in the simulator: the real planner and the real install, with the fetches carried over the
// simulated clock. A request is answered 1..DelayMaxTicks later from the source's store; a byzantine source's
// adversary may forge the answer (adversary.ForgeTransfer) or, silent, never answer (the request times out).

const simTick = 10 * time.Millisecond // simulated time per tick, for the planner's clock

type simSync struct {
	planner *bsync.Planner
	proof   *wire.StableCheckpointProof
	answers []simAnswer
}

type simAnswer struct {
	at  uint64
	req bsync.Request
}

func (w *world) simNow() time.Time { return time.Unix(0, 0).Add(time.Duration(w.now) * simTick) }

// maybeSync runs replica i's state transfer: start it when the driver asks, move it on every tick.
func (w *world) maybeSync(i int) {
	r := w.reps[i]
	if r.sync == nil {
		if !r.syncAsked {
			return
		}
		r.syncAsked = false
		r.sync = w.startSync(i)
		if r.sync == nil {
			return
		}
		w.res.StateTransfers++
	}
	s := r.sync
	now := w.simNow()
	for _, req := range s.planner.Next(now) {
		s.answers = append(s.answers, simAnswer{at: w.now + 1 + uint64(w.rng.IntN(w.faults.DelayMaxTicks)), req: req})
	}
	kept := s.answers[:0]
	for _, a := range s.answers {
		if a.at > w.now {
			kept = append(kept, a)
			continue
		}
		w.answer(s, a.req)
	}
	s.answers = kept
	s.planner.Expire(now)
	if !s.planner.Done() {
		return
	}
	r.sync = nil
	base := r.driver.App().LastHeader().Height
	if err := r.driver.InstallTransfer(s.proof, s.planner.Verified()); err != nil {
		w.violate("replica %d: state transfer to %d failed: %v", i, s.proof.Height, err)
	}
	// What was installed, even by a transfer that failed half way, is in the store now.
	for h := base + 1; h <= r.driver.App().LastHeader().Height; h++ {
		b, err := r.driver.App().Block(h)
		if err != nil {
			w.violate("replica %d: block %d missing after state transfer: %v", i, h, err)
			return
		}
		w.obs.Installed(uint32(i), r.store, b)
	}
	w.process(uint32(i))
}

// startSync picks the highest verifiable stable checkpoint among the other live replicas.
func (w *world) startSync(i int) *simSync {
	var best *wire.StableCheckpointProof
	var sources []bsync.SourceID
	for j, o := range w.reps {
		if j == i || o.down {
			continue
		}
		p, err := bsync.ReadStableCheckpoint(o.store)
		if err != nil || w.verifier.VerifyStableCheckpoint(p) != nil {
			continue
		}
		sources = append(sources, bsync.SourceID(j))
		if best == nil || p.Seq > best.Seq {
			best = p
		}
	}
	base := w.reps[i].driver.App().LastHeader().Height
	if best == nil || best.Height <= base {
		return nil
	}
	cfg := bsync.DefaultConfig()
	cfg.RequestTimeout, cfg.PenaltyDuration = 20*simTick, 100*simTick
	pl, err := bsync.NewPlanner(cfg, bsync.Target{Height: best.Height, BlockHash: best.BlockHash}, base, sources)
	if err != nil {
		w.violate("replica %d: state transfer plan: %v", i, err)
		return nil
	}
	return &simSync{planner: pl, proof: best}
}

// answer serves one request from the source's store, as the blocks protocol would.
func (w *world) answer(s *simSync, req bsync.Request) {
	src := w.reps[req.Source]
	now := w.simNow()
	if src.down || (src.adv != nil && !src.adv.AnswersTransfers()) {
		return // no answer: the request expires
	}
	parts, err := bsync.BlocksAnswer(src.store, req.From, req.To)
	raw := bytes.Join(parts, nil)
	if err != nil {
		s.planner.Fail(now, req.ID)
		return
	}
	blocks, err := bsync.DecodeBlocks(raw)
	if err != nil {
		s.planner.Fail(now, req.ID)
		return
	}
	forged := src.adv != nil && src.adv.ForgeTransfer(blocks, s.proof.Height)
	var bad *bsync.BadSourceError
	if err := s.planner.Deliver(now, req.ID, blocks); errors.As(err, &bad) && w.reps[bad.Source].adv == nil {
		w.violate("honest source %d was blamed: %v", bad.Source, err)
	} else if err != nil && !forged && bad == nil {
		w.violate("honest source %d served a bad answer: %v", req.Source, err)
	}
}
