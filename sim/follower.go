package sim

import (
	"slices"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/clientnode"
	"github.com/sbftnet/sbft/replica"
)

// A client node (clientnode.Node) in the simulator, in every run with a coalition. It follows one replica at a
// time: each tick it asks its source for the block after its own, as the source's store holds it with its
// commit certificate (a colluding source answers with the coalition's forgeries, coalition_follower.go), and
// keeps it only if clientnode.AcceptBlock does: the production rule (certificate, order, re-execution). A refused
// block, or a source that has no new block for followStallTicks while the network is ahead, moves it to the
// next replica. The agreement checker holds it to the correct replicas' blocks.

// followStallTicks is how long the client node waits on a source with no new block while a correct replica
// is ahead of it.
const followStallTicks = 30

type simFollower struct {
	w        *world
	store    *chain.MemStore
	app      *chain.App
	verifier *replica.Verifier // its own, as a client node has
	source   int
	waited   int                 // ticks without a new block from the source
	hashes   map[uint64][32]byte // the blocks it kept, by height
	refused  int
}

func newSimFollower(w *world) *simFollower {
	store := chain.NewMemStore()
	app, err := chain.OpenApp(store, chainID, nil)
	if err != nil {
		panic(err)
	}
	return &simFollower{w: w, store: store, app: app, hashes: map[uint64][32]byte{},
		verifier: replica.NewVerifier(chainID, w.pubs, w.blsPubs, w.f, w.c, replica.NewFIFOSet(1<<12))}
}

// tick asks the source for the next block and takes what it sends.
func (fl *simFollower) tick() {
	w := fl.w
	src := w.reps[fl.source]
	next := fl.app.LastHeader().Height + 1
	var offers []servedBlock
	switch {
	case src.down:
	case src.adv != nil && w.coal != nil && w.coal.member(uint32(fl.source)):
		offers = w.coal.serveFollower(uint32(fl.source), next)
	case src.adv == nil:
		if b, ok := storedBlock(src.store, next); ok {
			offers = append(offers, b)
		}
	}
	for _, o := range offers {
		if !fl.take(o) {
			fl.refused++
			fl.nextSource()
			return
		}
	}
	if len(offers) > 0 {
		fl.waited = 0
		return
	}
	if fl.waited++; fl.waited >= followStallTicks && slices.Max(w.heights()) >= next {
		fl.nextSource()
	}
}

func (fl *simFollower) nextSource() {
	fl.source, fl.waited = (fl.source+1)%fl.w.n, 0
}

// servedBlock is a block with its commit certificate as a source sends it.
type servedBlock struct {
	blk  *chain.Block
	cert []byte
}

// storedBlock reads block h and its commit certificate from a replica's store.
func storedBlock(store chain.Store, h uint64) (servedBlock, bool) {
	raw, err := store.Get(chain.BlockKey(h))
	if err != nil {
		return servedBlock{}, false
	}
	cert, err := store.Get(chain.CertKey(h))
	if err != nil {
		return servedBlock{}, false
	}
	blk, err := chain.UnmarshalBlock(raw)
	if err != nil {
		return servedBlock{}, false
	}
	return servedBlock{blk: blk, cert: cert}, true
}

// take applies one block by the client node's rule; false: refused (the application is reloaded).
func (fl *simFollower) take(o servedBlock) bool {
	if err := clientnode.AcceptBlock(fl.verifier, fl.app, o.blk, o.cert); err != nil {
		app, rerr := chain.OpenApp(fl.store, chainID, nil)
		if rerr != nil {
			panic(rerr)
		}
		fl.app = app
		return false
	}
	h := o.blk.Header.Hash()
	fl.hashes[o.blk.Header.Height] = h
	fl.agree(o.blk.Header.Height, h)
	return true
}

// agree is the agreement checker for the client node: its block at a height is the correct replicas'.
func (fl *simFollower) agree(height uint64, h [32]byte) {
	if prev, ok := fl.w.blocks[height]; ok && prev != h {
		fl.w.violate("agreement: the client node holds block %x at height %d, the correct replicas %x", h[:4], height, prev[:4])
	}
}

// finalCheck compares every block the client node kept with the correct replicas' (those executed after it
// took its block).
func (fl *simFollower) finalCheck() {
	for height := uint64(1); height <= fl.app.LastHeader().Height; height++ {
		fl.agree(height, fl.hashes[height])
	}
}
