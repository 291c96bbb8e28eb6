package check

import (
	"crypto/ed25519"
	"fmt"

	"github.com/anishathalye/porcupine"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// Config is what the checkers know of the network: its shape and its public keys, never a secret.
type Config struct {
	ChainID string
	N, F, C int
	// Window is the replicas' work window above their last stable checkpoint (two checkpoint intervals): the
	// new-view rule looks no further.
	Window  uint64
	Pubs    []ed25519.PublicKey
	BLSPubs []bls.PublicKey
	// NoCertificates turns the certificate-validity checker off, to show what an attack wins: the agreement,
	// linearizability and state checkers must then catch its effect.
	NoCertificates bool
	// Violate reports a violation. Its message starts with the name of the checker (one of SafetyCheckers, or
	// "liveness") and a colon.
	Violate func(format string, args ...any)
}

// SafetyCheckers are the safety checkers, as the prefixes of the violations they report.
var SafetyCheckers = []string{"agreement", "linearizability", "certificate validity", "state equality", "read validity",
	"outcome validity"}

// Store is what the checkers read of a correct replica's store: the commit certificate kept with a block.
type Store interface {
	Get(key []byte) ([]byte, error)
}

// State is a correct replica's executed state (*chain.App is one), read at the end of a run.
type State interface {
	LastHeader() chain.Header
	Get(key []byte) (value []byte, version uint64, found bool, err error)
	ForEachStateLeaf(fn func(key, valueHash [32]byte) error) error
}

// Observer is everything a run shows its checkers, as it goes and at its end. The checkers never reach into
// the world: they judge what they are shown. Only correct replicas' blocks, checkpoints and state are shown;
// frames are shown whoever sends them, with whether the sender is correct.
type Observer interface {
	// Sent: replica `from` put frame on the wire (before the network loses or copies it).
	Sent(from uint32, correct bool, frame []byte)
	// Executed: a correct replica executed block b with these results, and keeps it in store with its commit
	// certificate.
	Executed(replica uint32, store Store, b *chain.Block, results []chain.Result)
	// Installed: a correct replica installed block b by state transfer, and keeps it in store with its
	// certificate.
	Installed(replica uint32, store Store, b *chain.Block)
	// CheckpointStored: a correct replica holds this stable checkpoint certificate.
	CheckpointStored(replica uint32, cert *consensus.Certificate)
	// Submitted: a client sent transaction tx (by its hash) for the first time.
	Submitted(tx [32]byte)
	// Acknowledged: a client acknowledged an operation.
	Acknowledged(op Op)
	// Unknown: a client will not learn the outcome of an operation: it may or may not have happened (op.Return
	// is after every other return).
	Unknown(op Op)
	// Failed: a client was told transaction tx failed or was refused: it must never execute with CodeOK.
	Failed(tx [32]byte)
	// ReadAccepted: a client accepted replica's proven read of key, a key it put and had acknowledged.
	ReadAccepted(client int, replica uint32, key string, p *wire.ProvenRead)
	// ClientNodeKept: the client node kept a block of this hash at height.
	ClientNodeKept(height uint64, hash [32]byte)
	// Stalled: the healed network did not settle within ticks: client c still waits for pending[c]
	// transactions, the correct replicas are at heights (0: down).
	Stalled(ticks int, pending []int, heights []uint64)
	// Ended: the run is over.
	Ended(end End)
}

// End is the world at the end of a run.
type End struct {
	Replicas []Final // the correct replicas that are up
	// ClientNode is the client node's height, in runs with one (nil: none).
	ClientNode *uint64
}

// Final is a correct replica's state at the end of a run.
type Final struct {
	ID    int
	State State
}

// Checker runs every checker on what it observes.
type Checker struct {
	cfg   Config
	certs *certChecker
	// agreement
	blocks     map[uint64][32]byte // height -> block hash, as first seen at any correct replica
	clientNode map[uint64][32]byte // the blocks the client node kept, by height
	// linearizability
	issued   map[[32]byte]bool              // every transaction a client submitted
	executed map[uint32]map[[32]byte]uint64 // by replica: tx hash -> height, executed-at-most-once
	history  []porcupine.Operation          // operations on shared keys, completed or of unknown outcome
	// outcome validity
	applied map[[32]byte]bool // transactions a correct replica executed with CodeOK
	failed  map[[32]byte]bool // transactions a client was told failed
	writes  []write           // acknowledged puts of fresh keys, in order
	written map[string]int    // key -> index in writes
}

var _ Observer = (*Checker)(nil)

// New returns the checkers of one run.
func New(cfg Config) *Checker {
	k := &Checker{cfg: cfg, blocks: map[uint64][32]byte{}, clientNode: map[uint64][32]byte{},
		issued: map[[32]byte]bool{}, applied: map[[32]byte]bool{}, failed: map[[32]byte]bool{}, executed: map[uint32]map[[32]byte]uint64{}, written: map[string]int{}}
	k.certs = newCertChecker(&k.cfg)
	return k
}

func (k *Checker) violate(format string, args ...any) { k.cfg.Violate(format, args...) }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// Sent runs the certificate-validity checker on a frame put on the wire.
func (k *Checker) Sent(from uint32, correct bool, frame []byte) { k.certs.sent(from, correct, frame) }

// Executed runs the agreement and certificate checkers on a block a correct replica executed, and checks that
// each of its transactions was submitted and executes once.
func (k *Checker) Executed(replica uint32, store Store, b *chain.Block, results []chain.Result) {
	k.Installed(replica, store, b)
	seen := k.executed[replica]
	if seen == nil {
		seen = map[[32]byte]uint64{}
		k.executed[replica] = seen
	}
	for i, tx := range b.Txs {
		th := chain.TxHash(tx)
		code := results[i].Code
		// A transaction no client signed (only clients hold client keys) must be refused as such.
		if !k.issued[th] && code != chain.CodeBadSignature && code != chain.CodeMalformed {
			k.violate("linearizability: replica %d executed tx %x that no client submitted (result %v)", replica, th[:4], code)
		}
		if code == chain.CodeOK {
			k.apply(replica, th, b.Header.Height)
		}
		// A view change may order a request twice (a new primary that never saw a batch it re-proposes
		// cannot tell its requests apart); the second copy must be refused as a replay.
		if at, ok := seen[th]; ok && at != b.Header.Height && results[i].Code != chain.CodeReplayedNonce && results[i].Code != chain.CodeStaleNonce {
			k.violate("linearizability: replica %d executed tx %x at heights %d and %d", replica, th[:4], at, b.Header.Height)
		}
		if _, ok := seen[th]; !ok {
			seen[th] = b.Header.Height
		}
	}
}

// Installed runs the agreement and certificate checkers on a block a correct replica keeps.
func (k *Checker) Installed(replica uint32, store Store, b *chain.Block) {
	k.agree(replica, b)
	k.certs.checkBlockCert(replica, store, b)
}

// agree is the agreement checker: no two correct replicas (nor one before and after a restart or a state
// transfer) hold different blocks at one height.
func (k *Checker) agree(replica uint32, b *chain.Block) {
	h := b.Header.Hash()
	if prev, ok := k.blocks[b.Header.Height]; ok && prev != h {
		k.violate("agreement: replica %d holds block %x at height %d, another replica %x", replica, h[:4], b.Header.Height, prev[:4])
	}
	k.blocks[b.Header.Height] = h
}

// ClientNodeKept is the agreement checker for the client node: its block at a height is the correct replicas'.
func (k *Checker) ClientNodeKept(height uint64, hash [32]byte) {
	k.clientNode[height] = hash
	k.agreeClientNode(height, hash)
}

func (k *Checker) agreeClientNode(height uint64, h [32]byte) {
	if prev, ok := k.blocks[height]; ok && prev != h {
		k.violate("agreement: the client node holds block %x at height %d, the correct replicas %x", h[:4], height, prev[:4])
	}
}

// CheckpointStored checks the stable checkpoint certificate a correct replica stored.
func (k *Checker) CheckpointStored(replica uint32, cert *consensus.Certificate) {
	k.certs.requireValid(replica, "stored a stable checkpoint", cert)
}

// apply is the outcome-validity checker for a transaction a correct replica executed with CodeOK.
func (k *Checker) apply(replica uint32, th [32]byte, height uint64) {
	if k.failed[th] && !k.applied[th] {
		k.violate("outcome validity: tx %x, reported failed to its client, executed with CodeOK at replica %d height %d", th[:4], replica, height)
	}
	k.applied[th] = true
}

// Failed is the outcome-validity checker for a transaction a client was told failed or was refused.
func (k *Checker) Failed(tx [32]byte) {
	if k.applied[tx] && !k.failed[tx] {
		k.violate("outcome validity: tx %x, executed with CodeOK, reported failed to its client", tx[:4])
	}
	k.failed[tx] = true
}

// Submitted records a transaction a client sent.
func (k *Checker) Submitted(tx [32]byte) { k.issued[tx] = true }

// Ended runs the end-of-run checks, in this order: each correct replica's state root (state equality), every
// block the client node kept against the correct replicas' (those executed after it took its block), every
// acknowledged write on each correct replica at the top height (a replica below the others is the liveness
// checker's, which reported it: it is not wrong), and the client-observed history (linearizability).
func (k *Checker) Ended(end End) {
	var top uint64
	for _, r := range end.Replicas {
		k.checkStateRoot(r.ID, r.State)
		top = max(top, r.State.LastHeader().Height)
	}
	if end.ClientNode != nil {
		for height := uint64(1); height <= *end.ClientNode; height++ {
			k.agreeClientNode(height, k.clientNode[height])
		}
	}
	for _, wr := range k.writes {
		for _, r := range end.Replicas {
			if r.State.LastHeader().Height >= top {
				k.checkWrite(r.ID, r.State, wr)
			}
		}
	}
	k.checkLinearizable()
}
