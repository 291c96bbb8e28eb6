package node

import (
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

type recordingWaiter struct{ replies []*wire.Reply }

func (w *recordingWaiter) Deliver(r *wire.Reply) { w.replies = append(w.replies, r) }

// A transaction ordered twice (a view change may re-propose it) in two blocks executed together: the client
// waiting here hears its first result only, and the execution collector of the second block does not keep it
// waiting for a proof of the replay. (Found by the simulator: a proven "replayed nonce" for a put that applied.)
func TestTwiceOrderedTxGetsItsFirstResultOnly(t *testing.T) {
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
	const id = 2 // the execution collector of height 2
	seed := sha256.Sum256([]byte("replica"))
	d, err := NewDriver(DriverConfig{ChainID: "c", ID: id, N: n, F: 1, Signer: MessageSigner{ChainID: "c", Key: ed25519.NewKeyFromSeed(seed[:])},
		ShareKey: blsKeys[id], BLSKeys: blsPubs, Consensus: DefaultConfig().Consensus, CheckpointInterval: 10,
		Store: chain.NewMemStore(), Transport: nullTransport{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ck := ed25519.NewKeyFromSeed(sha256.New().Sum(nil))
	tx := &chain.Tx{Nonce: 1, Op: chain.OpPut, Key: []byte("k"), Value: []byte("v")}
	copy(tx.Client[:], ck.Public().(ed25519.PublicKey))
	tx.Sign("c", ck)
	raw := tx.Marshal()
	h := chain.TxHash(raw)
	w := &recordingWaiter{}
	d.replies.waiters.add(h, w, 0)
	if _, err := d.apply(consensus.Ready{Committed: []consensus.CommittedBatch{
		{Seq: 1, Requests: [][]byte{raw}}, {Seq: 2, Requests: [][]byte{raw}}}}); err != nil {
		t.Fatal(err)
	}
	if len(w.replies) != 1 {
		t.Fatalf("%d replies, want 1", len(w.replies))
	}
	res, err := chain.UnmarshalResult(w.replies[0].Result)
	if err != nil || res.Code != chain.CodeOK || res.Height != 1 {
		t.Fatalf("reply %v %v: want the put applied at height 1", res, err)
	}
	if eb := d.replies.exec.blocks[2]; eb == nil || len(eb.waiting) != 0 {
		t.Fatalf("collector of height 2: %+v, want it collecting with nobody waiting", eb)
	}
}
