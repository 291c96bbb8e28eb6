package wire

import "github.com/sbftnet/sbft/wire/proto"

// Protocol and topic names, defined once in wire/proto (which the transport imports without linking what wire
// encodes) and named here too for the callers that use them beside wire's frames. A chain's protocols and
// topics are /sbft/<chain-id>/<name>/1 (proto.ProtocolID); the info protocol alone is chain-independent.
const (
	MeshProtocol       = proto.MeshProtocol
	TxSession          = proto.TxSession // txsession.go
	BlocksProtocol     = proto.BlocksProtocol
	SubscribeProtocol  = proto.SubscribeProtocol
	ReadProtocol       = proto.ReadProtocol
	HeadProtocol       = proto.HeadProtocol
	CheckpointProtocol = proto.CheckpointProtocol
	CheckpointTopic    = proto.CheckpointTopic
	InstancesProtocol  = proto.InstancesProtocol
	InfoProtocol       = proto.InfoProtocol
)

// InstanceID identifies one process of a replica (wire/proto/instance.go: the mesh hello and instances frames).
type InstanceID = proto.InstanceID
