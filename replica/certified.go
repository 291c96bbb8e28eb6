package replica

import (
	"errors"
	"fmt"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// Certified state: the execution certificates of recent blocks, for proven reads and client nodes. A block's
// execution collector combines the certificate (execproof.go) and broadcasts it to every replica; each keeps
// those of its recent blocks (ExecCertsKept) and stores them beside the blocks, so that a read can be answered
// at the highest height whose certificate matches this replica's own block, and subscribers receive them.

// ErrNoCertifiedState is returned for a read when no recent block of this replica has an execution certificate
// yet (just started, or its blocks are not certified yet): the reader tries again or asks another replica.
var ErrNoCertifiedState = errors.New("no certified recent state yet")

// execCerts are the execution certificates of recent heights, bounded by ExecCertsKept.
type execCerts struct {
	byHeight map[uint64]*wire.ExecCert
}

// certify broadcasts a combined execution certificate (this replica is the block's collector) and keeps it.
func (rp *replies) certify(c *wire.ExecCert) {
	rp.onExecCert(c)
	rp.runCrypto(func() func() {
		m := (&wire.ExecShare{From: rp.cfg.ID, Height: c.Height, BlockHash: c.BlockHash, Cert: c}).Message()
		m.Sig = rp.cfg.Signer.SignMessage(m)
		frame := wire.MarshalMessage(m)
		return func() { rp.cfg.Transport.Broadcast(frame) }
	})
}

// onExecCert answers the clients waiting for a verified execution certificate's block and keeps the
// certificate if its height is recent; the driver hears of it through rp.certified.
func (rp *replies) onExecCert(c *wire.ExecCert) {
	rp.answerCertified(c)
	h := rp.height()
	if c.Height+ExecCertsKept <= h || c.Height > h+ExecCertsKept || rp.certs.byHeight[c.Height] != nil {
		return
	}
	rp.certs.byHeight[c.Height] = c
	for k := range rp.certs.byHeight {
		if k+ExecCertsKept <= max(h, c.Height) {
			delete(rp.certs.byHeight, k)
		}
	}
	if rp.certified != nil {
		rp.certified(c)
	}
}

// onExecCert stores a new certificate beside its block (not synced: it can be combined again, and a reader
// checks it anyway), warns if it certifies another block than this replica's, and wakes subscribers.
func (d *Driver) onExecCert(c *wire.ExecCert) {
	if hdr, ok := d.app.KeptHeader(c.Height); ok && hdr.Hash() != c.BlockHash {
		d.log.Error("an execution certificate of f+1 replicas certifies another block than this replica executed",
			"height", c.Height, "certified", fmt.Sprintf("%x", c.BlockHash[:8]), "here", fmt.Sprintf("%x", hdr.Hash()))
		return
	}
	b := d.cfg.Store.NewBatch()
	defer b.Close()
	b.Set(chain.ExecCertKey(c.Height), c.Marshal())
	if err := b.Commit(false); err != nil {
		d.log.Warn("could not store an execution certificate", "height", c.Height, "err", err)
	}
	d.notifyCertified()
}

// notifyCertified publishes the highest certified height this replica executed, waking subscribers.
func (d *Driver) notifyCertified() {
	c := d.latestCertified()
	if old := d.certified.Load(); c == nil || old != nil && old.Height >= c.Height {
		return
	}
	d.certified.Store(c)
	d.notify()
}

// latestCertified is the certificate of the highest kept height whose block is this replica's own.
func (d *Driver) latestCertified() *wire.ExecCert {
	for h := d.app.LastHeader().Height; h > 0; h-- {
		hdr, ok := d.app.KeptHeader(h)
		if !ok {
			return nil
		}
		if c := d.replies.certs.byHeight[h]; c != nil && c.BlockHash == hdr.Hash() {
			return c
		}
	}
	return nil
}

// LatestExecCert is the execution certificate of the highest height this replica executed and knows certified
// (nil: none yet); safe from any goroutine.
func (d *Driver) LatestExecCert() *wire.ExecCert { return d.certified.Load() }

// ProvenRead answers a read of key at the highest recent height with an execution certificate: the value,
// its version and a proof against that height's state root. On the driver's goroutine.
func (d *Driver) ProvenRead(key []byte) (*wire.ProvenRead, error) {
	c := d.latestCertified()
	if c == nil {
		return nil, fmt.Errorf("%w at height %d", ErrNoCertifiedState, d.app.LastHeader().Height)
	}
	kv, err := d.app.ProveAt(key, c.Height)
	if err != nil {
		return nil, err
	}
	return &wire.ProvenRead{KV: *kv, Exec: *c}, nil
}

// loadExecCert keeps the stored certificate of the last block, so a restarted replica of an idle network can
// answer reads.
func (d *Driver) loadExecCert() {
	h := d.app.LastHeader().Height
	raw, err := d.cfg.Store.Get(chain.ExecCertKey(h))
	if err != nil {
		return
	}
	if c, err := wire.UnmarshalExecCert(raw); err == nil && c.Height == h {
		d.replies.certs.byHeight[h] = c
		d.notifyCertified()
	}
}
