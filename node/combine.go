package node

import (
	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/consensus"
)

// blsSigner signs certificate shares with the replica's BLS key (deterministic, as the core requires).
type blsSigner struct{ sk *bls.SecretKey }

func (s blsSigner) Sign(msg []byte) []byte { return s.sk.Sign(msg).Bytes() }

// combineShares builds the certificate a CombineRequest asks for: it aggregates the shares and checks the
// aggregate with one pairing check, and only if that fails checks the shares one by one to name the bad
// signers.
func combineShares(chainID string, pubs []bls.PublicKey, req consensus.CombineRequest) consensus.CombineResult {
	msg := consensus.ShareSigningBytes(chainID, req.Kind, req.View, req.Seq, req.Digest)
	var bad []consensus.ReplicaID
	sigs := make([]bls.Signature, 0, len(req.Shares))
	pks := make([]bls.PublicKey, 0, len(req.Shares))
	from := make([]consensus.ReplicaID, 0, len(req.Shares))
	var signers uint64
	for _, sh := range req.Shares {
		sig, err := bls.SignatureFromBytes(sh.Sig)
		if int(sh.From) >= len(pubs) || err != nil {
			bad = append(bad, sh.From)
			continue
		}
		sigs, pks, from = append(sigs, sig), append(pks, pubs[sh.From]), append(from, sh.From)
		signers |= 1 << sh.From
	}
	agg := bls.Aggregate(sigs)
	if len(bad) == 0 && bls.VerifyAggregate(pks, msg, agg) {
		return consensus.CombineResult{Request: req, Cert: &consensus.Certificate{Kind: req.Kind, View: req.View,
			Seq: req.Seq, Digest: req.Digest, Signers: signers, Sig: agg.Bytes()}}
	}
	for i := range sigs {
		if !bls.Verify(pks[i], msg, sigs[i]) {
			bad = append(bad, from[i])
		}
	}
	return consensus.CombineResult{Request: req, Bad: bad}
}
