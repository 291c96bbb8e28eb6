package p2p

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sbftnet/sbft/buildinfo"
	"github.com/sbftnet/sbft/wire/proto"
)

// ErrConfig is returned for a Config the host cannot run with.
var ErrConfig = errors.New("invalid p2p config")

// ErrListen is returned when a configured listen address could not be bound.
var ErrListen = errors.New("listen address unavailable")

// Config is what a Host is built from.
type Config struct {
	ChainID     string
	Key         crypto.PrivKey
	ListenAddrs []multiaddr.Multiaddr // empty for clients
	Replicas    []peer.AddrInfo       // the allowlist, replica i at position i (genesis.P2PReplicas); not empty
	ExtraPeers  []multiaddr.Multiaddr // `--peer` multiaddrs ending in /p2p/<id>
	Logger      *slog.Logger
	Registerer  prometheus.Registerer // nil: no metrics
	// PreferTransport is the transport dialled first when a peer listens on several: TransportTCP (the
	// default, "") or TransportQUIC; the others follow after DialFallbackDelay.
	PreferTransport string
}

// Host is a libp2p host that knows the replica set.
type Host struct {
	cfg            Config
	log            *slog.Logger
	peerLog        *sampledLog // events peers cause, sampled
	h              host.Host
	byID           map[peer.ID]uint32
	self           uint32
	isSelf         bool
	metrics        *metrics
	ctx            context.Context
	cancel         context.CancelFunc
	wg             sync.WaitGroup
	mu             sync.Mutex
	queues         map[uint32]chan []byte
	inbound        map[uint32]network.Stream // the one inbound mesh stream of each replica (mesh.go)
	handler        func(uint32, []byte)
	closed         bool
	sessions       map[*session]struct{}
	sessionsByPeer map[peer.ID]int  // inbound sessions served per peer (session.go)
	instance       proto.InstanceID // this process (instance.go)
	instances      map[uint32][]instanceSeen
	banMu          sync.Mutex
	banned         map[peer.ID]time.Time // until when (ban.go)
	answers        *answerBudget         // bytes of answers built for peers and not yet written (answerbudget.go)
}

// ProtocolID is the libp2p ID of protocol name (version 1) on chain chainID; the names and the ID format are
// wire/proto's.
func ProtocolID(chainID, name string) protocol.ID {
	return protocol.ID(proto.ProtocolID(chainID, name))
}

// New creates and starts the libp2p host (listening if ListenAddrs is set).
func New(cfg Config) (*Host, error) {
	if len(cfg.Replicas) == 0 || cfg.ChainID == "" || cfg.Key == nil {
		return nil, fmt.Errorf("%w: chain ID, key and a non-empty replica set are required", ErrConfig)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger.With("component", "p2p")
	hs := &Host{cfg: cfg, log: log, peerLog: newSampledLog(log), byID: make(map[peer.ID]uint32),
		queues: make(map[uint32]chan []byte), inbound: make(map[uint32]network.Stream), banned: make(map[peer.ID]time.Time), sessionsByPeer: make(map[peer.ID]int), instance: newInstanceID(),
		instances: make(map[uint32][]instanceSeen), sessions: make(map[*session]struct{}), answers: newAnswerBudget()}
	for i, r := range cfg.Replicas {
		hs.byID[r.ID] = uint32(i)
	}
	if err := CheckTransport(cfg.PreferTransport); err != nil {
		return nil, err
	}
	g := &gater{hs: hs}
	rm, err := resourceManager(cfg.ChainID)
	if err != nil {
		return nil, err
	}
	opts := []libp2p.Option{
		libp2p.ResourceManager(rm),
		libp2p.Identity(cfg.Key),
		libp2p.Security(noise.ID, noise.New),
		// No SO_REUSEPORT on TCP: a second replica on a port in use (two homes with one listen address) must
		// fail to start, not share the port and get half of the other's connections. (A UDP port is never
		// shared: QUIC listens without SO_REUSEPORT and dials from its listening socket.)
		libp2p.Transport(tcp.NewTCPTransport, tcp.DisableReuseport()),
		libp2p.Transport(libp2pquic.NewTransport),
		libp2p.ConnectionGater(g),
		libp2p.SwarmOpts(swarm.WithDialRanker(dialRanker(cfg.PreferTransport))),
		libp2p.DisableRelay(),
		libp2p.UserAgent(buildinfo.AgentVersion()),
	}
	if cfg.Registerer != nil {
		opts = append(opts, libp2p.PrometheusRegisterer(cfg.Registerer)) // libp2p's own metrics, served beside ours
	} else {
		opts = append(opts, libp2p.DisableMetrics())
	}
	if len(cfg.ListenAddrs) > 0 {
		opts = append(opts, libp2p.ListenAddrs(cfg.ListenAddrs...))
	} else {
		opts = append(opts, libp2p.NoListenAddrs)
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		rm.Close()
		return nil, fmt.Errorf("libp2p host: %w", err)
	}
	if err := checkListening(cfg.ListenAddrs, h.Network().ListenAddresses()); err != nil {
		h.Close()
		return nil, err
	}
	hs.h = h
	hs.self, hs.isSelf = hs.byID[h.ID()]
	hs.ctx, hs.cancel = context.WithCancel(context.Background())
	hs.metrics = newMetrics(cfg.Registerer, hs)
	for _, r := range cfg.Replicas {
		if r.ID != h.ID() {
			h.Peerstore().AddAddrs(r.ID, r.Addrs, peerstore.PermanentAddrTTL)
		}
	}
	for _, a := range cfg.ExtraPeers {
		ai, err := peer.AddrInfoFromP2pAddr(a)
		if err != nil {
			h.Close()
			return nil, fmt.Errorf("%w: --peer %s: %v", ErrConfig, a, err)
		}
		if _, ok := hs.byID[ai.ID]; !ok {
			hs.log.Warn("--peer is not a replica of the genesis; ignored", "peer", ai.ID)
			continue
		}
		h.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.PermanentAddrTTL)
	}
	return hs, nil
}

// checkListening refuses a host that listens on fewer addresses than configured: libp2p starts if any listen
// address binds, and a replica whose TCP port is taken would otherwise run on QUIC only and say nothing.
func checkListening(want, got []multiaddr.Multiaddr) error {
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g multiaddr.Multiaddr) bool { return sameListenAddr(w, g) }) {
			return fmt.Errorf("%w: could not listen on %s (is the port in use, or the address not this machine's?)", ErrListen, w)
		}
	}
	return nil
}

// sameListenAddr reports whether g is what listening on w gave: the same protocols, and the same value for each
// (port 0 and unspecified hosts may come back as a chosen port or a concrete address).
func sameListenAddr(w, g multiaddr.Multiaddr) bool {
	wc, gc := []multiaddr.Component(w), []multiaddr.Component(g)
	if len(wc) != len(gc) {
		return false
	}
	for i := range wc {
		if wc[i].Protocol().Code != gc[i].Protocol().Code {
			return false
		}
		switch v := wc[i].Value(); {
		case v == gc[i].Value(), v == "0", v == "0.0.0.0", v == "::":
		default:
			return false
		}
	}
	return true
}

// LibP2P exposes the underlying host (for protocols outside this package, such as the info protocol).
func (hs *Host) LibP2P() host.Host { return hs.h }

// ID is this host's peer ID.
func (hs *Host) ID() peer.ID { return hs.h.ID() }

// Addrs are this host's listen addresses.
func (hs *Host) Addrs() []multiaddr.Multiaddr { return hs.h.Addrs() }

// SelfIndex is our replica index, if we are a replica.
func (hs *Host) SelfIndex() (uint32, bool) { return hs.self, hs.isSelf }

// Connect dials a peer.
func (hs *Host) Connect(ctx context.Context, ai peer.AddrInfo) error { return hs.h.Connect(ctx, ai) }

// IsReplica reports whether p is a replica of the genesis.
func (hs *Host) IsReplica(p peer.ID) bool {
	_, ok := hs.byID[p]
	return ok
}

// ConnectedReplicas counts the other replicas with a live connection.
func (hs *Host) ConnectedReplicas() int {
	n := 0
	for id := range hs.byID {
		if id != hs.h.ID() && hs.h.Network().Connectedness(id) == network.Connected {
			n++
		}
	}
	return n
}

// peerCounts returns the connected peers: other replicas, and every other peer.
func (hs *Host) peerCounts() (replicas, other int) {
	for _, id := range hs.h.Network().Peers() {
		switch {
		case id == hs.h.ID():
		case hs.IsReplica(id):
			replicas++
		default:
			other++
		}
	}
	return replicas, other
}

// allowStream enforces the allowlist for replicas-only protocols, logging refusals.
func (hs *Host) allowStream(s network.Stream, replicasOnly bool) bool {
	p := s.Conn().RemotePeer()
	if !replicasOnly || hs.IsReplica(p) {
		return true
	}
	hs.peerLog.Warn("not_replica", "rejected stream from a peer that is not a replica of the genesis", "peer", p, "protocol", s.Protocol())
	hs.metrics.rejected("not_replica")
	s.Reset()
	return false
}

// Close stops every goroutine the host started and closes the host.
func (hs *Host) Close() error {
	hs.mu.Lock()
	if hs.closed {
		hs.mu.Unlock()
		return nil
	}
	hs.closed = true
	sessions := make([]*session, 0, len(hs.sessions))
	for s := range hs.sessions {
		sessions = append(sessions, s)
	}
	hs.mu.Unlock()
	hs.cancel()
	for _, s := range sessions {
		s.Close()
	}
	for _, p := range hs.h.Mux().Protocols() {
		hs.h.RemoveStreamHandler(p)
	}
	err := hs.h.Close()
	hs.wg.Wait()
	return err
}

// track runs fn as a goroutine Close waits for; false if the host is closing.
func (hs *Host) track(fn func()) bool {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.closed {
		return false
	}
	hs.wg.Add(1)
	go func() {
		defer hs.wg.Done()
		fn()
	}()
	return true
}

// enter registers a handler invocation that Close must wait for; the caller must call hs.wg.Done.
func (hs *Host) enter() bool {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.closed {
		return false
	}
	hs.wg.Add(1)
	return true
}

// ReplicaIndex is the genesis index of peer p, if it is a replica.
func (hs *Host) ReplicaIndex(p peer.ID) (uint32, bool) {
	i, ok := hs.byID[p]
	return i, ok
}
