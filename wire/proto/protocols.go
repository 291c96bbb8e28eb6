package proto

import "fmt"

// Protocol and topic names. A chain's protocols and topics are /sbft/<chain-id>/<name>/1 (ProtocolID); the
// info protocol alone is chain-independent, so a client can learn the chain from any replica.
const (
	// MeshProtocol is the replica mesh: one long-lived stream per replica pair carrying consensus messages.
	MeshProtocol = "consensus"
	// TxSession is the client transaction session: Submit frames in, Reply frames out (wire/txsession.go).
	TxSession = "tx"
	// BlocksProtocol is request/response state sync: blocks with their commit certificates (wire/blocks.go).
	BlocksProtocol = "blocks"
	// SubscribeProtocol is a push subscription to committed blocks: the subscriber sends the first height it
	// wants, the replica sends every block from there with its commit certificate, as it commits
	// (wire/blocks.go).
	SubscribeProtocol = "subscribe"
	// ReadProtocol is request/response: a key in, its value at a recent height with a proof against a certified
	// state root out (wire/reads.go).
	ReadProtocol = "read"
	// HeadProtocol is request/response: the execution certificate of the highest block the replica executed and
	// knows certified (wire/reads.go); client nodes learn how far the network is from it, unforgeably.
	HeadProtocol = "head"
	// CheckpointProtocol is request/response: the last stable checkpoint with its certificate
	// (wire/checkpoint.go).
	CheckpointProtocol = "checkpoint"
	// CheckpointTopic is the gossipsub topic of signed checkpoint announcements (wire/checkpoint.go).
	CheckpointTopic = "checkpoints"
	// InstancesProtocol is request/response among replicas: which process instances of the requester's key the
	// responder saw open consensus streams lately (instance.go); two means a second process uses the key.
	InstancesProtocol = "instances"
	// InfoProtocol serves a replica's genesis document to anyone (the full libp2p protocol ID).
	InfoProtocol = "/sbft/info/1"
)

// GossipTopics are the gossipsub topics of a chain, all scored by the router.
var GossipTopics = []string{CheckpointTopic}

// ProtocolID is the libp2p protocol ID (or gossipsub topic) of name, version 1, on chain chainID.
func ProtocolID(chainID, name string) string {
	return fmt.Sprintf("/sbft/%s/%s/1", chainID, name)
}
