package sync

import "time"

// Defaults of a transfer (Config). The blocks protocol's caps are package wire's (wire/limits.go).
const (
	ChunkBlocksDefault       = 32
	InFlightPerSourceDefault = 2
	BufferBlocksMaxDefault   = 1024
	RequestTimeoutDefault    = 5 * time.Second
	PenaltyDefault           = 10 * time.Second
)

// CheckpointQueryTimeout bounds asking every replica for its stable checkpoint (BestCheckpoint).
const CheckpointQueryTimeout = 5 * time.Second
