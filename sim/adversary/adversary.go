package adversary

import (
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/node/byzantine"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// Config is what every adversary knows of the network.
type Config struct {
	ChainID string
	N, F, C int
	// Window is the replicas' work window above their last stable checkpoint (two checkpoint intervals).
	Window uint64
	// ClientResendTicks is how long a client waits for the replica it asked before it sends to every replica:
	// the coalition keeps a transaction as a target for three of them after it last received it.
	ClientResendTicks uint64
	// Censored is the client a censoring primary drops (an Ed25519 public key).
	Censored [32]byte
	// Rand is the world's random source: adversaries draw from it when the world calls them, so the same seed
	// gives the same run.
	Rand *rand.Rand
}

// Keys are a byzantine replica's own keys: with them it can sign anything.
type Keys struct {
	Sign  ed25519.PrivateKey
	Share *bls.SecretKey
}

// Node is the byzantine replica's own node as its adversary reads it: the real driver's state and store.
type Node interface {
	LastHeader() chain.Header
	ProvenRead(key []byte) (*wire.ProvenRead, error)
	// StoredBlock is block h and its commit certificate as the replica's store holds them.
	StoredBlock(h uint64) (blk *chain.Block, cert []byte, ok bool)
}

// Network is what the coalition sees of the world beyond its members: the clock, and the wire.
type Network interface {
	Now() uint64
	// Inject puts a frame from replica `from` on the wire to `to` as it is: no adversary rewrites it, the
	// network's faults apply.
	Inject(from, to uint32, frame []byte)
}

// Adversary is one byzantine replica. It runs the real driver, and decorates what the driver sends
// (Transport), what the driver takes in (Input), and what the replica serves others (ServeBlock, ProvenReads,
// ForgeTransfer).
type Adversary struct {
	cfg  *Config
	id   uint32
	role Role
	keys Keys
	node Node
	co   *Coalition // a colluder's coalition (nil for the other roles)
	old  [][]byte   // frames sent before, for replay (bounded)
}

// New makes replica id byzantine with role; a Colluder joins co (which must not be nil).
func New(cfg *Config, id uint32, role Role, keys Keys, node Node, co *Coalition) *Adversary {
	a := &Adversary{cfg: cfg, id: id, role: role, keys: keys, node: node}
	if role == Colluder {
		a.co = co
		co.keys[id] = keys
	}
	return a
}

// Role is the replica's role.
func (a *Adversary) Role() Role { return a.role }

func (a *Adversary) String() string { return fmt.Sprintf("%d:%v", a.id, a.role) }

// Transport decorates the replica's transport: every frame the driver sends goes through the role's rewriting,
// once per recipient (a broadcast too).
func (a *Adversary) Transport(inner replica.Transport) replica.Transport {
	return transport{a: a, inner: inner}
}

type transport struct {
	a     *Adversary
	inner replica.Transport
}

func (t transport) Send(to uint32, frame []byte) bool {
	for _, f := range t.a.rewrite(to, frame) {
		t.inner.Send(to, f)
	}
	return true
}

func (t transport) Broadcast(frame []byte) {
	for to := 0; to < t.a.cfg.N; to++ {
		if uint32(to) != t.a.id {
			t.Send(uint32(to), frame)
		}
	}
}

// Input decorates the driver's input: a censor drops client Censored's transactions while primary (the node's
// test-only byzantine mode, byzantine.Mode); a colluder shares every message it receives with the coalition,
// which also answers clients in its name. The other roles take in what a correct replica does.
func (a *Adversary) Input(d *replica.Driver) replica.Input {
	switch a.role {
	case Censor:
		return byzantine.Mode{CensorClient: &a.cfg.Censored}.Input(d)
	case Colluder:
		return memberInput{Input: d, a: a}
	}
	return d
}

// memberInput is a colluder's driver input.
type memberInput struct {
	replica.Input
	a *Adversary
}

func (m memberInput) Step(msg *consensus.Message) {
	m.a.co.observe(m.a.id, msg)
	m.Input.Step(msg)
}

// Submit hands the driver a client's transaction with the member's replies routed through the coalition, then
// lets the coalition answer it with forgeries.
func (m memberInput) Submit(in replica.Intake) {
	client := in.Waiter
	in.Waiter = answerer{a: m.a, client: client, key: in.Tx.Client}
	m.Input.Submit(in)
	m.a.co.onSubmit(m.a, client, in.Tx, in.Hash)
}

// answerer is how a colluder's driver replies to a client: through the coalition (coalition_proofs.go).
type answerer struct {
	a      *Adversary
	client replica.Waiter // the client's, for the member's replies
	key    [32]byte       // the client's public key: which client it is
}

func (w answerer) Deliver(r *wire.Reply) { w.a.co.answer(w.a, w.client, w.key, r) }

func (w answerer) DeliverBlock(b *wire.BlockReply) {
	for _, r := range b.Replies() {
		w.Deliver(r)
	}
}

// OnBlock takes a block the replica executed: a colluder's feed the coalition's forged proofs.
func (a *Adversary) OnBlock(b *chain.Block, results []chain.Result) {
	if a.co != nil {
		a.co.onMemberBlock(b, results)
	}
}
