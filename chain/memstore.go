package chain

import (
	"bytes"
	"errors"
	"slices"
	"sync"
)

// ErrClosed is returned by a closed store.
var ErrClosed = errors.New("store closed")

// MemStore is a sorted in-memory Store for unit tests and the simulator. Everything committed is "durable"
// until the simulator decides otherwise (it can snapshot and restore the whole store).
type MemStore struct {
	mu     sync.RWMutex
	keys   []string // sorted
	vals   map[string][]byte
	closed bool
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{vals: make(map[string][]byte)} }

// Get implements Store.
func (m *MemStore) Get(key []byte) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	v, ok := m.vals[string(key)]
	if !ok {
		return nil, ErrNotFound
	}
	return bytes.Clone(v), nil
}

// Iterate implements Store (nil upper: no bound).
func (m *MemStore) Iterate(lower, upper []byte, fn func(k, v []byte) error) error {
	m.mu.RLock()
	i, _ := slices.BinarySearch(m.keys, string(lower))
	var ks []string
	for ; i < len(m.keys) && (upper == nil || m.keys[i] < string(upper)); i++ {
		ks = append(ks, m.keys[i])
	}
	vs := make([][]byte, len(ks))
	for j, k := range ks {
		vs[j] = m.vals[k]
	}
	m.mu.RUnlock()
	for j, k := range ks {
		if err := fn([]byte(k), vs[j]); err != nil {
			return err
		}
	}
	return nil
}

// NewBatch implements Store.
func (m *MemStore) NewBatch() Batch { return &memBatch{m: m} }

// Close implements Store.
func (m *MemStore) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}

// Reopen makes a closed MemStore usable again with its contents (a restart in the simulator).
func (m *MemStore) Reopen() {
	m.mu.Lock()
	m.closed = false
	m.mu.Unlock()
}

type memOp struct {
	kind       byte // 's' set, 'd' delete, 'r' range delete
	k, v, upto []byte
}

type memBatch struct {
	m   *MemStore
	ops []memOp
}

func (b *memBatch) Set(k, v []byte) {
	b.ops = append(b.ops, memOp{kind: 's', k: bytes.Clone(k), v: bytes.Clone(v)})
}
func (b *memBatch) Delete(k []byte) { b.ops = append(b.ops, memOp{kind: 'd', k: bytes.Clone(k)}) }
func (b *memBatch) DeleteRange(lower, upper []byte) {
	b.ops = append(b.ops, memOp{kind: 'r', k: bytes.Clone(lower), upto: bytes.Clone(upper)})
}
func (b *memBatch) Close() error { b.ops = nil; return nil }

func (b *memBatch) Commit(bool) error {
	m := b.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	for _, o := range b.ops {
		switch o.kind {
		case 's':
			if _, ok := m.vals[string(o.k)]; !ok {
				i, _ := slices.BinarySearch(m.keys, string(o.k))
				m.keys = slices.Insert(m.keys, i, string(o.k))
			}
			m.vals[string(o.k)] = o.v
		case 'd':
			if _, ok := m.vals[string(o.k)]; ok {
				i, _ := slices.BinarySearch(m.keys, string(o.k))
				m.keys = slices.Delete(m.keys, i, i+1)
				delete(m.vals, string(o.k))
			}
		case 'r':
			lo, _ := slices.BinarySearch(m.keys, string(o.k))
			hi, _ := slices.BinarySearch(m.keys, string(o.upto))
			if hi > lo {
				for _, k := range m.keys[lo:hi] {
					delete(m.vals, k)
				}
				m.keys = slices.Delete(m.keys, lo, hi)
			}
		}
	}
	b.ops = nil
	return nil
}
