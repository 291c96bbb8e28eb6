package proto

// Bounds the transport needs of the protocols above it (package wire holds the rest, wire/limits.go).
const (
	// InstancesMax bounds the instances a response carries; InstancesAnswerBytesMax is the largest response
	// (instance.go).
	InstancesMax            = 8
	InstancesAnswerBytesMax = 1 + InstancesMax*(8+8)
	// BlocksAnswerBytesMax caps the answer a source sends: a chunk of blocks with their certificates
	// (wire/blocks.go). It must hold the largest block and its certificate (node/limits_test.go checks); the
	// p2p layer sizes its answer budget from it (p2p/limits.go).
	BlocksAnswerBytesMax = 32 << 20
)
