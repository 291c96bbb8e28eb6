package adversary

import (
	"github.com/sbftnet/sbft/chain"
)

// The coalition against the client node. A colluder the client node follows answers its request for block h
// with a forgery, when it can make one:
//   - other batch: a self-consistent block of another batch (the real one reordered or cut) executed on the
//     real state below h, so its parent, state root and results are right for its transactions, under the
//     real commit certificate of h's sequence number, which certifies the real batch;
//   - state root: the real block and certificate with the state root changed, which re-execution refuses.
//
// The coalition keeps a copy of the chain (mirror) that it advances with its members' real blocks to the
// height below the one asked, and executes the forged batch on it without keeping it.
type followerAttack struct {
	chainID string
	store   *chain.MemStore
	mirror  *chain.App
	forged  map[uint64]servedBlock // by height: made once
	turn    int                    // which forgery the next visit gets
}

// servedBlock is a block with its commit certificate as a source sends it.
type servedBlock struct {
	blk  *chain.Block
	cert []byte
}

func newFollowerAttack(chainID string) *followerAttack {
	store := chain.NewMemStore()
	app, err := chain.OpenApp(store, chainID, nil)
	if err != nil {
		panic(err)
	}
	return &followerAttack{chainID: chainID, store: store, mirror: app, forged: map[uint64]servedBlock{}}
}

// storedBlock is block h with its certificate from a member's store.
func storedBlock(src Node, h uint64) (servedBlock, bool) {
	blk, cert, ok := src.StoredBlock(h)
	return servedBlock{blk: blk, cert: cert}, ok
}

// serveFollower is member a's answer to a client node asking for block h: a forgery, or the real block when it
// has none (or nothing when it has no block h yet).
func (co *Coalition) serveFollower(a *Adversary, h uint64) (*chain.Block, []byte, bool) {
	real, ok := storedBlock(a.node, h)
	if !ok {
		return nil, nil, false
	}
	fa := co.follower
	fa.turn++
	if fa.turn%2 == 0 {
		flipped := *real.blk
		flipped.Header.StateRoot[0] ^= 0xff
		return &flipped, real.cert, true
	}
	if forged, ok := co.otherBatch(a, real); ok {
		co.forged.Blocks++
		return forged.blk, forged.cert, true
	}
	return real.blk, real.cert, true
}

// otherBatch is the self-consistent block of another batch at real's height, under real's certificate.
func (co *Coalition) otherBatch(a *Adversary, real servedBlock) (servedBlock, bool) {
	fa := co.follower
	h := real.blk.Header.Height
	if b, ok := fa.forged[h]; ok {
		return b, true
	}
	alt, ok := conflictingBatch(real.blk.Txs)
	if !ok || !fa.advance(a.node, h-1) {
		return servedBlock{}, false
	}
	b := fa.store.NewBatch()
	blk, _, err := fa.mirror.Execute(b, real.blk.Header.Seq, alt, nil)
	b.Close() // never kept: the mirror stays at the real chain
	if fa.reload() != nil || err != nil {
		return servedBlock{}, false
	}
	forged := servedBlock{blk: blk, cert: real.cert}
	clear(fa.forged) // one height at a time: the client node moves on
	fa.forged[h] = forged
	return forged, true
}

// advance executes the real blocks from src's store on the mirror up to height h; false if it cannot.
func (fa *followerAttack) advance(src Node, h uint64) bool {
	for fa.mirror.LastHeader().Height < h {
		real, ok := storedBlock(src, fa.mirror.LastHeader().Height+1)
		if !ok {
			return false
		}
		b := fa.store.NewBatch()
		_, _, err := fa.mirror.Execute(b, real.blk.Header.Seq, real.blk.Txs, nil)
		if err == nil {
			err = b.Commit(false)
		}
		b.Close()
		if err != nil {
			return false
		}
		fa.mirror.Flushed()
	}
	return fa.mirror.LastHeader().Height == h
}

func (fa *followerAttack) reload() error {
	app, err := chain.OpenApp(fa.store, fa.chainID, nil)
	if err == nil {
		fa.mirror = app
	}
	return err
}
