package replica

import (
	"time"

	"crypto/ed25519"
	"crypto/sha256"
	"log/slog"
	"testing"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

type nullTransport struct{}

func (nullTransport) Send(uint32, []byte) bool { return true }
func (nullTransport) Broadcast([]byte)         {}

type recordingWaiter struct {
	replies []*wire.Reply
	blocks  []*wire.BlockReply
}

func (w *recordingWaiter) Deliver(r *wire.Reply)           { w.replies = append(w.replies, r) }
func (w *recordingWaiter) DeliverBlock(b *wire.BlockReply) { w.blocks = append(w.blocks, b) }

// newTestDriver builds replica id of a 4-replica network on a memory store, with its BLS keys.
func newTestDriver(t testing.TB, id uint32) *Driver {
	t.Helper()
	d, err := openTestDriver(t, id, chain.NewMemStore(), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// openTestDriver builds replica id of a 4-replica network on store, with its BLS keys and mark (nil: none).
func openTestDriver(t testing.TB, id uint32, store chain.Store, mark *SignedMark, recover bool) (*Driver, error) {
	t.Helper()
	const n = 4
	var blsPubs []bls.PublicKey
	var blsKeys []*bls.SecretKey
	for i := 0; i < n; i++ {
		seed := sha256.Sum256([]byte{byte(i)})
		k, err := bls.KeyFromSeed(seed[:])
		if err != nil {
			t.Fatal(err)
		}
		blsKeys, blsPubs = append(blsKeys, k), append(blsPubs, k.PublicKey())
	}
	seed := sha256.Sum256([]byte("replica"))
	return NewDriver(DriverConfig{ChainID: "c", ID: id, N: n, F: 1, Signer: MessageSigner{ChainID: "c", Key: ed25519.NewKeyFromSeed(seed[:])},
		ShareKey: blsKeys[id], BLSKeys: blsPubs, Consensus: DefaultConsensusConfig(), CheckpointInterval: 10,
		Store: store, Transport: nullTransport{}, Logger: slog.New(slog.DiscardHandler), Mark: mark, Recover: recover})
}

// signedPut is a put by the client of key ck with nonce, encoded.
func signedPut(ck ed25519.PrivateKey, nonce uint64) []byte {
	tx := &chain.Tx{Nonce: nonce, Op: chain.OpPut, Key: []byte("k"), Value: []byte("v")}
	copy(tx.Client[:], ck.Public().(ed25519.PublicKey))
	tx.Sign("c", ck)
	return tx.Marshal()
}

// A transaction ordered twice (a view change may re-propose it) in two blocks executed together: the client
// waiting here hears its first result only, and the execution collector of the second block does not keep it
// waiting for a proof of the replay. (Found by the simulator: a proven "replayed nonce" for a put that applied.)
func TestTwiceOrderedTxGetsItsFirstResultOnly(t *testing.T) {
	d := newTestDriver(t, 2) // a backup in view 0: not the execution collector
	raw := signedPut(ed25519.NewKeyFromSeed(sha256.New().Sum(nil)), 1)
	h := chain.TxHash(raw)
	w := &recordingWaiter{}
	d.replies.waiters.add(h, w, 0, time.Time{})
	if _, err := d.apply(consensus.Ready{Committed: []consensus.CommittedBatch{
		{Seq: 1, Requests: [][]byte{raw}}, {Seq: 2, Requests: [][]byte{raw}}}}); err != nil {
		t.Fatal(err)
	}
	if len(w.replies)+len(w.blocks) != 0 {
		t.Fatal("answered before the block's certificate or the proof wait")
	}
	if eb := d.replies.exec.blocks[2]; eb != nil {
		t.Fatalf("height 2 kept with %d waiting: the replay's result would reach the client", len(eb.waiting))
	}
	for range d.replies.proofWait {
		d.Tick()
	}
	if len(w.replies) != 1 || len(w.blocks) != 0 {
		t.Fatalf("%d replies and %d block replies, want 1 plain reply after the proof wait", len(w.replies), len(w.blocks))
	}
	res, err := chain.UnmarshalResult(w.replies[0].Result)
	if err != nil || res.Code != chain.CodeOK || res.Height != 1 {
		t.Fatalf("reply %v %v: want the put applied at height 1", res, err)
	}
}

// testExecCert is the execution certificate of block (height, hash) by replicas 0 and 1 of newTestDriver's
// network.
func testExecCert(t *testing.T, d *Driver, height uint64, hash [32]byte) *wire.ExecCert {
	t.Helper()
	req := consensus.CombineRequest{Kind: consensus.CertExec, Seq: height, Digest: hash}
	for i := range 2 {
		seed := sha256.Sum256([]byte{byte(i)})
		k, err := bls.KeyFromSeed(seed[:])
		if err != nil {
			t.Fatal(err)
		}
		req.Shares = append(req.Shares, consensus.Share{From: uint32(i),
			Sig: k.Sign(wire.ShareSigningBytes("c", consensus.CertExec, 0, height, hash)).Bytes()})
	}
	res := combineShares("c", d.cfg.BLSKeys, nil, req)
	if res.Cert == nil {
		t.Fatal("test certificate did not combine")
	}
	return &wire.ExecCert{Height: height, BlockHash: hash, Signers: res.Cert.Signers, Sig: res.Cert.Sig}
}

// One block, two client sessions waiting for three of its transactions: once the block's certificate comes,
// each session gets one block reply with its own results, each with a path to the certified results root, and
// the replica names the primary it sees.
func TestBlockReplyPerSessionPerBlock(t *testing.T) {
	d := newTestDriver(t, 2)
	a, b := &recordingWaiter{}, &recordingWaiter{}
	var txs [][]byte
	for i := range 3 {
		seed := sha256.Sum256([]byte{byte(i), 'k'})
		raw := signedPut(ed25519.NewKeyFromSeed(seed[:]), 1)
		txs = append(txs, raw)
		w := a
		if i == 1 {
			w = b
		}
		d.replies.waiters.add(chain.TxHash(raw), w, 0, time.Time{})
	}
	if _, err := d.apply(consensus.Ready{Committed: []consensus.CommittedBatch{{Seq: 1, Requests: txs}}}); err != nil {
		t.Fatal(err)
	}
	hdr := d.app.LastHeader()
	d.replies.onExecCert(testExecCert(t, d, 1, hdr.Hash()))
	if len(a.blocks) != 1 || len(b.blocks) != 1 || len(a.replies)+len(b.replies) != 0 {
		t.Fatalf("session a: %d block replies, b: %d; want one each and no plain replies", len(a.blocks), len(b.blocks))
	}
	for name, want := range map[string]struct {
		w       *recordingWaiter
		indexes []uint32
	}{"a": {a, []uint32{0, 2}}, "b": {b, []uint32{1}}} {
		br := want.w.blocks[0]
		if br.Primary != 0 || br.Replica != 2 || br.Count != 3 || len(br.Entries) != len(want.indexes) {
			t.Fatalf("session %s: %+v", name, br)
		}
		for k, e := range br.Entries {
			res, err := chain.UnmarshalResult(e.Result)
			if err != nil || e.Index != want.indexes[k] || res.TxHash != chain.TxHash(txs[e.Index]) ||
				!chain.VerifyMerkleProof(hdr.ResultsRoot, chain.ResultLeaf(res), int(e.Index), int(br.Count), e.Siblings) {
				t.Fatalf("session %s entry %d: index %d, %v: not its result on a valid path", name, k, e.Index, err)
			}
		}
	}
	for range d.replies.proofWait {
		d.Tick()
	}
	if len(a.replies)+len(b.replies) != 0 {
		t.Fatal("plain replies after the proven ones")
	}
}

// A certificate of another block at the same height (this replica diverged, or a forgery that verified) answers
// nobody: the clients get plain replies after the proof wait.
func TestBlockReplyOnlyForOwnBlock(t *testing.T) {
	d := newTestDriver(t, 2)
	raw := signedPut(ed25519.NewKeyFromSeed(sha256.New().Sum(nil)), 1)
	w := &recordingWaiter{}
	d.replies.waiters.add(chain.TxHash(raw), w, 0, time.Time{})
	if _, err := d.apply(consensus.Ready{Committed: []consensus.CommittedBatch{{Seq: 1, Requests: [][]byte{raw}}}}); err != nil {
		t.Fatal(err)
	}
	d.replies.onExecCert(testExecCert(t, d, 1, [32]byte{0xee}))
	for range d.replies.proofWait {
		d.Tick()
	}
	if len(w.blocks) != 0 || len(w.replies) != 1 {
		t.Fatalf("%d block replies, %d plain: want the plain reply only", len(w.blocks), len(w.replies))
	}
}

// After an overload a backup holds many requests its clients' later transactions made dead (the primary
// refused them, the clients went on). One sweep must clear a backlog far longer than a forwarding batch, or the
// backup forwards dead requests, nothing commits, and it complains about an idle primary (measured: a view
// change 30 s after an 8,000 tx/s overload, with 14,000 requests queued at each backup).
func TestDeadRequestSweepClearsBacklog(t *testing.T) {
	const dead = 1000 // several forwarding batches (consensus.ForwardRequestsMax)
	d := newTestDriver(t, 1)
	seed := sha256.Sum256([]byte("client"))
	ck := ed25519.NewKeyFromSeed(seed[:])
	for nonce := uint64(1); nonce <= dead; nonce++ {
		raw := signedPut(ck, nonce)
		if err := d.core.Propose(consensus.Request{Digest: chain.TxHash(raw), Data: raw}); err != nil {
			t.Fatal(err)
		}
	}
	live := signedPut(ck, 10_000)
	if err := d.core.Propose(consensus.Request{Digest: chain.TxHash(live), Data: live}); err != nil {
		t.Fatal(err)
	}
	var later [][]byte // executed elsewhere first: the client's window moves past nonces 1..dead
	for nonce := uint64(dead + 1); nonce <= dead+chain.NonceWindow+1; nonce++ {
		later = append(later, signedPut(ck, nonce))
	}
	if _, err := d.apply(consensus.Ready{Committed: []consensus.CommittedBatch{{Seq: 1, Requests: later}}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < QueueCheckIntervalTicks; i++ {
		d.Tick()
	}
	st := d.core.Status()
	if st.Counters.DiscardedRequests != dead || st.PendingRequests != 1 {
		t.Fatalf("discarded %d, %d still queued; want %d discarded and the live one queued", st.Counters.DiscardedRequests, st.PendingRequests, dead)
	}
	if q := d.core.OldestQueued(2); len(q) != 1 || string(q[0].Data) != string(live) {
		t.Fatalf("queued %d requests, want only the live one", len(q))
	}
}

// queueLive queues n live requests from 8 clients at d (forwarded, so admission does not stop them).
func queueLive(b *testing.B, d *Driver, n int) {
	var keys []ed25519.PrivateKey
	for i := 0; i < 8; i++ {
		seed := sha256.Sum256([]byte{byte(i), 'c'})
		keys = append(keys, ed25519.NewKeyFromSeed(seed[:]))
	}
	for i := 0; i < n; i++ {
		raw := signedPut(keys[i%8], uint64(i+1))
		if err := d.core.Propose(consensus.Request{Digest: chain.TxHash(raw), Data: raw, Forwarded: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// The driver's sweep of a full backlog (QueueCheckRequestsMax live requests), once per QueueCheckIntervalTicks.
func BenchmarkDeadRequestSweep(b *testing.B) {
	d := newTestDriver(b, 1)
	queueLive(b, d, QueueCheckRequestsMax)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.discardDeadRequests()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*QueueCheckRequestsMax), "ns/request")
}

// The same sweep as before this change: each request decoded and its client's nonce state read on its own.
func BenchmarkDeadRequestSweepPerRequestRead(b *testing.B) {
	d := newTestDriver(b, 1)
	queueLive(b, d, QueueCheckRequestsMax)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range d.core.OldestQueued(QueueCheckRequestsMax) {
			tx, err := chain.UnmarshalTx(r.Data)
			if err != nil || d.app.CheckNonce(tx.Client, tx.Nonce) != nil {
				b.Fatal("a live request looks dead")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*QueueCheckRequestsMax), "ns/request")
}
