package chain

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrOtherNetwork is returned for a store that belongs to another network than the one it is opened for.
var ErrOtherNetwork = errors.New("the data directory belongs to another network")

var metaNetwork = MetaKey("network")

// BindNetwork ties a store to one network: a store that names none is bound to chainID and genesisID (the
// genesis's identity, genesis.ID) with a synced write; a store bound to another is refused with
// ErrOtherNetwork, so a data directory of one chain never opens, and restores its height, under another.
func BindNetwork(s Store, chainID string, genesisID [32]byte) error {
	want := append(genesisID[:len(genesisID):len(genesisID)], chainID...)
	raw, err := s.Get(metaNetwork)
	switch {
	case errors.Is(err, ErrNotFound):
		b := s.NewBatch()
		defer b.Close()
		b.Set(metaNetwork, want)
		if err := b.Commit(true); err != nil {
			return fmt.Errorf("bind store to network %q: %w", chainID, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("read the store's network: %w", err)
	case bytes.Equal(raw, want):
		return nil
	case len(raw) < len(genesisID):
		return fmt.Errorf("%w: its network record is malformed (%d bytes)", ErrOtherNetwork, len(raw))
	}
	return fmt.Errorf("%w: it holds chain %q with genesis %x, this genesis is chain %q with genesis %x",
		ErrOtherNetwork, raw[len(genesisID):], raw[:8], chainID, genesisID[:8])
}
