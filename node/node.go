package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	rpprof "runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/buildinfo"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/store"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// Options are what a replica is started with.
type Options struct {
	Home       string
	Config     *Config
	Genesis    *genesis.Genesis
	Key        ed25519.PrivateKey
	ShareKey   *bls.SecretKey        // BLS key for certificate shares
	ExtraPeers []multiaddr.Multiaddr // `--peer` multiaddrs
	Logger     *slog.Logger
	// Recover starts a replica whose store lost what it had signed and acknowledged (replica.ErrRolledBack), to catch
	// up from the others: `sbft start --recover`.
	Recover bool
}

// Node is a running replica.
type Node struct {
	opts      Options
	log       *slog.Logger
	id        uint32
	store     chain.Store
	host      *p2p.Host
	gossip    *p2p.Gossip
	announcer *announcer
	seams     seams         // what the replica sends, takes in and serves through
	input     replica.Input // the driver, or a test build's decorator of it (seams.input)
	peers     []peer.ID     // replica peer IDs by index

	// State transfer (transfer.go): at most one at a time.
	syncing        atomic.Bool
	stateTransfers atomic.Uint64
	syncProgress   atomic.Pointer[bsync.Progress]
	lastTransfer   atomic.Pointer[replica.SyncStatus]
	transfers      chan *transfer
	metrics        *replica.Metrics
	driver         *replica.Driver
	crypto         *replica.CryptoPool // BLS work off the loop goroutine
	verifier       *replica.Verifier
	txsChecked     *replica.FIFOSet    // client transactions whose signature was checked (shared with the verifier and driver)
	badSigs        *failureBudget      // per client peer (peerbudget.go)
	txRate         *rateBudget         // per client peer (peerbudget.go)
	subscribers    atomic.Int64        // block subscriptions served (subscribe.go)
	mark           *replica.SignedMark // how far this replica promised, beside the store (mark.go)
	duplicate      atomic.Bool         // another process uses this replica's key (identity.go)
	registry       *prometheus.Registry

	inbound    chan *consensus.Message
	unverified chan replica.Intake
	intake     chan replica.Intake
	reads      chan *readJob // proven reads for the loop (reads.go)
	done       chan struct{}
}

// New opens the store, restores the replica and creates its libp2p host. Run starts it.
func New(opts Options) (*Node, error) {
	g, cfg := opts.Genesis, opts.Config
	id, ok := g.IndexOf(opts.Key.Public().(ed25519.PublicKey))
	if !ok {
		return nil, fmt.Errorf("%w: this key is not a replica of chain %s", ErrConfig, g.ChainID)
	}
	if g.CheckpointInterval < consensus.CheckpointIntervalSeqsMin || g.CheckpointInterval > consensus.CheckpointIntervalSeqsMax {
		return nil, fmt.Errorf("%w: genesis checkpoint_interval %d not in [%d,%d]", ErrConfig, g.CheckpointInterval,
			consensus.CheckpointIntervalSeqsMin, consensus.CheckpointIntervalSeqsMax)
	}
	if opts.ShareKey == nil || !bytes.Equal(opts.ShareKey.PublicKey().Bytes(), g.BLSPublicKeys()[id].Bytes()) {
		return nil, fmt.Errorf("%w: the BLS key does not match replica %d's in the genesis", ErrConfig, id)
	}
	n := &Node{opts: opts, log: opts.Logger.With("replica", id), id: id,
		inbound: make(chan *consensus.Message, InboundMessagesMax), intake: make(chan replica.Intake, IntakeQueueMax),
		unverified: make(chan replica.Intake, UnverifiedQueueMax), reads: make(chan *readJob, ReadsQueuedMax), badSigs: newFailureBudget(), txRate: newRateBudget(),
		done: make(chan struct{})}
	var reg prometheus.Registerer
	n.registry, reg = buildinfo.NewRegistry(opts.Genesis.ChainID)
	var err error
	dataDir := Resolve(opts.Home, cfg.DataDir)
	if n.store, err = store.OpenPebble(dataDir, n.log); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := chain.BindNetwork(n.store, g.ChainID, g.ID()); err != nil {
		n.store.Close()
		return nil, fmt.Errorf("%w; %s: start with the genesis it was made for, or wipe it (the key stays) to join this network", err, dataDir)
	}
	if n.mark, err = replica.OpenSignedMark(filepath.Join(dataDir, replica.SignedMarkFile)); err != nil {
		n.store.Close()
		return nil, err
	}
	n.txsChecked = replica.NewFIFOSet(replica.VerifiedTxCacheMax)
	n.verifier = replica.NewVerifier(g.ChainID, g.PublicKeys(), g.BLSPublicKeys(), g.F, g.C, n.txsChecked)
	if n.host, err = newHost(opts, reg, n.log); err != nil {
		n.closeStore()
		return nil, err
	}
	reps, err := g.P2PReplicas()
	if err != nil {
		n.host.Close()
		n.closeStore()
		return nil, err
	}
	for _, r := range reps {
		n.peers = append(n.peers, r.ID)
	}
	n.transfers = make(chan *transfer, 1)
	n.metrics = replica.NewMetrics(reg)
	if n.gossip, err = n.host.StartGossip(); err != nil {
		n.host.Close()
		n.closeStore()
		return nil, err
	}
	n.announcer = &announcer{queue: make(chan []byte, AnnounceQueueMax)}
	n.crypto = replica.NewCryptoPool()
	err = n.newDriver()
	if err == nil {
		err = n.joinCheckpointGossip()
	}
	if err != nil {
		n.host.Close()
		n.closeStore()
		return nil, err
	}
	return n, nil
}

// seams are where a replica meets the others: what it sends them, what takes their messages in, what it serves
// them. New wires them honest and hands them once to misbehave, where a test build (tag byzantine,
// byzantine_on.go) decorates them: no production path asks whether the replica misbehaves.
type seams struct {
	transport replica.Transport
	announcer replica.Announcer
	input     func(*replica.Driver) replica.Input     // what stands before the driver (itself, when honest)
	blocks    func(peer.ID, []byte) ([][]byte, error) // the blocks protocol's server (transfer.go)
	subscribe func(p2p.Session)                       // the subscription protocol's server (subscribe.go)
}

// newDriver creates the driver on the replica's seams.
func (n *Node) newDriver() error {
	g, cfg := n.opts.Genesis, n.opts.Config
	s := seams{transport: n.host, announcer: n.announcer, input: func(d *replica.Driver) replica.Input { return d },
		blocks: bsync.BlocksHandler(n.store), subscribe: n.serveSubscribe}
	if err := n.misbehave(&s); err != nil {
		return err
	}
	d, err := replica.NewDriver(replica.DriverConfig{
		ChainID: g.ChainID, ID: n.id, N: g.N(), F: g.F, C: g.C, Signer: n.signer(),
		ShareKey: n.opts.ShareKey, BLSKeys: g.BLSPublicKeys(),
		Consensus: cfg.Consensus, CheckpointInterval: int(g.CheckpointInterval), TickInterval: cfg.TickInterval(),
		Store: n.store, Transport: s.transport, Logger: n.log,
		Metrics: n.metrics, VerifiedTxs: n.txsChecked, Crypto: n.crypto, Mark: n.mark, Recover: n.opts.Recover,
		Announcer: s.announcer,
	})
	if err != nil {
		return err
	}
	n.driver, n.input, n.seams = d, s.input(d), s
	return nil
}

// signer signs this replica's consensus messages.
func (n *Node) signer() replica.MessageSigner {
	return replica.MessageSigner{ChainID: n.opts.Genesis.ChainID, Key: n.opts.Key}
}

// registerProtocols has every service register the protocols it answers, once the mesh runs.
func (n *Node) registerProtocols() {
	n.registerIntake()        // intake.go: client transaction sessions
	n.registerSubscriptions() // subscribe.go: blocks pushed to client nodes
	n.registerInfo()          // api.go: the genesis document
	n.registerCheckpoints()   // announce.go: the stable checkpoint proof
	n.registerReads()         // reads.go: proven reads and the certified head
	n.registerBlocks()        // transfer.go: blocks for state transfer
}

// closeStore closes the store and the mark beside it.
func (n *Node) closeStore() {
	n.store.Close()
	n.mark.Close()
}

func newHost(opts Options, reg prometheus.Registerer, log *slog.Logger) (*p2p.Host, error) {
	key, err := genesis.LibP2PKey(opts.Key)
	if err != nil {
		return nil, err
	}
	var listen []multiaddr.Multiaddr
	for _, s := range opts.Config.Listen {
		a, err := multiaddr.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("listen address %q: %w", s, err)
		}
		listen = append(listen, a)
	}
	replicas, err := opts.Genesis.P2PReplicas()
	if err != nil {
		return nil, err
	}
	h, err := p2p.New(p2p.Config{ChainID: opts.Genesis.ChainID, Key: key, ListenAddrs: listen,
		Replicas: replicas, ExtraPeers: opts.ExtraPeers, Logger: log, Registerer: reg, PreferTransport: opts.Config.PreferTransport})
	if err != nil && strings.Contains(err.Error(), "address already in use") {
		return nil, fmt.Errorf("%w: another process listens on an address of `listen` in %s: stop it, or give this replica other ports",
			err, filepath.Join(opts.Home, ConfigFileName))
	}
	if err != nil {
		return nil, fmt.Errorf("start libp2p host: %w", err)
	}
	return h, nil
}

// Status is the replica's status with the live peer count.
func (n *Node) Status() replica.Status {
	s := n.driver.Status()
	s.Peers = n.host.ConnectedReplicas()
	g := &replica.GossipStatus{Accepted: n.gossip.Accepted.Load(), Rejected: n.gossip.Rejected.Load(), Ignored: n.gossip.Ignored.Load()}
	for _, score := range n.gossip.PeerScores() {
		g.LowestPeerScore = min(g.LowestPeerScore, score)
	}
	s.Gossip = g
	s.Syncing, s.StateTransfers = n.syncing.Load(), n.stateTransfers.Load()
	if p := n.syncProgress.Load(); p != nil && s.Syncing {
		s.Sync = &replica.SyncStatus{TargetHeight: p.Target, BaseHeight: p.Base, Fetched: p.Verified + p.Buffered,
			Total: p.Target - p.Base, InFlight: p.InFlight, PerSource: p.PerSource}
	}
	s.LastTransfer = n.lastTransfer.Load()
	s.PeerID = n.host.ID().String()
	for _, a := range n.host.Addrs() {
		s.ListenAddrs = append(s.ListenAddrs, a.String()+"/p2p/"+s.PeerID)
	}
	s.Build = buildinfo.Get()
	if s.DuplicateIdentity = n.duplicate.Load(); s.DuplicateIdentity {
		s.Healthy = false
	}
	return s
}

// Run serves until ctx is cancelled or the store fails; it always releases everything it holds.
func (n *Node) Run(ctx context.Context) error {
	var workers sync.WaitGroup
	defer n.closeStore()
	defer n.host.Close()
	defer workers.Wait()
	defer close(n.done)
	servers, err := n.serveHTTP()
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, srv := range servers {
			srv.Shutdown(sctx)
		}
	}()
	n.crypto.Start(0)
	defer n.crypto.Close()
	workers.Add(1)
	go func() { defer workers.Done(); n.verifyClientTxs() }()
	defer n.gossip.Close()
	actx, cancelAnnounce := context.WithCancel(context.Background())
	workers.Add(1)
	go func() { defer workers.Done(); n.announcer.run(actx, n.log) }()
	workers.Add(1)
	go func() { defer workers.Done(); n.watchIdentity(actx) }()
	defer cancelAnnounce()
	n.host.StartMesh(n.onFrame)
	n.registerProtocols()
	n.log.Info("replica started", "chain_id", n.opts.Genesis.ChainID, "peer_id", n.host.ID(),
		"addrs", n.host.Addrs(), "http", n.opts.Config.HTTPAddr)
	err = n.loop(ctx, &workers)
	n.log.Info("replica stopping", "reason", err)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func (n *Node) loop(ctx context.Context, workers *sync.WaitGroup) error {
	rpprof.SetGoroutineLabels(rpprof.WithLabels(ctx, rpprof.Labels("goroutine", "loop")))
	tick := n.opts.Config.TickInterval()
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	ticksPerWake := 1
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m := <-n.inbound:
			n.input.Step(m)
		case in := <-n.intake:
			n.input.Submit(in)
		case <-ticker.C:
			for range ticksPerWake {
				n.driver.Tick()
			}
		case done := <-n.crypto.Completions():
			n.driver.Finish(done)
		case tr := <-n.transfers:
			n.installTransfer(tr)
		case job := <-n.reads:
			n.answerRead(job)
		}
		n.drain()
		transfer, err := n.driver.Process()
		if err != nil {
			n.log.Error("fatal: replica cannot persist, stopping", "err", err)
			return err
		}
		if transfer {
			n.maybeStartTransfer(ctx, workers)
		}
		if want := n.ticksPerWake(); want != ticksPerWake {
			ticksPerWake = want
			ticker.Reset(time.Duration(want) * tick)
		}
	}
}

// ticksPerWake is how many ticks the loop runs per wake-up: IdleTicksPerWake while the replica is idle, else 1.
func (n *Node) ticksPerWake() int {
	if n.driver.Idle() {
		return IdleTicksPerWake
	}
	return 1
}

// drain handles what is already queued, bounded so a flood cannot delay the Ready indefinitely.
func (n *Node) drain() {
	for k := 0; k < DrainPerLoopMax; k++ {
		select {
		case m := <-n.inbound:
			n.input.Step(m)
		case in := <-n.intake:
			n.input.Submit(in)
		default:
			return
		}
	}
}

// onFrame runs on the peer's reader goroutine: decode and verify there, in parallel across peers.
func (n *Node) onFrame(from uint32, frame []byte) {
	n.driver.Traffic().Received(frame)
	m, err := wire.UnmarshalMessage(frame)
	if err == nil {
		err = n.verifier.Verify(from, m)
	}
	if err != nil {
		n.log.Debug("dropped consensus frame", "from", from, "err", err)
		return
	}
	select {
	case n.inbound <- m:
	case <-n.done:
	}
}

func (n *Node) serveHTTP() ([]*http.Server, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", n.handleStatus)
	mux.HandleFunc("GET /health", n.handleHealth)
	mux.Handle("GET /metrics", promhttpHandler(n.registry))
	srv, err := listenHTTP(n.opts.Config.HTTPAddr, mux)
	if err != nil {
		return nil, err
	}
	if n.opts.Config.PprofAddr == "" {
		return []*http.Server{srv}, nil
	}
	// Profiles show what the replica holds in memory: on an address of their own, opt-in.
	pp := http.NewServeMux()
	pp.HandleFunc("GET /debug/pprof/", pprof.Index)
	pp.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	psrv, err := listenHTTP(n.opts.Config.PprofAddr, pp)
	if err != nil {
		srv.Close()
		return nil, err
	}
	return []*http.Server{srv, psrv}, nil
}

func listenHTTP(addr string, h http.Handler) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen http %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: HTTPReadHeaderTimeout}
	go srv.Serve(ln)
	return srv, nil
}
