package sim

import (
	"github.com/anishathalye/porcupine"
	"github.com/sbftnet/sbft/replica"

	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/node"
	"github.com/sbftnet/sbft/node/byzantine"
	"github.com/sbftnet/sbft/wire"
)

const chainID = "sim-chain"

// Options of one run; zero fields are drawn from the seed.
type Options struct {
	Seed     uint64
	Replicas int // n = 3f+1
	Steps    int // ticks of the safety phase (0: 1500)
	Clients  int
	// LivenessTicks bounds the liveness phase.
	LivenessTicks int
	// Adversary, if set, makes replica AdversaryReplica (0: the first primary) byzantine with this role, and
	// no other; Colluder makes Colluders replicas (0: f), AdversaryReplica among them, a coalition.
	Adversary        Role
	AdversaryReplica int
	Colluders        int
	// Withhold makes the coalition follow the withholding strategy (withhold.go); random runs draw it.
	Withhold bool
	// NoCertificateChecker turns the certificate-validity checker off, to show what an attack wins: the
	// agreement, linearizability and state checkers must then catch its effect.
	NoCertificateChecker bool
	// CrashPerMille, if set, overrides the crash rate drawn from the seed.
	CrashPerMille int
	// Quiet turns off every random fault (delay stays, at most 2 ticks); with Outage, a scripted scenario.
	Quiet bool
	// Outage, if Until > 0, takes replica Replica down from tick From to tick Until.
	Outage Outage
	// Isolate, if Until > 0, cuts replica Replica off from the other replicas (not from clients) from tick
	// From to tick Until.
	Isolate Outage
	// CheckpointInterval is every replica's checkpoint interval (0: CheckpointIntervalDefault).
	CheckpointInterval int
}

// CheckpointIntervalDefault is the simulator's checkpoint interval: short, so a run of a few hundred ticks
// reaches several stable checkpoints and moves its window (production uses 150, the genesis default).
const CheckpointIntervalDefault = 10

// Outage is a scripted crash of one replica.
type Outage struct {
	Replica     int
	From, Until uint64
}

// Faults is the fault schedule drawn from the seed.
type Faults struct {
	LossPct, DupPct   int
	DelayMaxTicks     int
	CrashPerMille     int // chance per tick that a replica crashes (while the faulty stay at most f)
	DownTicksMax      int
	PartitionPerMille int // chance per tick that a replica is cut off (symmetric or one way)
	Byzantine         []string
	Slow              int // replica whose links have extra delay (-1: none)
	TickPeriods       []int
}

// Result is a run's verdict.
type Result struct {
	Seed       uint64
	N, F, C    int
	Faults     Faults
	Crashes    int
	Partitions int
	// Commits on each path by the first primary: during the outage and after it (Outage runs only).
	FastDuringOutage, SlowDuringOutage, FastAfterOutage uint64
	Submitted                                           int
	Acked                                               int
	ProvenAcks                                          int // acknowledged on an execution proof
	ForgedProofs                                        int // forged proven replies the coalition sent clients
	ProvenReads                                         int // proven reads from correct replicas clients accepted
	ForgedReads                                         int // forged proven reads the coalition gave clients
	ForgedBlocks                                        int // blocks of other batches the coalition served the client node
	FollowerHeight                                      uint64
	Height                                              uint64
	View                                                uint64   // highest view a correct replica reached
	StateTransfers                                      int      // state transfers started by correct replicas
	StableCheckpoint                                    uint64   // highest stable checkpoint of a correct replica
	Views                                               []uint64 // final view of each replica (0 if byzantine or down)
	ViewsActive                                         []bool   // ... and whether it had started
	Trace                                               [32]byte
	Violations                                          []string
}

// OK reports whether no checker failed.
func (r *Result) OK() bool { return len(r.Violations) == 0 }

func (r *Result) String() string {
	verdict := "PASS"
	if !r.OK() {
		verdict = "FAIL: " + strings.Join(r.Violations, "; ")
	}
	fl := r.Faults
	return fmt.Sprintf("seed %d n=%d f=%d c=%d faults{loss %d%% dup %d%% delay<=%d crash %d‰ down<=%d partition %d‰ byzantine %v slow %d tick periods %v} crashes %d partitions %d submitted %d acked %d height %d view %d stable %d trace %x: %s",
		r.Seed, r.N, r.F, r.C, fl.LossPct, fl.DupPct, fl.DelayMaxTicks, fl.CrashPerMille, fl.DownTicksMax,
		fl.PartitionPerMille, fl.Byzantine, fl.Slow, fl.TickPeriods, r.Crashes, r.Partitions, r.Submitted, r.Acked,
		r.Height, r.View, r.StableCheckpoint, r.Trace[:8], verdict)
}

type envelope struct {
	at       uint64
	id       uint64 // tie-break: send order
	from, to uint32
	frame    []byte
}

type simReplica struct {
	adv     *adversary // nil: honest
	cutOff  [2]bool    // partitioned: [0] outgoing blocked, [1] incoming blocked
	healAt  uint64
	period  int // ticks once every period steps (clock skew)
	store   *chain.MemStore
	driver  *replica.Driver
	input   node.Input // the driver, or the censoring mode's decorator of it
	down    bool
	upAt    uint64
	txsSeen map[[32]byte]uint64 // tx hash -> height, executed-at-most-once check
	sync    *simSync            // a state transfer under way
	// syncAsked: a Ready asked for a state transfer since the last step (the simulator starts transfers
	// between steps, in maybeSync).
	syncAsked bool
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
	coal     *coalition   // the colluding byzantine replicas (nil: none)
	certs    *certChecker // the certificate-validity checker
	observed []byte       // the frame certs saw last (a broadcast is one frame to many)
	reps     []*simReplica
	net      []envelope
	sent     uint64
	blocks   map[uint64][32]byte // height -> block hash, as first seen by any replica
	checked  map[[32]byte]error  // verification verdicts by sha256(from, frame): a broadcast is checked once
	// the first primary's commit counters when the scripted outage began (and then ended)
	outageFast, outageSlow uint64
	trace                  []byte
	clients                []*simClient
	follower               *simFollower          // a client node, in runs with a coalition (nil: none)
	history                []porcupine.Operation // completed operations on shared keys
	issued                 map[[32]byte]bool     // every transaction a client submitted
	events                 int64                 // logical clock of calls and returns
	res                    *Result
	log                    *slog.Logger
}

// Run executes one seeded simulation.
func Run(opts Options) (res *Result) {
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5bf03635f0b7a3c1))
	if opts.Replicas == 0 {
		opts.Replicas = []int{4, 4, 7, 6}[rng.IntN(4)]
	}
	if opts.Steps == 0 {
		opts.Steps = 1500
	}
	if opts.Clients == 0 {
		opts.Clients = 1 + rng.IntN(3)
	}
	if opts.LivenessTicks == 0 {
		opts.LivenessTicks = 3000
	}
	if opts.CheckpointInterval == 0 {
		opts.CheckpointInterval = CheckpointIntervalDefault
	}
	f, c := (opts.Replicas-1)/3, 0
	if opts.Replicas == 6 {
		f, c = 1, 1 // the seed system's (n=6, f=1, c=1) configuration
	}
	w := &world{opts: opts, rng: rng, n: opts.Replicas, f: f, c: c,
		blocks: map[uint64][32]byte{}, checked: map[[32]byte]error{}, issued: map[[32]byte]bool{}, log: slog.New(slog.DiscardHandler)}
	w.faults = Faults{LossPct: rng.IntN(20), DupPct: rng.IntN(10), DelayMaxTicks: 1 + rng.IntN(8),
		CrashPerMille: rng.IntN(8), DownTicksMax: 20 + rng.IntN(200), PartitionPerMille: rng.IntN(6), Slow: -1}
	if opts.CrashPerMille > 0 {
		w.faults.CrashPerMille = opts.CrashPerMille
	}
	if opts.Quiet {
		w.faults = Faults{DelayMaxTicks: 2, Slow: -1}
	}
	w.res = &Result{Seed: opts.Seed, N: w.n, F: w.f, C: w.c}
	w.certs = newCertChecker(w)
	defer func() {
		if p := recover(); p != nil {
			w.violate("panic: %v", p)
			w.res.Faults = w.faults
			res = w.res
		}
	}()
	w.setup()
	w.res.Faults = w.faults
	w.safetyPhase()
	w.livenessPhase()
	w.finalChecks()
	w.checkLinearizable()

	w.res.Trace = sha256.Sum256(w.trace)
	return w.res
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// windowSeqs is the replicas' work window above their last stable checkpoint.
func (w *world) windowSeqs() uint64 { return 2 * uint64(w.opts.CheckpointInterval) }

func (w *world) violate(format string, args ...any) {
	if len(w.res.Violations) < 10 {
		w.res.Violations = append(w.res.Violations, fmt.Sprintf("t=%d ", w.now)+fmt.Sprintf(format, args...))
	}
}

func (w *world) setup() {
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
	for i := 0; i < w.n; i++ {
		r := &simReplica{store: chain.NewMemStore(), txsSeen: map[[32]byte]uint64{}, period: 1 + w.rng.IntN(3)}
		if w.opts.Quiet {
			r.period = 1
		}
		w.faults.TickPeriods = append(w.faults.TickPeriods, r.period)
		w.reps = append(w.reps, r)
	}
	for _, i := range w.pickByzantine() {
		role := Role(1 + w.rng.IntN(int(Colluder)-1))
		if w.coal != nil {
			role = Colluder
		} else if w.opts.Adversary != Honest {
			role = w.opts.Adversary
		}
		w.reps[i].adv = &adversary{w: w, id: uint32(i), role: role, key: w.keys[i], blsKey: w.blsKeys[i], active: true}
		w.faults.Byzantine = append(w.faults.Byzantine, w.reps[i].adv.String())
	}
	if w.coal != nil && w.coal.withhold {
		w.faults.Byzantine = append(w.faults.Byzantine, "withholding")
	}
	if w.rng.IntN(3) == 0 {
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

// pickByzantine draws the byzantine replicas: none in a quiet run, the one Options name, a coalition of f
// (a third of the runs, or when Options ask for colluders; the first primary among them half the time), or up
// to f replicas with roles of their own.
func (w *world) pickByzantine() []int {
	switch {
	case w.opts.Quiet && w.opts.Adversary == Honest:
		return nil
	case w.opts.Adversary == Colluder || (w.opts.Adversary == Honest && w.f > 0 && w.rng.IntN(3) == 0):
		perm := w.rng.Perm(w.n)
		first := w.opts.AdversaryReplica
		if w.opts.Adversary != Colluder && w.rng.IntN(2) == 0 {
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
		w.coal = newCoalition(w, members, w.opts.Withhold || (w.opts.Adversary != Colluder && w.rng.IntN(2) == 0))
		return byz
	case w.opts.Adversary != Honest:
		return []int{w.opts.AdversaryReplica}
	}
	return w.rng.Perm(w.n)[:w.rng.IntN(w.f+1)]
}

// transport is one replica's view of the simulated network.
type transport struct {
	w    *world
	from uint32
}

func (t transport) Send(to uint32, frame []byte) bool { t.w.send(t.from, to, frame); return true }
func (t transport) Broadcast(frame []byte) {
	for to := 0; to < t.w.n; to++ {
		if uint32(to) != t.from {
			t.w.send(t.from, uint32(to), frame)
		}
	}
}

// send puts a frame on the simulated wire, through the sender's adversary if it is byzantine.
func (w *world) send(from, to uint32, frame []byte) {
	if adv := w.reps[from].adv; adv != nil {
		for _, f := range adv.rewrite(to, frame) {
			w.enqueue(from, to, f)
		}
		return
	}
	w.enqueue(from, to, frame)
}

func (w *world) enqueue(from, to uint32, frame []byte) {
	if len(frame) > 0 && (len(w.observed) != len(frame) || &w.observed[0] != &frame[0]) {
		w.observed = frame
		w.certs.observe(from, frame)
	}
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
		if w.coal != nil && w.coal.withhold && w.reps[from].adv == nil {
			at += w.coal.withholdDelay(from, to, frame)
		}
		if int(from) == w.faults.Slow || int(to) == w.faults.Slow {
			at += uint64(w.rng.IntN(4 * w.faults.DelayMaxTicks))
		}
		w.net = append(w.net, envelope{at: at, id: w.sent, from: from, to: to, frame: frame})
	}
}

// boot (re)starts replica i from its store, as a restarted process would.
func (w *world) boot(i uint32) {
	r := w.reps[i]
	r.store.Reopen()
	var byz byzantine.Mode
	if r.adv != nil && r.adv.role == Censor {
		byz.CensorClient = (*[32]byte)(clientKey(w, 0).Public().(ed25519.PublicKey))
	}
	d, err := replica.NewDriver(replica.DriverConfig{
		ChainID: chainID, ID: i, N: w.n, F: w.f, C: w.c, Signer: replica.MessageSigner{ChainID: chainID, Key: w.keys[i]},
		ShareKey: w.blsKeys[i], BLSKeys: w.blsPubs,
		Consensus: node.DefaultConfig().Consensus, CheckpointInterval: w.opts.CheckpointInterval, Store: r.store, Transport: transport{w: w, from: i},
		Logger: w.log, OnBlock: func(b *chain.Block, rs []chain.Result) { w.onBlock(i, b, rs) },
	})
	if err != nil {
		w.violate("replica %d cannot restart: %v", i, err)
		r.down = true
		return
	}
	r.driver, r.input, r.down = d, byz.Input(d), false
}

func (w *world) onBlock(i uint32, b *chain.Block, results []chain.Result) {
	if w.reps[i].adv != nil {
		if w.coal != nil && w.coal.member(i) {
			w.coal.onMemberBlock(b, results)
		}
		return // the checkers speak of correct replicas only
	}
	w.agree(i, b)
	w.certs.checkBlockCert(i, w.reps[i].store, b)
	r := w.reps[i]
	for k, tx := range b.Txs {
		th := chain.TxHash(tx)
		if !w.issued[th] {
			w.violate("linearizability: replica %d executed tx %x that no client submitted", i, th[:4])
		}
		// A view change may order a request twice (a new primary that never saw a batch it re-proposes
		// cannot tell its requests apart); the second copy must be refused as a replay.
		if at, ok := r.txsSeen[th]; ok && at != b.Header.Height && results[k].Code != chain.CodeReplayedNonce && results[k].Code != chain.CodeStaleNonce {
			w.violate("linearizability: replica %d executed tx %x at heights %d and %d", i, th[:4], at, b.Header.Height)
		}
		if _, ok := r.txsSeen[th]; !ok {
			r.txsSeen[th] = b.Header.Height
		}
	}
	w.trace = binary.BigEndian.AppendUint32(w.trace, i)
	h := b.Header.Hash()
	w.trace = append(w.trace, h[:]...)
}

// agree is the agreement checker: no two correct replicas (nor one before and after a restart or a state
// transfer) hold different blocks at one height.
func (w *world) agree(i uint32, b *chain.Block) {
	h := b.Header.Hash()
	if prev, ok := w.blocks[b.Header.Height]; ok && prev != h {
		w.violate("agreement: replica %d holds block %x at height %d, another replica %x", i, h[:4], b.Header.Height, prev[:4])
	}
	w.blocks[b.Header.Height] = h
}

// step advances the world one tick.
func (w *world) step(faults bool) {
	w.now++
	w.scriptedOutage()
	if o := w.opts.Isolate; o.Until > 0 && w.now == o.From {
		r := w.reps[o.Replica]
		r.cutOff, r.healAt = [2]bool{true, true}, o.Until
	}
	w.deliver()
	for i, r := range w.reps {
		if r.down {
			if w.now >= r.upAt {
				w.boot(uint32(i))
			}
			continue
		}
		if w.now%uint64(r.period) == 0 {
			r.driver.Tick()
			w.process(uint32(i))
		}
		if r.adv == nil {
			w.maybeSync(i)
		}
		if (r.cutOff[0] || r.cutOff[1]) && w.now >= r.healAt {
			r.cutOff = [2]bool{}
		}
	}
	for _, c := range w.clients {
		c.tick()
	}
	if w.follower != nil {
		w.follower.tick()
	}
	if w.now%50 == 0 {
		w.checkStableCheckpoints()
	}
	if faults {
		w.maybeCrash()
		w.maybePartition()
	}
}

func (w *world) process(i uint32) {
	transfer, err := w.reps[i].driver.Process()
	if err != nil {
		w.violate("replica %d failed: %v", i, err)
	}
	w.reps[i].syncAsked = w.reps[i].syncAsked || transfer
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
		m, err := w.verify(e.from, e.frame)
		if err != nil {
			if w.reps[e.from].adv == nil {
				w.violate("honest replica %d sent an invalid message: %v", e.from, err)
			}
			continue
		}
		if r.adv != nil && r.adv.role == Colluder {
			w.coal.observe(e.to, m)
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
}

func (w *world) safetyPhase() {
	for t := 0; t < w.opts.Steps; t++ {
		w.step(true)
	}
}

// livenessPhase heals the network and the crashed replicas and requires progress.
func (w *world) livenessPhase() {
	w.faults.LossPct, w.faults.DupPct = 0, 0
	for _, r := range w.reps {
		r.cutOff = [2]bool{} // byzantine replicas stay byzantine: view changes replace a faulty primary
	}
	for _, c := range w.clients {
		c.stopSubmitting()
	}
	for t := 0; t < w.opts.LivenessTicks; t++ {
		w.step(false)
		if w.settled() {
			return
		}
	}
	for _, c := range w.clients {
		if len(c.pending) > 0 {
			w.violate("liveness: client %d has %d unacknowledged transactions after %d healed ticks", c.id, len(c.pending), w.opts.LivenessTicks)
		}
	}
	w.violate("liveness: replicas did not converge (heights %v)", w.heights())
}

func (w *world) heights() []uint64 {
	var hs []uint64
	for _, r := range w.reps {
		switch {
		case r.adv != nil:
		case r.down:
			hs = append(hs, 0)
		default:
			hs = append(hs, r.driver.App().LastHeader().Height)
		}
	}
	return hs
}

func (w *world) settled() bool {
	for _, c := range w.clients {
		if len(c.pending) > 0 {
			return false
		}
	}
	hs := w.heights()
	for _, h := range hs {
		if h != hs[0] {
			return false
		}
	}
	for _, r := range w.reps {
		if r.down {
			return false
		}
	}
	return true
}

// checkStableCheckpoints checks the stable checkpoint certificate each correct replica stored.
func (w *world) checkStableCheckpoints() {
	for i, r := range w.reps {
		if r.adv != nil || r.down {
			continue
		}
		if p, err := node.ReadStableCheckpoint(r.store); err == nil {
			cert := p.Certificate(chainID)
			w.certs.requireValid(uint32(i), "stored a stable checkpoint", &cert)
		}
	}
}

func (w *world) finalChecks() {
	w.checkStableCheckpoints()
	for i, r := range w.reps {
		if r.adv == nil && !r.down {
			w.checkStateRoot(i)
		}
	}
	if w.follower != nil {
		w.follower.finalCheck()
		w.res.FollowerHeight = w.follower.app.LastHeader().Height
	}
	hs := w.heights()
	w.res.Height = slices.Max(hs)
	for _, r := range w.reps {
		var st replica.Status
		if r.adv == nil && !r.down {
			st = r.driver.Status()
			w.res.View = max(w.res.View, st.View)
			w.res.StableCheckpoint = max(w.res.StableCheckpoint, st.LastStableCheckpoint)
		}
		w.res.Views = append(w.res.Views, st.View)
		w.res.ViewsActive = append(w.res.ViewsActive, st.ViewActive)
	}
	for _, c := range w.clients {
		w.res.Submitted += c.submitted
		w.res.Acked += len(c.acked) + c.sharedAcked
		w.res.ProvenAcks += c.provenAcks
		w.res.ProvenReads += c.provenReads
		for key, val := range c.acked {
			for i, r := range w.reps {
				// A replica below the others is the liveness checker's (it reported that); it is not wrong.
				if r.down || r.adv != nil || r.driver.App().LastHeader().Height < w.res.Height {
					continue
				}
				v, _, found, err := r.driver.App().Get([]byte(key))
				if err != nil || !found || string(v) != val {
					w.violate("linearizability: acknowledged write %s=%s missing on replica %d (found %v, %q)", key, val, i, found, v)
				}
			}
		}
	}
}

// replyWaiter routes a replica's reply to its client.
type replyWaiter struct {
	c       *simClient
	replica uint32
}

func (rw replyWaiter) Deliver(r *wire.Reply) {
	if co := rw.c.w.coal; co != nil && co.member(rw.replica) {
		co.answer(rw.replica, rw.c, r) // a colluder's answers are the coalition's
		return
	}
	rw.c.onReply(rw.replica, r)
}
