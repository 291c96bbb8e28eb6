package e2e

import (
	"testing"
	"time"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// A subscriber (as a client node will be) gets every committed block from the height it asks, in order, each
// with a commit certificate that proves it against the genesis keys, as the network commits under load.
func TestBlockSubscriptionPushesCertifiedBlocks(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 2*time.Minute)
	l := startLoad(ctx, tn.client(0), "sub", 4)
	defer l.stop()
	tn.waitStatus(0, func(s *replica.Status) bool { return s.Height >= 5 }, "height 5")
	h := rawHost(t, "")
	if err := h.Connect(ctx, tn.addrInfo(1)); err != nil {
		t.Fatal(err)
	}
	s, err := h.NewStream(ctx, tn.addrInfo(1).ID, p2p.ProtocolID(tn.g.ChainID, wire.SubscribeProtocol))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Reset()
	s.SetDeadline(time.Now().Add(time.Minute))
	if err := p2p.WriteFrame(s, wire.EncodeSubscribe(1)); err != nil {
		t.Fatal(err)
	}
	v := replica.NewVerifier(tn.g.ChainID, tn.g.PublicKeys(), tn.g.BLSPublicKeys(), tn.g.F, tn.g.C, replica.NewFIFOSet(16))
	var parent [32]byte
	var prevCert []byte
	const want = 60 // past height 5 when it subscribed: some pushed live
	for height := uint64(1); height <= want; height++ {
		f, err := p2p.ReadFrame(s, wire.SubscribedFrameBytesMax)
		if err != nil {
			t.Fatalf("block %d: %v", height, err)
		}
		sf, err := wire.DecodeSubscribed(f)
		if err != nil {
			t.Fatal(err)
		}
		if sf.Kind != wire.SubscribedBlock {
			height-- // an execution certificate of a block pushed before
			continue
		}
		bc := sf.Block
		blk, err := chain.UnmarshalBlock(bc.Block)
		if err != nil {
			t.Fatal(err)
		}
		if blk.Header.Height != height || blk.Header.Parent != parent {
			t.Fatalf("pushed block %d (parent %x), want %d after %x", blk.Header.Height, blk.Header.Parent[:4], height, parent[:4])
		}
		if err := v.VerifyBlockCert(blk, bc.Cert); err != nil {
			t.Fatalf("block %d: %v", height, err)
		}
		// A certificate of another block does not prove this one.
		if height > 1 {
			if err := v.VerifyBlockCert(blk, prevCert); err == nil {
				t.Fatalf("block %d accepted with block %d's certificate", height, height-1)
			}
		}
		parent, prevCert = blk.Header.Hash(), bc.Cert
	}
}
