package client

import (
	"testing"

	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/wire"
)

// TestFramesFitTransport checks that the frames a client sends and reads fit what p2p carries; wire's own
// limits_test.go checks the frames against the layers inside them (chain, consensus).
func TestFramesFitTransport(t *testing.T) {
	for _, c := range []struct {
		name         string
		inner, outer int
	}{
		{"submit frame within the p2p frame max", wire.SubmitFrameBytesMax, p2p.MeshFrameBytesMax},
		{"reply frame within the p2p frame max", wire.ReplyFrameBytesMax, p2p.MeshFrameBytesMax},
		{"block reply frame within the p2p frame max", wire.BlockReplyFrameBytesMax, p2p.MeshFrameBytesMax},
	} {
		if c.inner > c.outer {
			t.Errorf("%s: %d > %d", c.name, c.inner, c.outer)
		}
	}
}
