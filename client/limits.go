package client

import (
	"time"
)

// The transaction protocol's frame bounds are package wire's (wire/limits.go).

// Client timeouts and bounds.
const (
	// DefaultTimeout bounds one Submit when the context has no deadline.
	DefaultTimeout = 30 * time.Second
	// SessionResendsMax bounds how often one transaction is resent to one replica after sessions broke.
	SessionResendsMax = 3
	// SessionOpenTimeout bounds opening a session; SessionRetryBackoff is how long a replica whose session
	// could not be opened counts as unreachable; SessionBacklogMax bounds what waits for a session to open.
	SessionOpenTimeout  = 5 * time.Second
	SessionRetryBackoff = time.Second
	SessionBacklogMax   = 65536
	// BusyRetriesMax and BusyRetryDelay: a busy replica is asked again after attempt × delay, this often.
	BusyRetriesMax = 10
	BusyRetryDelay = 100 * time.Millisecond
	// StaleNonceRetriesMax bounds how often a transaction whose nonce went stale is signed again.
	StaleNonceRetriesMax = 3
	// ProvenBlocksMax bounds the cache of blocks whose execution certificate this client verified.
	ProvenBlocksMax = 4096
)
