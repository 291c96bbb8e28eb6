package chain

import (
	"errors"
	"fmt"

	"github.com/sbftnet/sbft/chain/smt"
)

// Recent state versions, for proven reads. A read is proven against a state root that replicas certified, and
// that certificate comes after execution: by then later blocks may have executed. So the app keeps the state of
// its last few blocks: an immutable snapshot of the state tree (path-copied, cheap) and, per block, the KV
// entries as they were before it, for the keys it changed. The value of a key at height h is the entry saved by
// the first later block that changed it, or the current one.

// ErrHeightNotKept is returned for a read at a height whose state is no longer (or not yet) kept.
var ErrHeightNotKept = errors.New("state of that height is not kept")

// stateVersion is the state as of one executed block.
type stateVersion struct {
	header Header
	tree   smt.Snapshot
	prev   map[[32]byte]*kvEntry // KV entries before this block, for the keys it changed (nil: absent)
	bytes  int                   // of prev's keys and values
}

// KVProof is a key's value at one height with a proof against that height's state root (Header.StateRoot).
type KVProof struct {
	Key     []byte
	Found   bool
	Version uint64
	Value   []byte
	Header  Header
	Proof   smt.Proof
}

// Verify checks the proof against the header's state root (not the header itself: that is the certificate's
// job).
func (p *KVProof) Verify() bool {
	if !p.Found {
		return p.Version == 0 && len(p.Value) == 0 && VerifyKV(p.Header.StateRoot, p.Key, 0, nil, p.Proof)
	}
	return p.Version > 0 && VerifyKV(p.Header.StateRoot, p.Key, p.Version, p.Value, p.Proof)
}

// keepVersion records the state after executing header's block, dropping the oldest versions beyond
// StateVersionsMax or StateVersionsBytesMax.
func (a *App) keepVersion(h Header, prev map[[32]byte]*kvEntry) {
	v := stateVersion{header: h, tree: a.tree.Snapshot(), prev: prev}
	for _, e := range prev {
		if e != nil {
			v.bytes += len(e.Key) + len(e.Value)
		}
	}
	a.versions = append(a.versions, v)
	a.versionBytes += v.bytes
	for len(a.versions) > 1 && (len(a.versions) > StateVersionsMax || a.versionBytes > StateVersionsBytesMax) {
		a.versionBytes -= a.versions[0].bytes
		a.versions[0] = stateVersion{}
		a.versions = a.versions[1:]
	}
}

// KeptHeader returns the header of height h if its state is kept for reads.
func (a *App) KeptHeader(h uint64) (Header, bool) {
	if i, ok := a.versionIndex(h); ok {
		return a.versions[i].header, true
	}
	return Header{}, false
}

func (a *App) versionIndex(h uint64) (int, bool) {
	if len(a.versions) == 0 {
		return 0, false
	}
	first := a.versions[0].header.Height
	if h < first || h > a.last.Height {
		return 0, false
	}
	i := int(h - first)
	assert(a.versions[i].header.Height == h, "state version %d at index %d holds height %d", h, i, a.versions[i].header.Height)
	return i, true
}

// ProveAt returns key's value and version at height h with a proof against that height's state root.
func (a *App) ProveAt(key []byte, h uint64) (*KVProof, error) {
	i, ok := a.versionIndex(h)
	if !ok {
		return nil, fmt.Errorf("%w: height %d (kept: %d..%d)", ErrHeightNotKept, h, a.versions[0].header.Height, a.last.Height)
	}
	sk := KVSMTKey(key)
	e, changed := (*kvEntry)(nil), false
	for _, later := range a.versions[i+1:] {
		if e, changed = later.prev[sk]; changed {
			break
		}
	}
	if !changed {
		var err error
		if e, err = a.readKV(sk); err != nil {
			return nil, err
		}
	}
	p := &KVProof{Key: key, Header: a.versions[i].header, Proof: a.versions[i].tree.Prove(sk)}
	if e != nil {
		p.Found, p.Version, p.Value = true, e.Version, e.Value
	}
	return p, nil
}
