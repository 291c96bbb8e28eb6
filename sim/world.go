package sim

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/node"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/sim/adversary"
	"github.com/sbftnet/sbft/sim/check"
	"github.com/sbftnet/sbft/wire"
)

const chainID = "sim-chain"

type simReplica struct {
	adv    *adversary.Adversary // nil: honest
	cutOff [2]bool              // partitioned: [0] outgoing blocked, [1] incoming blocked
	healAt uint64
	period int // ticks once every period steps (clock skew)
	store  *chain.MemStore
	driver *replica.Driver
	input  replica.Input // the driver, or its adversary's decorator of it
	down   bool
	upAt   uint64
	sync   *simSync // a state transfer under way
	// traffic counts its frames to and from other replicas over the whole run, across restarts.
	traffic *replica.Traffic
	// syncAsked: a Ready asked for a state transfer since the last step (the simulator starts transfers
	// between steps, in maybeSync).
	syncAsked bool
}

// The replica's node as its adversary reads it (adversary.Node).

func (r *simReplica) LastHeader() chain.Header { return r.driver.App().LastHeader() }

func (r *simReplica) ProvenRead(key []byte) (*wire.ProvenRead, error) {
	return r.driver.ProvenRead(key)
}

func (r *simReplica) StoredBlock(h uint64) (*chain.Block, []byte, bool) {
	return storedBlock(r.store, h)
}

type world struct {
	opts     Options
	faults   Faults
	rng      *rand.Rand
	n, f, c  int // n = 3f+2c+1
	now      uint64
	keys     []ed25519.PrivateKey
	pubs     []ed25519.PublicKey
	blsKeys  []*bls.SecretKey
	blsPubs  []bls.PublicKey
	verifier *replica.Verifier
	advCfg   *adversary.Config
	coal     *adversary.Coalition // the colluding byzantine replicas (nil: none)
	obs      check.Observer       // the checkers
	reps     []*simReplica
	net      []envelope
	sent     uint64
	checked  map[[32]byte]error // verification verdicts by sha256(from, frame): a broadcast is checked once
	// txsChecked: client transactions whose signature the replicas' intake check verified (replica.IntakeChecker)
	txsChecked *replica.FIFOSet
	// the first primary's commit counters when the scripted outage began (and then ended)
	outageFast, outageSlow uint64
	trace                  []byte
	clients                []*simClient
	follower               *simFollower // a client node, in runs with a coalition (nil: none)
	events                 int64        // logical clock of client calls and returns
	res                    *Result
	log                    *slog.Logger
	decodedShares          *bls.DecodedSignatures // every replica's BLS share decodings: broadcast shares are decoded once
}

// Run executes one seeded simulation.
func Run(opts Options) (res *Result) {
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5bf03635f0b7a3c1))
	if opts.Replicas == 0 {
		opts.Replicas = SwarmReplicas[rng.IntN(len(SwarmReplicas))]
	}
	if opts.Steps == 0 {
		opts.Steps = stepsDefault(opts.Replicas)
	}
	if opts.Clients == 0 {
		opts.Clients = 1 + rng.IntN(3)
	}
	if opts.LivenessTicks == 0 {
		opts.LivenessTicks = 3000
	}
	if opts.CheckpointInterval == 0 {
		opts.CheckpointInterval = checkpointIntervalDefault(opts.Replicas)
	}
	f, c := (opts.Replicas-1)/3, 0
	if opts.Replicas == 6 {
		f, c = 1, 1 // the seed system's (n=6, f=1, c=1) configuration
	}
	w := &world{opts: opts, rng: rng, n: opts.Replicas, f: f, c: c, checked: map[[32]byte]error{}, decodedShares: bls.NewDecodedSignatures(),
		txsChecked: replica.NewFIFOSet(replica.VerifiedTxCacheMax), log: slog.New(slog.DiscardHandler)}
	w.faults = Faults{LossPct: rng.IntN(20), DupPct: rng.IntN(10), DelayMaxTicks: 1 + rng.IntN(8),
		CrashPerMille: rng.IntN(8), DownTicksMax: 20 + rng.IntN(200), PartitionPerMille: rng.IntN(6), Slow: -1}
	if opts.CrashPerMille > 0 {
		w.faults.CrashPerMille = opts.CrashPerMille
	}
	if opts.Quiet {
		w.faults = Faults{DelayMaxTicks: 2, Slow: -1}
	}
	w.res = &Result{Seed: opts.Seed, N: w.n, F: w.f, C: w.c}
	defer func() {
		if p := recover(); p != nil {
			w.violate("panic: %v", p)
			w.res.Faults = w.faults
			res = w.res
		}
		if w.coal != nil {
			forged := w.coal.Forged()
			w.res.ForgedProofs, w.res.ForgedReads, w.res.ForgedBlocks = forged.Proofs, forged.Reads, forged.Blocks
		}
	}()
	w.setup()
	w.res.Faults = w.faults
	w.safetyPhase()
	w.livenessPhase()
	w.finalChecks()
	w.res.Traffic = w.trafficReport()

	w.res.Trace = sha256.Sum256(w.trace)
	return w.res
}

// windowSeqs is the replicas' work window above their last stable checkpoint.
func (w *world) windowSeqs() uint64 { return 2 * uint64(w.opts.CheckpointInterval) }

func (w *world) violate(format string, args ...any) {
	if len(w.res.Violations) < 10 {
		w.res.Violations = append(w.res.Violations, fmt.Sprintf("t=%d ", w.now)+fmt.Sprintf(format, args...))
	}
}

func (w *world) setup() {
	w.makeKeys()
	w.obs = check.New(check.Config{ChainID: chainID, N: w.n, F: w.f, C: w.c, Window: w.windowSeqs(), Pubs: w.pubs,
		BLSPubs: w.blsPubs, NoCertificates: w.opts.NoCertificateChecker, Violate: w.violate})
	w.advCfg = &adversary.Config{ChainID: chainID, N: w.n, F: w.f, C: w.c, Window: w.windowSeqs(),
		ClientResendTicks: resendTicks, Censored: [32]byte(clientKey(w, 0).Public().(ed25519.PublicKey)), Rand: w.rng}
	for i := 0; i < w.n; i++ {
		r := &simReplica{store: chain.NewMemStore(), period: 1 + w.rng.IntN(3),
			traffic: replica.NewTraffic(uint32(i), w.n, w.c, nil)}
		if w.opts.Quiet {
			r.period = 1
		}
		w.faults.TickPeriods = append(w.faults.TickPeriods, r.period)
		w.reps = append(w.reps, r)
	}
	for _, i := range w.pickByzantine() {
		role := adversary.Role(1 + w.rng.IntN(int(adversary.Colluder)-1))
		if w.coal != nil {
			role = adversary.Colluder
		} else if w.opts.Adversary != adversary.Honest {
			role = w.opts.Adversary
		}
		keys := adversary.Keys{Sign: w.keys[i], Share: w.blsKeys[i]}
		w.reps[i].adv = adversary.New(w.advCfg, uint32(i), role, keys, w.reps[i], w.coal)
		w.faults.Byzantine = append(w.faults.Byzantine, w.reps[i].adv.String())
	}
	if w.coal != nil && w.coal.Withholding() {
		w.faults.Byzantine = append(w.faults.Byzantine, "withholding")
	}
	if w.rng.IntN(3) == 0 && !w.opts.Quiet {
		w.faults.Slow = w.rng.IntN(w.n)
	}
	for i := 0; i < w.n; i++ {
		w.boot(uint32(i))
	}
	for c := 0; c < w.opts.Clients; c++ {
		w.clients = append(w.clients, newSimClient(w, c))
	}
	if w.coal != nil {
		w.follower = newSimFollower(w)
	}
}

// makeKeys derives every replica's keys from the seed, and the world's verifier.
func (w *world) makeKeys() {
	for i := 0; i < w.n; i++ {
		seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("replica"), w.opts.Seed+uint64(i)))
		k := ed25519.NewKeyFromSeed(seed[:])
		w.keys = append(w.keys, k)
		w.pubs = append(w.pubs, k.Public().(ed25519.PublicKey))
		bk, err := bls.KeyFromSeed(seed[:])
		if err != nil {
			panic(err)
		}
		w.blsKeys = append(w.blsKeys, bk)
		w.blsPubs = append(w.blsPubs, bk.PublicKey())
	}
	w.verifier = replica.NewVerifier(chainID, w.pubs, w.blsPubs, w.f, w.c, replica.NewFIFOSet(1<<16))
}

// pickByzantine draws the byzantine replicas: none in a quiet run, the one Options name, a coalition of f
// (a third of the runs, or when Options ask for colluders; the first primary among them half the time), or up
// to f replicas with roles of their own.
func (w *world) pickByzantine() []int {
	switch {
	case w.opts.Quiet && w.opts.Adversary == adversary.Honest:
		return nil
	case w.opts.Adversary == adversary.Colluder || (w.opts.Adversary == adversary.Honest && w.f > 0 && w.rng.IntN(3) == 0):
		perm := w.rng.Perm(w.n)
		first := w.opts.AdversaryReplica
		if w.opts.Adversary != adversary.Colluder && w.rng.IntN(2) == 0 {
			first = perm[0]
		}
		size := w.f
		if w.opts.Colluders > 0 {
			size = min(w.opts.Colluders, w.f)
		}
		byz := []int{first}
		for _, i := range perm {
			if len(byz) < size && i != first {
				byz = append(byz, i)
			}
		}
		members := make([]uint32, len(byz))
		for k, i := range byz {
			members[k] = uint32(i)
		}
		slices.Sort(members)
		withhold := w.opts.Withhold || (w.opts.Adversary != adversary.Colluder && w.rng.IntN(2) == 0)
		w.coal = adversary.NewCoalition(w.advCfg, w, members, withhold)
		return byz
	case w.opts.Adversary != adversary.Honest:
		return []int{w.opts.AdversaryReplica}
	}
	return w.rng.Perm(w.n)[:w.rng.IntN(w.f+1)]
}

// simConsensusConfig is a replica's default but with two batches of at most consensus.BatchRequestsDefault
// in flight, as the production default was until one machine's benchmarks chose one of BatchRequestsCap: two
// in flight interleave more (slots overtaking each other through view changes), which is what the simulator is
// for, and keep the seeds it found and the heights its scenarios expect.
func simConsensusConfig() replica.ConsensusConfig {
	cc := node.DefaultConfig().Consensus
	cc.InFlightSeqsMax, cc.BatchRequestsMax = 2, consensus.BatchRequestsDefault
	return cc
}

// boot (re)starts replica i from its store, as a restarted process would; a byzantine replica's adversary
// decorates its transport and its input.
func (w *world) boot(i uint32) {
	r := w.reps[i]
	r.store.Reopen()
	var tr replica.Transport = transport{w: w, from: i}
	if r.adv != nil {
		tr = r.adv.Transport(tr)
	}
	d, err := replica.NewDriver(replica.DriverConfig{
		ChainID: chainID, ID: i, N: w.n, F: w.f, C: w.c, Signer: replica.MessageSigner{ChainID: chainID, Key: w.keys[i]},
		ShareKey: w.blsKeys[i], BLSKeys: w.blsPubs,
		Consensus: simConsensusConfig(), CheckpointInterval: w.opts.CheckpointInterval, Store: r.store, Transport: tr,
		Logger: w.log, OnBlock: func(b *chain.Block, rs []chain.Result) { w.onBlock(i, b, rs) },
		Traffic: r.traffic, DecodedShares: w.decodedShares,
	})
	if err != nil {
		w.violate("replica %d cannot restart: %v", i, err)
		r.down = true
		return
	}
	r.driver, r.input, r.down = d, d, false
	if r.adv != nil {
		r.input = r.adv.Input(d)
	}
}

// onBlock shows the checkers a block a correct replica executed, and adds it to the trace; a byzantine
// replica's go to its adversary (the checkers speak of correct replicas only).
func (w *world) onBlock(i uint32, b *chain.Block, results []chain.Result) {
	r := w.reps[i]
	if r.adv != nil {
		r.adv.OnBlock(b, results)
		return
	}
	w.obs.Executed(i, r.store, b, results)
	w.trace = binary.BigEndian.AppendUint32(w.trace, i)
	h := b.Header.Hash()
	w.trace = append(w.trace, h[:]...)
}
