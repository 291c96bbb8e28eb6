package consensus_test

import (
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

func init() {
	consensus.MessageCodecForTests.Marshal = wire.MarshalMessage
	consensus.MessageCodecForTests.Unmarshal = wire.UnmarshalMessage
	consensus.MessageCodecForTests.SigningBytes = wire.MessageSigningBytes
	consensus.MessageCodecForTests.ShareSigningBytes = wire.ShareSigningBytes
	consensus.MessageCodecForTests.ForwardMessage = wire.ForwardMessage
}
