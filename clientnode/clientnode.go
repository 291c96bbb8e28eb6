package clientnode

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sbftnet/sbft/buildinfo"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/store"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// Options are what a client node is started with.
type Options struct {
	Home     string // holds the node's own key; the store is Home/data
	Genesis  *genesis.Genesis
	Key      ed25519.PrivateKey    // the node's libp2p identity (not a replica key)
	Peers    []multiaddr.Multiaddr // `--peer` replica multiaddrs, added to the genesis's addresses
	HTTPAddr string
	Logger   *slog.Logger
}

// Node is a running client node.
type Node struct {
	opts     Options
	log      *slog.Logger
	store    chain.Store
	host     *p2p.Host
	verifier *replica.Verifier
	peers    []peer.ID // replica peer IDs by index
	registry *prometheus.Registry
	reg      prometheus.Registerer // registry with the chain_id label
	metrics  *nodeMetrics

	mu     sync.Mutex // guards app, certs and latest
	app    *chain.App
	certs  map[uint64]*wire.ExecCert // verified execution certificates of recent heights
	latest *wire.ExecCert            // of the highest height executed here whose certificate matches

	heightCh   atomic.Pointer[chan struct{}] // closed (and replaced) when the height changes
	height     atomic.Uint64
	certified  atomic.Uint64 // the highest height the network certified, as far as this node knows
	sourceTop  atomic.Uint64 // the height the followed replica reported last
	refused    atomic.Uint64 // blocks refused (forged, out of order, not reproduced)
	source     atomic.Int64  // the replica followed now; -1: none
	catchingUp atomic.Bool
	streams    atomic.Int64 // block streams served (http.go)
	serving    sync.RWMutex // held (read) by every HTTP handler, so that the store outlives them
	stopped    bool         // under serving: Run is closing the store

	lastProgress atomic.Pointer[bsync.Progress] // of the catch-up under way
	lastCatchUp  atomic.Pointer[CatchUpStatus]
}

// CatchUpStatus describes a completed catch-up: the blocks fetched in parallel and from which replicas.
type CatchUpStatus struct {
	FromHeight uint64                          `json:"from_height"`
	ToHeight   uint64                          `json:"to_height"`
	Blocks     int                             `json:"blocks"`
	TookMs     int64                           `json:"took_ms"`
	PerSource  map[uint32]bsync.SourceProgress `json:"per_source"`
}

// New opens the store (bound to the genesis's network) and creates the node's libp2p host.
func New(opts Options) (*Node, error) {
	g := opts.Genesis
	if _, isReplica := g.IndexOf(opts.Key.Public().(ed25519.PublicKey)); isReplica {
		return nil, fmt.Errorf("%w: this key is a replica's; a client node needs its own (a client home)", ErrConfig)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	f := &Node{opts: opts, log: opts.Logger.With("component", "client node"),
		certs: map[uint64]*wire.ExecCert{}}
	f.source.Store(-1)
	f.registry, f.reg = buildinfo.NewRegistry(g.ChainID)
	f.metrics = newNodeMetrics(f.reg)
	f.verifier = replica.NewVerifier(g.ChainID, g.PublicKeys(), g.BLSPublicKeys(), g.F, g.C, replica.NewFIFOSet(replica.VerifiedTxCacheMax))
	dataDir := filepath.Join(opts.Home, "data")
	var err error
	if f.store, err = store.OpenPebble(dataDir, f.log); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := f.open(dataDir); err != nil {
		f.store.Close()
		return nil, err
	}
	return f, nil
}

func (f *Node) open(dataDir string) error {
	g := f.opts.Genesis
	if err := chain.BindNetwork(f.store, g.ChainID, g.ID()); err != nil {
		return fmt.Errorf("%w; %s: start with the genesis it was made for, or wipe it to follow this network", err, dataDir)
	}
	app, err := chain.OpenApp(f.store, g.ChainID, f.log)
	if err != nil {
		return fmt.Errorf("open application: %w", err)
	}
	f.app = app
	f.height.Store(app.LastHeader().Height)
	ch := make(chan struct{})
	f.heightCh.Store(&ch)
	reps, err := g.P2PReplicas()
	if err != nil {
		return err
	}
	for _, r := range reps {
		f.peers = append(f.peers, r.ID)
	}
	key, err := genesis.LibP2PKey(f.opts.Key)
	if err != nil {
		return err
	}
	f.host, err = p2p.New(p2p.Config{ChainID: g.ChainID, Key: key, Replicas: reps, ExtraPeers: f.opts.Peers,
		Logger: f.log, Registerer: f.reg})
	if err != nil {
		return fmt.Errorf("start libp2p host: %w", err)
	}
	return nil
}

// Run follows the network and serves HTTP until ctx is cancelled or the node's own store fails (then it
// returns that error); it always releases everything it holds.
func (f *Node) Run(ctx context.Context) error {
	defer f.store.Close()
	defer f.host.Close()
	ln, err := net.Listen("tcp", f.opts.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen http %s: %w", f.opts.HTTPAddr, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Requests see ctx: block streams end when the node stops.
	srv := &http.Server{Handler: f.httpHandler(), ReadHeaderTimeout: HTTPReadHeaderTimeout,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	var wg sync.WaitGroup
	var fatal error
	wg.Add(3)
	go func() { defer wg.Done(); srv.Serve(ln) }()
	go func() { defer wg.Done(); f.pollHeads(ctx) }()
	go func() { defer wg.Done(); fatal = f.follow(ctx); cancel() }()
	f.log.Info("client node started", "chain_id", f.opts.Genesis.ChainID, "peer_id", f.host.ID(),
		"height", f.height.Load(), "http", ln.Addr().String())
	<-ctx.Done()
	sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
	if srv.Shutdown(sctx) != nil {
		srv.Close() // cuts streams to readers that stopped reading
	}
	scancel()
	wg.Wait()
	f.serving.Lock()
	f.stopped = true
	f.serving.Unlock()
	if fatal != nil {
		f.log.Error("client node stopped: its store failed", "height", f.height.Load(), "err", fatal)
		return fatal
	}
	f.log.Info("client node stopped", "height", f.height.Load())
	return nil
}

// Status is a client node's status document (GET /status). Field names are a contract: add fields,
// never rename them.
type Status struct {
	ChainID         string `json:"chain_id"`
	PeerID          string `json:"peer_id"`
	Height          uint64 `json:"height"`
	LastBlockHash   string `json:"last_block_hash"`
	StateRoot       string `json:"state_root"`
	CertifiedHeight uint64 `json:"certified_height"` // the highest height here with an execution certificate
	NetworkHeight   uint64 `json:"network_height"`   // the highest height it knows the replicas reached
	Lag             uint64 `json:"lag"`              // blocks behind that
	RefusedBlocks   uint64 `json:"refused_blocks"`   // forged, out-of-order or not reproduced blocks refused
	Source          int64  `json:"source"`           // the replica followed now; -1: none
	CatchingUp      bool   `json:"catching_up"`      // fetching from several replicas in parallel
	// LastCatchUp is the last completed catch-up since start (nil: none).
	LastCatchUp *CatchUpStatus `json:"last_catch_up,omitempty"`
}

// Status returns the node's status; safe from any goroutine.
func (f *Node) Status() Status {
	st := f.progress()
	st.PeerID = f.host.ID().String()
	return st
}

// progress is Status without the node's own identity: how far it got and whom it follows.
func (f *Node) progress() Status {
	f.mu.Lock()
	h := f.app.LastHeader()
	var certified uint64
	if f.latest != nil {
		certified = f.latest.Height
	}
	f.mu.Unlock()
	bh := h.Hash()
	if h.Height == 0 {
		bh = [32]byte{}
	}
	network := max(f.certified.Load(), f.sourceTop.Load(), h.Height)
	return Status{ChainID: f.opts.Genesis.ChainID, Height: h.Height,
		LastBlockHash: hex.EncodeToString(bh[:]), StateRoot: hex.EncodeToString(h.StateRoot[:]),
		CertifiedHeight: certified, NetworkHeight: network, Lag: network - h.Height,
		RefusedBlocks: f.refused.Load(), Source: f.source.Load(), CatchingUp: f.catchingUp.Load(),
		LastCatchUp: f.lastCatchUp.Load()}
}

// certifiedHeight is the height reads are answered at (0: none yet).
func (f *Node) certifiedHeight() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.latest == nil {
		return 0
	}
	return f.latest.Height
}

// ProvenRead answers a read of key at the highest height executed here whose execution certificate it holds.
func (f *Node) ProvenRead(key []byte) (*wire.ProvenRead, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.latest == nil {
		return nil, fmt.Errorf("%w at height %d", replica.ErrNoCertifiedState, f.app.LastHeader().Height)
	}
	kv, err := f.app.ProveAt(key, f.latest.Height)
	if err != nil {
		return nil, err
	}
	return &wire.ProvenRead{KV: *kv, Exec: *f.latest}, nil
}

// addCert keeps a verified execution certificate and moves latest up if it certifies a block executed here.
// Callers hold mu (or own f exclusively).
func (f *Node) addCert(c *wire.ExecCert) {
	h := f.app.LastHeader().Height
	if c.Height+replica.ExecCertsKept <= h || c.Height > h+replica.ExecCertsKept {
		return
	}
	f.certs[c.Height] = c
	for k := range f.certs {
		if k+replica.ExecCertsKept <= max(h, c.Height) {
			delete(f.certs, k)
		}
	}
	f.refreshLatest()
}

// refreshLatest sets latest to the highest height whose state is kept and whose certificate matches the block
// executed here (nil: none). It searches afresh each time: after a reload the kept heights start over.
func (f *Node) refreshLatest() {
	f.latest = nil
	for h := f.app.LastHeader().Height; h > 0; h-- {
		hdr, ok := f.app.KeptHeader(h)
		if !ok {
			return
		}
		c := f.certs[h]
		if c == nil {
			continue
		}
		if c.BlockHash != hdr.Hash() {
			f.log.Error("an execution certificate of f+1 replicas certifies another block than this node executed: this node's application differs from the replicas'",
				"height", h)
			delete(f.certs, h) // said once
			continue
		}
		f.latest = c
		f.metrics.certifiedHeight.Set(float64(h))
		return
	}
}

// HeightChanged is closed once the height moves; safe from any goroutine.
func (f *Node) HeightChanged() <-chan struct{} { return *f.heightCh.Load() }

func (f *Node) notifyHeight(h uint64) {
	f.height.Store(h)
	f.metrics.height.Set(float64(h))
	ch := make(chan struct{})
	close(*f.heightCh.Swap(&ch))
}
