package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"

	"github.com/sbftnet/sbft/chain"
)

// pebbleStore is the production chain.Store.
type pebbleStore struct {
	db *pebble.DB
}

// slogPebbleLogger routes pebble's logs to slog.
type slogPebbleLogger struct{ log *slog.Logger }

func (l slogPebbleLogger) Infof(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...))
}
func (l slogPebbleLogger) Errorf(format string, args ...any) {
	l.log.Error(fmt.Sprintf(format, args...))
}

// Fatalf ends the process with one line that says what to do: pebble calls it only when it cannot go on, and an
// operator needs the remedy, not a stack.
func (l slogPebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.log.Error("store failed", "err", msg)
	remedy := "check the disk (space, permissions, errors) and restart"
	if strings.Contains(msg, "corrupt") {
		remedy = storeRemedy
	}
	fmt.Fprintf(os.Stderr, "sbft: store failed: %s; %s\n", firstLine(msg), remedy)
	os.Exit(1)
}

// storeRemedy is what an operator does about a damaged store.
const storeRemedy = "wipe the data directory (the key stays) and restart: the replica fetches the state from the others"

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// OpenPebble opens (or creates) the store in dir. Errors: chain.ErrStoreInUse when another process holds dir
// open, chain.ErrStoreCorrupt when its files are damaged (both with what to do).
func OpenPebble(dir string, log *slog.Logger) (chain.Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := &pebble.Options{
		Logger:       slogPebbleLogger{log.With("component", "pebble")},
		CacheSize:    CacheBytes,
		MemTableSize: MemTableBytes,
	}
	// A damaged file found by a read becomes that read's error (wrapped in chain.ErrStoreCorrupt by corrupt), not
	// pebble's default Fatalf.
	opts.EventListener = &pebble.EventListener{DataCorruption: func(info pebble.DataCorruptionInfo) {
		log.Error("store file damaged", "path", info.Path, "err", firstLine(fmt.Sprint(info.Details)))
	}}
	// Bloom filters: most reads during execution are point lookups, many of keys that do not exist yet.
	opts.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	db, err := pebble.Open(dir, opts)
	switch {
	case err == nil:
	case errors.Is(err, syscall.EAGAIN) || strings.Contains(err.Error(), "lock held"):
		return nil, fmt.Errorf("%w: %s is locked by %s; stop it, or give this process its own home", chain.ErrStoreInUse, dir, storeOwner(dir))
	case pebble.IsCorruptionError(err):
		return nil, fmt.Errorf("%w: %s: %v; %s", chain.ErrStoreCorrupt, dir, firstLine(err.Error()), storeRemedy)
	default:
		return nil, fmt.Errorf("open pebble at %s: %w", dir, err)
	}
	// Best effort: only the message of a second process's refusal uses it.
	_ = os.WriteFile(filepath.Join(dir, storeOwnerFile), []byte(fmt.Sprintf("process %d", os.Getpid())), 0o644)
	return &pebbleStore{db: db}, nil
}

// storeOwnerFile names the process that holds a store open, for a second one's error message.
const storeOwnerFile = "OWNER"

func storeOwner(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, storeOwnerFile))
	if err != nil || len(b) > 64 {
		return "another process"
	}
	return "another process (" + string(b) + ")"
}

func (s *pebbleStore) Get(key []byte) ([]byte, error) {
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, chain.ErrNotFound
	}
	if err != nil {
		return nil, corrupt(err)
	}
	out := append([]byte(nil), v...)
	return out, closer.Close()
}

func (s *pebbleStore) Iterate(lower, upper []byte, fn func(k, v []byte) error) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return corrupt(err)
	}
	for it.First(); it.Valid(); it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return corrupt(err)
		}
		if err := fn(it.Key(), v); err != nil {
			it.Close()
			return err
		}
	}
	if err := it.Error(); err != nil {
		it.Close()
		return corrupt(err)
	}
	return it.Close()
}

// corrupt marks a read error that found damaged files as chain.ErrStoreCorrupt, with the remedy.
func corrupt(err error) error {
	if !pebble.IsCorruptionError(err) {
		return err
	}
	return fmt.Errorf("%w: %s; %s", chain.ErrStoreCorrupt, firstLine(err.Error()), storeRemedy)
}

func (s *pebbleStore) NewBatch() chain.Batch { return &pebbleBatch{b: s.db.NewBatch()} }

func (s *pebbleStore) Close() error { return s.db.Close() }

type pebbleBatch struct {
	b *pebble.Batch
}

// Batch methods ignore pebble's per-op errors: they only fail on a closed or committed batch, which is a bug
// that Commit then reports.
func (b *pebbleBatch) Set(k, v []byte)                 { _ = b.b.Set(k, v, nil) }
func (b *pebbleBatch) Delete(k []byte)                 { _ = b.b.Delete(k, nil) }
func (b *pebbleBatch) DeleteRange(lower, upper []byte) { _ = b.b.DeleteRange(lower, upper, nil) }

func (b *pebbleBatch) Commit(sync bool) error {
	opts := pebble.NoSync
	if sync {
		opts = pebble.Sync
	}
	return b.b.Commit(opts)
}

func (b *pebbleBatch) Close() error { return b.b.Close() }
