package replica

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/wire"
	"github.com/sbftnet/sbft/wire/be"
)

// VerifyExecCert checks an execution certificate: f+1 replicas' aggregate signature over its height and block.
func (v *Verifier) VerifyExecCert(c *wire.ExecCert) error {
	return v.verifyCert(&consensus.Certificate{Kind: consensus.CertExec, Seq: c.Height, Digest: c.BlockHash,
		Signers: c.Signers, Sig: c.Sig}, []consensus.CertKind{consensus.CertExec})
}

// ErrVerify is returned for a message that fails verification.
var ErrVerify = errors.New("message verification failed")

// NewVerifier returns the checks a replica applies to consensus messages before its core sees them.
func NewVerifier(chainID string, pubs []ed25519.PublicKey, blsPubs []bls.PublicKey, f, c int, txs *FIFOSet) *Verifier {
	return &Verifier{chainID: chainID, pubs: pubs, blsPubs: blsPubs, f: f, c: c, txs: txs,
		certs: NewFIFOSet(VerifiedCertCacheMax)}
}

// Verify checks m from replica `from`; see verify.
func (v *Verifier) Verify(from uint32, m *consensus.Message) error { return v.verify(from, m) }

// Verifier checks everything the core takes on trust. It is safe for concurrent use: each peer's reader
// goroutine verifies its own messages, so verification runs in parallel across peers.
type Verifier struct {
	chainID string
	pubs    []ed25519.PublicKey
	blsPubs []bls.PublicKey
	f, c    int
	txs     *FIFOSet // hashes of transactions whose client signature verified
	certs   *FIFOSet // hashes of certificates that verified: view changes repeat the same ones many times
}

// certKinds are the certificate kinds each message type may carry.
var certKinds = map[consensus.MsgType][]consensus.CertKind{
	consensus.MsgFullCommit:  {consensus.CertFast},
	consensus.MsgPrepareFull: {consensus.CertPrepare},
	consensus.MsgCommitFull:  {consensus.CertCommit},
	consensus.MsgCommitted:   {consensus.CertFast, consensus.CertCommit},
	consensus.MsgCheckpoint:  {consensus.CertCheckpoint}, // a stable checkpoint; a share comes without one
	wire.FrameExecShare:      {consensus.CertExec},       // a combined execution certificate; a share comes without one
}

// certOptional reports whether a message type may come with or without its certificate.
func certOptional(t consensus.MsgType) bool {
	return t == consensus.MsgCheckpoint || t == wire.FrameExecShare
}

// verify checks m from transport peer `from`: sender, signature, batch digest, certificate, and pre-checks the
// client signatures of the batch's transactions (caching the good ones so execution skips them).
func (v *Verifier) verify(from uint32, m *consensus.Message) error {
	// A NewView is relayed by any replica to one that missed it: it stands on its primary's signature.
	if (m.From != from && m.Type != consensus.MsgNewView) || int(m.From) >= len(v.pubs) {
		return fmt.Errorf("%w: message from %d claims sender %d", ErrVerify, from, m.From)
	}
	if !ed25519.Verify(v.pubs[m.From], wire.MessageSigningBytes(v.chainID, m), m.Sig) {
		return fmt.Errorf("%w: bad %v signature from %d", ErrVerify, m.Type, m.From)
	}
	if kinds, ok := certKinds[m.Type]; ok && (m.Cert != nil || !certOptional(m.Type)) {
		if err := v.verifyCert(m.Cert, kinds); err != nil {
			return err
		}
	} else if m.Cert != nil {
		return fmt.Errorf("%w: %v carries a certificate", ErrVerify, m.Type)
	}
	if (m.Type == wire.FrameExecShare || m.Type == consensus.MsgCheckpoint) && len(m.Share) == 0 && m.Cert == nil {
		return fmt.Errorf("%w: %v without a share", ErrVerify, m.Type)
	}
	switch m.Type {
	case consensus.MsgViewChange:
		return v.verifyViewChangeCerts(m)
	case consensus.MsgNewView:
		return v.verifyNewView(m)
	case wire.FrameRequest:
		m.ReqDigests = consensus.RequestDigests(m.Requests)
		v.preverifyTxs(m.Requests, m.ReqDigests)
	case consensus.MsgPrePrepare, consensus.MsgCommitted:
		if m.Type == consensus.MsgCommitted && m.Flags&consensus.FlagBatchMissing != 0 {
			if len(m.Requests) != 0 {
				return fmt.Errorf("%w: certificate-only Committed at seq %d carries requests", ErrVerify, m.Seq)
			}
			return nil // the certificate alone: the receiver completes it with a batch it holds
		}
		m.ReqDigests = consensus.RequestDigests(m.Requests)
		if consensus.BatchDigest(m.ReqDigests) != m.Digest {
			return fmt.Errorf("%w: batch digest mismatch at seq %d", ErrVerify, m.Seq)
		}
		v.preverifyTxs(m.Requests, m.ReqDigests)
	}
	return nil
}

// verifyNewView checks every ViewChange a NewView carries: each signed by its sender, with valid certificates.
// (Which ViewChanges form a quorum and what plan they give is the core's to check.)
func (v *Verifier) verifyNewView(m *consensus.Message) error {
	for _, vc := range m.ViewChanges {
		signed := mutant.On(mutant.NewViewSignatures) || // planted: the ViewChanges' signatures go unchecked
			int(vc.From) < len(v.pubs) && ed25519.Verify(v.pubs[vc.From], wire.MessageSigningBytes(v.chainID, vc), vc.Sig)
		if int(vc.From) >= len(v.pubs) || !signed {
			return fmt.Errorf("%w: new view %d carries a view change not signed by %d", ErrVerify, m.View, vc.From)
		}
		if err := v.verifyViewChangeCerts(vc); err != nil {
			return fmt.Errorf("new view %d: %w", m.View, err)
		}
	}
	return nil
}

// verifyViewChangeCerts checks the stable checkpoint and every certificate a ViewChange reports.
func (v *Verifier) verifyViewChangeCerts(m *consensus.Message) error {
	if m.Stable != nil {
		if err := v.verifyCert(m.Stable, []consensus.CertKind{consensus.CertCheckpoint}); err != nil {
			return fmt.Errorf("view change from %d: stable checkpoint: %w", m.From, err)
		}
	}
	for i := range m.Entries {
		e := &m.Entries[i]
		if e.Prepared != nil {
			if err := v.verifyCert(e.Prepared, []consensus.CertKind{consensus.CertPrepare}); err != nil {
				return fmt.Errorf("view change from %d: %w", m.From, err)
			}
		}
		if e.Committed != nil {
			if err := v.verifyCert(e.Committed, []consensus.CertKind{consensus.CertFast, consensus.CertCommit}); err != nil {
				return fmt.Errorf("view change from %d: %w", m.From, err)
			}
		}
	}
	return nil
}

// verifyCert checks a quorum certificate: an allowed kind, enough replicas in its signer set, and one
// aggregate BLS signature by exactly them over the certificate's canonical digest. Certificates that
// verified before are recognized by hash.
func (v *Verifier) verifyCert(c *consensus.Certificate, kinds []consensus.CertKind) error {
	if c == nil || !slices.Contains(kinds, c.Kind) {
		return fmt.Errorf("%w: missing or wrong certificate kind", ErrVerify)
	}
	key := certKey(c)
	if v.certs.Has(key) {
		return nil
	}
	if err := v.verifyCertSig(c); err != nil {
		return err
	}
	v.certs.Add(key)
	return nil
}

func certKey(c *consensus.Certificate) [32]byte {
	h := sha256.New()
	b := make([]byte, 1, 1+8+8+wire.SignersBytesMax)
	b[0] = byte(c.Kind)
	h.Write(wire.AppendSigners(be.AppendU64(be.AppendU64(b, c.View), c.Seq), c.Signers))
	if !mutant.On(mutant.CertCacheDigest) { // planted: a signature replayed over another digest hits the cache
		h.Write(c.Digest[:])
	}
	h.Write(c.Sig)
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func (v *Verifier) verifyCertSig(c *consensus.Certificate) error {
	need := consensus.QuorumFor(c.Kind, len(v.blsPubs), v.f, v.c)
	if mutant.On(mutant.CheckpointCert) && c.Kind == consensus.CertCheckpoint {
		need = v.f + 1 // planted: the core's own count still refuses it in a Checkpoint message, not elsewhere
	}
	msg := wire.ShareSigningBytes(v.chainID, c.Kind, c.View, c.Seq, c.Digest)
	if err := bls.VerifySigners(v.blsPubs, c.Signers.Members(), need, msg, c.Sig); err != nil {
		return fmt.Errorf("%w: %v certificate for seq %d: %w", ErrVerify, c.Kind, c.Seq, err)
	}
	return nil
}

// preverifyTxs batch-verifies, on every core, the client signatures of transactions not checked before: a
// backup learns most transactions from the primary's PrePrepare and checks them before it votes.
func (v *Verifier) preverifyTxs(raw [][]byte, hashes [][32]byte) {
	var txs []*chain.Tx
	var hs [][32]byte
	for i, r := range raw {
		if v.txs.Has(hashes[i]) {
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
	for i, err := range chain.VerifyTxsOnCores(v.chainID, txs) {
		if err == nil {
			v.txs.Add(hs[i])
		}
	}
}

// VerifyStableCheckpoint checks a proof against the genesis keys: 2f+c+1 replicas signed its digest.
func (v *Verifier) VerifyStableCheckpoint(p *wire.StableCheckpointProof) error {
	cert := p.Certificate(v.chainID)
	return v.verifyCert(&cert, []consensus.CertKind{consensus.CertCheckpoint})
}

// VerifyBlockCert checks that cert is a valid commit certificate (fast or slow path) of block: signed by a
// quorum of the genesis's replicas, for the block's sequence number and its batch of transactions.
func (v *Verifier) VerifyBlockCert(block *chain.Block, cert []byte) error {
	c, err := wire.UnmarshalCertificate(cert)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBlockCert, err)
	}
	if err := v.verifyCert(&c, []consensus.CertKind{consensus.CertFast, consensus.CertCommit}); err != nil {
		return fmt.Errorf("%w: %v", ErrBlockCert, err)
	}
	otherBatch := c.Digest != consensus.BatchDigest(consensus.RequestDigests(block.Txs)) && !mutant.On(mutant.BlockCertBatch)
	if c.Seq != block.Header.Seq || otherBatch { // planted: a certificate of another batch at this seq
		return fmt.Errorf("%w: certificate of seq %d does not cover block %d (seq %d)", ErrBlockCert, c.Seq, block.Header.Height, block.Header.Seq)
	}
	return nil
}

// ErrBlockCert is returned for a block whose commit certificate does not prove it.
var ErrBlockCert = errors.New("block not proven by its certificate")
