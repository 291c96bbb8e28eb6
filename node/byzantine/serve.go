package byzantine

import (
	"bytes"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// The modes of what a replica announces and serves: checkpoints, state transfer blocks, subscriptions.

// Announcer returns a, decorated if m corrupts checkpoints: it announces them over another state root, signed
// with this replica's keys, so that only the comparison with the stable checkpoint can tell.
func (m Mode) Announcer(a replica.Announcer, chainID string, signer consensus.Signer, shareKey *bls.SecretKey) replica.Announcer {
	if !m.CorruptCheckpoints {
		return a
	}
	return &corruptAnnouncer{Announcer: a, chainID: chainID, signer: signer, shareKey: shareKey}
}

type corruptAnnouncer struct {
	replica.Announcer
	chainID  string
	signer   consensus.Signer
	shareKey *bls.SecretKey
}

func (b *corruptAnnouncer) AnnounceCheckpoint(a *wire.CheckpointAnnouncement) {
	a.StateRoot[0] ^= 0xff
	m := a.Message(b.chainID)
	a.Share = b.shareKey.Sign(wire.ShareSigningBytes(b.chainID, consensus.CertCheckpoint, 0, a.Seq, m.Digest)).Bytes()
	m.Share = a.Share
	a.Sig = b.signer.SignMessage(m)
	b.Announcer.AnnounceCheckpoint(a)
}

// BlocksServer answers one request of the blocks protocol (sync.BlocksHandler).
type BlocksServer = func(peer.ID, []byte) ([][]byte, error)

// Blocks returns serve, or the state-transfer source m makes of a replica: one that serves the blocks of store
// with transactions that do not match their headers, or answers too late.
func (m Mode) Blocks(serve BlocksServer, store chain.Store) BlocksServer {
	if m.CorruptBlocks {
		serve = bsync.BlocksHandler(corruptingStore{store})
	}
	if !m.StallBlocks {
		return serve
	}
	return func(from peer.ID, req []byte) ([][]byte, error) {
		time.Sleep(bsync.RequestTimeoutDefault + time.Second)
		return serve(from, req)
	}
}

// corruptingStore reads every block with a transaction added: its header no longer matches its transactions.
type corruptingStore struct{ chain.Store }

func (s corruptingStore) Get(key []byte) ([]byte, error) {
	raw, err := s.Store.Get(key)
	blockKey := chain.BlockKey(0)
	prefix := blockKey[:len(blockKey)-8]
	if err != nil || len(key) != len(blockKey) || !bytes.HasPrefix(key, prefix) {
		return raw, err
	}
	blk, err := chain.UnmarshalBlock(raw)
	if err != nil {
		return raw, nil
	}
	blk.Txs = append(blk.Txs, []byte("forged by a byzantine source"))
	return blk.Marshal(), nil
}

// Subscription returns serve, or in the subscription modes a server whose sessions withhold every frame until
// done is closed (the replica stops), or push blocks from height 3 on under a forged state root.
func (m Mode) Subscription(serve func(p2p.Session), done <-chan struct{}) func(p2p.Session) {
	switch {
	case m.StallSubscription:
		return func(s p2p.Session) { serve(stallingSession{Session: s, done: done}) }
	case m.ForgeSubscription:
		return func(s p2p.Session) { serve(forgingSession{s}) }
	}
	return serve
}

// stallingSession takes a subscription and sends nothing.
type stallingSession struct {
	p2p.Session
	done <-chan struct{}
}

func (s stallingSession) SendBuilt(int, time.Duration, func() ([]byte, error)) error {
	<-s.done
	return p2p.ErrClosed
}

// forgingSession pushes blocks whose header claims another state root (the transactions and commit
// certificate stay genuine, so only the subscriber's own execution can tell).
type forgingSession struct{ p2p.Session }

func (s forgingSession) SendBuilt(bytesMax int, timeout time.Duration, build func() ([]byte, error)) error {
	return s.Session.SendBuilt(bytesMax, timeout, func() ([]byte, error) {
		frame, err := build()
		if err != nil {
			return frame, err
		}
		return forgeSubscribed(frame), nil
	})
}

// forgeSubscribed returns a pushed frame with its block's state root changed, from height 3 on.
func forgeSubscribed(frame []byte) []byte {
	f, err := wire.DecodeSubscribed(frame)
	if err != nil || f.Kind != wire.SubscribedBlock {
		return frame
	}
	blk, err := chain.UnmarshalBlock(f.Block.Block)
	if err != nil || blk.Header.Height < 3 {
		return frame
	}
	blk.Header.StateRoot[0] ^= 0xff
	return wire.EncodeSubscribedBlock(f.Top, blk.Marshal(), f.Block.Cert)
}
