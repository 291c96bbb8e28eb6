package wire

import (
	"bytes"
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
)

// TestLimitsAgree checks that every transaction a client may send fits every layer it crosses, and every reply a
// replica may send fits the client's reply cap: a smaller layer must never accept what the next one refuses.
// The transport's caps (p2p) are checked against these in client/limits_test.go and node/limits_test.go.
func TestLimitsAgree(t *testing.T) {
	largestCert := len(MarshalCertificate(consensus.Certificate{Kind: consensus.CertCommit, Signers: allReplicas(),
		Sig: make([]byte, consensus.SigBytesMax)}))
	largestProof := len((&StableCheckpointProof{Signers: allReplicas(), Sig: make([]byte, consensus.SigBytesMax)}).Marshal())
	largestExecCert := len((&ExecCert{Signers: allReplicas(), Sig: make([]byte, consensus.SigBytesMax)}).Marshal())
	// The largest NewView quorum 2f+2c+1 over n = 3f+2c+1 <= ReplicasMax, f >= 1: f = 1 and c as large as fits.
	largestNewViewQuorum := 2 + 2*((consensus.ReplicasMax-4)/2) + 1
	largestAnnouncement := len((&CheckpointAnnouncement{Share: make([]byte, consensus.SigBytesMax),
		Sig: make([]byte, consensus.SigBytesMax)}).Marshal())
	const largestBatchMessage = consensus.BatchBytesCap + consensus.BatchRequestsCap*4 + 4*consensus.SigBytesMax
	for _, c := range []struct {
		name         string
		inner, outer int
	}{
		// Submit path: client frame -> chain transaction -> consensus request -> batch -> message -> mesh frame.
		{"submit frame holds the largest transaction", 1 + chain.TxBytesMax, SubmitFrameBytesMax},
		{"submit frame holds nothing the chain refuses", SubmitFrameBytesMax - 1, chain.TxBytesMax},
		{"largest transaction fits a consensus request", chain.TxBytesMax, consensus.RequestBytesMax},
		{"largest request fits a batch (hard cap)", consensus.RequestBytesMax, consensus.BatchBytesCap},
		{"largest request fits a batch (default)", consensus.RequestBytesMax, consensus.BatchBytesDefault},
		{"default batch bytes within the hard cap", consensus.BatchBytesDefault, consensus.BatchBytesCap},
		{"default batch requests within the hard cap", consensus.BatchRequestsDefault, consensus.BatchRequestsCap},
		{"full batch fits a consensus message", largestBatchMessage, consensus.MessageBytesMax},
		{"batch requests fit a block", consensus.BatchRequestsCap, chain.BlockTxsMax},
		{"full batch fits a block", chain.HeaderBytes + 4 + consensus.BatchRequestsCap*4 + consensus.BatchBytesCap,
			chain.BlockBytesMax},
		// State sync and checkpoints. One block with its certificate must fit a blocks answer, or state
		// transfer could never move past it.
		{"largest block and certificate fit a blocks answer", 4 + BlockWithCertBytes(make([]byte, chain.BlockBytesMax),
			make([]byte, largestCert)), BlocksAnswerBytesMax},
		{"a blocks answer fits what the fetcher reads", BlocksAnswerBytesMax, BlocksAnswerReadBytesMax},
		{"a blocks request fits its size", len(BlocksRequest{From: 1, To: 2}.Marshal()), BlocksRequestBytes},
		{"a certificate fits a consensus message", largestCert, consensus.MessageBytesMax},
		{"a stable checkpoint proof fits its cap", largestProof, CheckpointProofBytesMax},
		{"the largest announcement is AnnouncementBytesMax", largestAnnouncement, AnnouncementBytesMax},
		{"AnnouncementBytesMax is the largest announcement", AnnouncementBytesMax, largestAnnouncement},
		// Reply path.
		{"largest result fits a reply", replyFixedBytes + ReplyMessageBytesMax + chain.ResultBytesMax,
			ReplyFrameBytesMax},
		{"largest proven reply fits a reply", replyFixedBytes + ReplyMessageBytesMax + replyResultLenBytes +
			chain.ResultBytesMax + ExecProofBytesMax, ReplyFrameBytesMax},
		{"proof path covers the largest block", chain.BlockTxsMax, 1 << ExecProofSiblingsMax},
		// Signer sets: the bitmap holds every replica, its length a byte; a NewView counts its ViewChanges in one.
		{"the signer bitmap holds every replica", consensus.ReplicasMax, 8 * SignersBitmapBytesMax},
		{"the signer bitmap's length fits its byte", SignersBitmapBytesMax, 0xff},
		{"a NewView's quorum fits its count byte", largestNewViewQuorum, 0xff},
		{"an execution certificate with every signer fits its cap", largestExecCert, ExecCertBytesMax},
		{"ExecCertBytesMax is the largest execution certificate", ExecCertBytesMax, largestExecCert},
	} {
		if c.inner > c.outer {
			t.Errorf("%s: %d > %d", c.name, c.inner, c.outer)
		}
	}
}

// TestLargestFramesDecode builds the largest transaction and the largest proven reply and checks each layer takes
// them.
func TestLargestFramesDecode(t *testing.T) {
	tx := &chain.Tx{Nonce: 1, Op: chain.OpPut, Key: bytes.Repeat([]byte{'k'}, chain.KeyBytesMax),
		Value: bytes.Repeat([]byte{'v'}, chain.ValueBytesMax)}
	raw := tx.Marshal()
	if len(raw) != chain.TxBytesMax {
		t.Fatalf("largest transaction is %d bytes, TxBytesMax %d", len(raw), chain.TxBytesMax)
	}
	if _, err := chain.UnmarshalTx(raw); err != nil {
		t.Fatalf("largest transaction: %v", err)
	}
	got, err := DecodeSubmit(EncodeSubmit(raw))
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("largest submit: %v", err)
	}
	if _, err := DecodeSubmit(EncodeSubmit(append(raw, 0))); err == nil {
		t.Fatal("a submit frame larger than the largest transaction decoded")
	}
	if len(raw) > consensus.RequestBytesMax {
		t.Fatalf("largest transaction (%d bytes) exceeds consensus.RequestBytesMax", len(raw))
	}

	res := (&chain.Result{Found: true, Value: bytes.Repeat([]byte{'v'}, chain.ValueBytesMax)}).Marshal()
	if len(res) != chain.ResultBytesMax {
		t.Fatalf("largest result is %d bytes, ResultBytesMax %d", len(res), chain.ResultBytesMax)
	}
	p := ExecProof{Header: make([]byte, chain.HeaderBytes), Signers: allReplicas(), Sig: make([]byte, consensus.SigBytesMax),
		Siblings: make([][32]byte, ExecProofSiblingsMax)}
	proof := p.Encode()
	if len(proof) != ExecProofBytesMax {
		t.Fatalf("largest proof is %d bytes, ExecProofBytesMax %d", len(proof), ExecProofBytesMax)
	}
	if _, err := DecodeExecProof(proof); err != nil {
		t.Fatalf("largest proof: %v", err)
	}
	msg := string(bytes.Repeat([]byte{'m'}, ReplyMessageBytesMax))
	for _, r := range []*Reply{
		{Status: StatusCommitted, Message: msg, Result: res},
		{Status: StatusProven, Message: msg, Result: res, Proof: proof},
	} {
		b := r.Encode()
		if len(b) > ReplyFrameBytesMax {
			t.Fatalf("status %d: reply of %d bytes exceeds ReplyFrameBytesMax %d", r.Status, len(b), ReplyFrameBytesMax)
		}
		if _, err := DecodeReply(b); err != nil {
			t.Fatalf("status %d: largest reply: %v", r.Status, err)
		}
	}
}
