package node

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
)

// ErrVerify is returned for a message that fails verification.
var ErrVerify = errors.New("message verification failed")

// NewVerifier returns the checks a replica applies to consensus messages before its core sees them.
func NewVerifier(chainID string, pubs []ed25519.PublicKey, f int, txs *TxCache) *Verifier {
	return &Verifier{chainID: chainID, pubs: pubs, quorum: 2*f + 1, txs: txs}
}

// Verify checks m from replica `from`; see verify.
func (v *Verifier) Verify(from uint32, m *consensus.Message) error { return v.verify(from, m) }

// Verifier checks everything the core takes on trust. It is safe for concurrent use: each peer's reader
// goroutine verifies its own messages, so verification runs in parallel across peers.
type Verifier struct {
	chainID string
	pubs    []ed25519.PublicKey
	quorum  int
	txs     *TxCache
}

// verify checks m from transport peer `from`: sender, signature, batch digest, certificate, and pre-checks the
// client signatures of the batch's transactions (caching the good ones so execution skips them).
func (v *Verifier) verify(from uint32, m *consensus.Message) error {
	if m.From != from || int(m.From) >= len(v.pubs) {
		return fmt.Errorf("%w: message from %d claims sender %d", ErrVerify, from, m.From)
	}
	if !ed25519.Verify(v.pubs[m.From], m.SigningBytes(v.chainID), m.Sig) {
		return fmt.Errorf("%w: bad %v signature from %d", ErrVerify, m.Type, m.From)
	}
	switch m.Type {
	case consensus.MsgPrePrepare, consensus.MsgCommitted:
		m.ReqDigests = consensus.RequestDigests(m.Requests)
		if consensus.BatchDigest(m.ReqDigests) != m.Digest {
			return fmt.Errorf("%w: batch digest mismatch at seq %d", ErrVerify, m.Seq)
		}
		if m.Type == consensus.MsgCommitted {
			if err := v.verifyCert(consensus.Certificate{View: m.View, Seq: m.Seq, Digest: m.Digest, Votes: m.Cert}); err != nil {
				return err
			}
		}
		v.preverifyTxs(m.Requests, m.ReqDigests)
	}
	return nil
}

// verifyCert checks a commit certificate: a quorum of distinct replicas' valid Commit signatures.
func (v *Verifier) verifyCert(c consensus.Certificate) error {
	if len(c.Votes) < v.quorum {
		return fmt.Errorf("%w: certificate for seq %d has %d votes, need %d", ErrVerify, c.Seq, len(c.Votes), v.quorum)
	}
	seen := make(map[uint32]bool, len(c.Votes))
	for _, vote := range c.Votes {
		if int(vote.From) >= len(v.pubs) || seen[vote.From] {
			return fmt.Errorf("%w: certificate for seq %d has a bad or repeated voter %d", ErrVerify, c.Seq, vote.From)
		}
		seen[vote.From] = true
		msg := consensus.CommitVoteSigningBytes(v.chainID, vote.From, c.View, c.Seq, c.Digest)
		if !ed25519.Verify(v.pubs[vote.From], msg, vote.Sig) {
			return fmt.Errorf("%w: certificate for seq %d: bad signature of %d", ErrVerify, c.Seq, vote.From)
		}
	}
	return nil
}

// preverifyTxs batch-verifies the client signatures of transactions not checked before.
func (v *Verifier) preverifyTxs(raw [][]byte, hashes [][32]byte) {
	var txs []*chain.Tx
	var hs [][32]byte
	for i, r := range raw {
		if v.txs.has(hashes[i]) {
			continue
		}
		tx, err := chain.UnmarshalTx(r)
		if err != nil {
			continue // executes as malformed, deterministically
		}
		txs = append(txs, tx)
		hs = append(hs, hashes[i])
	}
	if len(txs) == 0 {
		return
	}
	for i, err := range chain.VerifyTxs(v.chainID, txs) {
		if err == nil {
			v.txs.add(hs[i])
		}
	}
}

// TxCache remembers hashes of transactions whose client signature verified, FIFO-bounded.
type TxCache struct {
	mu   sync.Mutex
	set  map[[32]byte]struct{}
	ring [][32]byte // grows to max, then wraps
	max  int
	next int
}

// NewTxCache returns a cache of at most max hashes.
func NewTxCache(max int) *TxCache {
	return &TxCache{set: make(map[[32]byte]struct{}), max: max}
}

func (c *TxCache) add(h [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.set[h]; ok {
		return
	}
	c.set[h] = struct{}{}
	if len(c.ring) < c.max {
		c.ring = append(c.ring, h)
		return
	}
	delete(c.set, c.ring[c.next])
	c.ring[c.next] = h
	c.next = (c.next + 1) % c.max
}

func (c *TxCache) has(h [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.set[h]
	return ok
}
