package replica

import (
	"time"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// replies is the driver's component that answers clients: the clients waiting for a transaction's result
// (waiters), the results of recently executed transactions (for late copies), and the execution proofs
// (execproof.go). It consumes the blocks the loop executed and sends through the driver's transport; its BLS
// work goes to the crypto workers. Driver goroutine only.
type replies struct {
	cfg       *DriverConfig
	height    func() uint64 // the application's last executed height
	runCrypto func(CryptoJob)
	waiters   waiters
	// results are the replies of recently executed transactions (at most ResultCacheMax), so that a copy of a
	// transaction that reaches this replica after it executed (clients send to every replica) is answered with
	// its result rather than refused as a replay: every correct replica then gives the client the same answer.
	results   fifoMap[[32]byte, *wire.Reply]
	exec      execCollector
	certs     execCerts              // certified.go
	certified func(c *wire.ExecCert) // told of every new certificate kept (the driver)
	now       func() uint64          // the driver's tick
	primary   func() uint32          // the primary of this replica's view: the execution collector
	proofWait uint64                 // ExecProofWait in ticks
}

func newReplies(cfg *DriverConfig, height, now func() uint64, primary func() uint32, runCrypto func(CryptoJob)) *replies {
	return &replies{cfg: cfg, height: height, now: now, primary: primary, runCrypto: runCrypto,
		waiters: newWaiters(ttlTicks(cfg.TickInterval)), proofWait: proofWaitTicks(cfg.TickInterval),
		results: newFIFOMap[[32]byte, *wire.Reply](ResultCacheMax), exec: newExecCollector(),
		certs: execCerts{byHeight: map[uint64]*wire.ExecCert{}}}
}

func proofWaitTicks(tick time.Duration) uint64 {
	if tick <= 0 {
		return ExecProofWaitTicksUntimed
	}
	return max(1, uint64(ExecProofWait/tick))
}

// answered answers a copy of a transaction that executed already with its result (and its proof, where this
// replica collects its block); false when the transaction is not known to have executed.
func (rp *replies) answered(h [32]byte, w Waiter) bool {
	r, ok := rp.results.get(h)
	if !ok {
		return false
	}
	w.Deliver(r)
	rp.proveLate(w, r)
	return true
}

// executed reports whether the transaction h executed recently (its result is cached).
func (rp *replies) executed(h [32]byte) bool {
	_, ok := rp.results.get(h)
	return ok
}

// blockExecuted hands the clients waiting for blk's transactions, once blk is durable, to its execution
// certificate (execproof.go), and keeps the results for late copies.
func (rp *replies) blockExecuted(blk *chain.Block, results []chain.Result) {
	rp.afterExecute(blk, results) // takes the waiting clients
	// Answered block by block: a transaction ordered twice (a view change may re-propose it; the second copy is
	// refused as a replay) gets its first result only, on both paths. Answered after all blocks, a later
	// block's execution proof would also take the waiter and prove the replay result.
	for i := range results {
		r := &wire.Reply{TxHash: results[i].TxHash, Replica: rp.cfg.ID, Status: wire.StatusCommitted,
			Result: results[i].Marshal()}
		rp.results.add(r.TxHash, r)
		first, _ := rp.results.get(r.TxHash)
		assert(first == r || len(rp.waiters.byHash[r.TxHash]) == 0,
			"transaction %x executed again at height %d while clients wait for it: they would get the replay's result",
			r.TxHash[:4], blk.Header.Height)
		if at := rp.waiters.take(r.TxHash); !at.IsZero() {
			rp.cfg.Metrics.observeCommit(time.Since(at))
		}
	}
}
