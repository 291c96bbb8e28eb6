package client

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/wire"
)

// Errors of Submit.
var (
	ErrNoQuorum = errors.New("no f+1 replicas agree on a result")
	ErrClosed   = errors.New("client closed")
	// ErrBusy: too few replicas took the transaction because they are at capacity. It may still commit if
	// some took it; submitting the same signed transaction again is safe (it never executes twice) and
	// learns its outcome.
	ErrBusy = errors.New("network busy")
)

// RejectedError is returned when f+1 replicas refused a transaction at intake.
type RejectedError struct {
	Reason  wire.Reject
	Message string
}

func (e *RejectedError) Error() string {
	if e.Message == "" {
		return "transaction rejected: " + e.Reason.String()
	}
	return fmt.Sprintf("transaction rejected: %s (%s)", e.Reason, e.Message)
}

// FailedError is returned when the transaction executed but did not apply (its result code is not OK).
type FailedError struct{ Result *chain.Result }

func (e *FailedError) Error() string {
	return fmt.Sprintf("transaction failed at height %d: %s", e.Result.Height, e.Result.Code)
}

// Config is what a Client is built from.
type Config struct {
	Genesis *genesis.Genesis
	Key     ed25519.PrivateKey
	Logger  *slog.Logger
	// RequireProof accepts only replies with an execution proof (one message each), never f+1 matching plain
	// replies: for tests and for clients that want a certificate for every result.
	RequireProof bool
	// Proofs checks execution proofs; clients of one process that share one check each block's certificate
	// once between them. Nil: the client's own.
	Proofs *ProofVerifier
	// PreferTransport is the transport dialled first (p2p.TransportTCP or p2p.TransportQUIC; "": TCP).
	PreferTransport string
	// ResendTimeout is how long a transaction waits for the replica it was sent to before it goes to every
	// replica; zero: DefaultResendTimeout.
	ResendTimeout time.Duration
}

// Client talks to every replica of one network.
type Client struct {
	g         *genesis.Genesis
	key       ed25519.PrivateKey
	log       *slog.Logger
	host      *p2p.Host
	ids       []peer.AddrInfo
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	mu        sync.Mutex
	sendMu    sync.Mutex    // held from nonce assignment until the transaction is queued to every replica
	conns     []p2p.Session // by replica index; nil until opened
	calls     map[[32]byte]*call
	nonce     uint64
	opening   []chan struct{} // non-nil while a session to the replica is being opened
	backlog   [][]queued      // transactions waiting for that session, in order
	downUntil []time.Time     // a replica whose session could not be opened is not tried again before this

	primary     uint32        // the replica new transactions go to: the primary, as the last proven answer named it
	resendAfter time.Duration // Config.ResendTimeout
	resentToAll uint64        // calls sent to every replica

	requireProof bool
	proofs       *ProofVerifier
	proven       uint64 // results accepted on an execution proof
}

// New creates a client host (no listening address) for the network of cfg.Genesis.
func New(cfg Config, replicas []peer.AddrInfo) (*Client, error) {
	key, err := genesis.LibP2PKey(cfg.Key)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h, err := p2p.New(p2p.Config{ChainID: cfg.Genesis.ChainID, Key: key, Replicas: replicas, Logger: log,
		PreferTransport: cfg.PreferTransport})
	if err != nil {
		return nil, fmt.Errorf("client host: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	proofs := cfg.Proofs
	if proofs == nil {
		proofs = NewProofVerifier(cfg.Genesis.ChainID, cfg.Genesis.F, cfg.Genesis.BLSPublicKeys())
	}
	return &Client{g: cfg.Genesis, key: cfg.Key, log: log, host: h, ids: replicas, ctx: ctx, cancel: cancel,
		conns: make([]p2p.Session, len(replicas)), opening: make([]chan struct{}, len(replicas)),
		backlog: make([][]queued, len(replicas)), downUntil: make([]time.Time, len(replicas)),
		requireProof: cfg.RequireProof, proofs: proofs, resendAfter: cmp.Or(cfg.ResendTimeout, DefaultResendTimeout),
		calls: make(map[[32]byte]*call)}, nil
}

// Close ends every session and the host.
func (c *Client) Close() error {
	c.cancel()
	c.mu.Lock()
	for _, s := range c.conns {
		if s != nil {
			s.Close()
		}
	}
	c.mu.Unlock()
	err := c.host.Close()
	c.wg.Wait()
	return err
}

// Proven is how many results this client accepted on an execution proof alone.
func (c *Client) Proven() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proven
}

// ResentToAll is how many transactions this client sent to every replica because the one asked first did not
// answer in time, refused, or failed.
func (c *Client) ResentToAll() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resentToAll
}

// F is the network's fault threshold.
func (c *Client) F() int { return c.g.F }

// NewTx builds and signs a transaction with the next nonce.
func (c *Client) NewTx(op chain.Op, key, value []byte, version uint64) *chain.Tx {
	tx := &chain.Tx{Nonce: c.nextNonce(), Op: op, Key: key, Value: value, Version: version}
	copy(tx.Client[:], c.key.Public().(ed25519.PublicKey))
	tx.Sign(c.g.ChainID, c.key)
	return tx
}

func (c *Client) nextNonce() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := uint64(time.Now().UnixNano())
	if n <= c.nonce {
		n = c.nonce + 1
	}
	c.nonce = n
	return n
}

// Put writes key=value.
func (c *Client) Put(ctx context.Context, key, value []byte) (*chain.Result, error) {
	return c.submitNew(ctx, chain.OpPut, key, value, 0)
}

// Get reads key through consensus (linearizable).
func (c *Client) Get(ctx context.Context, key []byte) (*chain.Result, error) {
	return c.submitNew(ctx, chain.OpGet, key, nil, 0)
}

// CAS writes key=value only if the key's version is version (0: absent).
func (c *Client) CAS(ctx context.Context, key []byte, version uint64, value []byte) (*chain.Result, error) {
	return c.submitNew(ctx, chain.OpCAS, key, value, version)
}

// Delete removes key.
func (c *Client) Delete(ctx context.Context, key []byte) (*chain.Result, error) {
	return c.submitNew(ctx, chain.OpDelete, key, nil, 0)
}
