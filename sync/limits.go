package sync

import "time"

// Defaults of a transfer (Config); the wire caps of the blocks protocol.
const (
	ChunkBlocksDefault       = 32
	InFlightPerSourceDefault = 2
	BufferBlocksMaxDefault   = 1024
	RequestTimeoutDefault    = 5 * time.Second
	PenaltyDefault           = 10 * time.Second

	// ChunkBlocksMax caps the blocks one request may ask for; ResponseBytesMax caps one answer.
	ChunkBlocksMax   = 256
	ResponseBytesMax = 32 << 20
)
