package client

import (
	"time"
)

// The transaction protocol's frame bounds are package wire's (wire/limits.go).

// Client timeouts and bounds.
const (
	// DefaultTimeout bounds one Submit when the context has no deadline.
	DefaultTimeout = 30 * time.Second
	// DefaultResendTimeout is how long a transaction waits for the replica it was sent to before the client sends
	// it to every replica: longer than a loaded network takes to commit and prove one (replicas admit about a
	// second of work, consensus.AdmitWindow, and wait replica.ExecProofWait for a certificate), so only a faulty,
	// censoring or unreachable replica costs it.
	DefaultResendTimeout = 2 * time.Second
	// SessionResendsMax bounds how often one transaction is resent to one replica after sessions broke.
	SessionResendsMax = 3
	// SessionOpenTimeout bounds opening a session; SessionRetryBackoff is how long a replica whose session
	// could not be opened counts as unreachable; SessionBacklogMax bounds what waits for a session to open.
	SessionOpenTimeout  = 5 * time.Second
	SessionRetryBackoff = time.Second
	SessionBacklogMax   = 65536
	// SessionQueueFramesMax bounds the transactions queued on an open session to one replica: more than a
	// replica takes in about a quarter of a second at capacity would only wait (the client hears busy instead).
	SessionQueueFramesMax = 1024
	// BusyOutcomeWait: a call ends in ErrBusy when a replica refused it as busy and no result came this much
	// later (long enough for a request the primary refused and a backup took to be forwarded and ordered;
	// a call every replica refuses ends at once). A busy replica is not asked again: it says busy only when its queue holds about a second of work
	// (admission control), and resending into an overloaded network only adds to its load; the application
	// decides when to try again.
	BusyOutcomeWait = 5 * time.Second
	// StaleNonceRetriesMax bounds how often a transaction whose nonce went stale is signed again.
	StaleNonceRetriesMax = 3
	// ProvenBlocksMax bounds the cache of blocks whose execution certificate this client verified.
	ProvenBlocksMax = 4096
)
