package sim

import (
	"slices"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/clientnode"
	"github.com/sbftnet/sbft/replica"
)

// A client node (clientnode.Node) in the simulator, in every run with a coalition. It follows one replica at a
// time: each tick it asks its source for the block after its own, as the source's store holds it with its
// commit certificate (a colluding source answers with the coalition's forgeries, adversary.ServeBlock), and
// keeps it only if clientnode.AcceptBlock does: the production rule (certificate, order, re-execution). A refused
// block, or a source that has no new block for followStallTicks while the network is ahead, moves it to the
// next replica. The agreement checker (package check) holds it to the correct replicas' blocks.

// followStallTicks is how long the client node waits on a source with no new block while a correct replica
// is ahead of it.
const followStallTicks = 30

type simFollower struct {
	w        *world
	store    *chain.MemStore
	app      *chain.App
	verifier *replica.Verifier // its own, as a client node has
	source   int
	waited   int // ticks without a new block from the source
	refused  int
}

func newSimFollower(w *world) *simFollower {
	store := chain.NewMemStore()
	app, err := chain.OpenApp(store, chainID, nil)
	if err != nil {
		panic(err)
	}
	return &simFollower{w: w, store: store, app: app,
		verifier: replica.NewVerifier(chainID, w.pubs, w.blsPubs, w.f, w.c, replica.NewFIFOSet(1<<12))}
}

// tick asks the source for the next block and takes what it sends.
func (fl *simFollower) tick() {
	w := fl.w
	src := w.reps[fl.source]
	next := fl.app.LastHeader().Height + 1
	var blk *chain.Block
	var cert []byte
	offered := false
	switch {
	case src.down:
	case src.adv != nil:
		blk, cert, offered = src.adv.ServeBlock(next)
	default:
		blk, cert, offered = storedBlock(src.store, next)
	}
	if offered {
		if fl.take(blk, cert) {
			fl.waited = 0
		} else {
			fl.refused++
			fl.nextSource()
		}
		return
	}
	if fl.waited++; fl.waited >= followStallTicks && slices.Max(w.heights()) >= next {
		fl.nextSource()
	}
}

func (fl *simFollower) nextSource() {
	fl.source, fl.waited = (fl.source+1)%fl.w.n, 0
}

// storedBlock reads block h and its commit certificate from a replica's store.
func storedBlock(store chain.Store, h uint64) (blk *chain.Block, cert []byte, ok bool) {
	raw, err := store.Get(chain.BlockKey(h))
	if err != nil {
		return nil, nil, false
	}
	cert, err = store.Get(chain.CertKey(h))
	if err != nil {
		return nil, nil, false
	}
	blk, err = chain.UnmarshalBlock(raw)
	if err != nil {
		return nil, nil, false
	}
	return blk, cert, true
}

// take applies one block by the client node's rule; false: refused (the application is reloaded).
func (fl *simFollower) take(blk *chain.Block, cert []byte) bool {
	if err := clientnode.AcceptBlock(fl.verifier, fl.app, blk, cert); err != nil {
		app, rerr := chain.OpenApp(fl.store, chainID, nil)
		if rerr != nil {
			panic(rerr)
		}
		fl.app = app
		return false
	}
	fl.w.obs.ClientNodeKept(blk.Header.Height, blk.Header.Hash())
	return true
}
