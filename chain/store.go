package chain

// Store is the ordered key-value store under a replica. Values returned by Get are copies; keys and values
// passed to Iterate's callback are valid only during the call. Implementations: MemStore here, pebble in
// package store; a read that finds damaged data returns an error wrapping ErrStoreCorrupt.
type Store interface {
	Get(key []byte) ([]byte, error) // ErrNotFound when absent
	NewBatch() Batch
	Iterate(lower, upper []byte, fn func(k, v []byte) error) error
	Close() error
}

// Batch is an atomic group of writes. Commit(true) returns only once the batch is durable.
type Batch interface {
	Set(k, v []byte)
	Delete(k []byte)
	DeleteRange(lower, upper []byte)
	Commit(sync bool) error
	Close() error
}
