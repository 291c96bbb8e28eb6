package clientnode

import "errors"

var (
	// ErrConfig is returned for options a client node cannot run with.
	ErrConfig = errors.New("invalid client node config")
	// ErrReadKey is returned for a read of a key that is empty or too long.
	ErrReadKey = errors.New("bad key")
	// ErrBlockHeight is returned for a block height that is not a number above 0 or not applied here.
	ErrBlockHeight = errors.New("bad block height")
)
