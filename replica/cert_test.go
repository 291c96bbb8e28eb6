package replica

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

type testReplicas struct {
	ed   []ed25519.PrivateKey
	pubs []ed25519.PublicKey
	sks  []*bls.SecretKey
	bpks []bls.PublicKey
}

func newTestReplicas(t *testing.T, n int) *testReplicas {
	r := &testReplicas{}
	for i := 0; i < n; i++ {
		seed := bytes.Repeat([]byte{byte(i + 1)}, 32)
		k := ed25519.NewKeyFromSeed(seed)
		sk, err := bls.KeyFromSeed(seed)
		if err != nil {
			t.Fatal(err)
		}
		r.ed, r.pubs = append(r.ed, k), append(r.pubs, k.Public().(ed25519.PublicKey))
		r.sks, r.bpks = append(r.sks, sk), append(r.bpks, sk.PublicKey())
	}
	return r
}

func (r *testReplicas) request(kind consensus.CertKind, signers []int) consensus.CombineRequest {
	req := consensus.CombineRequest{Kind: kind, View: 0, Seq: 7, Digest: [32]byte{7}}
	msg := wire.ShareSigningBytes("c", kind, 0, 7, req.Digest)
	for _, i := range signers {
		req.Shares = append(req.Shares, consensus.Share{From: uint32(i), Sig: r.sks[i].Sign(msg).Bytes()})
	}
	return req
}

func (r *testReplicas) message(t consensus.MsgType, cert *consensus.Certificate) *consensus.Message {
	m := &consensus.Message{Type: t, From: 1, View: 0, Seq: 7, Digest: [32]byte{7}, Cert: cert}
	m.Sig = ed25519.Sign(r.ed[1], wire.MessageSigningBytes("c", m))
	return m
}

// committed is a Committed message from replica 1 with the given flags and requests.
func (r *testReplicas) committed(cert *consensus.Certificate, flags uint8, reqs [][]byte) *consensus.Message {
	m := &consensus.Message{Type: consensus.MsgCommitted, From: 1, View: 0, Seq: 7, Digest: [32]byte{7}, Flags: flags,
		Requests: reqs, Cert: cert}
	m.Sig = ed25519.Sign(r.ed[1], wire.MessageSigningBytes("c", m))
	return m
}

func TestCombineFindsTheBadShare(t *testing.T) {
	r := newTestReplicas(t, 4)
	good := combineShares("c", r.bpks, nil, r.request(consensus.CertFast, []int{0, 1, 2, 3}))
	if good.Cert == nil || good.Cert.SignerCount() != 4 {
		t.Fatalf("valid shares did not combine: bad %v", good.Bad)
	}
	req := r.request(consensus.CertFast, []int{0, 1, 2, 3})
	req.Shares[2].Sig = r.sks[2].Sign([]byte("another message")).Bytes()
	res := combineShares("c", r.bpks, nil, req)
	if res.Cert != nil || len(res.Bad) != 1 || res.Bad[0] != 2 {
		t.Fatalf("forged share: cert %v, bad %v", res.Cert, res.Bad)
	}
	req.Shares[2] = consensus.Share{From: 9, Sig: req.Shares[1].Sig} // not a replica
	if res := combineShares("c", r.bpks, nil, req); res.Cert != nil || len(res.Bad) == 0 {
		t.Fatal("a share from a non-replica combined")
	}
}

func TestVerifierChecksCertificates(t *testing.T) {
	r := newTestReplicas(t, 4)
	v := NewVerifier("c", r.pubs, r.bpks, 1, 0, NewFIFOSet(16))
	fast := combineShares("c", r.bpks, nil, r.request(consensus.CertFast, []int{0, 1, 2, 3})).Cert
	prep := combineShares("c", r.bpks, nil, r.request(consensus.CertPrepare, []int{0, 1, 2})).Cert
	short := combineShares("c", r.bpks, nil, r.request(consensus.CertPrepare, []int{0, 1})).Cert
	missing := *fast
	missing.Signers = consensus.ReplicaSetOf(0, 1, 2) // claims fewer signers than signed: the aggregate no longer matches
	outside := *prep
	outside.Signers.Add(9)
	cases := []struct {
		name string
		m    *consensus.Message
		ok   bool
	}{
		{"fast certificate", r.message(consensus.MsgFullCommit, fast), true},
		{"prepare certificate", r.message(consensus.MsgPrepareFull, prep), true},
		{"wrong kind for the message", r.message(consensus.MsgFullCommit, prep), false},
		{"below quorum", r.message(consensus.MsgPrepareFull, short), false},
		{"bitmap does not match the signature", r.message(consensus.MsgFullCommit, &missing), false},
		{"signer outside the replica set", r.message(consensus.MsgPrepareFull, &outside), false},
		{"no certificate", r.message(consensus.MsgCommitFull, nil), false},
		{"certificate where none belongs", r.message(consensus.MsgPartialCommit, fast), false},
		// A Committed carries its batch, or, flagged, the certificate alone (consensus/status.go).
		{"committed batch that does not match the digest", r.committed(fast, 0, nil), false},
		{"certificate-only Committed", r.committed(fast, consensus.FlagBatchMissing, nil), true},
		{"certificate-only Committed with requests", r.committed(fast, consensus.FlagBatchMissing, [][]byte{{1}}), false},
		{"certificate-only Committed without a certificate", r.committed(nil, consensus.FlagBatchMissing, nil), false},
	}
	for _, tc := range cases {
		// Through the codec, as from the network.
		m, err := wire.UnmarshalMessage(wire.MarshalMessage(tc.m))
		if err == nil {
			err = v.Verify(1, m)
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

// Bisection names exactly the bad shares, wherever they sit among many, in fewer pairing checks than one per
// share.
func TestCombineNamesEveryBadShare(t *testing.T) {
	const n = 16
	r := newTestReplicas(t, n)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	for _, badAt := range [][]int{{0}, {15}, {3, 11}, {4, 5, 6}, {0, 15}} {
		req := r.request(consensus.CertFast, all)
		for _, i := range badAt {
			req.Shares[i].Sig = r.sks[i].Sign([]byte("another message")).Bytes()
		}
		res := combineShares("c", r.bpks, nil, req)
		got := make(map[consensus.ReplicaID]bool)
		for _, b := range res.Bad {
			got[b] = true
		}
		if res.Cert != nil || len(res.Bad) != len(badAt) {
			t.Fatalf("bad shares at %v: cert %v, named %v", badAt, res.Cert, res.Bad)
		}
		for _, i := range badAt {
			if !got[consensus.ReplicaID(i)] {
				t.Fatalf("bad shares at %v: named %v", badAt, res.Bad)
			}
		}
	}
}
