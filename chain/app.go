package chain

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"

	"github.com/sbftnet/sbft/chain/smt"
	"github.com/sbftnet/sbft/wire/be"
)

// App is the replicated key-value application over a Store. One goroutine owns it.
type App struct {
	store   Store
	chainID string
	log     *slog.Logger
	tree    *smt.Tree
	last    Header
	// unflushed holds the writes of executed blocks whose batch the caller has not committed yet, so that
	// several blocks can share one synced write and still read each other's state. Flushed clears it.
	unflushed *overlay
	// versions are the states of the last few blocks, for proven reads (versions.go).
	versions     []stateVersion
	versionBytes int
}

var metaLastHeader = MetaKey("last_header")
var metaSchema = MetaKey("schema")

// OpenApp loads the last header and rebuilds the state tree from the store, checking that its root is the
// last header's state root.
func OpenApp(store Store, chainID string, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &App{store: store, chainID: chainID, log: log, tree: smt.New()}
	a.unflushed = newOverlay(a)
	if err := a.checkSchema(); err != nil {
		return nil, err
	}
	raw, err := store.Get(metaLastHeader)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("read last header: %w", err)
	default:
		if a.last, err = UnmarshalHeader(raw); err != nil {
			return nil, fmt.Errorf("last header: %w", err)
		}
	}
	if err := a.rebuildTree(); err != nil {
		return nil, err
	}
	if root := a.tree.Root(); root != a.last.StateRoot {
		return nil, fmt.Errorf("state root %x rebuilt from the store differs from block %d's %x",
			root[:8], a.last.Height, a.last.StateRoot[:8])
	}
	a.keepVersion(a.last, nil)
	return a, nil
}

func (a *App) checkSchema() error {
	raw, err := a.store.Get(metaSchema)
	if errors.Is(err, ErrNotFound) {
		b := a.store.NewBatch()
		defer b.Close()
		b.Set(metaSchema, be.AppendU32(nil, SchemaVersion))
		return b.Commit(true)
	}
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if r := be.NewReader(raw, ErrMalformedRecord); r.U32() != SchemaVersion || r.Done() != nil {
		return fmt.Errorf("store has schema %x, this binary needs %d", raw, SchemaVersion)
	}
	return nil
}

func (a *App) rebuildTree() error {
	err := a.ForEachStateLeaf(func(key, valueHash [32]byte) error {
		a.tree.Set(key, valueHash)
		return nil
	})
	if err != nil {
		return fmt.Errorf("rebuild state tree: %w", err)
	}
	a.tree.Commit()
	return nil
}

// ForEachStateLeaf calls fn with the state-tree key and value hash of every committed KV entry and client
// nonce state, as read from the store: the leaves whose tree the state root summarizes.
func (a *App) ForEachStateLeaf(fn func(key, valueHash [32]byte) error) error {
	err := a.store.Iterate([]byte{prefixKV}, []byte{prefixKV + 1}, func(k, v []byte) error {
		if len(k) != 33 || len(v) < 10 {
			return fmt.Errorf("kv entry %x malformed", k)
		}
		var sk [32]byte
		copy(sk[:], k[1:])
		e, err := decodeKV(v)
		if err != nil {
			return err
		}
		return fn(sk, e.valueHash())
	})
	if err != nil {
		return err
	}
	return a.store.Iterate([]byte{prefixNonce}, []byte{prefixNonce + 1}, func(k, v []byte) error {
		if len(k) != 33 {
			return fmt.Errorf("nonce entry %x malformed", k)
		}
		var pub [32]byte
		copy(pub[:], k[1:])
		return fn(nonceSMTKey(pub), sha256.Sum256(v))
	})
}

// Flushed tells the app that the batches passed to Execute so far are committed to the store.
func (a *App) Flushed() { a.unflushed = newOverlay(a) }

// LastHeader is the header of the last executed block (zero before the first).
func (a *App) LastHeader() Header { return a.last }

// StateRoot is the root of the committed state.
func (a *App) StateRoot() [32]byte { return a.tree.Root() }

// kvEntry is a key's stored state.
type kvEntry struct {
	Key     []byte
	Version uint64
	Value   []byte
}

func (e *kvEntry) valueHash() [32]byte {
	h := sha256.New()
	h.Write(be.AppendU64(nil, e.Version))
	h.Write(e.Value)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func (e *kvEntry) encode() []byte {
	b := be.AppendU64(make([]byte, 0, 10+len(e.Key)+len(e.Value)), e.Version)
	b = be.AppendU16(b, uint16(len(e.Key)))
	b = append(b, e.Key...)
	return append(b, e.Value...)
}

func decodeKV(b []byte) (*kvEntry, error) {
	r := be.NewReader(b, ErrMalformedRecord)
	e := &kvEntry{Version: r.U64()}
	e.Key = r.BytesCopy(int(r.U16()))
	e.Value = r.BytesCopy(r.Left())
	if err := r.Err(); err != nil {
		return nil, err
	}
	return e, nil
}

// KVSMTKey is the state-tree key of KV key k.
func KVSMTKey(k []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte{0x01})
	h.Write(k)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func nonceSMTKey(pub [32]byte) [32]byte {
	var b [33]byte
	b[0] = 0x02
	copy(b[1:], pub[:])
	return sha256.Sum256(b[:])
}

// Get reads key from the committed state.
func (a *App) Get(key []byte) (value []byte, version uint64, found bool, err error) {
	e, err := a.readKV(KVSMTKey(key))
	if err != nil || e == nil {
		return nil, 0, false, err
	}
	return e.Value, e.Version, true, nil
}

func (a *App) readKV(sk [32]byte) (*kvEntry, error) {
	if e, ok := a.unflushed.kv[sk]; ok {
		return e, nil
	}
	if _, ok := a.tree.Get(sk); !ok {
		// The state tree holds every key the store holds (apart from the unflushed writes above, which it holds
		// too): a key it lacks needs no store read, which costs several µs in a large memtable.
		return nil, nil
	}
	raw, err := a.store.Get(KVKey(sk))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read kv: %w", err)
	}
	return decodeKV(raw)
}

func (a *App) readNonce(client [32]byte) (*nonceState, error) {
	if s, ok := a.unflushed.nonces[client]; ok {
		return s.clone(), nil
	}
	raw, err := a.store.Get(NonceKey(client))
	if errors.Is(err, ErrNotFound) {
		return &nonceState{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read nonce state: %w", err)
	}
	return unmarshalNonceState(raw)
}

// CheckNonce is the mempool's admission check against the committed state.
func (a *App) CheckNonce(client [32]byte, nonce uint64) error {
	s, err := a.readNonce(client)
	if err != nil {
		return err
	}
	if s.stale(nonce) {
		return fmt.Errorf("%w: nonce %d is below the client's window (floor %d)", ErrStaleNonce, nonce, s.Floor)
	}
	if !s.accepts(nonce) {
		return fmt.Errorf("%w: nonce %d already used", ErrReplayedNonce, nonce)
	}
	return nil
}

// NonceChecks is CheckNonce for many transactions against the same committed state, reading each client's nonce
// state once. Valid until the next block executes.
type NonceChecks struct {
	app    *App
	states map[[32]byte]*nonceState
}

// NonceChecks starts a series of nonce checks against the current committed state.
func (a *App) NonceChecks() *NonceChecks {
	return &NonceChecks{app: a, states: make(map[[32]byte]*nonceState)}
}

// Executable reports whether the client's nonce could still execute (CheckNonce would pass); false also when its
// state cannot be read.
func (nc *NonceChecks) Executable(client [32]byte, nonce uint64) bool {
	s, ok := nc.states[client]
	if !ok {
		var err error
		if s, err = nc.app.readNonce(client); err != nil {
			return false
		}
		nc.states[client] = s
	}
	return s.accepts(nonce)
}

// Block reads the block at height h.
func (a *App) Block(h uint64) (*Block, error) {
	raw, err := a.store.Get(BlockKey(h))
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", h, err)
	}
	return UnmarshalBlock(raw)
}

// StageCert adds the commit certificate of block h to b.
func (a *App) StageCert(b Batch, h uint64, cert []byte) { b.Set(CertKey(h), cert) }

// CertAt reads the commit certificate of block h.
func (a *App) CertAt(h uint64) ([]byte, error) {
	raw, err := a.store.Get(CertKey(h))
	if err != nil {
		return nil, fmt.Errorf("certificate %d: %w", h, err)
	}
	return raw, nil
}
