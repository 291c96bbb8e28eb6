package store

// Sizes pebble is opened with (OpenPebble), per store.
const (
	// CacheBytes is pebble's block cache.
	CacheBytes = 256 << 20
	// MemTableBytes is pebble's memtable.
	MemTableBytes = 64 << 20
)
