package adversary

import (
	"slices"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// Certificates the coalition bends rather than forges, for the rules a verifier keeps outside the core:
//   - replay: once a genuine commit certificate was verified (it reached a member), the coalition sends
//     correct replicas a Committed message of another batch at the same slot with that certificate's signers
//     and aggregate signature: valid bytes over other content, which only a verifier that checks the digest
//     every time (not a cache keyed without it) refuses;
//   - weak checkpoint: before each ViewChange of a member, another whose stable checkpoint certificate has f+1
//     signers (the members' shares and one correct replica's, over a genuine state digest): a verifier must
//     refuse the ViewChange (the core checks no count there), and the one that follows is the usual forgery.

// replayKey names a genuine certificate replayed once.
type replayKey struct {
	kind      consensus.CertKind
	view, seq uint64
}

// replayCert sends correct replicas another batch at m's slot under m's commit certificate.
func (co *Coalition) replayCert(at uint32, m *consensus.Message) {
	k := replayKey{m.Cert.Kind, m.Cert.View, m.Seq}
	reqs, ok := co.batches[m.Digest]
	if m.Type == consensus.MsgCommitted {
		reqs, ok = m.Requests, true
	}
	if co.replayed[k] || !ok {
		return
	}
	alt, ok := conflictingBatch(reqs)
	if !ok {
		return
	}
	co.replayed[k] = true
	cert := *m.Cert
	cert.Digest = consensus.BatchDigest(consensus.RequestDigests(alt))
	co.sendCorrect(at, co.sign(at, &consensus.Message{Type: consensus.MsgCommitted, View: cert.View, Seq: m.Seq,
		Digest: cert.Digest, Requests: alt, Cert: &cert}))
}

// noteCheckpointShare keeps a correct replica's checkpoint share (the members sign any digest themselves).
func (co *Coalition) noteCheckpointShare(m *consensus.Message) {
	if co.member(m.From) || len(m.Share) == 0 || m.Cert != nil {
		return
	}
	if co.ckptShare[m.Seq] == nil {
		co.ckptShare[m.Seq] = &checkpointShare{from: m.From, digest: m.Digest, share: m.Share}
	}
	for seq := range co.ckptShare {
		if seq+co.cfg.Window < m.Seq {
			delete(co.ckptShare, seq)
		}
	}
}

type checkpointShare struct {
	from   uint32
	digest [32]byte
	share  []byte
}

// weakCheckpoint is a checkpoint certificate of f+1 signers at the highest sequence number at or above low a
// correct replica signed (nil: none).
func (co *Coalition) weakCheckpoint(low uint64) *consensus.Certificate {
	var best *checkpointShare
	var seq uint64
	for s, sh := range co.ckptShare {
		if s >= low && s > seq {
			best, seq = sh, s
		}
	}
	if best == nil {
		return nil
	}
	sig, err := bls.SignatureFromBytes(best.share)
	if err != nil {
		return nil
	}
	signers, sigs := consensus.ReplicaSetOf(best.from), []bls.Signature{sig}
	for _, id := range co.members {
		signers.Add(id)
		sigs = append(sigs, co.keys[id].Share.Sign(wire.ShareSigningBytes(co.cfg.ChainID, consensus.CertCheckpoint, 0, seq, best.digest)))
	}
	return &consensus.Certificate{Kind: consensus.CertCheckpoint, Seq: seq, Digest: best.digest, Signers: signers,
		Sig: bls.Aggregate(sigs).Bytes()}
}

// weakViewChange is vc with a weak stable checkpoint, its entries at or below it left out (nil: none to use).
func (co *Coalition) weakViewChange(from uint32, vc *consensus.Message) []byte {
	low := uint64(0)
	if vc.Stable != nil {
		low = vc.Stable.Seq
	}
	weak := co.weakCheckpoint(low)
	if weak == nil {
		return nil
	}
	wv := *vc
	wv.Stable = weak
	wv.Entries = slices.DeleteFunc(slices.Clone(vc.Entries), func(e consensus.ViewEntry) bool { return e.Seq <= weak.Seq })
	return co.sign(from, &wv)
}
