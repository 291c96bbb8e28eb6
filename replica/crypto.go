package replica

import (
	"context"
	"crypto/ed25519"
	"runtime"
	"runtime/pprof"
	"sync"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// Crypto work off the driver's goroutine. BLS is most of a replica's CPU per batch (a share ~0.5 ms, an
// aggregate check ~1.1 ms); the core asks for it in the Ready (Sign, Combine) and the replies component for
// execution shares and proofs. A job runs anywhere and touches nothing the driver owns: it returns a
// completion, a closure the driver's goroutine runs to take the answer back (a Step of a local message, or
// a reply). Completions may come back in any order; their receivers check that they still matter.

// CryptoJob computes on its own and returns the completion that the driver's goroutine runs.
type CryptoJob func() (completion func())

// CryptoPool runs crypto jobs on worker goroutines and hands their completions to the node's loop
// (Completions). At most CryptoJobsInFlightMax jobs are out at once, so neither queue can fill up and block:
// beyond the bound, Go refuses and the driver runs the job itself.
type CryptoPool struct {
	jobs     chan CryptoJob
	done     chan func()
	inFlight int // owned by the driver's goroutine: Go increments, Finish decrements
	workers  sync.WaitGroup
}

// NewCryptoPool makes a pool; Start runs its workers and Close stops them.
func NewCryptoPool() *CryptoPool {
	return &CryptoPool{jobs: make(chan CryptoJob, CryptoJobsInFlightMax), done: make(chan func(), CryptoJobsInFlightMax)}
}

// Start runs workers goroutines (GOMAXPROCS when workers <= 0): jobs queued before Start wait for it.
func (p *CryptoPool) Start(workers int) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p.workers.Add(workers)
	for range workers {
		go p.work()
	}
}

func (p *CryptoPool) work() {
	defer p.workers.Done()
	// CPU profiles tell the workers' samples from the loop's by this label (go tool pprof -tagfocus).
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("goroutine", "crypto")))
	for job := range p.jobs {
		p.done <- job() // never blocks: done holds CryptoJobsInFlightMax, and no more are out
	}
}

// Go starts job on a worker, or reports false when CryptoJobsInFlightMax jobs are out already. Driver
// goroutine only.
func (p *CryptoPool) Go(job CryptoJob) bool {
	if p.inFlight >= CryptoJobsInFlightMax {
		return false
	}
	p.inFlight++
	p.jobs <- job
	return true
}

// Completions delivers finished jobs' completions; the loop hands each to Driver.Finish.
func (p *CryptoPool) Completions() <-chan func() { return p.done }

// finished accounts for one completion taken from Completions. Driver goroutine only.
func (p *CryptoPool) finished() { p.inFlight-- }

// Close stops the workers after the queued jobs ran (their completions are dropped with the pool).
func (p *CryptoPool) Close() {
	close(p.jobs)
	p.workers.Wait()
}

// runCrypto starts job on the pool, or runs it here (the simulator, which needs a deterministic order, has
// no pool; a full pool degrades to this): its completion then runs in this Process round.
func (d *Driver) runCrypto(job CryptoJob) {
	if d.cfg.Crypto != nil && d.cfg.Crypto.Go(job) {
		return
	}
	d.completions = append(d.completions, job())
}

// Finish runs the completion of a job the pool ran; the caller then calls Process.
func (d *Driver) Finish(completion func()) {
	d.cfg.Crypto.finished()
	completion()
}

// runCompletions runs the completions of jobs run on the driver's goroutine.
func (d *Driver) runCompletions() {
	for len(d.completions) > 0 {
		cs := d.completions
		d.completions = nil
		for _, c := range cs {
			c()
		}
	}
}

// requestCrypto hands the core's crypto requests to the workers; each answer is a local message for Step.
func (d *Driver) requestCrypto(rd *consensus.Ready) {
	for _, req := range rd.Sign {
		d.runCrypto(func() func() {
			share := signShare(&d.cfg, req.Kind, req.View, req.Seq, req.Digest)
			return func() { d.core.Step(consensus.SignedShare(d.cfg.ID, req, share)) }
		})
	}
	for _, req := range rd.Combine {
		d.runCrypto(func() func() {
			res := combineShares(d.cfg.ChainID, d.cfg.BLSKeys, d.cfg.DecodedShares, req)
			return func() { d.core.Step(res.Message(d.cfg.ID)) }
		})
	}
}

// signShare is this replica's BLS share of kind over (view, seq, digest): the one place shares are signed
// (the core's requests and execution shares alike). Safe on any goroutine.
func signShare(cfg *DriverConfig, kind consensus.CertKind, view, seq uint64, digest [32]byte) []byte {
	return cfg.ShareKey.Sign(wire.ShareSigningBytes(cfg.ChainID, kind, view, seq, digest)).Bytes()
}

// combineShares builds the certificate a CombineRequest asks for: it aggregates the shares and checks the
// aggregate with one pairing check, and only if that fails checks the shares one by one to name the bad
// signers. Safe on any goroutine.
func combineShares(chainID string, pubs []bls.PublicKey, decoded *bls.DecodedSignatures, req consensus.CombineRequest) consensus.CombineResult {
	msg := wire.ShareSigningBytes(chainID, req.Kind, req.View, req.Seq, req.Digest)
	var bad []consensus.ReplicaID
	sigs := make([]bls.Signature, 0, len(req.Shares))
	pks := make([]bls.PublicKey, 0, len(req.Shares))
	from := make([]consensus.ReplicaID, 0, len(req.Shares))
	var signers consensus.ReplicaSet
	for _, sh := range req.Shares {
		sig, err := decoded.Decode(sh.Sig)
		if int(sh.From) >= len(pubs) || err != nil {
			bad = append(bad, sh.From)
			continue
		}
		sigs, pks, from = append(sigs, sig), append(pks, pubs[sh.From]), append(from, sh.From)
		signers.Add(sh.From)
	}
	agg := bls.Aggregate(sigs)
	if len(bad) == 0 && bls.VerifyAggregate(pks, msg, agg) {
		return consensus.CombineResult{Request: req, Cert: &consensus.Certificate{Kind: req.Kind, View: req.View,
			Seq: req.Seq, Digest: req.Digest, Signers: signers, Sig: agg.Bytes()}}
	}
	for _, i := range badShares(msg, sigs, pks, len(bad) == 0) {
		bad = append(bad, from[i])
	}
	return consensus.CombineResult{Request: req, Bad: bad}
}

// badShares names the shares among sigs (by index) that do not verify under pks, by bisection: a half whose
// aggregate verifies holds no bad share, so b bad shares among n cost about 2b*log2(n/b) pairing checks rather
// than n (one bad share from a byzantine replica at n = 209 would otherwise cost the combiner 139 of them).
// failed says the aggregate of all of them is known not to verify.
func badShares(msg []byte, sigs []bls.Signature, pks []bls.PublicKey, failed bool) []int {
	var bad []int
	var search func(lo, hi int, failed bool)
	search = func(lo, hi int, failed bool) {
		switch {
		case lo >= hi:
		case hi-lo == 1:
			if failed || !bls.Verify(pks[lo], msg, sigs[lo]) {
				bad = append(bad, lo)
			}
		case failed || !bls.VerifyAggregate(pks[lo:hi], msg, bls.Aggregate(sigs[lo:hi])):
			mid := (lo + hi) / 2
			search(lo, mid, false)
			search(mid, hi, false)
		}
	}
	search(0, len(sigs), failed)
	return bad
}

// MessageSigner signs consensus messages with a replica key, over their signing bytes on chainID.
type MessageSigner struct {
	ChainID string
	Key     ed25519.PrivateKey
}

// SignMessage implements consensus.Signer.
func (s MessageSigner) SignMessage(m *consensus.Message) []byte {
	return ed25519.Sign(s.Key, wire.MessageSigningBytes(s.ChainID, m))
}
